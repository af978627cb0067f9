"""validate knows the directory file (LO604), and a schema error in a document does not
hide that document's semantic errors: one run shows every problem."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from reconciler.cli.main import main

ROOT = Path(__file__).resolve().parents[2]
Capture = pytest.CaptureFixture[str]


@pytest.fixture
def specs(tmp_path: Path) -> Path:
    target = tmp_path / "specs"
    shutil.copytree(ROOT / "specs", target, ignore=shutil.ignore_patterns(".learnops"))
    return target


def line_of(path: Path, text: str) -> int:
    return next(n for n, line in enumerate(path.read_text().splitlines(), 1) if text in line)


def test_a_where_key_the_directory_lacks_is_a_warning_at_its_own_line(
    specs: Path, capsys: Capture
) -> None:
    audiences = specs / "audiences.yaml"
    audiences.write_text(audiences.read_text().replace("    language: es", "    langauge: es"))
    assert main(["validate", str(specs)]) == 0  # a warning, not an error
    err = "".join(capsys.readouterr())
    line = line_of(audiences, "langauge: es")
    assert (f"audiences.yaml:{line}:5: warning[LO604]: spec.where.langauge: no user in "
            "directory/users.csv has the attribute 'langauge', so the condition sees it "
            "missing for everyone; did you mean 'language'?") in err
    assert err.count("LO604") == 1


def test_inline_audiences_are_checked_and_known_attributes_pass(
    specs: Path, capsys: Capture
) -> None:
    assignments = specs / "assignments" / "programs.yaml"
    text = assignments.read_text()
    assert "where:" in text  # the fire-safety assignment's inline audience
    assignments.write_text(text.replace("where:", "where:\n      deparment: Facilities", 1))
    assert main(["validate", str(specs)]) == 0
    err = "".join(capsys.readouterr())
    assert "warning[LO604]: spec.audience.where.deparment" in err
    assert "did you mean 'department'?" in err
    assert err.count("LO604") == 1


def test_no_directory_file_no_warning(specs: Path, capsys: Capture) -> None:
    (specs / "directory" / "users.csv").unlink()
    audiences = specs / "audiences.yaml"
    audiences.write_text(audiences.read_text().replace("    language: es", "    langauge: es"))
    main(["validate", str(specs)])
    assert "LO604" not in "".join(capsys.readouterr())


def test_a_schema_error_does_not_hide_the_documents_semantic_errors(
    tmp_path: Path, capsys: Capture
) -> None:
    (tmp_path / "objects.yaml").write_text(
        "apiVersion: learnops/v1\nkind: LearningObject\nmetadata: {name: intro}\n"
        "spec:\n  title: Intro\n  type: video\n  colour: red\n"
        "  prerequisites: [basics-101]\n"
        "---\n"
        "apiVersion: learnops/v1\nkind: CertificationPlan\nmetadata: {name: plan}\n"
        "spec:\n  title: P\n  steps:\n"
        "    - {name: one, items: [intro], due: soon}\n"
        "    - {name: one, items: [intro], release: {offset: 1d}}\n"
        "  certificate: {template: t, valid_for: 30d, renew_before: 2mo}\n"
    )
    assert main(["validate", str(tmp_path)]) == 1
    err = "".join(capsys.readouterr())
    # schema errors ...
    assert "objects.yaml:7:3: error[LO402]" in err or "colour" in err
    assert "soon" in err
    # ... and, in the same run, the same documents' meaning
    assert ("error[LO501]: spec.prerequisites[0] refers to unknown LearningObject "
            "'basics-101'") in err
    assert "error[LO504]: spec.steps[1]: step name 'one' is already used by step 1" in err
    assert "error[LO507]" in err


def test_a_schema_fault_is_not_reported_twice(tmp_path: Path, capsys: Capture) -> None:
    (tmp_path / "objects.yaml").write_text(
        "apiVersion: learnops/v1\nkind: LearningObject\nmetadata: {name: intro}\n"
        "spec:\n  title: Intro\n  type: video\n  prerequisites: [Not_A_Name]\n"
    )
    assert main(["validate", str(tmp_path)]) == 1
    err = "".join(capsys.readouterr())
    assert "error[LO405]" in err  # the name pattern
    assert "LO501" not in err  # not also "unknown LearningObject 'Not_A_Name'"


def test_plan_says_it_once_too(specs: Path, capsys: Capture) -> None:
    audiences = specs / "audiences.yaml"
    audiences.write_text(audiences.read_text().replace("    language: es", "    langauge: es"))
    main(["plan", str(specs)])
    out = "".join(capsys.readouterr())
    assert out.count("LO604") == 1 and "LO711" not in out  # validate's, at the key's line
