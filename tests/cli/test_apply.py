"""``learnops apply`` end to end on a copy of specs/ and its embedded sandbox platform."""

from __future__ import annotations

import json
import shutil
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from reconciler_sandbox.engine import Platform

from reconciler.cli.main import main
from reconciler.compiler import compile_dir
from reconciler.model import content_hash

SPECS = Path(__file__).resolve().parents[2] / "specs"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A copy of specs/ whose platform already holds its users and the ``existing: true``
    objects (authored there by someone else, so not managed by learnops)."""
    target = tmp_path / "specs"
    shutil.copytree(SPECS, target, ignore=shutil.ignore_patterns(".learnops"))
    users = target / "directory" / "users.csv"
    existing = [
        r for r in compile_dir(target).state.resources if r.spec.get("existing") is True
    ]
    with platform_of(target) as platform:
        platform.import_users_csv(users.read_text(encoding="utf-8"), actor="hris")
        for resource in existing:
            platform.put_resource(
                resource.kind, resource.name,
                {"metadata": {"labels": {}, "annotations": {}}, "spec": dict(resource.spec)},
                if_none_match=True, actor="lms-admin",
            )
    return target


@contextmanager
def platform_of(project: Path) -> Iterator[Platform]:
    (project / ".learnops").mkdir(exist_ok=True)
    platform = Platform(project / ".learnops" / "sandbox.db")
    try:
        yield platform
    finally:
        platform.close()


def audit(project: Path) -> list[dict[str, Any]]:
    """The resource writes of the audit log (lock entries left out)."""
    with platform_of(project) as platform:
        entries = platform.audit(limit=1000)
    return [e for e in entries if e["action"] in ("create", "update", "inactivate", "delete")]


def state_version(project: Path) -> int:
    with platform_of(project) as platform:
        return platform.state_version()


def test_apply_makes_the_platform_equal_the_specs_and_a_rerun_writes_nothing(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["apply", str(project), "--auto-approve"]) == 0
    out = capsys.readouterr().out
    assert "created Assignment/hipaa-2027-clinical" in out
    assert "Apply complete" in out and "0 failed" in out

    assert main(["plan", str(project), "--detailed-exitcode"]) == 0
    before, version = audit(project), state_version(project)
    assert main(["apply", str(project), "--auto-approve"]) == 0
    assert audit(project) == before
    assert state_version(project) == version


def test_editing_one_spec_writes_exactly_that_resource(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["apply", str(project), "--auto-approve"]) == 0
    seen = len(audit(project))
    safety = project / "objects" / "safety.yaml"
    safety.write_text(
        safety.read_text().replace("Fire Drill (on site)", "Fire Drill (on site, quarterly)")
    )
    capsys.readouterr()

    assert main(["apply", str(project), "--auto-approve"]) == 0

    new = audit(project)[seen:]
    assert [(e["action"], e["kind"], e["name"]) for e in new] == [
        ("update", "LearningObject", "fire-drill")
    ]
    assert "updated LearningObject/fire-drill" in capsys.readouterr().out


def test_without_a_terminal_apply_refuses_unless_auto_approved(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    version = state_version(project)
    assert main(["apply", str(project)]) == 1
    assert "--auto-approve" in capsys.readouterr().err
    assert state_version(project) == version


def test_a_plan_with_errors_writes_nothing(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with platform_of(project) as platform:  # someone else already owns this name
        platform.put_resource(
            "Audience", "managers",
            {"metadata": {"labels": {}, "annotations": {}}, "spec": {"users": ["E1001"]}},
            if_none_match=True, actor="lms-admin",
        )
    version = state_version(project)

    assert main(["apply", str(project), "--auto-approve"]) == 1

    err = capsys.readouterr().err
    assert "nothing was written" in err
    assert state_version(project) == version


def test_a_saved_plan_is_applied_exactly(
    project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    saved = tmp_path / "release.plan.json"
    assert main(["plan", str(project), "--out", str(saved)]) == 0
    planned = json.loads(saved.read_text())
    capsys.readouterr()

    assert main(["apply", str(saved), "--output", "json"]) == 0

    result = json.loads(capsys.readouterr().out)
    assert result["result"] == "applied"
    assert sorted(a["address"] for a in result["applied"]) == sorted(
        c["address"] for c in planned["changes"] if c["action"] != "no-op"
    )
    assert result["writes"] == len(result["applied"])
    assert main(["plan", str(project), "--detailed-exitcode"]) == 0


def test_a_saved_plan_that_inactivates_an_assignment_in_code_is_applied(
    project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["apply", str(project), "--auto-approve"]) == 0
    programs = project / "assignments" / "programs.yaml"
    text = programs.read_text()
    assert "metadata: {name: leadership-2027}" in text
    programs.write_text(text.replace(
        "metadata: {name: leadership-2027}\nspec:\n",
        "metadata: {name: leadership-2027}\nspec:\n  active: false\n", 1))
    saved = tmp_path / "inactivate.plan.json"
    assert main(["plan", str(project), "--out", str(saved)]) == 0
    [change] = [c for c in json.loads(saved.read_text())["changes"] if c["action"] != "no-op"]
    assert (change["address"], change["action"]) == ("Assignment/leadership-2027", "inactivate")
    capsys.readouterr()

    assert main(["apply", str(saved)]) == 0
    assert main(["plan", str(project), "--detailed-exitcode"]) == 0


def test_a_saved_plan_is_stale_once_someone_changed_the_platform(
    project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    saved = tmp_path / "release.plan.json"
    assert main(["plan", str(project), "--out", str(saved)]) == 0
    with platform_of(project) as platform:  # a colleague's unrelated change
        platform.put_resource(
            "LearningObject", "lunch-and-learn",
            {"metadata": {"labels": {}, "annotations": {}},
             "spec": {"title": "Lunch and learn", "type": "event"}},
            if_none_match=True, actor="colleague",
        )
    version, entries = state_version(project), len(audit(project))
    capsys.readouterr()

    assert main(["apply", str(saved)]) == 1

    err = capsys.readouterr().err
    assert "stale" in err and "plan again" in err
    assert state_version(project) == version
    assert len(audit(project)) == entries


def test_a_saved_plan_is_stale_once_the_specs_changed(
    project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    saved = tmp_path / "release.plan.json"
    assert main(["plan", str(project), "--out", str(saved)]) == 0
    safety = project / "objects" / "safety.yaml"
    safety.write_text(safety.read_text().replace("duration: 2h", "duration: 3h"))
    version = state_version(project)

    assert main(["apply", str(saved)]) == 1

    assert "specs in" in capsys.readouterr().err
    assert state_version(project) == version


def test_a_second_apply_fails_naming_the_holder_until_force_unlocked(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with platform_of(project) as platform:
        lock = platform.acquire_lock("ana@build-7 pid 4242", 600)
    version = state_version(project)

    assert main(["apply", str(project), "--auto-approve", "--lock-timeout", "0.3s"]) == 1
    err = capsys.readouterr().err
    assert "ana@build-7 pid 4242" in err and lock["lease_id"] in err
    assert lock["lock_id"] not in err  # the holder's secret never reaches another apply
    assert state_version(project) == version

    assert main(["force-unlock", lock["lease_id"], str(project)]) == 0
    assert main(["apply", str(project), "--auto-approve", "--lock-timeout", "0s"]) == 0


def test_a_second_apply_waits_for_the_first_to_let_go(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with platform_of(project) as platform:
        lock = platform.acquire_lock("first apply", 600)
    with platform_of(project) as platform:
        releaser = threading.Timer(0.5, platform.release_lock, [lock["lock_id"]])
        releaser.start()
        code = main(["apply", str(project), "--auto-approve", "--lock-timeout", "60s"])
        releaser.join()
    assert code == 0
    assert "waiting up to 60s for the apply lock held by first apply" in capsys.readouterr().err


def test_parallelism_must_be_positive(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["apply", str(project), "--auto-approve", "--parallelism", "0"]) == 1
    assert "--parallelism" in capsys.readouterr().err


# -- saved plans: where they may be applied, and only as reviewed ----------------------


def add_sandbox_targets(project: Path, *names: str) -> None:
    """Targets on sandboxes of their own, each seeded from the project's directory."""
    config = project / "learnops.yaml"
    entries = "".join(
        f"  {name}: {{type: sandbox, path: .learnops/{name}.db, users: directory/users.csv, "
        "catalog: directory/catalog.csv}\n"
        for name in names
    )
    config.write_text(config.read_text(encoding="utf-8") + "targets:\n" + entries,
                      encoding="utf-8")


