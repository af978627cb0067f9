"""The state-store contract for the built-in providers over each state backend:
``sandbox`` and ``rest`` with ``platform`` (ownership on the platform), ``local`` (a
SQLite state file) and ``postgres`` (a real PostgreSQL server the session starts).
The tests themselves live in :mod:`reconciler.testing`, so a third-party provider or
backend runs the same suite."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from reconciler.model import StateConfig
from reconciler.providers import Provider
from reconciler.state import StateStore
from reconciler.state.local import LocalState
from reconciler.state.platform import PlatformState
from reconciler.state.registry import StateContext
from reconciler.state.target import Target
from reconciler.testing.state_contract import *  # noqa: F403 (the suite itself)


@pytest.fixture(params=["platform", "local", "postgres"])
def target(request: pytest.FixtureRequest, provider: Provider, tmp_path: Path) -> Iterator[Target]:
    if not provider.capabilities.creates_objects:
        pytest.skip(f"the state contract's program creates learning objects, which "
                    f"{provider.name} never does (tests/kolibri runs its state end to end)")
    context = StateContext(tmp_path, "provider", provider)
    state: StateStore
    if request.param == "platform":
        state = PlatformState.open(StateConfig("platform"), context)
    elif request.param == "local":
        state = LocalState.open(StateConfig("local"), context)
    else:
        from reconciler.state.postgres import PostgresState

        dsn = request.getfixturevalue("postgres_dsn")
        state = PostgresState(dsn, "provider", schema=request.getfixturevalue("postgres_schema"))
    yield Target(None, provider, state)
    state.close()
