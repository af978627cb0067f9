"""The plan-fidelity harness in the suite: bounded, derandomized scenarios against
the in-process sandbox (benchmarks/fidelity.py runs thousands)."""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fidelity.harness import run_scenario


@settings(max_examples=25, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(min_value=0, max_value=10**6))
def test_the_plan_keeps_its_word(seed: int, tmp_path: Path) -> None:
    outcome = run_scenario(seed, tmp_path)
    assert outcome.mismatches == (), f"seed {seed}, edit {outcome.edit}: {outcome.mismatches}"
