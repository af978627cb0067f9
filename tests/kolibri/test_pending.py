"""An apply to Kolibri killed between a write and its record (``state: local``): Kolibri
holds only part of a spec, so the next plan settles the pending write by what Kolibri
holds of the same spec, and the resource stays learnops' own (no LO701)."""

from __future__ import annotations

from pathlib import Path

import pytest
from cli.test_pending_writes import applied_and_settled, killed_after_the_first_write

from reconciler.cli.main import main
from reconciler.model import JSON
from reconciler.testing.state_contract import Killed

from .program import write_program
from .test_cli import run

__all__ = ["killed_after_the_first_write"]  # the fixture


def test_a_plan_written_before_the_kill_is_recorded_by_the_next_apply(
    capsys: pytest.CaptureFixture[str], target: dict[str, JSON], tmp_path: Path,
    killed_after_the_first_write: list[str],
) -> None:
    program = write_program(tmp_path / "program", target)
    with pytest.raises(Killed):
        main(["apply", str(program), "--auto-approve", "--parallelism", "1"])
    [address] = killed_after_the_first_write
    assert address == "CertificationPlan/hipaa-annual"  # plans are written first
    code, out = run(capsys, "plan", str(program))
    assert code == 0 and "LO701" not in out, out
    assert f"{address}: the interrupted create landed; recorded as managed" in out
    applied_and_settled(capsys, program, address)
