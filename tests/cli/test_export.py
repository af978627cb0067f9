"""``learnops export``: the platform as spec files that plan back to adopts only."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from plan_workspace import platform, seed_catalog, spec_copy, write_plan

from reconciler.cli.main import main
from reconciler.model import ADOPT_ANNOTATION

Capture = pytest.CaptureFixture[str]
HEADLINE = re.compile(r"^([+~!-]) (\S+) (\S+) \(([^)]*)\)")

LEGACY = [
    ("LearningObject", "legacy-safety-course",
     {"title": "Legacy safety", "type": "course", "duration": "20m", "languages": ["en"]}),
    ("Audience", "legacy-nurses", {"groups": ["nursing"], "where": {"language": "es"}}),
    ("CertificationPlan", "legacy-safety-plan",
     {"title": "Legacy plan", "steps": [{"name": "only", "items": ["legacy-safety-course"]}],
      "certificate": {"template": "safety", "valid_for": "1y"}}),
    ("Assignment", "legacy-safety-2024",
     {"title": "Legacy 2024", "items": [{"plan": "legacy-safety-plan"}],
      "audience": "legacy-nurses", "start": "2024-01-08", "due": "30d"}),
]


@pytest.fixture
def onboarded(tmp_path: Path) -> Path:
    """A platform with learnops-managed resources and resources made by hand."""
    spec_dir = spec_copy(tmp_path)
    seed_catalog(spec_dir)
    write_plan(spec_dir)
    engine = platform(spec_dir)
    try:
        for kind, name, spec in LEGACY:
            body = {"metadata": {"labels": {"origin": "ui"}, "annotations": {}}, "spec": spec}
            engine.put_resource(kind, name, body, if_none_match=True, actor="admin")
    finally:
        engine.close()
    return spec_dir


def changes(out: str) -> list[tuple[str, str]]:
    return [m.group(2, 3) for line in out.splitlines() if (m := HEADLINE.match(line))]


def test_an_export_validates_and_plans_to_adopts_only(
    onboarded: Path, tmp_path: Path, capsys: Capture
) -> None:
    outdir = tmp_path / "exported"
    assert main(["export", str(onboarded), str(outdir)]) == 0
    capsys.readouterr()
    assert sorted(p.name for p in outdir.iterdir()) == [
        "assignments.yaml", "audiences.yaml", "certification-plans.yaml",
        "learning-objects.yaml", "learnops.yaml", "schema",
    ]
    first_line = (outdir / "assignments.yaml").read_text(encoding="utf-8").splitlines()[0]
    assert first_line.startswith("# yaml-language-server: $schema=")
    assert first_line.endswith("assignment.schema.json")

    assert main(["validate", str(outdir)]) == 0
    capsys.readouterr()
    assert main(["plan", str(outdir), "--detailed-exitcode"]) == 2
    out = capsys.readouterr().out
    assert sorted(changes(out)) == sorted(
        ("adopt", f"{kind}/{name}") for kind, name, _ in LEGACY
    )

    write_plan(outdir)
    assert main(["plan", str(outdir), "--detailed-exitcode"]) == 0


def test_only_unmanaged_resources_carry_the_adopt_annotation(
    onboarded: Path, tmp_path: Path, capsys: Capture
) -> None:
    outdir = tmp_path / "exported"
    assert main(["export", str(onboarded), str(outdir), "--kinds", "Assignment"]) == 0
    assert "1 to adopt" in capsys.readouterr().out
    assert not (outdir / "audiences.yaml").exists()
    documents = list(yaml.safe_load_all((outdir / "assignments.yaml").read_text("utf-8")))
    by_name = {doc["metadata"]["name"]: doc for doc in documents}
    legacy = by_name["legacy-safety-2024"]
    assert legacy["metadata"]["annotations"] == {ADOPT_ANNOTATION: "true"}
    assert legacy["metadata"]["labels"] == {"origin": "ui"}
    assert legacy["spec"]["start"] == "2024-01-08"
    managed = by_name["hipaa-2027-clinical"]
    assert ADOPT_ANNOTATION not in managed["metadata"].get("annotations", {})


def test_an_unknown_kind_is_one_clear_error(
    onboarded: Path, tmp_path: Path, capsys: Capture
) -> None:
    assert main(["export", "--kinds", "Course", str(onboarded), str(tmp_path / "x")]) == 1
    assert "unknown kind 'Course'" in capsys.readouterr().err


def test_the_exported_project_file_holds_no_machine_specific_path(
    onboarded: Path, tmp_path: Path, capsys: Capture
) -> None:
    outdir = tmp_path / "exports" / "lms"
    assert main(["export", str(onboarded), str(outdir)]) == 0
    capsys.readouterr()
    text = (outdir / "learnops.yaml").read_text(encoding="utf-8")
    assert str(tmp_path) not in text
    assert yaml.safe_load(text)["provider"]["users"] == "../../specs/directory/users.csv"
    assert main(["plan", str(outdir), "--detailed-exitcode"]) == 2  # the same platform


def test_options_may_come_between_dir_and_outdir(
    onboarded: Path, tmp_path: Path, capsys: Capture
) -> None:
    outdir = tmp_path / "only-assignments"
    assert main(["export", str(onboarded), "--kinds", "Assignment", str(outdir)]) == 0
    assert f"wrote {outdir / 'assignments.yaml'}" in capsys.readouterr().out
    assert sorted(p.name for p in outdir.iterdir()) == [
        "assignments.yaml", "learnops.yaml", "schema"]


def test_exporting_some_kinds_warns_that_references_point_outside_the_export(
    onboarded: Path, tmp_path: Path, capsys: Capture
) -> None:
    outdir = tmp_path / "only-assignments"
    assert main(["export", str(onboarded), str(outdir), "--kinds", "Assignment"]) == 0
    err = capsys.readouterr().err
    assert "point outside the export (to Audience/" in err
    assert "the exported specs will not validate without them" in err
    assert "learnops plan" not in err  # no promise that it plans as it is
    assert main(["validate", str(outdir)]) == 1


def test_an_existing_project_file_is_kept_and_that_is_said(
    onboarded: Path, tmp_path: Path, capsys: Capture
) -> None:
    outdir = tmp_path / "exported"
    outdir.mkdir()
    (outdir / "learnops.yaml").write_text("project: theirs\n", encoding="utf-8")
    assert main(["export", str(onboarded), str(outdir)]) == 0
    err = capsys.readouterr().err
    assert f"kept the existing {outdir / 'learnops.yaml'}" in err
    assert (outdir / "learnops.yaml").read_text(encoding="utf-8") == "project: theirs\n"
