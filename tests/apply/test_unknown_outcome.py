"""Writes whose answer never came: against a real server that fails every write, half
of them after committing, apply counts what the platform holds and no more."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from reconciler_rest.provider import RestProvider
from reconciler_sandbox.api import ApiOptions, FaultOptions
from reconciler_sandbox.engine import Platform
from reconciler_sandbox.server import running_server

from reconciler.apply.executor import RetryPolicy, execute
from reconciler.model import MANAGED_BY, ProviderConfig

from .plans import OBJECT, create, depends, plan

TOKEN_ENV = "LEARNOPS_UNKNOWN_OUTCOME_TOKEN"
FAST = RetryPolicy(max_attempts=3, base_delay=0.001, max_delay=0.01, deadline=30)
NAMES = [f"course-{n}" for n in range(12)]


@pytest.fixture
def always_failing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[RestProvider]:
    """A platform behind a server that answers every resource write 503."""
    platform = Platform(tmp_path / "lms.db")
    monkeypatch.setenv(TOKEN_ENV, platform.create_token("tests", ["admin"]))
    try:
        faults = FaultOptions(fail_rate=1.0, seed=20270301)
        with running_server(platform, ApiOptions(faults=faults)) as url:
            provider = RestProvider(
                ProviderConfig("rest", {"url": url, "token_env": TOKEN_ENV}), tmp_path
            )
            yield provider
            provider.close()
    finally:
        platform.close()


def test_writes_that_committed_behind_a_failure_are_counted_applied(
    always_failing: RestProvider,
) -> None:
    changes = [create(f"LearningObject/{name}", {**OBJECT, "title": name}) for name in NAMES]
    the_plan = plan(changes, [[str(c.address) for c in changes]])

    result = execute(the_plan, always_failing, descendants=depends({}), parallelism=1,
                     retry=FAST)

    held = {
        r.address for r in always_failing.read_resources(["LearningObject"])
        if r.managed_by == MANAGED_BY
    }
    assert held and len(held) < len(NAMES)  # the seed gives both outcomes
    assert {a.address for a in result.applied} == held
    assert all(a.recovered for a in result.applied)
    assert {f.address for f in result.failed} == {c.address for c in changes} - held
    assert all("outcome unknown: re-run apply" in f.error for f in result.failed)
