"""``learnops sandbox``: token creation and a served platform that stops cleanly."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from reconciler_sandbox.engine import Platform

from reconciler.cli.main import main

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


def test_serve_refuses_a_malformed_rate_limit(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["sandbox", "serve", "--db", str(tmp_path / "s.db"), "--rate-limit", "fast"])
    assert code == 1
    assert "--rate-limit" in capsys.readouterr().err


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.mark.slow
def test_serve_imports_users_serves_and_stops_on_sigterm(tmp_path: Path) -> None:
    db = tmp_path / "served.db"
    users = tmp_path / "users.csv"
    users.write_text(USERS, encoding="utf-8")
    platform = Platform(db)
    token = platform.create_token("ops", ["read"])
    platform.close()
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "reconciler", "sandbox", "serve", "--db", str(db),
         "--port", str(port), "--users", str(users), "--burst-429", "1000"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )
    try:
        url = f"http://127.0.0.1:{port}/api/v1/users"
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
