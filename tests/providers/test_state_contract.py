"""The state-store contract for the built-in providers over each state backend:
``sandbox`` and ``rest`` with ``platform`` (ownership on the platform) and ``local``
(a SQLite state file). The tests themselves live in :mod:`reconciler.testing`, so a
third-party provider or backend runs the same suite."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from reconciler.model import StateConfig
from reconciler.providers import Provider
from reconciler.state.local import LocalState
from reconciler.state.platform import PlatformState
from reconciler.state.registry import StateContext
from reconciler.state.target import Target
from reconciler.testing.state_contract import *  # noqa: F403 (the suite itself)


@pytest.fixture(params=["platform", "local"])
def target(request: pytest.FixtureRequest, provider: Provider, tmp_path: Path) -> Iterator[Target]:
    context = StateContext(tmp_path, "provider", provider)
    state = (
        PlatformState.open(StateConfig("platform"), context) if request.param == "platform"
        else LocalState.open(StateConfig("local"), context)
    )
    yield Target(None, provider, state)
    state.close()
