"""``learnops.yaml`` as a :class:`ProjectConfig` (its shape is checked by validate first)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Final

from reconciler.model import JSON, ProjectConfig, ProviderConfig, StateConfig

DEFAULT_PROVIDER: Final = ProviderConfig("sandbox", {"path": ".learnops/sandbox.db"})


def default_project(root: Path) -> ProjectConfig:
    """Without ``learnops.yaml``: named after the folder, on the local sandbox."""
    return ProjectConfig(project=root.name, root=root, provider=DEFAULT_PROVIDER)


def project_config(body: Mapping[str, JSON], root: Path) -> ProjectConfig:
    """A schema-valid ``learnops.yaml`` body as the project's configuration."""
    provider = body.get("provider")
    targets = body.get("targets") or {}
    directory = body.get("directory")
    return ProjectConfig(
        project=str(body["project"]),
        root=root,
        provider=_provider(provider) if isinstance(provider, Mapping) else DEFAULT_PROVIDER,
        targets={name: _provider(entry) for name, entry in sorted(targets.items())},
        directory=_provider(directory) if isinstance(directory, Mapping) else None,
        state=_state(body.get("state")),
    )


def _provider(entry: Mapping[str, JSON]) -> ProviderConfig:
    # A target's ``state:`` is learnops' business, never an option of its provider.
    options = {key: value for key, value in entry.items() if key not in ("type", "state")}
    return ProviderConfig(
        type=str(entry["type"]), options=options, state=_state(entry.get("state"))
    )


def _state(entry: JSON) -> StateConfig | None:
    """``state: local`` (a backend by name) or ``state: {type: postgres, ...}``."""
    if isinstance(entry, str):
        return StateConfig(type=entry)
    if isinstance(entry, Mapping):
        options = {key: value for key, value in entry.items() if key != "type"}
        return StateConfig(type=str(entry["type"]), options=options)
    return None
