"""``learnops sandbox serve`` in-process: the twin of the subprocess tests in
test_sandbox_command.py (which check the real process: exit status, announce line)."""

from __future__ import annotations

from pathlib import Path

import pytest
import requests
from test_sandbox_command import seeded_project

from tests.in_process import run_until_sigterm, when_up
from tests.services import free_port


def test_serve_seeds_users_and_catalog_and_stops_on_sigterm(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    token = seeded_project(tmp_path)
    monkeypatch.chdir(tmp_path)
    port = free_port()
    base, headers = f"http://127.0.0.1:{port}/api/v1", {"Authorization": f"Bearer {token}"}
    seen: dict[str, requests.Response] = {}

    def client() -> None:
        seen["users"] = when_up(lambda: requests.get(f"{base}/users", headers=headers,
                                                     timeout=5))
        seen["objects"] = requests.get(f"{base}/learning-objects", headers=headers, timeout=5)

    code = run_until_sigterm(["sandbox", "serve", "--port", str(port)], client)

    err = capsys.readouterr().err
    assert code == 0, err
    assert err.splitlines()[0].endswith(f"at http://127.0.0.1:{port}/api/v1")
    assert [u["employee_id"] for u in seen["users"].json()["items"]] == ["E1001"]
    [seeded] = seen["objects"].json()["items"]
    assert (seeded["metadata"]["name"], seeded["spec"]["title"]) == ("fire-safety", "Fire Safety")


@pytest.mark.parametrize("flag", [[], ["--no-access-log"]])
def test_serve_logs_each_request_on_stdout_unless_told_not_to(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
    flag: list[str],
) -> None:
    token = seeded_project(tmp_path)
    monkeypatch.chdir(tmp_path)
    port = free_port()
    url = f"http://127.0.0.1:{port}/api/v1/users"

    def client() -> None:
        when_up(lambda: requests.get(url, headers={"Authorization": f"Bearer {token}"},
                                     timeout=5))

    code = run_until_sigterm(["sandbox", "serve", "--port", str(port), *flag], client)

    captured = capsys.readouterr()
    assert code == 0, captured.err
    logged = [line for line in captured.out.splitlines() if '"GET /api/v1/users' in line]
    assert (logged == []) == bool(flag), captured.out
