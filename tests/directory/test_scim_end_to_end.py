"""The example program targets people from a SCIM directory, end to end: plan, apply,
explain a person, and a change in the directory seen (and applied) by the next plan."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml
from reconciler_sandbox.engine import Platform

from reconciler.cli.main import main
from tests.cli.plan_workspace import spec_copy
from tests.directory.scim_server import TOKEN, Scim, seed_from_users_csv

Capture = pytest.CaptureFixture[str]


@pytest.fixture
def specs(tmp_path: Path, scim: Scim, monkeypatch: pytest.MonkeyPatch) -> Path:
    """specs/ whose people live in the SCIM server (seeded from the example's CSV), on a
    sandbox that starts with nobody."""
    monkeypatch.setenv("SCIM_TOKEN", TOKEN)
    specs = spec_copy(tmp_path)
    seed_from_users_csv(scim, (specs / "directory" / "users.csv").read_text(encoding="utf-8"))
    project_file = specs / "learnops.yaml"
    project = yaml.safe_load(project_file.read_text(encoding="utf-8"))
    del project["provider"]["users"]
    project["directory"] = {"type": "scim", "url": scim.url, "token_env": "SCIM_TOKEN"}
    project_file.write_text(yaml.safe_dump(project), encoding="utf-8")
    return specs


def plan_json(specs: Path, capsys: Capture) -> tuple[int, dict[str, Any]]:
    code = main(["plan", str(specs), "--output", "json", "--detailed-exitcode"])
    return code, json.loads(capsys.readouterr().out)


def items(specs: Path, employee_id: str) -> set[str]:
    platform = Platform(specs / ".learnops" / "sandbox.db")
    try:
        view = platform.learner_view(employee_id, date.today())
    finally:
        platform.close()
    return {next(iter(e["item"].values())) for e in view["enrollments"]}


def test_the_example_targets_people_from_scim(specs: Path, scim: Scim, capsys: Capture) -> None:
    code, plan = plan_json(specs, capsys)
    assert code == 2
    directory = plan["directory"]
    assert directory["source"] == f"scim {scim.url}"
    assert directory["summary"]["added"] == 80  # everyone, into an empty platform
    reach = {entry["assignment"]: entry["impact"] for entry in directory["impact"]}
    assert reach["hipaa-2027-nurses-es"]["newly_reached"] > 0

    assert main(["apply", str(specs), "--auto-approve"]) == 0
    capsys.readouterr()
    assert {"hipaa-annual", "bloodborne-pathogens"} <= items(specs, "E1001")
    assert main(["explain", "E1001", str(specs)]) == 0
    explained = capsys.readouterr().out
    assert "job_role=Nurse" in explained and "language=es" in explained
    assert "groups: nursing" in explained
    assert "hipaa-2027-nurses-es" in explained
    code, plan = plan_json(specs, capsys)
    assert code == 0 and plan["directory"]["changes"] == []

    # The identity provider moves: a role change, a leaver and a new hire.
    scim.patch_user("E1002", [{"op": "replace", "path": "title", "value": "Physician"}])
    scim.patch_user("E1003", [{"op": "replace", "path": "active", "value": False}])
    scim.user("ana.nueva@example.com", external_id="E9001", title="Nurse",
              preferredLanguage="es", addresses=[{"type": "work", "locality": "Miami"}],
              enterprise={"department": "Nursing"})
    scim.join("nursing", "E9001")
    code, plan = plan_json(specs, capsys)
    assert code == 2
    kinds = {c["employee_id"]: c["change"] for c in plan["directory"]["changes"]}
    assert kinds == {"E1002": "changed", "E1003": "deactivated", "E9001": "added"}
    # Audiences resolve against the directory as it is now, before any apply.
    assert main(["audience", "spanish-speaking-nurses", str(specs), "--output", "csv"]) == 0
    members = capsys.readouterr().out
    assert "E9001" in members and "E1002" not in members and "E1003" not in members

    assert main(["apply", str(specs), "--auto-approve"]) == 0
    capsys.readouterr()
    assert items(specs, "E1003") == set()
    assert "bloodborne-pathogens" not in items(specs, "E1002")
    assert "hipaa-annual" in items(specs, "E9001")
    code, plan = plan_json(specs, capsys)
    assert code == 0


def test_a_refused_token_stops_the_plan_with_one_line(
    specs: Path, capsys: Capture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SCIM_TOKEN", "wrong-token-9a7")
    assert main(["plan", str(specs)]) == 1
    err = capsys.readouterr().err
    assert "refused the token in $SCIM_TOKEN (401)" in err
    assert "wrong-token-9a7" not in err and "Traceback" not in err
    assert not (specs / ".learnops" / "sandbox.db").exists()  # nothing was opened
