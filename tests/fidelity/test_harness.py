"""The plan-fidelity harness in the suite: bounded, derandomized scenarios (each a
chain of edits with the platform's date moving between them) against the in-process
sandbox, fewer through ``rest`` against a real sandbox server on 127.0.0.1
(benchmarks/fidelity.py runs hundreds), and one chain spelled out."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fidelity.checks import item_key, plan_and_apply, snapshot, time_passes
from fidelity.harness import run_scenario
from fidelity.project import Project, user_row

SEEDS = st.integers(min_value=0, max_value=10**6)
LEARNERS = ["E1", "E2"]
BOUNDED = {"deadline": None, "derandomize": True,
           "suppress_health_check": [HealthCheck.function_scoped_fixture]}


# Each scenario is a first apply and a chain of 3 edits: 15 check 60 plans and applies.
@settings(max_examples=15, **BOUNDED)  # type: ignore[arg-type]
@given(seed=SEEDS)
def test_the_plan_keeps_its_word(seed: int, tmp_path: Path) -> None:
    outcome = run_scenario(seed, tmp_path)
    assert outcome.mismatches == (), f"seed {seed}, edit {outcome.edit}: {outcome.mismatches}"


@settings(max_examples=4, **BOUNDED)  # type: ignore[arg-type]
@given(seed=SEEDS)
def test_the_plan_keeps_its_word_through_rest(
    seed: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("LEARNOPS_FIDELITY_TOKEN", raising=False)
    outcome = run_scenario(seed, tmp_path, rest=True)
    assert outcome.mismatches == (), f"seed {seed}, edit {outcome.edit}: {outcome.mismatches}"


def test_a_chain_through_time_renews_on_the_newest_and_migrates_every_version(
    tmp_path: Path,
) -> None:
    """One chain, spelled out: a keep, a certificate renewed 8 days on (its new cycle on
    the newest version), then a migrate moving learners from two older versions; every
    step checked by the harness's comparisons, and the situation shown to be the one
    described (so the checks had something to check)."""
    project = Project(tmp_path / "repo", user_row("E1") + user_row("E2"))
    for name in ("o1", "o2", "o3"):
        project.put("LearningObject", name, {"title": name, "type": "course"})
    steps = [{"name": "s1", "items": ["o1"], "release": {"at": "enrollment"}}]
    plan = {"title": "P", "steps": steps, "in_progress": "keep",
            "certificate": {"template": "t", "valid_for": "10d", "renew_before": "3d"}}
    project.put("CertificationPlan", "p", plan)
    project.put("Audience", "crew", {"users": ["E1", "E2"]})
    project.put("Assignment", "a", {"items": [{"plan": "p"}], "audience": "crew"})
    starts = {"a": "immediately"}
    assert plan_and_apply(project, LEARNERS, starts) == []
    with project.platform() as engine:
        engine.record_completion("E1", "o1", completed_on=engine.today(), actor="E1")

    steps.append({"name": "s2", "items": ["o2"], "release": {"offset": "20d"}})
    project.put("CertificationPlan", "p", plan)
    assert plan_and_apply(project, LEARNERS, starts) == []
    assert time_passes(project, LEARNERS, 8, starts) == []
    renewed = snapshot(project, LEARNERS)
    p = item_key({"plan": "p"})
    assert [(renewed.held[u][p].cycle, renewed.held[u][p].version) for u in LEARNERS] == [
        (2, 2), (1, 1)]

    plan["in_progress"] = "migrate"
    steps.append({"name": "s3", "items": ["o3"], "release": {"at": "enrollment"}})
    project.put("CertificationPlan", "p", plan)
    assert plan_and_apply(project, LEARNERS, starts) == []
    moved = snapshot(project, LEARNERS)
    assert [moved.held[u][p].version for u in LEARNERS] == [3, 3]  # from 2 and from 1
