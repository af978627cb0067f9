"""``learnops sync`` end to end (it lives here, not in tests/cli, to share the
spec repository fixtures of the sync tests)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import requests

from reconciler.cli.main import main
from reconciler.sync.memory import MEMORY_FILE
from reconciler.sync.server import signature

from .repo import (
    ALL_ADDRESSES,
    HIPAA,
    SpecRepo,
    lock_holder,
    resource,
    resource_writes,
    write_behind_learnops,
)


def sync_args(repo: SpecRepo, workdir: Path, *extra: str) -> list[str]:
    return ["sync", "--repo", str(repo.root), "--workdir", str(workdir), "--target", "live",
            *extra]


def test_once_applies_the_branch_and_says_so(
    repo: SpecRepo, workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(sync_args(repo, workdir, "--once", "--auto-apply")) == 0
    out = capsys.readouterr().out
    assert f"sync {repo.first[:12]}: applied 5 change(s)" in out
    assert f"sync {repo.first[:12]}: Synced" in out
    assert len(resource_writes(repo.db)) == 5


def test_once_on_a_bad_revision_exits_1_naming_file_and_line(
    repo: SpecRepo, workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo.commit("typo", {
        "specs/assignments/hipaa.yaml": HIPAA.replace("audience: nurses", "audience: nursez"),
    })
    assert main(sync_args(repo, workdir, "--once", "--auto-apply")) == 1
    assert "specs/assignments/hipaa.yaml:6:" in capsys.readouterr().err
    assert resource_writes(repo.db) == []


def test_once_json_prints_the_status(
    repo: SpecRepo, workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(sync_args(repo, workdir, "--once", "--output", "json")) == 0
    status = json.loads(capsys.readouterr().out)
    assert status["status"] == "OutOfSync"
    assert status["revision"] == repo.first
    assert len(status["pending"]) == 5


def test_a_second_once_on_an_unchanged_repository_compiles_nothing(
    repo: SpecRepo, workdir: Path, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """sync --once from cron: the working copy remembers the last synced revision."""
    import reconciler.sync.cycle as cycle_module

    compiles: list[Path] = []
    real = cycle_module.compile_dir
    monkeypatch.setattr(cycle_module, "compile_dir",
                        lambda root: compiles.append(root) or real(root))
    assert main(sync_args(repo, workdir, "--once", "--auto-apply")) == 0
    assert len(compiles) == 1
    capsys.readouterr()
    assert main(sync_args(repo, workdir, "--once", "--auto-apply", "--output", "json")) == 0
    assert len(compiles) == 1  # one ls-remote and one state read, no compile, no plan
    status = json.loads(capsys.readouterr().out)
    assert (status["status"], status["revision"], status["cycles"]) == ("Synced", repo.first, 2)
    assert status["last_applied"]["revision"] == repo.first
    # other options (no --auto-apply) do not use this memory
    assert main(sync_args(repo, workdir, "--once")) == 0
    assert len(compiles) == 2
    # the platform moved behind learnops' back: not idle any more
    capsys.readouterr()
    assert main(sync_args(repo, workdir, "--once", "--auto-apply")) == 0
    assert len(compiles) == 3


def test_once_json_under_a_bad_commit_shows_the_last_good_revision(
    repo: SpecRepo, workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(sync_args(repo, workdir, "--once", "--auto-apply")) == 0
    bad = repo.commit("typo", {
        "specs/assignments/hipaa.yaml": HIPAA.replace("audience: nurses", "audience: nursez"),
    })
    capsys.readouterr()
    assert main(sync_args(repo, workdir, "--once", "--auto-apply", "--output", "json")) == 1
    status = json.loads(capsys.readouterr().out)
    assert (status["status"], status["head"], status["revision"]) == ("Failed", bad, repo.first)
    assert status["last_error"]["where"].startswith("specs/assignments/hipaa.yaml:6:")
    # and again: still the bad head, still the good revision, nothing compiled afresh
    assert main(sync_args(repo, workdir, "--once", "--auto-apply", "--output", "json")) == 1
    again = json.loads(capsys.readouterr().out)
    assert (again["status"], again["head"], again["revision"]) == ("Failed", bad, repo.first)
    assert again["last_error"] == status["last_error"]
    assert resource_writes(repo.db)[5:] == []


@pytest.mark.parametrize("self_heal", [False, True])
def test_once_under_a_bad_commit_plans_drift_against_the_last_good_revision(
    repo: SpecRepo, workdir: Path, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch, self_heal: bool,
) -> None:
    """As the loop does: a run is a new process, so the good revision is compiled again
    from its commit when the platform moved; the bad head is still not applied."""
    import reconciler.sync.cycle as cycle_module

    compiles: list[Path] = []
    real = cycle_module.compile_dir
    monkeypatch.setattr(cycle_module, "compile_dir",
                        lambda root: compiles.append(root) or real(root))
    once = sync_args(repo, workdir, "--once", "--auto-apply",
                     *(["--self-heal"] if self_heal else []), "--output", "json")
    assert main(once) == 0
    bad = repo.commit("typo", {
        "specs/assignments/hipaa.yaml": HIPAA.replace("due: 30d", "due: 60d").replace(
            "audience: nurses", "audience: nursez"),
    })
    assert main(once) == 1
    write_behind_learnops(repo.db, "Assignment", "privacy-nurses", due="7d")
    capsys.readouterr()
    compiled = len(compiles)

    assert main(once) == 1

    status = json.loads(capsys.readouterr().out)
    assert (status["status"], status["head"], status["revision"]) == ("Failed", bad, repo.first)
    assert status["last_error"]["where"].startswith("specs/assignments/hipaa.yaml:6:")
    assert len(compiles) == compiled + 2  # the bad head, then the good revision again
    due = resource(repo.db, "Assignment", "privacy-nurses")["spec"]["due"]
    if self_heal:
        assert (status["drifted"], due) == ([], "14d")
        assert status["last_applied"]["changes"] == [
            {"address": "Assignment/privacy-nurses", "action": "update"}]
    else:
        assert (status["drifted"], due) == (["Assignment/privacy-nurses"], "7d")
    assert resource(repo.db, "Assignment", "hipaa-nurses")["spec"]["due"] == "30d"
    # Nothing moved since: the next run is idle (no compile) and still shows the same.
    assert main(once) == 1
    again = json.loads(capsys.readouterr().out)
    assert len(compiles) == compiled + 2
    assert (again["drifted"], again["revision"]) == (status["drifted"], repo.first)


def test_once_under_a_bad_commit_whose_good_revision_is_gone_reports_the_head(
    repo: SpecRepo, workdir: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    """The remembered good revision cannot be had (history rewritten, objects gone):
    the run says what is wrong with the head, as when there never was a good one."""
    once = sync_args(repo, workdir, "--once", "--auto-apply")
    assert main(once) == 0
    memory = workdir / MEMORY_FILE
    document = json.loads(memory.read_text())
    document["status"]["revision"] = "0" * 40
    memory.write_text(json.dumps(document))
    repo.commit("typo", {
        "specs/assignments/hipaa.yaml": HIPAA.replace("audience: nurses", "audience: nursez"),
    })
    capsys.readouterr()
    assert main(once) == 1
    err = capsys.readouterr().err
    assert "specs/assignments/hipaa.yaml:6:" in err and "Traceback" not in err
    assert len(resource_writes(repo.db)) == 5


def test_timeout_cuts_a_cycles_apply_short_and_the_next_run_finishes(
    repo: SpecRepo, workdir: Path, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from reconciler_sandbox.provider import SandboxProvider

    real = SandboxProvider.write

    def slow(self: SandboxProvider, request: Any) -> Any:
        time.sleep(0.4)  # a platform taking its time: five writes take two seconds
        return real(self, request)

    monkeypatch.setattr(SandboxProvider, "write", slow)
    started = time.monotonic()
    assert main(sync_args(repo, workdir, "--once", "--auto-apply", "--timeout", "200ms")) == 1
    assert time.monotonic() - started < 1.9
    err = capsys.readouterr().err
    assert "ran out of time (--timeout 0.2s)" in err
    assert "not applied; the next cycle finishes them" in err
    written = resource_writes(repo.db)
    assert len(written) < 5
    assert lock_holder(repo.db) is None  # released: the next run need not wait
    monkeypatch.setattr(SandboxProvider, "write", real)
    assert main(sync_args(repo, workdir, "--once", "--auto-apply", "--timeout", "1m")) == 0
    assert f"sync {repo.first[:12]}: Synced" in capsys.readouterr().out
    assert sorted(resource_writes(repo.db)) == sorted(
        [("learnops", "create", *address.split("/")) for address in ALL_ADDRESSES])


def test_a_repository_that_is_not_there_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["sync", "--repo", str(tmp_path / "nowhere"), "--workdir",
                 str(tmp_path / "copy"), "--once"])
    assert code == 1
    err = capsys.readouterr().err
    nowhere = tmp_path / "nowhere"
    assert err == (f"error: sync failed: {nowhere}: git ls-remote failed: "
                   f"'{nowhere}' does not appear to be a git repository\n")


def test_a_bad_interval_is_a_usage_error(repo: SpecRepo, workdir: Path) -> None:
    assert main(sync_args(repo, workdir, "--interval", "soon")) == 1


@pytest.mark.slow
def test_the_daemon_follows_pushes_and_stops_cleanly_on_sigterm(
    repo: SpecRepo, workdir: Path
) -> None:
    env = {**os.environ, "LEARNOPS_WEBHOOK_SECRET": "s3cret", "NO_COLOR": "1"}
    daemon = subprocess.Popen(
        [sys.executable, "-m", "reconciler", *sync_args(
            repo, workdir, "--auto-apply", "--interval", "1h", "--listen", "127.0.0.1:0")],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
    )
    try:
        assert daemon.stdout is not None
        first_line = daemon.stdout.readline()
        assert first_line.startswith("Serving"), first_line + (daemon.stderr.read() if
                                                               daemon.stderr else "")
        url = first_line.rsplit(" ", 1)[1].strip()
        _wait_for(lambda: _status(url)["status"] == "Synced")

        changed, status = push_45_days(repo, url)
        assert status == 202
        _wait_for(lambda: (_status(url)["last_applied"] or {}).get("revision") == changed)
        assert resource(repo.db, "Assignment", "hipaa-nurses")["spec"]["due"] == "45d"

        # Between cycles: the clean stop this test is about. (/status shows the revision
        # as its cycle ends; a SIGTERM then cuts nothing and is clean too: test_loop.)
        _wait_for(lambda: _cycles(url) >= 2)
        daemon.send_signal(signal.SIGTERM)
        assert daemon.wait(timeout=30) == 0
    finally:
        if daemon.poll() is None:
            daemon.kill()
            daemon.wait()


def push_45_days(repo: SpecRepo, url: str) -> tuple[str, int]:
    """Commit "hipaa due in 45 days" and announce it with a signed push webhook
    (secret ``s3cret``); the new revision and the webhook's HTTP status."""
    changed = repo.commit("hipaa: 45 days", {
        "specs/assignments/hipaa.yaml": HIPAA.replace("due: 30d", "due: 45d"),
    })
    body = json.dumps({"ref": "refs/heads/main"}).encode()
    pushed = requests.post(f"{url}/webhook", data=body, timeout=10, headers={
        "X-GitHub-Event": "push", "X-Hub-Signature-256": signature(b"s3cret", body)})
    return changed, pushed.status_code


def _status(url: str) -> dict[str, object]:
    document: dict[str, object] = requests.get(f"{url}/status", timeout=10).json()
    return document


def _cycles(url: str) -> float:
    """Sync cycles that have ended, from the daemon's /metrics."""
    text = requests.get(f"{url}/metrics", timeout=10).text
    return sum(float(line.rsplit(" ", 1)[1]) for line in text.splitlines()
               if line.startswith("learnops_sync_duration_seconds_count"))


def _wait_for(condition: object, timeout: float = 60.0) -> None:
    assert callable(condition)
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "the sync did not get there"
        time.sleep(0.05)
