"""``learnops state`` end to end on a copy of specs/ whose state is a local SQLite file."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml

from reconciler.cli.main import main
from reconciler.model import ADOPT_ANNOTATION

SPECS = Path(__file__).resolve().parents[2] / "specs"
Capture = pytest.CaptureFixture[str]
OBJECT = "LearningObject/fire-safety"


def applied(tmp_path: Path, state: str = "local") -> Path:
    project = tmp_path / "specs"
    shutil.copytree(SPECS, project, ignore=shutil.ignore_patterns(".learnops"))
    yaml = project / "learnops.yaml"
    yaml.write_text(yaml.read_text(encoding="utf-8") + f"state: {state}\n", encoding="utf-8")
    assert main(["apply", str(project), "--auto-approve", "--output", "json"]) == 0
    return project


def run(capsys: Capture, *argv: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_list_and_show_tell_what_learnops_manages(tmp_path: Path, capsys: Capture) -> None:
    project = applied(tmp_path)
    code, out, _ = run(capsys, "state", "list", str(project))
    assert code == 0
    listed = out.splitlines()
    assert OBJECT in listed and "Assignment/hipaa-2027-clinical" in listed
    assert listed == sorted(listed)

    code, out, _ = run(capsys, "state", "show", OBJECT, str(project))
    assert code == 0
    assert f"address:     {OBJECT}" in out and "spec hash:   sha256:" in out
    assert "local at " in out and "serial 1" in out
    assert '"title": "Fire Safety' in out  # the essence learnops applied

    code, out, _ = run(capsys, "state", "list", str(project), "--output", "json")
    document = json.loads(out)
    assert document["backend"] == "local" and document["serial"] == 1
    assert OBJECT in document["addresses"]


def test_rm_stops_managing_and_import_takes_it_back(tmp_path: Path, capsys: Capture) -> None:
    project = applied(tmp_path)
    code, out, _ = run(capsys, "state", "rm", OBJECT, str(project))
    assert code == 0 and "no longer manages it" in out
    _, listed, _ = run(capsys, "state", "list", str(project))
    assert OBJECT not in listed.splitlines()
    # The platform still has it; learnops now sees someone else's resource there.
    code, out, err = run(capsys, "plan", str(project))
    assert code != 0 and "error[LO701]" in out + err and "fire-safety" in out + err

    code, out, _ = run(capsys, "state", "import", OBJECT, "fire-safety", str(project))
    assert code == 0 and "Imported" in out
    code, out, _ = run(capsys, "plan", str(project), "--detailed-exitcode")
    assert code == 0 and "No changes" in out
    _, out, _ = run(capsys, "state", "show", OBJECT, str(project))
    assert "serial 3" in out  # rm and import each raised it


def test_state_edits_fail_in_one_clear_line(tmp_path: Path, capsys: Capture) -> None:
    project = applied(tmp_path)
    cases = [
        (["state", "show", "LearningObject/nope", str(project)], "is not in the local state"),
        (["state", "rm", "Gadget/x", str(project)], "is not a resource address"),
        (["state", "import", OBJECT, "fire-safety", str(project)], "already in the state"),
        (["state", "import", "LearningObject/ghost", "ghost", str(project)],
         "has no LearningObject with id 'ghost'"),
        (["state", "mv", OBJECT, "LearningObject/fire-safety-2027", str(project)],
         f"{OBJECT}: cannot move its record to LearningObject/fire-safety-2027: plan finds "
         "sandbox's resources by their address, not by the platform's id"),
    ]
    for argv, message in cases:
        code, _, err = run(capsys, *argv)
        assert code != 0, argv
        assert message in err, (argv, err)
        assert "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_platform_state_is_listed_but_not_edited(tmp_path: Path, capsys: Capture) -> None:
    project = applied(tmp_path, "platform")
    _, out, _ = run(capsys, "state", "list", str(project))
    assert OBJECT in out.splitlines()
    code, _, err = run(capsys, "state", "rm", OBJECT, str(project))
    assert code != 0 and "cannot be edited" in err and "adopt" in err


def test_export_takes_ownership_from_the_state_as_plan_does(
    tmp_path: Path, capsys: Capture
) -> None:
    project = applied(tmp_path)
    assert run(capsys, "state", "rm", OBJECT, str(project))[0] == 0
    # plan now calls fire-safety someone else's (LO701): export must say it needs adopting
    out_dir = tmp_path / "exported"
    code, _, err = run(capsys, "export", str(project), str(out_dir), "--kinds", "learning-objects")
    assert code == 0, err
    documents = {doc["metadata"]["name"]: doc for doc in yaml.safe_load_all(
        (out_dir / "learning-objects.yaml").read_text(encoding="utf-8"))}
    adopt = ADOPT_ANNOTATION
    assert documents["fire-safety"]["metadata"]["annotations"][adopt] == "true"
    _, listed, _ = run(capsys, "state", "list", str(project))
    managed = {line.removeprefix("LearningObject/") for line in listed.splitlines()
               if line.startswith("LearningObject/")}
    assert managed and "fire-safety" not in managed
    for name in managed:  # what the state holds is exported as learnops' own
        assert adopt not in (documents[name]["metadata"].get("annotations") or {})
