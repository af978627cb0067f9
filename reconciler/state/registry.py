"""Finds state backends through entry points (group ``reconciler.state_backends``)
and opens the store a target uses.

Which backend: the target's own ``state:``, else the project's ``state:``, else
what its provider's capabilities say (``platform`` when it holds learnops'
metadata, ``local`` otherwise). A backend is a class with
``from_config(config: StateConfig, context: StateContext) -> StateStore``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Final, Protocol

from reconciler.errors import ConfigError
from reconciler.model import ProjectConfig, StateConfig
from reconciler.plugins import PluginRegistry
from reconciler.providers import Provider
from reconciler.providers.registry import target_config
from reconciler.state import StateStore

ENTRY_POINT_GROUP: Final = "reconciler.state_backends"
DEFAULT_WORKSPACE: Final = "provider"


@dataclass(frozen=True)
class StateContext:
    """What a backend may need to open a target's state."""

    project_root: Path
    workspace: str  # the target's name: one workspace per target
    provider: Provider


class StateBackend(Protocol):
    @classmethod
    def open(cls, config: StateConfig, context: StateContext) -> StateStore: ...


def state_config(project: ProjectConfig, target: str | None, provider: Provider) -> StateConfig:
    """The state backend ``target`` uses, as learnops.yaml says or its provider implies."""
    chosen = target_config(project, target).state or project.state
    return chosen or StateConfig(provider.capabilities.default_state)


def open_state(
    project: ProjectConfig,
    target: str | None,
    provider: Provider,
    *,
    registry: PluginRegistry | None = None,
) -> StateStore:
    """The state store of ``target`` (``None``: the default provider)."""
    config = state_config(project, target, provider)
    plugins = registry or PluginRegistry.installed("state backend", ENTRY_POINT_GROUP)
    backend = plugins.load_class(config.type, StateBackend)
    context = StateContext(project.root, target or DEFAULT_WORKSPACE, provider)
    store: object = backend.open(config, context)  # type: ignore[attr-defined]
    if not isinstance(store, StateStore):
        raise ConfigError(f"state backend '{config.type}' built an object that is not a StateStore")
    return store


def installed_backends() -> tuple[str, ...]:
    return PluginRegistry.installed("state backend", ENTRY_POINT_GROUP).names
