"""``learnops explain`` on specs/ with the golden directory: golden output per learner."""

from __future__ import annotations

from pathlib import Path

import pytest
from insight_workspace import check_golden, specs_with_directory

from reconciler.cli.main import main

Capture = pytest.CaptureFixture[str]


@pytest.fixture(scope="module")
def specs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return specs_with_directory(tmp_path_factory.mktemp("explain"))


# E1001: in both HIPAA assignments (deduplicated); E1005: a contractor nurse left out by
# the exclude; E1011: a new hire at the front desk; E1006: inactive.
@pytest.mark.parametrize("employee", ["E1001", "E1005", "E1011", "E1006"])
def test_explain_matches_its_golden(specs: Path, employee: str, capsys: Capture) -> None:
    assert main(["explain", employee, str(specs), "--as-of", "2027-01-04"]) == 0
    check_golden(f"explain-{employee}.txt", capsys.readouterr().out)


def test_the_winner_of_an_overlap_is_named(specs: Path, capsys: Capture) -> None:
    main(["explain", "E1001", str(specs), "--as-of", "2027-01-04"])
    out = capsys.readouterr().out
    assert "plan hipaa-annual: via hipaa-2027-clinical (enrolled 2027-01-04" in out
    assert "also reached by hipaa-2027-nurses-es: deduplicated" in out


def test_the_schedule_is_for_a_new_enrollment_not_the_learners_own(
    specs: Path, capsys: Capture
) -> None:
    main(["explain", "E1001", str(specs), "--as-of", "2027-01-04"])
    out = capsys.readouterr().out
    assert "Release schedule of plan hipaa-annual for a new enrollment on 2027-01-04:" in out
    assert out.count("learners already enrolled keep their own enrollment date and plan "
                     "version (see `learnops sandbox learner view` for the sandbox)") == 1


def test_an_unknown_employee_exits_1(specs: Path, capsys: Capture) -> None:
    assert main(["explain", "E9999", str(specs)]) == 1
    assert "no user 'E9999'" in capsys.readouterr().err


def test_an_unknown_target_exits_1(specs: Path, capsys: Capture) -> None:
    assert main(["explain", "E1001", str(specs), "--target", "staging"]) == 1
    assert "unknown target 'staging'" in capsys.readouterr().err
