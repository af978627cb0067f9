"""Finds provider plugins through entry points and opens the one a project names.

Plugins are loaded lazily, one at a time: a broken third-party package only
matters when a project asks for it. A loaded class is checked against the
:class:`Provider` protocol before it is trusted (pre-commit's way with languages).
"""

from __future__ import annotations

import inspect
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from importlib.metadata import EntryPoint, entry_points
from typing import Final, cast

from reconciler.errors import ConfigError
from reconciler.model import ProjectConfig
from reconciler.providers import Provider, ProviderFactory

ENTRY_POINT_GROUP: Final = "reconciler.providers"

# The protocol's members, read off the protocol so the check cannot fall behind it.
_REQUIRED_METHODS: Final = tuple(
    name for name, member in vars(Provider).items()
    if inspect.isfunction(member) and not name.startswith("_")
)


@dataclass(frozen=True)
class ProviderRegistry:
    """Provider types by name (``sandbox``, ``rest``, ...), each an entry point to load."""

    entries: Mapping[str, EntryPoint]

    @classmethod
    def installed(cls) -> ProviderRegistry:
        return cls.of(entry_points(group=ENTRY_POINT_GROUP))

    @classmethod
    def of(cls, entries: Iterable[EntryPoint]) -> ProviderRegistry:
        return cls({entry.name: entry for entry in entries})

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(sorted(self.entries))

    def factory(self, type_name: str) -> ProviderFactory:
        """The class registered as ``type_name``, checked against the protocol."""
        entry = self.entries.get(type_name)
        if entry is None:
            installed = ", ".join(self.names) or "none"
            raise ConfigError(f"unknown provider type '{type_name}' (installed: {installed})")
        try:
            loaded: object = entry.load()
        except (ImportError, AttributeError) as problem:
            raise ConfigError(
                f"provider '{type_name}' could not be loaded from {entry.value}: {problem}"
            ) from problem
        return _checked_factory(type_name, entry.value, loaded)

    def open(self, project: ProjectConfig, target: str | None = None) -> Provider:
        """Construct the provider of ``target`` (``None``: the project's default)."""
        try:
            config = project.target(target)
        except KeyError:
            known = ", ".join(["provider", *sorted(project.targets)])
            raise ConfigError(
                f"unknown target '{target}' (learnops.yaml defines: {known})"
            ) from None
        provider = self.factory(config.type)(config, project.root)
        if not isinstance(provider, Provider):
            raise ConfigError(
                f"provider '{config.type}' built an object that is not a Provider"
            )
        return provider


def _checked_factory(type_name: str, origin: str, loaded: object) -> ProviderFactory:
    if not inspect.isclass(loaded):
        raise ConfigError(f"provider '{type_name}' ({origin}) is not a class")
    missing = [name for name in _REQUIRED_METHODS if not callable(getattr(loaded, name, None))]
    if missing:
        raise ConfigError(
            f"provider '{type_name}' ({origin}) does not satisfy the Provider protocol: "
            f"missing {', '.join(missing)}"
        )
    # The class is checked as far as Python can at runtime; its signature is trusted.
    return cast(ProviderFactory, loaded)


def installed_providers() -> tuple[str, ...]:
    """Names of the provider types installed in this environment."""
    return ProviderRegistry.installed().names


def open_provider(project: ProjectConfig, target: str | None = None) -> Provider:
    """The provider ``learnops.yaml`` names for ``--target`` (default: ``provider``)."""
    return ProviderRegistry.installed().open(project, target)
