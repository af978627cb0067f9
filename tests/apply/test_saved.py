"""Saved plans checked against their specs and their platform before anything is written."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from reconciler_rest.provider import RestProvider
from reconciler_sandbox.provider import SandboxProvider

from reconciler.apply.saved import SavedPlan, check_target, first_inconsistency
from reconciler.compiler import Compiled, compile_dir
from reconciler.errors import StalePlanError
from reconciler.model import ProviderConfig
from reconciler.plan.model import Plan
from reconciler.plan.planner import build_plan

from .workspace import copy_specs


@pytest.fixture
def planned(tmp_path: Path) -> tuple[Plan, Compiled]:
    """specs/ planned against its fresh sandbox (every resource to create)."""
    compiled = compile_dir(copy_specs(tmp_path))
    provider = SandboxProvider(
        ProviderConfig("sandbox", {"path": ".learnops/sandbox.db",
                                   "catalog": "directory/catalog.csv"}),
        compiled.state.project.root,
    )
    try:
        return build_plan(compiled, provider, target="staging"), compiled
    finally:
        provider.close()


def rest(url: str, monkeypatch: pytest.MonkeyPatch) -> RestProvider:
    monkeypatch.setenv("SAVED_PLAN_TOKEN", "t0k3n")
    return RestProvider(
        ProviderConfig("rest", {"url": url, "token_env": "SAVED_PLAN_TOKEN"}), Path(".")
    )


def test_a_fresh_plan_is_backed_by_its_specs(planned: tuple[Plan, Compiled]) -> None:
    plan, compiled = planned
    assert plan.target_name == "staging"
    assert plan.source_root == str(compiled.state.project.root)
    assert first_inconsistency(plan, compiled.state) is None


def test_a_change_listed_twice_is_inconsistent(planned: tuple[Plan, Compiled]) -> None:
    plan, compiled = planned
    create = next(c for c in plan.changes if c.action == "create")
    noop_twin = dataclasses.replace(create, action="no-op", reason="unchanged")
    doubled = dataclasses.replace(plan, changes=(*plan.changes, noop_twin))

    assert first_inconsistency(doubled, compiled.state) == (
        f"it lists {create.address} more than once"
    )


def test_a_platform_is_known_by_its_url_without_credentials(
    planned: tuple[Plan, Compiled], monkeypatch: pytest.MonkeyPatch
) -> None:
    plan, compiled = planned
    made_on = rest("https://ana:s3cret@Staging-LMS.example.com/api/v1", monkeypatch)
    assert made_on.identity == "https://staging-lms.example.com/api/v1"
    saved = SavedPlan(
        dataclasses.replace(plan, target_provider="rest", platform=made_on.identity),
        compiled, Path("st.json"),
    )
    # Another password for the same platform: the same platform.
    check_target(saved, rest("https://bo:other@staging-lms.example.com/api/v1", monkeypatch),
                 "staging")

    with pytest.raises(StalePlanError) as refused:
        check_target(saved, rest("https://ana:s3cret@lms.example.com/api/v1", monkeypatch),
                     "staging")
    message = str(refused.value)
    assert "https://staging-lms.example.com/api/v1" in message
    assert "https://lms.example.com/api/v1" in message
    assert "s3cret" not in message and "\n" not in message
