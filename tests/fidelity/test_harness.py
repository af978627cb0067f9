"""The plan-fidelity harness in the suite: bounded, derandomized scenarios against
the in-process sandbox, and fewer through ``rest`` against a real sandbox server on
127.0.0.1 (benchmarks/fidelity.py runs thousands)."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fidelity.harness import run_scenario

SEEDS = st.integers(min_value=0, max_value=10**6)
BOUNDED = {"deadline": None, "derandomize": True,
           "suppress_health_check": [HealthCheck.function_scoped_fixture]}


@settings(max_examples=25, **BOUNDED)  # type: ignore[arg-type]
@given(seed=SEEDS)
def test_the_plan_keeps_its_word(seed: int, tmp_path: Path) -> None:
    outcome = run_scenario(seed, tmp_path)
    assert outcome.mismatches == (), f"seed {seed}, edit {outcome.edit}: {outcome.mismatches}"


@settings(max_examples=6, **BOUNDED)  # type: ignore[arg-type]
@given(seed=SEEDS)
def test_the_plan_keeps_its_word_through_rest(
    seed: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("LEARNOPS_FIDELITY_TOKEN", raising=False)
    outcome = run_scenario(seed, tmp_path, rest=True)
    assert outcome.mismatches == (), f"seed {seed}, edit {outcome.edit}: {outcome.mismatches}"
