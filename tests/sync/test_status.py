"""The sync's timestamps are its clock's (STYLE 12): what ``/status``, the cycle reports,
the metrics and the applied records say is exactly what the clock it was given said."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import requests

from reconciler.cli.main import main
from reconciler.sync.cycle import SyncOptions
from reconciler.sync.service import ServiceConfig, SyncService
from reconciler.sync.status import CycleReport

from .repo import HIPAA, SpecRepo


class FakeClock:
    """The time is what the test last set; the sync reads nothing else."""

    def __init__(self, moment: datetime) -> None:
        self.moment = moment

    def __call__(self) -> datetime:
        return self.moment


def test_status_reports_and_records_carry_the_given_clocks_time(
    repo: SpecRepo, workdir: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    # A state store of learnops' own (the sandbox's is the platform, which stamps nothing).
    project = (repo.root / "specs" / "learnops.yaml").read_text()
    repo.commit("local state", {"specs/learnops.yaml":
                                project + "state: {type: local, path: .learnops/state.db}\n"})
    clock = FakeClock(datetime(2031, 3, 4, 5, 6, 7, tzinfo=UTC))
    reports: list[CycleReport] = []
    config = ServiceConfig(
        repo=str(repo.root), workdir=workdir, listen="127.0.0.1:0", interval=3600,
        options=SyncOptions(path="specs", target="live", auto_apply=True),
    )
    with SyncService(config, clock=clock, listeners=[reports.append]) as service:
        assert service.server is not None
        url = service.server.url

        first = service.loop.run_once()
        status = requests.get(f"{url}/status", timeout=10).json()
        assert first.failure is None and first.applied
        first_at = "2031-03-04T05:06:07Z"
        assert first.status.last_attempt_at == first.status.last_success_at == first_at
        assert status["last_attempt_at"] == status["last_success_at"] == "2031-03-04T05:06:07Z"
        assert status["last_applied"]["at"] == "2031-03-04T05:06:07Z"
        gauge = service.metrics.registry.get_sample_value(
            "learnops_sync_last_success_timestamp_seconds")
        assert gauge == clock.moment.timestamp()
        # What the sync's apply wrote to the state store is stamped by the same clock.
        code = main(["state", "show", "Assignment/hipaa-nurses", str(workdir / "specs"),
                     "--target", "live", "--output", "json"])
        out, err = capsys.readouterr()
        assert code == 0, err
        assert json.loads(out)["applied_at"] == "2031-03-04T05:06:07Z"

        clock.moment = datetime(2031, 3, 4, 5, 7, 0, tzinfo=UTC)
        idle = service.loop.run_once()
        assert idle.idle
        assert idle.status.last_attempt_at == idle.status.last_success_at == "2031-03-04T05:07:00Z"

        # Any zone the clock answers in is shown as UTC.
        clock.moment = datetime(2031, 3, 4, 14, 8, 9, tzinfo=ZoneInfo("Asia/Tokyo"))
        repo.commit("typo", {"specs/assignments/hipaa.yaml":
                             HIPAA.replace("audience: nurses", "audience: nursez")})
        failed = service.loop.run_once()
        status = requests.get(f"{url}/status", timeout=10).json()
        assert failed.failure is not None and failed.failure.at == "2031-03-04T05:08:09Z"
        assert status["last_error"]["at"] == "2031-03-04T05:08:09Z"
        assert status["last_attempt_at"] == "2031-03-04T05:08:09Z"
        assert status["last_success_at"] == "2031-03-04T05:07:00Z"  # the failure moved nothing
        assert status["last_applied"]["at"] == "2031-03-04T05:06:07Z"
    assert reports == [first, idle, failed]  # the listeners saw the same reports
