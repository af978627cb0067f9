"""Finds provider plugins through entry points and opens the one a project names.

Plugins are loaded lazily, one at a time (:mod:`reconciler.plugins`): a broken
third-party package only matters when a project asks for it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from importlib.metadata import EntryPoint
from typing import Final, cast

from reconciler.errors import ConfigError
from reconciler.model import ProjectConfig, ProviderConfig
from reconciler.plugins import PluginRegistry
from reconciler.providers import Provider, ProviderFactory

ENTRY_POINT_GROUP: Final = "reconciler.providers"


@dataclass(frozen=True)
class ProviderRegistry:
    """Provider types by name (``sandbox``, ``rest``, ...), each an entry point to load."""

    plugins: PluginRegistry

    @classmethod
    def installed(cls) -> ProviderRegistry:
        return cls(PluginRegistry.installed("provider", ENTRY_POINT_GROUP))

    @classmethod
    def of(cls, entries: Iterable[EntryPoint]) -> ProviderRegistry:
        return cls(PluginRegistry.of("provider", entries))

    @property
    def names(self) -> tuple[str, ...]:
        return self.plugins.names

    @property
    def entries(self) -> Mapping[str, EntryPoint]:
        return self.plugins.entries

    def factory(self, type_name: str) -> ProviderFactory:
        """The class registered as ``type_name``, checked against the protocol."""
        # The class is checked as far as Python can at runtime; its signature is trusted.
        return cast(ProviderFactory, self.plugins.load_class(type_name, Provider))

    def open(self, project: ProjectConfig, target: str | None = None) -> Provider:
        """Construct the provider of ``target`` (``None``: the project's default)."""
        config = target_config(project, target)
        provider = self.factory(config.type)(config, project.root)
        if not isinstance(provider, Provider):
            raise ConfigError(
                f"provider '{config.type}' built an object that is not a Provider"
            )
        return provider


def target_config(project: ProjectConfig, target: str | None) -> ProviderConfig:
    """The provider entry of ``--target`` (``None``: the project's default)."""
    try:
        return project.target(target)
    except KeyError:
        known = ", ".join(["provider", *sorted(project.targets)])
        raise ConfigError(
            f"unknown target '{target}' (learnops.yaml defines: {known})"
        ) from None


def installed_providers() -> tuple[str, ...]:
    """Names of the provider types installed in this environment."""
    return ProviderRegistry.installed().names


def open_provider(project: ProjectConfig, target: str | None = None) -> Provider:
    """The provider ``learnops.yaml`` names for ``--target`` (default: ``provider``)."""
    return ProviderRegistry.installed().open(project, target)
