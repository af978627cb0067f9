"""``learnops plan specs/ --output markdown``, the PR comment, against its golden file.

A fresh sandbox seeds its users from specs/directory/users.csv and the content the
specs mark ``existing: true`` from specs/directory/catalog.csv, so the plan is the
same on every machine. Regenerate after an intended change with
``UPDATE_GOLDEN=1 python3 -m pytest tests/cli/test_plan_markdown.py``.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from plan_workspace import SPECS

from reconciler.cli.main import main
from tests.insight.gantt_syntax import parse_gantt

GOLDEN = Path(__file__).resolve().parents[1] / "golden" / "plan-specs.md"


def test_the_markdown_plan_of_specs_matches_its_golden_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    shutil.copytree(SPECS, tmp_path / "specs", ignore=shutil.ignore_patterns(".learnops"))
    monkeypatch.chdir(tmp_path)  # the plan names the directory as typed: "specs"
    monkeypatch.setenv("NO_COLOR", "1")

    assert main(["plan", "specs", "--output", "markdown", "--detailed-exitcode",
                 "--schedule-start", "2027-01-04"]) == 2
    out = capsys.readouterr().out

    if os.environ.get("UPDATE_GOLDEN"):
        GOLDEN.write_text(out, encoding="utf-8")
    assert out == GOLDEN.read_text(encoding="utf-8")
    assert str(tmp_path) not in out and len(out) < 65_000
    charts = [block.split("```")[0] for block in out.split("```mermaid\n")[1:]]
    assert len(charts) == 3  # one per certification plan the specs create
    for chart in charts:
        assert parse_gantt(chart)  # mermaid's gantt grammar, every line


def test_the_markdown_plan_is_the_same_on_a_second_fresh_sandbox(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    outputs = []
    for attempt in ("one", "two"):
        (tmp_path / attempt).mkdir()
        shutil.copytree(SPECS, tmp_path / attempt / "specs",
                        ignore=shutil.ignore_patterns(".learnops"))
        monkeypatch.chdir(tmp_path / attempt)
        assert main(["plan", "specs", "--output", "markdown"]) == 0
        outputs.append(capsys.readouterr().out)
    assert outputs[0] == outputs[1]
