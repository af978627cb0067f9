"""``learnops sync --listen`` in-process: the twin of the daemon test in test_cli.py
(a push webhook makes the daemon apply the new commit; SIGTERM stops it with 0)."""

from __future__ import annotations

from pathlib import Path

import pytest
import requests

from tests.in_process import eventually, run_until_sigterm, when_up
from tests.services import free_port

from .repo import SpecRepo, resource
from .test_cli import push_45_days, sync_args


def test_the_daemon_applies_a_pushed_commit_and_stops_on_sigterm(
    repo: SpecRepo, workdir: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("LEARNOPS_WEBHOOK_SECRET", "s3cret")
    monkeypatch.setenv("NO_COLOR", "1")
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    pushed: dict[str, object] = {}

    def status() -> dict[str, object]:
        answer: dict[str, object] = requests.get(f"{url}/status", timeout=10).json()
        return answer

    def client() -> None:
        eventually(lambda: when_up(status)["status"] == "Synced")
        changed, pushed["status"] = push_45_days(repo, url)
        eventually(lambda: (status()["last_applied"] or {}).get("revision") == changed)  # type: ignore[union-attr]
        pushed["revision"] = changed

    args = sync_args(repo, workdir, "--auto-apply", "--interval", "1h",
                     "--listen", f"127.0.0.1:{port}")
    code = run_until_sigterm(args, client)

    out = capsys.readouterr().out
    assert code == 0
    assert pushed["status"] == 202
    assert resource(repo.db, "Assignment", "hipaa-nurses")["spec"]["due"] == "45d"
    assert f"sync {str(pushed['revision'])[:12]}: applied" in out
