"""The facade of ``learnops release``: compile, open the target, perform (or list) what
falls due on a day, close. Platforms with a scheduler of their own need none of it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from reconciler.compiler import compile_dir
from reconciler.model import DesiredState
from reconciler.providers import Provider
from reconciler.providers.registry import open_provider
from reconciler.providers.releases import Releaser, ReleaseReport


@dataclass(frozen=True)
class ReleaseOutcome:
    provider: str
    report: ReleaseReport | None  # None: the platform schedules releases itself
    dry_run: bool


def release_directory(spec_dir: Path, *, today: date, target: str | None = None,
                      dry_run: bool = False) -> ReleaseOutcome:
    """What ``learnops release`` does: ``SpecError`` when the specs do not compile."""
    compiled = compile_dir(spec_dir)
    provider = open_provider(compiled.state.project, target)
    try:
        return ReleaseOutcome(provider.name, releases(provider, compiled.state, today,
                                                      dry_run=dry_run), dry_run)
    finally:
        provider.close()


def releases(provider: Provider, desired: DesiredState, today: date, *,
             dry_run: bool) -> ReleaseReport | None:
    """The releases due on ``today`` through ``provider``, performed unless ``dry_run``;
    ``None`` for a platform that releases by itself."""
    if not isinstance(provider, Releaser):
        return None
    if dry_run:
        return provider.releases_due(desired, today)
    return provider.release_due(desired, today)
