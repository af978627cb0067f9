"""``learnops simulate`` on specs/ with the golden directory of users: nothing is written."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from insight_workspace import specs_with_directory
from reconciler_sandbox.engine import Platform

from reconciler.cli.main import main

Capture = pytest.CaptureFixture[str]
HEADLINE = re.compile(r"^(\w+day) (\d{4}-\d{2}-\d{2}): (\d+) notifications?, (\d+) releases?, "
                      r"(\d+) due dates?$", re.MULTILINE)


@pytest.fixture(scope="module")
def specs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return specs_with_directory(tmp_path_factory.mktemp("simulate"))


def test_the_busiest_days_come_first_with_the_assumptions(specs: Path, capsys: Capture) -> None:
    assert main(["simulate", str(specs), "--start", "2027-01-04", "--days", "90"]) == 0
    out = capsys.readouterr().out
    days = HEADLINE.findall(out)
    # 24 assigned and item reminders, and 3 reminders of the first HIPAA step on the day
    # it opens (its 14 days are the 14d reminder's lead time)
    assert days[0][:3] == ("Monday", "2027-01-04", "27")
    counts = [int(notifications) for _, _, notifications, _, _ in days]
    assert counts == sorted(counts, reverse=True)
    assert "complete each plan step on the day it releases" in out
    # The overlap: 6 clinical employees + 3 Spanish-speaking nurses, 2 in both, so 7.
    assert "assigned plan hipaa-annual 7" in out
    # The leadership cohort starts on its own date, inside the window.
    assert main(["simulate", str(specs), "--start", "2027-01-04", "--days", "90",
                 "--top", "90"]) == 0
    friday = capsys.readouterr().out.split("Friday 2027-01-15: ")[1].split("\n")[:2]
    assert friday[0].endswith("2 releases, 0 due dates")
    assert "assigned plan leadership 2" in friday[1]


def test_top_limits_the_days_shown_and_the_window_bounds_them(specs: Path,
                                                              capsys: Capture) -> None:
    assert main(["simulate", str(specs), "--start", "2027-01-04", "--days", "7",
                 "--top", "2"]) == 0
    out = capsys.readouterr().out
    days = HEADLINE.findall(out)
    assert len(days) == 2
    assert all("2027-01-04" <= day <= "2027-01-10" for _, day, _, _, _ in days)
    assert "Simulated 7 days, Monday 2027-01-04 to Sunday 2027-01-10" in out


def _snapshot(specs: Path) -> tuple[int, list[dict[str, object]], list[dict[str, object]]]:
    platform = Platform(specs / ".learnops" / "sandbox.db")
    try:
        return platform.state_version(), platform.audit(limit=1000), platform.notifications()
    finally:
        platform.close()


def test_simulating_writes_nothing_to_the_platform(specs: Path, capsys: Capture) -> None:
    main(["audience", "managers", str(specs)])  # the platform exists, its users seeded
    before = _snapshot(specs)
    assert main(["simulate", str(specs), "--start", "2027-01-04"]) == 0
    assert "notifications" in capsys.readouterr().out
    assert _snapshot(specs) == before
    assert before[2] == []


def test_days_must_be_positive(specs: Path, capsys: Capture) -> None:
    assert main(["simulate", str(specs), "--days", "0"]) == 1
    assert "--days" in capsys.readouterr().err
