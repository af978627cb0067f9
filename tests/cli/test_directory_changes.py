"""Directory changes are planned changes (issue 10 item 5): a new hire, a role change
and a leaver in the users file ``learnops.yaml`` names show in ``plan`` with their
learner impact per assignment, ``apply`` writes them in the order the plan predicted,
and a saved plan made before the directory moved is refused as stale."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from reconciler_sandbox.engine import Platform

from reconciler.cli.main import main
from tests.cli.plan_workspace import spec_copy

Capture = pytest.CaptureFixture[str]
NEW_HIRE = "E9001,Ana,Nueva,ana.nueva@example.com,Nurse,Nursing,Miami,es,2026-11-02,nursing,"


@pytest.fixture
def applied(tmp_path: Path, capsys: Capture) -> Path:
    specs = spec_copy(tmp_path)
    assert main(["apply", str(specs), "--auto-approve"]) == 0
    capsys.readouterr()
    return specs


def edit_users(specs: Path, *, hire: str | None = None, promote: str | None = None,
               leaver: str | None = None) -> None:
    users = specs / "directory" / "users.csv"
    lines = users.read_text(encoding="utf-8").splitlines()
    header = lines[0].split(",")
    role = header.index("job_role")
    kept = []
    for line in lines:
        cells = line.split(",")
        if cells[0] == leaver:
            continue
        if cells[0] == promote:
            cells[role] = "Physician"
        kept.append(",".join(cells))
    if hire:
        kept.append(hire)
    users.write_text("\n".join(kept) + "\n", encoding="utf-8")


def plan_json(specs: Path, capsys: Capture, *extra: str) -> tuple[int, dict[str, Any]]:
    code = main(["plan", str(specs), "--output", "json", "--detailed-exitcode", *extra])
    return code, json.loads(capsys.readouterr().out)


def view(specs: Path, employee_id: str) -> dict[str, Any]:
    platform = Platform(specs / ".learnops" / "sandbox.db")
    try:
        return platform.learner_view(employee_id, date.today())
    finally:
        platform.close()


def platform_users(specs: Path) -> set[str]:
    platform = Platform(specs / ".learnops" / "sandbox.db")
    try:
        return {user.employee_id for user in platform.directory()}
    finally:
        platform.close()


def items(specs: Path, employee_id: str) -> set[str]:
    return {next(iter(e["item"].values())) for e in view(specs, employee_id)["enrollments"]}


def test_an_unchanged_directory_plans_nothing(applied: Path, capsys: Capture) -> None:
    code, plan = plan_json(applied, capsys)
    assert code == 0
    assert plan["directory"]["changes"] == []
    assert plan["directory"]["source"] == "csv directory/users.csv"
    assert main(["plan", str(applied)]) == 0
    assert "No changes: the platform matches the specs and the directory" in (
        capsys.readouterr().out)


def test_a_new_hire_a_role_change_and_a_leaver_are_planned_then_applied(
    applied: Path, capsys: Capture
) -> None:
    assert "hipaa-annual" in items(applied, "E1003")
    assert "bloodborne-pathogens" in items(applied, "E1002")
    edit_users(applied, hire=NEW_HIRE, promote="E1002", leaver="E1003")

    code, plan = plan_json(applied, capsys)
    assert code == 2  # the directory alone is a change
    directory = plan["directory"]
    assert directory["summary"] == {"added": 1, "changed": 1, "deactivated": 1}
    kinds = [(c["employee_id"], c["change"]) for c in directory["changes"]]
    assert kinds == [("E1003", "deactivated"), ("E1002", "changed"), ("E9001", "added")]
    promoted = next(c for c in directory["changes"] if c["employee_id"] == "E1002")
    assert promoted["diff"] == [
        {"op": "change", "path": "job_role", "old": "Nurse", "new": "Physician"}]
    reach = {entry["assignment"]: entry["impact"] for entry in directory["impact"]}
    nurses = reach["hipaa-2027-nurses-es"]  # Spanish-speaking nurses
    assert nurses["newly_reached"] == 1 and nurses["no_longer_reached"] == 2
    assert "E9001" in nurses["sample_added"]
    assert {"E1002", "E1003"} <= set(nurses["sample_removed"])
    assert {i["item"]: i["learners"] for i in nurses["items_lost"]}["bloodborne-pathogens"] == 2

    assert main(["plan", str(applied)]) == 0
    text = capsys.readouterr().out
    assert "~ directory from csv directory/users.csv: 1 added, 1 changed, 1 deactivated" in text
    assert "- E1003 deactivated" in text
    assert '~ E1002 changed: job_role: "Nurse" -> "Physician"' in text
    assert "learners: Assignment/hipaa-2027-nurses-es: 1 learner newly reached" in text
    assert "Directory: 1 added, 1 changed, 1 deactivated." in text

    assert main(["apply", str(applied), "--auto-approve"]) == 0
    out = capsys.readouterr().out
    assert out.index("Directory/leavers") < out.index("Directory/joiners-and-movers")
    # What the plan said is what learners got.
    assert {"hipaa-annual", "bloodborne-pathogens"} <= items(applied, "E9001")
    assert items(applied, "E1003") == set()
    assert "bloodborne-pathogens" not in items(applied, "E1002")
    assert "hipaa-annual" in items(applied, "E1002")  # still clinical staff
    code, plan = plan_json(applied, capsys)
    assert code == 0 and plan["directory"]["changes"] == []


def test_a_leaver_marked_inactive_is_deactivated(applied: Path, capsys: Capture) -> None:
    users = applied / "directory" / "users.csv"
    lines = users.read_text(encoding="utf-8").splitlines()
    lines = [line + "inactive" if line.startswith("E1001,") else line for line in lines]
    users.write_text("\n".join(lines) + "\n", encoding="utf-8")
    code, plan = plan_json(applied, capsys)
    assert code == 2
    assert plan["directory"]["changes"][0]["change"] == "deactivated"
    assert plan["directory"]["changes"][0]["diff"] == [
        {"op": "change", "path": "active", "old": True, "new": False}]
    assert main(["apply", str(applied), "--auto-approve"]) == 0
    capsys.readouterr()
    assert items(applied, "E1001") == set()


def test_a_new_hire_gets_the_plan_version_the_same_apply_writes(
    applied: Path, capsys: Capture
) -> None:
    # A plan edit (a new version: in_progress keep) and a new hire in one apply: the
    # new hire is written after the plan, so they start on the new version.
    plan_file = applied / "plans" / "hipaa-annual.yaml"
    text = plan_file.read_text(encoding="utf-8")
    assert "due: 14d" in text
    plan_file.write_text(text.replace("due: 14d", "due: 21d", 1), encoding="utf-8")
    edit_users(applied, hire=NEW_HIRE)
    code, plan = plan_json(applied, capsys)
    assert code == 2 and plan["summary"]["update"] == 1
    assert main(["apply", str(applied), "--auto-approve"]) == 0
    capsys.readouterr()
    versions = {
        next(iter(e["item"].values())): e.get("version")
        for e in view(applied, "E9001")["enrollments"]
    }
    veteran = {
        next(iter(e["item"].values())): e.get("version")
        for e in view(applied, "E1001")["enrollments"]
    }
    assert versions["hipaa-annual"] == 2
    assert veteran["hipaa-annual"] == 1


def test_a_saved_plan_is_stale_once_the_directory_moved(
    applied: Path, tmp_path: Path, capsys: Capture
) -> None:
    edit_users(applied, hire=NEW_HIRE)
    saved = tmp_path / "plan.json"
    assert main(["plan", str(applied), "--out", str(saved)]) == 0
    edit_users(applied, promote="E1002")
    capsys.readouterr()
    assert main(["apply", str(saved)]) == 1
    err = capsys.readouterr().err
    assert "the plan is stale: the directory (csv directory/users.csv) changed" in err
    assert "E9001" not in platform_users(applied)  # nothing was written


def test_a_saved_plan_applies_its_directory_change(
    applied: Path, tmp_path: Path, capsys: Capture
) -> None:
    edit_users(applied, hire=NEW_HIRE, leaver="E1003")
    saved = tmp_path / "plan.json"
    assert main(["plan", str(applied), "--out", str(saved)]) == 0
    capsys.readouterr()
    assert main(["apply", str(saved)]) == 0
    assert "hipaa-annual" in items(applied, "E9001")
    assert items(applied, "E1003") == set()


def test_an_edited_directory_change_in_a_saved_plan_is_refused(
    applied: Path, tmp_path: Path, capsys: Capture
) -> None:
    edit_users(applied, hire=NEW_HIRE)
    saved = tmp_path / "plan.json"
    assert main(["plan", str(applied), "--out", str(saved)]) == 0
    document = json.loads(saved.read_text(encoding="utf-8"))
    document["directory"]["changes"][0]["user"]["attributes"]["job_role"] = "Physician"
    saved.write_text(json.dumps(document), encoding="utf-8")
    capsys.readouterr()
    assert main(["apply", str(saved)]) == 1
    assert "tampered" in capsys.readouterr().err
    assert "E9001" not in platform_users(applied)


def test_directory_in_learnops_yaml_names_the_source(applied: Path, capsys: Capture) -> None:
    moved = applied / "people.csv"
    moved.write_text((applied / "directory" / "users.csv").read_text(encoding="utf-8")
                     + NEW_HIRE + "\n", encoding="utf-8")
    project = applied / "learnops.yaml"
    project.write_text(project.read_text(encoding="utf-8")
                       + "directory: {type: csv, path: people.csv}\n", encoding="utf-8")
    code, plan = plan_json(applied, capsys)
    assert code == 2
    assert plan["directory"]["source"] == "csv people.csv"
    assert [c["employee_id"] for c in plan["directory"]["changes"]] == ["E9001"]
    # Audiences resolve against the directory the next apply brings.
    assert main(["explain", "E9001", str(applied)]) == 0
    assert "hipaa-2027-nurses-es" in capsys.readouterr().out


def test_a_missing_directory_file_is_a_located_error(applied: Path, capsys: Capture) -> None:
    project = applied / "learnops.yaml"
    project.write_text(project.read_text(encoding="utf-8")
                       + "directory: {type: csv, path: nowhere.csv}\n", encoding="utf-8")
    assert main(["plan", str(applied)]) == 1
    err = capsys.readouterr().err
    assert "learnops.yaml: directory: users file nowhere.csv does not exist" in err
    assert "Traceback" not in err


@pytest.mark.slow
def test_a_rest_target_takes_the_directory_change_over_http(
    applied: Path, capsys: Capture, monkeypatch: pytest.MonkeyPatch
) -> None:
    import yaml
    from reconciler_sandbox.server import running_server

    engine = Platform(applied / ".learnops" / "sandbox.db")
    monkeypatch.setenv("LEARNOPS_ADMIN_TOKEN", engine.create_token("hr-feed", ["admin"]))
    engine.close()
    edit_users(applied, hire=NEW_HIRE, leaver="E1003")
    with running_server(applied / ".learnops" / "sandbox.db") as url:
        project_file = applied / "learnops.yaml"
        project = yaml.safe_load(project_file.read_text(encoding="utf-8"))
        project["directory"] = {"type": "csv", "path": "directory/users.csv"}
        project.setdefault("targets", {})["served"] = {
            "type": "rest", "url": url, "token_env": "LEARNOPS_ADMIN_TOKEN"}
        project_file.write_text(yaml.safe_dump(project), encoding="utf-8")
        code, plan = plan_json(applied, capsys, "--target", "served")
        assert code == 2
        assert plan["directory"]["summary"] == {"added": 1, "changed": 0, "deactivated": 1}
        assert main(["apply", str(applied), "--target", "served", "--auto-approve"]) == 0
        capsys.readouterr()
        code, plan = plan_json(applied, capsys, "--target", "served")
        assert code == 0
    assert "hipaa-annual" in items(applied, "E9001")
    assert items(applied, "E1003") == set()


def test_the_pull_request_comment_shows_the_directory_change(
    applied: Path, capsys: Capture
) -> None:
    edit_users(applied, hire=NEW_HIRE, promote="E1002")
    assert main(["plan", str(applied), "--output", "markdown"]) == 0
    comment = capsys.readouterr().out
    assert "**Directory** — directory from csv directory/users.csv: 1 added, 1 changed" in comment
    assert "- `+ E9001 added: " in comment
    assert "- Assignment/hipaa-2027-nurses-es: 1 learner newly reached" in comment
