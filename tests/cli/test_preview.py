"""``learnops preview`` on specs/: golden text and mermaid for every plan."""

from __future__ import annotations

from pathlib import Path

import pytest
from insight_workspace import ROOT, check_golden

from reconciler.cli.main import main

Capture = pytest.CaptureFixture[str]
PLANS = ("hipaa-annual", "leadership", "onboarding")


@pytest.mark.parametrize("plan", PLANS)
@pytest.mark.parametrize("fmt", ["text", "mermaid"])
def test_the_preview_of_each_plan_matches_its_golden(plan: str, fmt: str,
                                                     capsys: Capture) -> None:
    code = main(["preview", plan, str(ROOT / "specs"), "--start", "2027-01-04",
                 "--format", fmt])
    assert code == 0
    check_golden(f"preview-{plan}.{'txt' if fmt == 'text' else 'mmd'}", capsys.readouterr().out)


def test_an_unknown_plan_exits_1_with_a_suggestion(capsys: Capture) -> None:
    assert main(["preview", "hipaa", str(ROOT / "specs"), "--start", "2027-01-04"]) == 1
    assert "did you mean 'hipaa-annual'" in capsys.readouterr().err


def test_a_bad_start_date_is_a_one_line_usage_error(capsys: Capture) -> None:
    assert main(["preview", "leadership", str(ROOT / "specs"), "--start", "2027-13-01"]) == 1
    err = capsys.readouterr().err
    assert "--start" in err and "YYYY-MM-DD" in err and len(err.splitlines()) == 1


def test_specs_that_do_not_compile_exit_1_with_located_errors(
    tmp_path: Path, capsys: Capture
) -> None:
    (tmp_path / "broken.yaml").write_text(
        "apiVersion: learnops/v1\nkind: CertificationPlan\nmetadata: {name: p}\n"
        "spec: {title: P, steps: [{name: a, items: [missing]}]}\n", encoding="utf-8")
    assert main(["preview", "p", str(tmp_path)]) == 1
    assert "broken.yaml:" in capsys.readouterr().err
