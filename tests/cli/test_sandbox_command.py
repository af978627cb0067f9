"""``learnops sandbox``: tokens, a served platform that stops cleanly, and a learner's
journey driven only through the command line against a real database file."""

from __future__ import annotations

import csv
import io
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
import requests
from reconciler_sandbox.engine import Platform

from reconciler.cli.main import main
from reconciler.rules.durations import parse_duration

USERS = (
    "employee_id,first_name,last_name,email,job_role,department,location,language,"
    "hire_date,groups,status\n"
    "E1001,Ana,Diaz,ana@example.com,Nurse,Nursing,Miami,es,2021-03-04,nursing,\n"
)


def test_token_create_prints_a_secret_that_grants_its_scopes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "sandbox.db"
    code = main(["sandbox", "token", "create", "ci", "--scopes", "read,write", "--db", str(db)])
    out, err = capsys.readouterr()
    assert code == 0
    secret = out.strip()
    assert "shown once" in err
    platform = Platform(db)
    try:
        assert platform.token_scopes(secret) == {"read", "write"}
    finally:
        platform.close()


def test_without_db_the_sandbox_of_learnops_yaml_is_used(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "learnops.yaml").write_text(
        "project: demo\nprovider: {type: sandbox, path: state/platform.db}\n", encoding="utf-8"
    )
    monkeypatch.chdir(tmp_path)
    assert main(["sandbox", "token", "create", "ops", "--scopes", "admin"]) == 0
    secret = capsys.readouterr().out.strip()
    platform = Platform(tmp_path / "state" / "platform.db")
    try:
        assert platform.token_scopes(secret) == {"read", "write", "admin"}
    finally:
        platform.close()


def test_token_create_refuses_an_unknown_scope(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["sandbox", "token", "create", "ci", "--scopes", "read,root",
                 "--db", str(tmp_path / "s.db")])
    assert code == 1
    assert "read, write, admin" in capsys.readouterr().err


def test_token_create_takes_one_scope_that_implies_the_lesser_ones(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "sandbox.db"
    code = main(["sandbox", "token", "create", "deployer", "--scope", "write", "--db", str(db)])
    assert code == 0
    secret = capsys.readouterr().out.strip()
    platform = Platform(db)
    try:
        assert platform.token_scopes(secret) == {"read", "write"}
    finally:
        platform.close()
    assert main(["sandbox", "token", "create", "--scope", "root", "--db", str(db)]) == 1
    assert "--scope" in capsys.readouterr().err


def test_serve_refuses_a_malformed_rate_limit(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["sandbox", "serve", "--db", str(tmp_path / "s.db"), "--rate-limit", "fast"])
    assert code == 1
    assert "--rate-limit" in capsys.readouterr().err


@pytest.mark.parametrize("port", ["99999", "-1", "http"])
def test_serve_refuses_a_port_out_of_range_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], port: str
) -> None:
    code, out, err = _run(capsys, "sandbox", "serve", "--db", str(tmp_path / "s.db"),
                          "--port", port)
    assert code == 1
    assert "from 0 to 65535" in err and len(err.strip().splitlines()) == 1 and out == ""
    assert not (tmp_path / "s.db").exists()


def test_serve_on_a_port_in_use_is_one_error_line_and_announces_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        code, out, err = _run(capsys, "sandbox", "serve", "--db", str(tmp_path / "s.db"),
                              "--port", str(port))
    assert code == 1
    assert err == f"error: cannot serve on 127.0.0.1:{port}: address already in use\n"
    assert out == ""
    assert not (tmp_path / "s.db").exists()


