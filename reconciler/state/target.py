"""A target opened for work: its provider and its state store, opened and closed
together, so the state is threaded once through plan, apply and sync."""

from __future__ import annotations

from dataclasses import dataclass

from reconciler.model import ProjectConfig
from reconciler.providers import ChangeCounter, Provider
from reconciler.providers.registry import open_provider
from reconciler.state import StateStore
from reconciler.state.registry import open_state


@dataclass(frozen=True)
class Target:
    name: str | None  # the --target name (None: the default provider)
    provider: Provider
    state: StateStore

    def mark(self) -> tuple[str, int, int | None]:
        """Where the state and the platform stand: ``(lineage, serial, platform
        version or None)``; equal marks mean nobody wrote in between (as far as a
        platform without a change counter can tell: only learnops' own writes)."""
        lineage, serial = self.state.serial()
        version = (
            self.provider.state_version() if isinstance(self.provider, ChangeCounter) else None
        )
        return lineage, serial, version

    def close(self) -> None:
        try:
            self.state.close()
        finally:
            self.provider.close()


def open_target(project: ProjectConfig, target: str | None = None) -> Target:
    """The provider and state store ``learnops.yaml`` names for ``--target``."""
    provider = open_provider(project, target)
    try:
        state = open_state(project, target, provider)
    except BaseException:
        provider.close()
        raise
    return Target(target, provider, state)
