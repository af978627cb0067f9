"""A year of the example program rehearsed through ``learnops sandbox tick``: every
notification on its day; and ``learnops simulate`` agrees with the rehearsal."""

from __future__ import annotations

import json
import shutil
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from reconciler_sandbox import clock as platform_clock
from reconciler_sandbox.engine import Platform

from reconciler.cli import clock as cli_clock
from reconciler.cli.main import main
from reconciler.compiler import compile_dir
from reconciler.errors import PermanentError
from reconciler.insight.programs import read_directory
from reconciler.insight.simulate import simulate

SPECS = Path(__file__).resolve().parents[2] / "specs"
START = date(2027, 1, 4)
COMPLIANCE = "compliance@mercy.example"


@pytest.fixture
def program(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """The example program on a copy of its platform, the wall clock at START; Jose's
    manager (``manager_id``) is Maria."""
    root = tmp_path / "specs"
    shutil.copytree(SPECS, root, ignore=shutil.ignore_patterns(".learnops"))
    users = root / "directory" / "users.csv"
    lines = users.read_text(encoding="utf-8").splitlines()
    managers = {"E1002": "E1001"}
    users.write_text("\n".join(
        [lines[0] + ",manager_id"]
        + [line + "," + managers.get(line.split(",")[0], "") for line in lines[1:]]) + "\n",
        encoding="utf-8")
    noon = datetime(START.year, START.month, START.day, 12, tzinfo=UTC)
    monkeypatch.setattr(platform_clock, "now", lambda: noon)
    monkeypatch.setattr(cli_clock, "now", lambda: noon)
    monkeypatch.chdir(root)
    assert main(["apply", "--auto-approve", "."]) == 0
    yield root


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    capsys.readouterr()
    assert main(list(argv)) == 0
    return capsys.readouterr().out


def notices(capsys: pytest.CaptureFixture[str], *argv: str) -> list[tuple[str, ...]]:
    found = json.loads(run(capsys, "sandbox", "notifications", *argv, "--output", "json"))
    return [(n["on"], n["kind"], n["step"] or n["plan"] or str(n["item"]), n["role"])
            for n in found]


def test_a_year_of_the_example_program_rehearsed_day_by_day(
    program: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    # Maria completes the plan in its first fortnight; Jose never starts.
    for name, on in (("privacy-101", "2027-01-05"), ("hipaa-basics", "2027-01-05"),
                     ("phi-handling", "2027-01-12"), ("hipaa-quiz", "2027-01-14")):
        run(capsys, "sandbox", "complete", "E1001", name, "--on", on, "--score", "90")
    day = START
    while day <= date(2027, 12, 31):  # weekly, as a cron job that was down between
        out = run(capsys, "sandbox", "tick", ".", "--until", day.isoformat())
        assert out.startswith(f"platform date {day.isoformat()}")
        day += timedelta(days=7)
    run(capsys, "sandbox", "tick", ".", "--until", "2027-12-31")

    maria = notices(capsys, "E1001")
    video, pathogens = "{'object': 'hand-hygiene-video'}", "{'object': 'bloodborne-pathogens'}"
    # Due: 30 days after the start (hipaa-2027-clinical) for the plan and the video, 2027-03-31
    # (hipaa-2027-nurses-es) for the pathogens course; reminders 14d, 7d, 3d and 1d ahead.
    assert [n[0] for n in maria] == sorted(n[0] for n in maria)  # in date order
    # (Same-day notices are in the order they were sent: apply writes in parallel.)
    assert sorted(n for n in maria if n[3] == "learner") == sorted([
        ("2027-01-04", "assigned", video, "learner"),
        ("2027-01-04", "assigned", "hipaa-annual", "learner"),
        ("2027-01-04", "assigned", pathogens, "learner"),
        ("2027-01-04", "reminder", "foundations", "learner"),  # 14d before its 14d due
        ("2027-01-11", "step_available", "practice", "learner"),
        ("2027-01-14", "certified", "hipaa-annual", "learner"),
        ("2027-01-14", "step_available", "assessment", "learner"),
        ("2027-01-27", "reminder", video, "learner"),
        ("2027-02-02", "reminder", video, "learner"),
        ("2027-02-04", "overdue", video, "learner"),
        ("2027-03-17", "reminder", pathogens, "learner"),
        ("2027-03-28", "reminder", pathogens, "learner"),
        ("2027-04-01", "overdue", pathogens, "learner"),
        ("2027-06-01", "step_available", "refresher", "learner"),  # on its date
        ("2027-12-15", "renewal", "hipaa-annual", "learner"),  # 30 days before expiry
        ("2027-12-15", "reminder", "foundations", "learner"),
        ("2027-12-22", "step_available", "practice", "learner"),
        ("2027-12-22", "reminder", "foundations", "learner"),
        ("2027-12-26", "reminder", "foundations", "learner"),
        ("2027-12-28", "reminder", "foundations", "learner"),
        ("2027-12-29", "reminder", "practice", "learner"),
        ("2027-12-31", "reminder", "hipaa-annual", "learner"),  # renewal due 2028-01-14
    ])
    # Maria is Jose's manager: told of each of his late steps and items, once each.
    assert sorted(n for n in maria if n[3] == "manager") == sorted([
        ("2027-01-19", "overdue", "foundations", "manager"),
        ("2027-02-02", "overdue", "practice", "manager"),
        ("2027-02-04", "overdue", video, "manager"),
        ("2027-02-04", "overdue", "hipaa-annual", "manager"),
        ("2027-04-01", "overdue", pathogens, "manager"),
    ])
    admins = Counter((n[0], n[1], n[2]) for n in notices(capsys, COMPLIANCE))
    assert admins[("2027-01-14", "completed", "hipaa-annual")] == 1  # only Maria finished
    assert admins[("2027-12-15", "expiring", "hipaa-annual")] == 1
    # The 45 learners of the plan but Maria are late on its first two steps.
    assert admins[("2027-01-19", "overdue", "foundations")] == 44
    assert admins[("2027-02-02", "overdue", "practice")] == 44
    text = run(capsys, "sandbox", "notifications", "E1001", "--since", "2027-12-01")
    assert "Time to renew your certification: Annual HIPAA Certification" in text


def test_simulate_and_a_rehearsed_sandbox_agree_on_release_and_due_dates(
    program: Path,
) -> None:
    """Simulate assumes every learner completes each step the day it releases; the
    rehearsal makes them do so, and the dates must then be the same."""
    days = 42
    compiled = compile_dir(program)
    simulation = simulate(compiled.state, read_directory(compiled.state.project, None),
                          START, days)
    expected_releases = Counter({(load.day, t.label): t.count for load in simulation.loads
                                 for t in load.releases})
    expected_dues = Counter({(load.day, t.label): t.count for load in simulation.loads
                             for t in load.due_dates})
    # Notices that do not depend on learners being late: announcements of the work.
    expected_notices = Counter({(load.day, t.label): t.count for load in simulation.loads
                                for t in load.notifications if not t.label.startswith("reminder")})

    platform = Platform(program / ".learnops" / "sandbox.db",
                        today=lambda: START)
    try:
        releases: Counter[tuple[date, str]] = Counter()
        dues: Counter[tuple[date, str]] = Counter()
        for offset in range(days):
            today = START + timedelta(days=offset)
            platform.tick(today)
            opened = [e for e in platform.events(since=today) if e["on"] == today.isoformat()]
            for _ in range(3):  # prerequisites first (fire-drill needs fire-safety)
                opened = [e for e in opened if not _complete_what_opened(platform, e, today)]
        notices = Counter(
            (date.fromisoformat(n["on"]), _simulated_label(n)) for n in platform.notifications()
            if n["kind"] in ("assigned", "step_available"))
        for view in _views(platform, START + timedelta(days=days - 1)):
            for entry in view["enrollments"]:
                ((kind, name),) = entry["item"].items()
                label = f"{kind} {name}"
                if entry["due_on"]:
                    dues[(date.fromisoformat(entry["due_on"]), label)] += 1
                if kind == "object":
                    releases[(date.fromisoformat(entry["enrolled_on"]), label)] += 1
                for step in entry.get("steps", []):
                    if step["release_date"] is None:
                        continue  # waits for an earlier step: simulate's window ends first
                    releases[(date.fromisoformat(step["release_date"]),
                              f"{label} / {step['name']}")] += 1
                    if step["due_date"]:
                        dues[(date.fromisoformat(step["due_date"]),
                              f"{label} / {step['name']}")] += 1
    finally:
        platform.close()
    window = {START + timedelta(days=n) for n in range(days)}
    assert sum(expected_releases.values()) > 100 and sum(expected_dues.values()) > 100
    assert {k: v for k, v in releases.items() if k[0] in window} == dict(expected_releases)
    assert {k: v for k, v in dues.items() if k[0] in window} == dict(expected_dues)
    assert {k: v for k, v in notices.items() if k[0] in window} == dict(expected_notices)


def _simulated_label(notice: dict[str, Any]) -> str:
    ((kind, name),) = notice["item"].items()
    what = "assigned" if notice["kind"] == "assigned" else "step available"
    return f"{what} {kind} {name}"


def _complete_what_opened(platform: Platform, event: dict[str, Any], today: date) -> bool:
    """The learner completes what the event opened, the day it opened; False when a
    prerequisite is not done yet (try again after the others)."""
    learner = event["employee_id"]
    ((kind, name),) = event["item"].items()
    if kind == "object" and event["kind"] == "assignment_started":
        names = [name]
    elif kind == "plan" and event["kind"] == "step_released":
        [entry] = [e for e in platform.learner_view(learner, today)["enrollments"]
                   if e["item"] == {"plan": name}]
        [step] = [s for s in entry["steps"] if s["name"] == event["step"]]
        names = [item["object"] for item in step["items"] if not item["completed_on"]]
    else:
        return True
    try:
        for item in names:
            platform.record_completion(learner, item, completed_on=today, score=100,
                                       actor="rehearsal")
    except PermanentError:
        return False
    return True


def _views(platform: Platform, as_of: date) -> Iterator[dict[str, Any]]:
    for user in platform.directory():
        yield platform.learner_view(user.employee_id, as_of)


@pytest.mark.parametrize(("zone", "local"), [("UTC", "2027-01-04"),
                                             ("Pacific/Kiritimati", "2027-01-05"),
                                             ("Pacific/Pago_Pago", "2027-01-03")])
def test_the_platforms_today_is_a_date_in_the_projects_time_zone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
    zone: str, local: str,
) -> None:
    (tmp_path / "learnops.yaml").write_text(
        f"project: demo\ntimezone: {zone}\nprovider: {{type: sandbox, path: p.db}}\n",
        encoding="utf-8")
    # 10:30 UTC: 00:30 the next day in Kiritimati (UTC+14), 23:30 the day before in
    # Pago Pago (UTC-11)
    moment = datetime(2027, 1, 4, 10, 30, tzinfo=UTC)
    monkeypatch.setattr(platform_clock, "now", lambda: moment)
    assert main(["sandbox", "users", "import", str(SPECS / "directory" / "users.csv"),
                 str(tmp_path)]) == 0
    out = run(capsys, "sandbox", "tick", str(tmp_path))
    assert out.startswith(f"platform date {local} (was never run)")


def test_commands_default_to_today_in_the_projects_time_zone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    root = tmp_path / "specs"
    shutil.copytree(SPECS, root, ignore=shutil.ignore_patterns(".learnops"))
    project = root / "learnops.yaml"
    project.write_text(project.read_text(encoding="utf-8").replace(
        "project: mercy-general", "project: mercy-general\ntimezone: Asia/Tokyo"),
        encoding="utf-8")
    moment = datetime(2027, 1, 4, 20, tzinfo=UTC)  # already Tuesday in Tokyo
    monkeypatch.setattr(cli_clock, "now", lambda: moment)
    out = run(capsys, "preview", "hipaa-annual", str(root))
    assert "For a learner enrolling on Tuesday 2027-01-05" in out
