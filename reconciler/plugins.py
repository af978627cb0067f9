"""Entry-point plugins, loaded lazily one at a time (providers, state backends).

A broken third-party package only matters when a project asks for it; a loaded
class is checked for the methods its protocol requires before it is trusted
(pre-commit's way with languages).
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from importlib.metadata import EntryPoint, entry_points

from reconciler.errors import ConfigError


def protocol_methods(protocol: type) -> tuple[str, ...]:
    """A protocol's public methods, read off it so a check cannot fall behind it."""
    names: list[str] = []
    for klass in protocol.__mro__:
        if klass is object or klass.__name__ in ("Protocol", "Generic"):
            continue
        names.extend(
            name for name, member in vars(klass).items()
            if (inspect.isfunction(member) or isinstance(member, classmethod))
            and not name.startswith("_") and name not in names
        )
    return tuple(names)


@functools.cache
def _installed_entries(group: str) -> tuple[EntryPoint, ...]:
    """The installed entry points of ``group``, read once a process: the read scans
    every installed distribution's metadata (milliseconds), and a command may look
    more than once, a long-running server or in-process caller many times. A plugin
    installed meanwhile is found by the next process."""
    return tuple(entry_points(group=group))


@dataclass(frozen=True)
class PluginRegistry:
    """Plugin classes by name, each an entry point of ``group`` to load."""

    what: str  # "provider", "state backend": how errors name a plugin
    entries: Mapping[str, EntryPoint]

    @classmethod
    def installed(cls, what: str, group: str) -> PluginRegistry:
        return cls.of(what, _installed_entries(group))

    @classmethod
    def of(cls, what: str, entries: Iterable[EntryPoint]) -> PluginRegistry:
        return cls(what, {entry.name: entry for entry in entries})

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(sorted(self.entries))

    def load_class(self, type_name: str, protocol: type) -> type:
        """The class registered as ``type_name``, with every method of ``protocol``."""
        entry = self.entries.get(type_name)
        if entry is None:
            installed = ", ".join(self.names) or "none"
            raise ConfigError(f"unknown {self.what} type '{type_name}' (installed: {installed})")
        try:
            loaded: object = entry.load()
        except (ImportError, AttributeError) as problem:
            raise ConfigError(
                f"{self.what} '{type_name}' could not be loaded from {entry.value}: {problem}"
            ) from problem
        if not inspect.isclass(loaded):
            raise ConfigError(f"{self.what} '{type_name}' ({entry.value}) is not a class")
        missing = [
            name for name in protocol_methods(protocol)
            if not callable(getattr(loaded, name, None))
        ]
        if missing:
            raise ConfigError(
                f"{self.what} '{type_name}' ({entry.value}) does not satisfy the "
                f"{protocol.__name__} protocol: "
                f"missing {', '.join(missing)}"
            )
        return loaded
