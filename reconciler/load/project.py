"""``learnops.yaml`` as a :class:`ProjectConfig` (its shape is checked by validate first)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Final
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

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
    zone = str(body.get("timezone") or "UTC")
    return ProjectConfig(
        project=str(body["project"]),
        root=root,
        provider=(_provider(provider, zone) if isinstance(provider, Mapping)
                  else replace(DEFAULT_PROVIDER, timezone=zone)),
        targets={name: _provider(entry, zone) for name, entry in sorted(targets.items())},
        directory=_provider(directory, zone) if isinstance(directory, Mapping) else None,
        state=_state(body.get("state")),
        timezone=zone,
    )


def _provider(entry: Mapping[str, JSON], zone: str) -> ProviderConfig:
    # A target's ``state:`` is learnops' business, never an option of its provider.
    options = {key: value for key, value in entry.items() if key not in ("type", "state")}
    return ProviderConfig(
        type=str(entry["type"]), options=options, state=_state(entry.get("state")),
        timezone=zone,
    )


def _state(entry: JSON) -> StateConfig | None:
    """``state: local`` (a backend by name) or ``state: {type: postgres, ...}``."""
    if isinstance(entry, str):
        return StateConfig(type=entry)
    if isinstance(entry, Mapping):
        options = {key: value for key, value in entry.items() if key != "type"}
        return StateConfig(type=str(entry["type"]), options=options)
    return None


def is_time_zone(name: str) -> bool:
    """An IANA time zone name this machine knows (``Europe/Berlin``, ``UTC``)."""
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True