def sandbox_version(db: Path) -> int:
    platform = Platform(db)
    try:
        return platform.state_version()
    finally:
        platform.close()


def test_a_plan_saved_for_one_target_is_refused_on_another(
    project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    add_sandbox_targets(project, "staging", "production")
    staging, production = (project / ".learnops" / f"{n}.db" for n in ("staging", "production"))
    saved = tmp_path / "st.json"
    assert main(["plan", str(project), "--target", "staging", "--out", str(saved)]) == 0
    assert main(["plan", str(project), "--target", "production"]) == 0  # seeds it too
    assert sandbox_version(production) == sandbox_version(staging)  # both fresh, alike
    planned = json.loads(saved.read_text())
    assert planned["target"]["name"] == "staging"
    assert planned["target"]["platform"] == str(staging.resolve())
    version = sandbox_version(production)
    capsys.readouterr()

    assert main(["apply", str(saved), "--target", "production"]) == 1

    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1
    assert "'staging'" in err and "'production'" in err and "nothing was written" in err
    assert sandbox_version(production) == version
    assert main(["apply", str(saved), "--target", "staging"]) == 0


def test_a_saved_plan_applies_to_the_target_it_records(
    project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    add_sandbox_targets(project, "staging")
    staging = project / ".learnops" / "staging.db"
    saved = tmp_path / "stg.json"
    capsys.readouterr()
    assert main(["plan", str(project), "--target", "staging", "--out", str(saved)]) == 0
    hint = capsys.readouterr().err.strip().splitlines()[-1]
    assert hint.endswith(f"apply it with: learnops apply {saved}")
    before, default = sandbox_version(staging), sandbox_version(project / ".learnops" /
                                                                 "sandbox.db")
    assert main(hint.split("learnops ", 1)[1].split()) == 0  # exactly the line it printed
    assert "Apply complete" in capsys.readouterr().out
    assert sandbox_version(staging) > before
    assert main(["plan", str(project), "--target", "staging", "--detailed-exitcode"]) == 0
    # the default provider was never touched
    assert sandbox_version(project / ".learnops" / "sandbox.db") == default


def test_a_saved_plan_is_refused_once_its_target_points_at_another_platform(
    project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    add_sandbox_targets(project, "staging")
    saved = tmp_path / "st.json"
    assert main(["plan", str(project), "--target", "staging", "--out", str(saved)]) == 0
    # Someone repoints staging at another (equally fresh) database.
    shutil.copy(project / ".learnops" / "staging.db", project / ".learnops" / "other.db")
    config = project / "learnops.yaml"
    config.write_text(config.read_text().replace("staging.db", "other.db"))
    saved.write_text(  # the specs changed; keep the digest out of the way of this test
        saved.read_text().replace(
            json.loads(saved.read_text())["source"]["digest"],
            compile_dir(project).state.digest,
        )
    )
    capsys.readouterr()

    assert main(["apply", str(saved), "--target", "staging"]) == 1

    err = capsys.readouterr().err
    assert "staging.db" in err and "other.db" in err
    assert sandbox_version(project / ".learnops" / "other.db") == sandbox_version(
        project / ".learnops" / "staging.db"
    )


def _edit_after(document: dict[str, Any]) -> None:
    change = next(c for c in document["changes"] if c["action"] == "create")
    change["after"]["title"] = "Nobody reviewed this"


def _edit_after_and_its_hash(document: dict[str, Any]) -> None:
    change = next(c for c in document["changes"] if c["action"] == "create")
    change["after"]["title"] = "Nobody reviewed this"
    change["spec_hash"] = content_hash(change["after"])


def _edit_labels(document: dict[str, Any]) -> None:
    next(c for c in document["changes"] if c["action"] == "create")["labels"] = {"x": "y"}


def _remove_a_resource_of_the_specs(document: dict[str, Any]) -> None:
    change = next(c for c in document["changes"] if c["action"] == "create")
    change.update(action="delete", reason="removed from code", before=change["after"],
                  after=None, precondition={"version": 1})


def _miscount(document: dict[str, Any]) -> None:
    document["summary"]["create"] -= 1
    document["summary"]["no-op"] += 1


@pytest.mark.parametrize(
    "tamper",
    [_edit_after, _edit_after_and_its_hash, _edit_labels, _remove_a_resource_of_the_specs,
     _miscount],
    ids=lambda f: f.__name__.strip("_"),
)
def test_an_edited_saved_plan_is_refused_and_nothing_is_written(
    project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
    tamper: Callable[[dict[str, Any]], None],
) -> None:
    saved = tmp_path / "release.plan.json"
    assert main(["plan", str(project), "--out", str(saved)]) == 0
    document = json.loads(saved.read_text())
    tamper(document)
    saved.write_text(json.dumps(document))
    version, entries = state_version(project), len(audit(project))
    capsys.readouterr()

    assert main(["apply", str(saved), "--auto-approve"]) == 1

    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1
    assert "tampered" in err and "nothing was written" in err
    assert state_version(project) == version
    assert len(audit(project)) == entries


def test_a_saved_plan_compiles_the_specs_it_was_made_from_wherever_it_is_applied(
    project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    saved = tmp_path / "p.json"
    monkeypatch.chdir(project)
    assert main(["plan", ".", "--out", str(saved)]) == 0
    assert json.loads(saved.read_text())["source"]["root"] == str(project.resolve())
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)

    assert main(["apply", str(saved)]) == 0

    assert not (elsewhere / ".learnops").exists()
    monkeypatch.chdir(project)
    assert main(["plan", ".", "--detailed-exitcode"]) == 0


def test_a_saved_plan_whose_spec_directory_is_gone_says_so(
    project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    saved = tmp_path / "p.json"
    assert main(["plan", str(project), "--out", str(saved)]) == 0
    project.rename(tmp_path / "moved")
    capsys.readouterr()

    assert main(["apply", str(saved)]) == 1

    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1
    assert str(project) in err and "no longer exists" in err


@pytest.mark.parametrize("flags", [[], ["--auto-approve"]], ids=["asking", "auto-approved"])
def test_a_missing_plan_file_or_directory_is_named_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
    flags: list[str],
) -> None:
    monkeypatch.chdir(tmp_path)

    assert main(["apply", "nope.json", *flags]) == 1

    err = capsys.readouterr().err
    assert err.strip().splitlines() == [
        "error: no such plan file or spec directory 'nope.json'"
    ]
