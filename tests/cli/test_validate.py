"""``learnops validate``: the example specs pass; every invalid case fails with golden output."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from reconciler.cli.main import main
from reconciler.load import MAX_FILE_BYTES
from tests.services import unavailable

ROOT = Path(__file__).resolve().parents[2]
SPECS = ROOT / "specs"
INVALID = ROOT / "tests" / "fixtures" / "invalid"
CASES = sorted(path.name for path in INVALID.iterdir() if path.is_dir())


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(args)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_the_example_specs_are_valid(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(ROOT)
    code, out, err = run(["validate", "specs"], capsys)
    assert (code, err) == (0, "")
    assert out == (
        "valid: 20 learning objects, 7 audiences, 3 certification plans, 6 assignments "
        "in 10 files under specs\n"
    )


def test_every_invalid_case_exists() -> None:
    required = {
        "yaml-syntax", "tab-indentation", "duplicate-key", "unknown-kind", "missing-field",
        "wrong-type", "bad-name", "bad-duration", "bad-date", "unknown-reference",
        "duplicate-name", "forward-after-step", "audience-cycle", "prerequisite-cycle",
        "python-tag", "alias-bomb", "empty-file", "invalid-utf8", "several-errors",
    }  # fmt: skip
    assert required <= set(CASES)


@pytest.mark.parametrize("case", CASES)
def test_invalid_cases_match_their_golden_output(
    case: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(INVALID)
    monkeypatch.setenv("NO_COLOR", "1")
    code, out, err = run(["validate", case], capsys)
    assert code == 1
    assert err == ""
    assert out == (INVALID / case / "expected.txt").read_text(encoding="utf-8")
    for line in out.splitlines()[:-1]:
        assert line.startswith(f"{case}/"), line  # file:line:col first, always


def test_several_errors_in_one_file_are_all_reported(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(INVALID)
    _, out, _ = run(["validate", "several-errors"], capsys)
    lines = [line for line in out.splitlines() if "error[" in line]
    assert len(lines) >= 8
    positions = [tuple(int(n) for n in line.split(":")[1:3]) for line in lines]
    assert positions == sorted(positions)


def test_an_oversized_file_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "specs").mkdir()
    (tmp_path / "specs" / "huge.yaml").write_text("# padding\n" * (MAX_FILE_BYTES // 10 + 1))
    monkeypatch.chdir(tmp_path)
    code, out, _ = run(["validate", "specs"], capsys)
    assert code == 1
    assert out.startswith("specs/huge.yaml:1:1: error[LO301]: file is 1048580 bytes, over the")


def test_json_output(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(INVALID)
    code, out, _ = run(["validate", "unknown-reference", "--output", "json"], capsys)
    document = json.loads(out)
    assert code == 1 and document["valid"] is False
    assert document["diagnostics"][0] == {
        "severity": "error",
        "code": "LO501",
        "message": "spec.items[0].plan refers to unknown CertificationPlan 'hipaa-basics' "
        "('hipaa-basics' is a LearningObject, not a CertificationPlan)",
        "file": "unknown-reference/assignments.yaml",
        "line": 5,
        "col": 18,
    }
    monkeypatch.chdir(ROOT)
    _, out, _ = run(["validate", "specs", "--output", "json"], capsys)
    assert json.loads(out)["resources"] == {
        "LearningObject": 20, "Audience": 7, "CertificationPlan": 3, "Assignment": 6,
    }  # fmt: skip


def test_github_output_is_workflow_annotations(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(INVALID)
    code, out, _ = run(["validate", "duplicate-name", "--output", "github"], capsys)
    lines = out.splitlines()
    assert code == 1
    assert lines[0].startswith(
        "::warning file=duplicate-name/a.yaml,line=3,col=18,title=LO602::"
        "LearningObject 'hipaa-basics'"
    )
    assert lines[1] == (
        "::error file=duplicate-name/more/b.yaml,line=3,col=18,title=LO502::LearningObject "
        "'hipaa-basics' is already defined at a.yaml:3:18; names are unique per kind"
    )


@pytest.mark.parametrize(
    ("argument", "message"),
    [
        ("missing", "error: spec directory 'missing' does not exist\n"),
        ("specs/audiences.yaml", "error: 'specs/audiences.yaml' is not a directory"),
    ],
)
def test_user_mistakes_are_one_line_without_traceback(
    argument: str, message: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(ROOT)
    monkeypatch.setenv("NO_COLOR", "1")
    code, out, err = run(["validate", argument], capsys)
    assert (code, out) == (1, "")
    assert err.startswith(message) and err.count("\n") == 1


def test_an_unknown_output_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(["validate", "--output", "xml"], capsys)
    assert code == 1 and "invalid choice" in err and err.count("\n") == 1


def installed_learnops() -> str:
    """The ``learnops`` script pip installed beside this interpreter (else on PATH)."""
    beside = Path(sys.executable).parent / ("learnops.exe" if os.name == "nt" else "learnops")
    found = str(beside) if beside.is_file() else shutil.which("learnops")
    if found is None:
        unavailable("the learnops script is not installed (pip install -e .)")
    return found


@pytest.mark.slow
def test_the_installed_command_validates_the_specs(tmp_path: Path) -> None:
    # The console script itself, not ``python -m``: its entry point is what users run.
    result = subprocess.run(
        [installed_learnops(), "validate", str(SPECS)],
        capture_output=True, text=True, check=False, cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("valid: 20 learning objects")
    invalid = subprocess.run(
        [installed_learnops(), "validate", str(INVALID / "unknown-kind")],
        capture_output=True, text=True, check=False, cwd=tmp_path,
    )  # fmt: skip
    assert invalid.returncode == 1 and "error[" in invalid.stdout