def test_serve_with_a_malformed_users_file_names_it_and_makes_no_database(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    people = tmp_path / "people.csv"
    people.write_text("id,name\nE1,Ana\n", encoding="utf-8")
    code, _, err = _run(capsys, "sandbox", "serve", "--db", str(tmp_path / "s.db"),
                        "--port", "0", "--users", str(people))
    assert code == 1
    assert err == f"error: {people}:1: header has no employee_id column\n"
    assert not (tmp_path / "s.db").exists()


CATALOG = "name,title,type,duration,url,languages\nfire-safety,Fire Safety,video,20m,,en\n"


def test_serve_reads_a_malformed_catalog_of_learnops_yaml_and_makes_no_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "learnops.yaml").write_text(
        "project: demo\nprovider: {type: sandbox, path: s.db, catalog: catalog.csv}\n",
        encoding="utf-8")
    (tmp_path / "catalog.csv").write_text("name,title\nfire-safety,Fire\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    code, _, err = _run(capsys, "sandbox", "serve", "--port", "0")
    assert code == 1
    assert err == "error: catalog.csv:1: missing column(s) type\n"
    assert not (tmp_path / "s.db").exists()


@pytest.mark.slow
def seeded_project(folder: Path) -> str:
    """learnops.yaml naming s.db, users.csv and catalog.csv in ``folder``; a read token."""
    (folder / "learnops.yaml").write_text(
        "project: demo\nprovider: {type: sandbox, path: s.db, users: users.csv,"
        " catalog: catalog.csv}\n", encoding="utf-8")
    (folder / "users.csv").write_text(USERS, encoding="utf-8")
    (folder / "catalog.csv").write_text(CATALOG, encoding="utf-8")
    platform = Platform(folder / "s.db")
    token = platform.create_token("ops", ["read"])
    platform.close()
    return token


def test_serve_seeds_users_and_catalog_named_by_learnops_yaml(tmp_path: Path) -> None:
    token = seeded_project(tmp_path)
    server = subprocess.Popen(
        [sys.executable, "-m", "reconciler", "sandbox", "serve", "--port", "0"],
        cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )
    try:
        assert server.stderr is not None
        base = server.stderr.readline().decode().split(" at ", 1)[1].strip()
        headers = {"Authorization": f"Bearer {token}"}
        users = requests.get(base + "/users", headers=headers, timeout=5).json()
        objects = requests.get(base + "/learning-objects", headers=headers, timeout=5).json()
    finally:
        server.send_signal(signal.SIGTERM)
        _, err = server.communicate(timeout=20)
    assert server.returncode == 0, err.decode()
    assert [u["employee_id"] for u in users["items"]] == ["E1001"]
    [seeded] = objects["items"]
    assert (seeded["metadata"]["name"], seeded["spec"]["title"]) == ("fire-safety", "Fire Safety")
    assert seeded["metadata"]["managed_by"] is None


@pytest.mark.slow
def test_serve_imports_users_serves_and_stops_on_sigterm(tmp_path: Path) -> None:
    db = tmp_path / "served.db"
    users = tmp_path / "users.csv"
    users.write_text(USERS, encoding="utf-8")
    platform = Platform(db)
    token = platform.create_token("ops", ["read"])
    platform.close()
    server = subprocess.Popen(  # port 0: the announced URL carries the port bound
        [sys.executable, "-m", "reconciler", "sandbox", "serve", "--db", str(db),
         "--port", "0", "--users", str(users), "--burst-429", "1000"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )
    try:
        assert server.stderr is not None
        announced = server.stderr.readline().decode()
        assert announced.startswith(f"learnops sandbox: {db} at http://127.0.0.1:")
        url = announced.split(" at ", 1)[1].strip() + "/users"
        assert not url.startswith("http://127.0.0.1:0/")
        answer = None
        for _ in range(200):
            try:
                answer = requests.get(url, headers={"Authorization": f"Bearer {token}"},
                                      timeout=5)
                break
            except requests.ConnectionError:
                time.sleep(0.05)
        assert answer is not None, server.stderr.read().decode() if server.stderr else ""
        assert [u["employee_id"] for u in answer.json()["items"]] == ["E1001"]
    finally:
        server.send_signal(signal.SIGTERM)
        _, err = server.communicate(timeout=20)
    assert server.returncode == 0, err.decode()
    assert b"Shutting down" in err or b"shutdown" in err.lower()


# -- a learner's journey, through the CLI only -------------------------------------------

PROGRAM = """\
apiVersion: learnops/v1
kind: LearningObject
metadata: {name: privacy-101}
spec: {title: Privacy 101, type: course}
---
apiVersion: learnops/v1
kind: LearningObject
metadata: {name: hipaa-quiz}
spec: {title: HIPAA Quiz, type: assessment, completion: {type: min_score, min_score: 80}}
---
apiVersion: learnops/v1
kind: Audience
metadata: {name: nurses}
spec: {groups: [nursing]}
---
apiVersion: learnops/v1
kind: CertificationPlan
metadata: {name: hipaa}
spec:
  title: Annual HIPAA
  visibility: all
  steps:
    - {name: basics, items: [privacy-101], due: 14d}
    - {name: exam, items: [hipaa-quiz], release: {after_step: basics, delay: 2d}}
  certificate: {template: compliance, valid_for: 1y, renew_before: 30d}
---
apiVersion: learnops/v1
kind: Assignment
metadata: {name: hipaa-nurses}
spec: {items: [{plan: hipaa}], audience: nurses, due: 30d}
"""

JOURNEY_USERS = USERS + (
    "E1002,Bo,Li,bo@example.com,Physician,Medicine,Boston,en,2020-01-10,physicians,\n"
)


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A spec folder whose learnops.yaml names the sandbox file; the shell is in it."""
    (tmp_path / "learnops.yaml").write_text(
        "project: journey\nprovider: {type: sandbox, path: state/platform.db}\n",
        encoding="utf-8")
    (tmp_path / "program.yaml").write_text(PROGRAM, encoding="utf-8")
    (tmp_path / "users.csv").write_text(JOURNEY_USERS, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    yield tmp_path


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_a_learner_journey_through_the_cli(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The platform enrolls on its own "today"; the journey is dated from there.
    today = date.today()
    day1, day3 = (str(today + timedelta(days=n)) for n in (1, 3))

    code, out, _ = _run(capsys, "sandbox", "users", "import", "users.csv")
    assert (code, out.strip()) == (0, "users.csv: 2 added, 0 updated, 0 unchanged")
    assert (project / "state" / "platform.db").is_file()  # the file learnops.yaml names
    assert _run(capsys, "apply", ".", "--auto-approve")[0] == 0

    code, out, _ = _run(capsys, "sandbox", "learner", "view", "E1001")
    assert code == 0
    assert "plan hipaa: Annual HIPAA (version 1)" in out
    assert "0 of 2 steps completed" in out
    assert f"[open]   basics: released {today}, due {today + timedelta(days=14)}" in out
    assert "[locked] exam: releases 2 days after basics is completed" in out
    assert "No certificates." in out

    code, out, _ = _run(capsys, "sandbox", "complete", "E1001", "privacy-101", "--on", day1)
    assert (code, out.strip()) == (0, f"E1001 completed privacy-101 on {day1}")
    code, out, _ = _run(capsys, "sandbox", "learner", "view", "E1001", "--as-of", day3)
    assert f"[done]   basics: completed {day1}" in out
    assert f"[open]   exam: released {day3}" in out  # basics done + 2 days

    code, _, err = _run(capsys, "sandbox", "complete", "E1001", "hipaa-quiz", "--on", day3)
    assert code == 1
    assert "hipaa-quiz needs a score of at least 80 to pass: pass --score N" in err
    code, out, _ = _run(capsys, "sandbox", "complete", "E1001", "hipaa-quiz", "--on", day3,
                        "--score", "90")
    assert code == 0
    assert out.splitlines() == [f"E1001 completed hipaa-quiz on {day3} with score 90",
                                "finished: plan hipaa"]

    code, out, _ = _run(capsys, "sandbox", "learner", "view", "E1001", "--as-of", day3)
    assert "2 of 2 steps completed" in out
    expires = parse_duration("1y").add_to(today + timedelta(days=3))
    assert f"hipaa: Annual HIPAA (version 1), valid; issued {day3}, expires {expires}" in out

    code, out, _ = _run(capsys, "sandbox", "report", "--output", "csv", "--as-of", day3)
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [(r["employee_id"], r["item"], r["status"], r["completed_on"],
             r["certificate_status"]) for r in rows] == [
        ("E1001", "hipaa", "completed", day3, "valid")]
    code, out, _ = _run(capsys, "sandbox", "report", "--as-of", day3)
    assert code == 0
    assert "E1001    plan hipaa v1  completed" in out
    assert "1 enrollment of 1 learner (1 active); 1 completed; 0 overdue;" in out


def test_a_late_step_puts_the_learner_behind_before_the_plan_is_overdue(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _run(capsys, "sandbox", "users", "import", "users.csv")[0] == 0
    assert _run(capsys, "apply", ".", "--auto-approve")[0] == 0
    today = date.today()
    late, due = (str(today + timedelta(days=n)) for n in (15, 30))

    code, out, _ = _run(capsys, "sandbox", "learner", "view", "E1001", "--as-of", late)
    assert code == 0
    assert f"  not started, due {due}, behind (step basics overdue)" in out
    assert "OVERDUE" not in out
    assert f"due {today + timedelta(days=14)}, overdue since {late}" in out
    code, out, _ = _run(capsys, "sandbox", "report", "--as-of", late)
    assert "not started behind (step basics overdue)" in out
    assert "0 overdue;" in out

    code, out, _ = _run(capsys, "sandbox", "learner", "view", "E1001", "--as-of",
                        str(today + timedelta(days=31)))
    assert f"  not started, due {due}, OVERDUE" in out


def test_a_physician_outside_the_audience_cannot_complete_the_plan(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _run(capsys, "sandbox", "users", "import", "users.csv")[0] == 0
    assert _run(capsys, "apply", ".", "--auto-approve")[0] == 0
    code, out, _ = _run(capsys, "sandbox", "learner", "view", "E1002")
    assert code == 0 and "Nothing assigned." in out
    code, _, err = _run(capsys, "sandbox", "complete", "E1002", "privacy-101")
    assert code == 1
    assert "E1002 has no access to privacy-101" in err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (("learner", "view", "E9999"), "no user E9999"),
        (("complete", "E1001", "no-such-course"), "no learning object no-such-course"),
        (("learner", "view", "E1001", "--as-of", "2027-02-30"), "'2027-02-30' is not a date"),
        (("complete", "E1001", "x", "--on", "tomorrow"), "'tomorrow' is not a date"),
        (("report", "--as-of", "2027-1-1"), "'2027-1-1' is not a date"),
        (("complete", "E1001", "x", "--score", "120"), "--score is a percentage"),
        (("users", "import", "missing.csv"), "users file missing.csv does not exist"),
    ],
)
def test_mistakes_are_one_line_and_exit_1(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
    argv: tuple[str, ...], message: str,
) -> None:
    monkeypatch.chdir(tmp_path)
    db = tmp_path / "given.db"
    users = tmp_path / "users.csv"
    users.write_text(USERS, encoding="utf-8")
    assert main(["sandbox", "users", "import", str(users), "--db", str(db)]) == 0
    capsys.readouterr()
    code, out, err = _run(capsys, "sandbox", *argv, "--db", str(db))
    assert code == 1
    assert message in err
    assert len(err.strip().splitlines()) == 1 and out == ""


def test_reading_commands_refuse_a_database_that_is_not_there(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    code, _, err = _run(capsys, "sandbox", "report")
    assert code == 1
    assert "no sandbox database at .learnops/sandbox.db" in err
    assert not (tmp_path / ".learnops").exists()


def test_users_import_errors_name_the_file_given_and_make_no_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "hr").mkdir()
    (tmp_path / "hr" / "people.csv").write_text(
        USERS + "E1002,Bo,Li,bo@example.com,Nurse,Nursing,Boston,en,10/01/2020,nursing,\n",
        encoding="utf-8")
    code, _, err = _run(capsys, "sandbox", "users", "import", "hr/people.csv")
    assert code == 1
    assert err.startswith("error: hr/people.csv:3: hire_date '10/01/2020' is not a date")
    assert not (tmp_path / ".learnops").exists()

    (tmp_path / "latin1.csv").write_bytes(USERS.replace("Diaz", "D\xeda").encode("latin-1"))
    code, _, err = _run(capsys, "sandbox", "users", "import", "latin1.csv")
    assert (code, err) == (1, "error: users file latin1.csv is not UTF-8 text\n")


def test_a_malformed_users_file_imports_nobody(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "s.db"
    users = tmp_path / "users.csv"
    users.write_text(USERS + "E1002,Bo,Li,bo@example.com,Nurse,Nursing,Boston,en,"
                     "10/01/2020,nursing,\n", encoding="utf-8")
    code, _, err = _run(capsys, "sandbox", "users", "import", str(users), "--db", str(db))
    assert code == 1
    assert "users.csv:3" in err and len(err.strip().splitlines()) == 1
    platform = Platform(db)
    try:
        assert platform.list_users() == []
    finally:
        platform.close()


def test_a_locked_step_lists_what_it_holds(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from reconciler_sandbox.engine import Platform as Engine

    db = tmp_path / "sandbox.db"
    engine = Engine(db, today=lambda: date(2027, 1, 4))
    engine.import_users_csv(USERS, actor="hr")
    for kind, name, spec in (
        ("LearningObject", "basics", {"title": "Basics", "type": "course"}),
        ("LearningObject", "exam", {"title": "Exam", "type": "assessment",
                                    "prerequisites": ["basics"]}),
        ("Audience", "nurses", {"groups": ["nursing"]}),
        ("CertificationPlan", "p", {"title": "P", "visibility": "all", "steps": [
            {"name": "one", "items": ["basics"]},
            {"name": "two", "items": ["exam"], "release": {"offset": "7d"}}]}),
        ("Assignment", "a", {"items": [{"plan": "p"}], "audience": "nurses"}),
    ):
        engine.put_resource(kind, name, {"spec": spec}, if_none_match=True, actor="t")
    engine.close()
    assert main(["sandbox", "learner", "view", "E1001", "--as-of", "2027-01-04",
                 "--db", str(db)]) == 0
    out = capsys.readouterr().out
    assert "[locked] two: releases 2027-01-11" in out
    assert "[-] exam: Exam" in out
