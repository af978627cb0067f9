"""The loop around the cycles: backoff, triggers, a clean stop."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest
from reconciler_sandbox.engine import Platform

from reconciler.sync import cycle
from reconciler.sync.loop import Backoff, SyncLoop
from reconciler.sync.status import CycleReport

from .repo import HIPAA, SpecRepo, make_syncer, resource_writes


def test_failures_back_off_exponentially_up_to_a_ceiling() -> None:
    backoff = Backoff(interval=30, ceiling=600)
    assert [backoff.delay(n) for n in range(7)] == [30, 60, 120, 240, 480, 600, 600]


def test_a_held_apply_lock_fails_the_cycle_which_is_retried_later(
    repo: SpecRepo, workdir: Path
) -> None:
    repo.db.parent.mkdir(parents=True)
    platform = Platform(repo.db)
    lock = platform.acquire_lock("another apply", 300)
    syncer = make_syncer(repo, workdir, auto_apply=True, lock_timeout=0.1)
    loop = SyncLoop(syncer, interval=10, max_backoff=100)

    first = loop.run_once()
    second = loop.run_once()

    assert first.failure is not None and first.retryable
    assert "another apply" in first.failure.message
    assert not second.idle  # not the revision's fault: tried again, not settled
    assert loop.failures == 2
    assert loop.backoff.delay(loop.failures) == 40
    assert resource_writes(repo.db) == []

    platform.release_lock(lock["lock_id"])
    platform.close()
    assert loop.run_once().failure is None
    assert loop.failures == 0
    assert len(resource_writes(repo.db)) == 5
    syncer.close()


def test_stop_ends_run_forever_after_the_cycle_in_progress(
    repo: SpecRepo, workdir: Path
) -> None:
    reports: list[CycleReport] = []
    first_cycle = threading.Event()

    def listen(report: CycleReport) -> None:
        reports.append(report)
        first_cycle.set()

    syncer = make_syncer(repo, workdir, auto_apply=True)
    loop = SyncLoop(syncer, interval=3600, listeners=[listen])
    runner = threading.Thread(target=loop.run_forever, daemon=True)
    runner.start()
    assert first_cycle.wait(30)
    loop.stop("stopped by SIGTERM")
    runner.join(30)

    assert not runner.is_alive()
    assert len(reports) == 1
    assert reports[0].failure is None
    assert loop.status.state == "Synced"


def test_a_stop_as_the_cycle_ends_is_clean_and_one_that_cuts_it_short_is_not(
    repo: SpecRepo, workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    syncer = make_syncer(repo, workdir, auto_apply=True)
    loop = SyncLoop(syncer, interval=3600)
    saved = cycle.remember

    def stopped_while_saving(*args: Any, **kwargs: Any) -> None:
        loop.stop("stopped by SIGTERM")  # /status already shows the cycle's outcome
        saved(*args, **kwargs)

    monkeypatch.setattr(cycle, "remember", stopped_while_saving)
    finished = loop.run_once()
    assert finished.failure is None and len(resource_writes(repo.db)) == 5
    assert not loop.cut_short  # nothing was left undone: the daemon exits 0

    monkeypatch.setattr(cycle, "remember", saved)
    repo.commit("hipaa: 45 days", {"specs/assignments/hipaa.yaml": HIPAA.replace(
        "due: 30d", "due: 45d")})
    compile_now = cycle.compile_dir

    def stopped_while_compiling(*args: Any, **kwargs: Any) -> Any:
        loop.stop("stopped by SIGTERM")
        return compile_now(*args, **kwargs)

    monkeypatch.setattr(cycle, "compile_dir", stopped_while_compiling)
    loop = SyncLoop(syncer, interval=3600)
    cut = loop.run_once()
    assert cut.failure is not None and "stopped before the cycle finished" in cut.failure.message
    assert len(resource_writes(repo.db)) == 5  # the new revision was not applied
    assert loop.cut_short  # work was left undone: the daemon exits 143
    syncer.close()
