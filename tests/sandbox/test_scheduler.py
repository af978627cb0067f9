"""The scheduler: every event once, on its own day, whenever the scheduler runs."""

from __future__ import annotations

import contextlib
import sqlite3
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import requests
from hypothesis import given, settings
from hypothesis import strategies as st
from reconciler_sandbox import scheduler
from reconciler_sandbox.engine import Platform
from reconciler_sandbox.server import running_server

from reconciler.errors import InvalidRequest, PermanentError

from .conftest import HEADER, Clock, assignment, audience, obj, plan, put, step

START = date(2027, 1, 4)
ADMIN = "compliance@x.org"
# Two nurses and their manager (a user, so told of their overdue steps).
STAFF = "\n".join([
    HEADER + ",manager_id",
    "E1001,Ana,Silva,ana@x.org,Nurse,Nursing,Boston,es,2020-01-10,nursing,active,M1",
    "E1002,Ben,Okafor,ben@x.org,Nurse,Nursing,Austin,en,2021-03-01,nursing,,M1",
    "M1,Mo,Lead,mo@x.org,Head nurse,Nursing,Boston,en,2015-01-01,leads,active,",
]) + "\n"
OBJECTS = ("basics", "privacy", "phi", "quiz")


def program() -> dict[str, Any]:
    return plan(
        step("foundations", "basics", "privacy", release={"at": "enrollment"}, due="7d"),
        step("practice", "phi", release={"offset": "5d"}, due="5d"),
        step("assessment", "quiz", release={"after_step": "practice", "delay": "1d"},
             due="3d"),
        certificate={"template": "c", "valid_for": "20d", "renew_before": "5d"},
        notify={"admins": [ADMIN], "on": ["completed", "overdue", "expiring", "expired"]},
    )


def rehearsal(path: Path, clock: Clock) -> Platform:
    platform = Platform(path, today=clock)
    platform.import_users_csv(STAFF, actor="hr")
    for name in OBJECTS:
        put(platform, "LearningObject", name, obj(name.title()))
    put(platform, "Audience", "nurses", audience(groups=["nursing"]))
    put(platform, "CertificationPlan", "hipaa", program())
    put(platform, "Assignment", "hipaa", assignment(
        "nurses", {"plan": "hipaa"}, start="2027-01-06", due="20d",
        notify={"on_assign": True, "reminders": ["3d", "1d"]}))
    # Starting the same day: an item given sooner by one of them would start sooner.
    put(platform, "Assignment", "refresh", assignment(
        "nurses", {"plan": "hipaa"}, start="2027-01-06",
        notify={"on_assign": True, "reminders": ["2d"]}))
    return platform


def record(platform: Platform) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    events = [(e["on"], e["kind"], e["employee_id"], str(e["item"]), e["step"] or "")
              for e in platform.events()]
    notes = [(n["on"], n["recipient"], n["kind"], n["message"])
             for n in platform.notifications()]
    return sorted(events), sorted(notes)


completion = st.tuples(st.sampled_from(["E1001", "E1002"]), st.sampled_from(OBJECTS),
                       st.integers(0, 45))


@settings(max_examples=12, deadline=None, derandomize=True)
@given(completions=st.lists(completion, max_size=10),
       ticks=st.lists(st.integers(1, 59), max_size=4, unique=True))
def test_catching_up_after_a_gap_records_what_daily_ticks_would(
    completions: list[tuple[str, str, int]], ticks: list[int],
) -> None:
    with tempfile.TemporaryDirectory() as folder:
        daily = rehearsal(Path(folder) / "daily.db", Clock(START))
        gaps = rehearsal(Path(folder) / "gaps.db", Clock(START))
        for learner, name, offset in completions:
            for platform in (daily, gaps):
                # Not open to them that day: both platforms refuse it alike.
                with contextlib.suppress(PermanentError):
                    platform.record_completion(learner, name, score=90, actor="lms",
                                               completed_on=START + timedelta(days=offset))
        for day in range(61):
            daily.tick(START + timedelta(days=day))
        for day in [*sorted(ticks), 60]:
            gaps.tick(START + timedelta(days=day))
        try:
            assert record(gaps) == record(daily)
            assert len(record(daily)[0]) > 10  # the rehearsal has something to say
        finally:
            daily.close()
            gaps.close()


@pytest.fixture
def rehearsed(tmp_path: Path) -> Platform:
    platform = rehearsal(tmp_path / "sandbox.db", Clock(START))
    yield platform
    platform.close()


def notes(platform: Platform, **filters: Any) -> list[tuple[str, str, str]]:
    return [(n["on"], n["recipient"], n["kind"]) for n in platform.notifications(**filters)]


def test_a_late_step_tells_the_manager_and_admins_and_nobody_twice(
    rehearsed: Platform,
) -> None:
    p = rehearsed
    p.record_completion("E1001", "basics", completed_on=date(2027, 1, 6), actor="lms")
    p.record_completion("E1001", "privacy", completed_on=date(2027, 1, 6), actor="lms")
    p.tick(date(2027, 1, 20))
    # Two assignments reach each nurse (reminders 3d and 1d, and 2d): one enrollment,
    # one notice per recipient and event, each on its day.
    assert notes(p, employee_id="E1002", since=date(2027, 1, 11)) == [
        ("2027-01-11", "E1002", "step_available"),
        ("2027-01-11", "E1002", "reminder"),  # foundations, due 2027-01-13
        ("2027-01-12", "E1002", "reminder"),
        ("2027-01-13", "E1002", "reminder"),  # practice, due 2027-01-16
        ("2027-01-14", "E1002", "reminder"),
        ("2027-01-15", "E1002", "reminder"),
    ]
    assert notes(p, employee_id="E1001", kind="reminder")[0] == (
        "2027-01-13", "E1001", "reminder")  # foundations done: reminded of practice only
    manager = p.notifications("M1")
    assert [(n["on"], n["learner"], n["step"], n["message"]) for n in manager] == [
        ("2027-01-14", "E1002", "foundations",
         "E1002 is overdue on step foundations of Annual HIPAA (due 2027-01-13)"),
        ("2027-01-17", "E1001", "practice",
         "E1001 is overdue on step practice of Annual HIPAA (due 2027-01-16)"),
        ("2027-01-17", "E1002", "practice",
         "E1002 is overdue on step practice of Annual HIPAA (due 2027-01-16)"),
    ]
    assert [n["role"] for n in manager] == ["manager"] * 3
    assert notes(p, employee_id=ADMIN) == [
        (n["on"], ADMIN, "overdue") for n in manager]
    before = p.notifications()
    p.tick(date(2027, 1, 20))
    assert p.notifications() == before


def test_steps_released_later_are_announced_and_certificates_lapse(
    rehearsed: Platform,
) -> None:
    p = rehearsed
    for name, day in (("basics", 6), ("privacy", 6), ("phi", 11), ("quiz", 12)):
        p.record_completion("E1001", name, completed_on=date(2027, 1, day), score=90,
                            actor="lms")
    p.tick(date(2027, 2, 28))
    mine = [(n["on"], n["kind"], n["step"]) for n in p.notifications("E1001")
            if n["kind"] != "reminder"]
    assert mine[:6] == [
        ("2027-01-06", "assigned", None),  # the start date of the first assignment
        ("2027-01-11", "step_available", "practice"),
        ("2027-01-12", "certified", None),
        ("2027-01-12", "step_available", "assessment"),  # a day after practice was done
        ("2027-01-27", "renewal", None),  # 5 days before the 20-day certificate expires
        ("2027-02-01", "expired", None),  # nobody renewed
    ]
    assert notes(p, employee_id=ADMIN, kind="expired") == [
        ("2027-02-01", ADMIN, "expired")]
    [lapsed] = p.notifications("E1001", kind="expired")
    assert lapsed["message"] == "Your certificate for Annual HIPAA expired on 2027-02-01"
    assert lapsed["plan"] == "hipaa" and lapsed["item"] == {"plan": "hipaa"}


def test_the_platforms_date_only_moves_forward(rehearsed: Platform) -> None:
    assert rehearsed.tick(date(2027, 3, 1)).until == date(2027, 3, 1)
    assert rehearsed.today() == date(2027, 3, 1)  # ahead of the wall clock: a rehearsal
    with pytest.raises(InvalidRequest, match="moves forward only"):
        rehearsed.tick(date(2027, 2, 1))
    assert rehearsed.tick(date(2027, 3, 1)).recorded == 0


def test_an_assignment_starting_later_is_announced_on_its_start_date(
    rehearsed: Platform,
) -> None:
    # "hipaa" starts 2027-01-06, "refresh" at once: a learner reached only by the
    # later one hears on its start date.
    put(rehearsed, "Audience", "leads", audience(groups=["leads"]))
    put(rehearsed, "LearningObject", "video", obj("Video"))
    put(rehearsed, "Assignment", "later", assignment(
        "leads", {"object": "video"}, start="2027-01-20"))
    assert rehearsed.notifications("M1", kind="assigned") == []
    rehearsed.tick(date(2027, 1, 19))
    assert rehearsed.notifications("M1", kind="assigned") == []
    rehearsed.tick(date(2027, 1, 20))
    assert notes(rehearsed, employee_id="M1", kind="assigned") == [
        ("2027-01-20", "M1", "assigned")]


def test_a_served_platform_ticks_in_the_background(tmp_path: Path) -> None:
    wall = Clock(START)
    platform = rehearsal(tmp_path / "served.db", wall)
    try:
        with running_server(platform, tick_interval=0.05) as url:
            wall.day = date(2027, 1, 6)  # the day "hipaa" starts: nobody runs a command
            deadline = time.monotonic() + 10
            while not platform.notifications("E1001", kind="assigned"):
                assert time.monotonic() < deadline, "the scheduler did not run"
                time.sleep(0.05)
            token = platform.create_token("reader", ["read"])
            listed = requests.get(f"{url}/notifications", timeout=10,
                                  params={"employee_id": "E1001", "kind": "assigned"},
                                  headers={"Authorization": f"Bearer {token}"}).json()
        assert [n["on"] for n in listed["items"]] == ["2027-01-06"]
        assert platform.today() == date(2027, 1, 6)
    finally:
        platform.close()


def test_two_schedulers_on_one_file_record_each_event_once(tmp_path: Path) -> None:
    """A served platform ticking and a cron ``sandbox tick`` on the same database."""
    wall = Clock(START)
    first = rehearsal(tmp_path / "shared.db", wall)
    second = Platform(tmp_path / "shared.db", today=wall)
    alone = rehearsal(tmp_path / "alone.db", Clock(START))
    days = [START + timedelta(days=n) for n in range(0, 45, 3)]

    def run(platform: Platform) -> None:
        for day in days:
            wall.day = max(wall.day, day)
            platform.tick()  # to the platform's today, whoever moved it

    try:
        with ThreadPoolExecutor(2) as pool:
            list(pool.map(run, (first, second)))
        alone.tick(days[-1])
        assert first.today() == days[-1]
        assert record(first) == record(alone)
    finally:
        for platform in (first, second, alone):
            platform.close()


def test_a_reactivated_enrollment_hears_nothing_of_its_inactive_days(
    tmp_path: Path,
) -> None:
    wall = Clock(START)
    platform = rehearsal(tmp_path / "back.db", wall)
    try:
        platform.tick(date(2027, 1, 8))
        for name in ("hipaa", "refresh"):
            platform.inactivate_resource(
                "Assignment", name, actor="t",
                if_match=platform.get_resource("Assignment", name)["metadata"]["version"])
        wall.day = date(2027, 1, 25)
        spec = platform.get_resource("Assignment", "refresh")
        platform.put_resource("Assignment", "refresh", {"spec": {**spec["spec"], "active": True}},
                              if_match=spec["metadata"]["version"], actor="t")
        platform.tick(date(2027, 1, 26))
        # Reminders (from the 10th) and overdue steps (the 14th, the 17th) fell in the
        # days without access: none is sent late.
        assert notes(platform, employee_id="E1002") == [("2027-01-06", "E1002", "assigned")]
        view = platform.learner_view("E1002", date(2027, 1, 26))
        assert [e["item"] for e in view["enrollments"]] == [{"plan": "hipaa"}]
        for name, day in (("basics", 26), ("privacy", 26), ("phi", 27)):
            platform.record_completion("E1002", name, completed_on=date(2027, 1, day),
                                       actor="lms")
        platform.tick(date(2027, 2, 1))  # back: what happens from now on is sent
        assert notes(platform, employee_id="E1002")[1:] == [
            ("2027-01-28", "E1002", "step_available"),  # assessment, a day after practice
            ("2027-01-29", "E1002", "reminder"),  # due the 31st, "refresh" reminds 2d ahead
        ]
    finally:
        platform.close()


def test_working_out_what_is_due_writes_nothing_and_the_tick_then_certifies(
    tmp_path: Path,
) -> None:
    clock = Clock(date(2027, 1, 7))
    platform = rehearsal(tmp_path / "p.db", clock)
    # The later steps' objects are also given on their own: done before their steps
    # release, the plan is finished ahead of its schedule.
    put(platform, "Assignment", "objects", assignment(
        "nurses", {"object": "phi"}, {"object": "quiz"}, start="2027-01-06"))
    for name in OBJECTS:
        platform.record_completion("E1001", name, completed_on=date(2027, 1, 7), actor="lms")
    assert not [e for e in platform.events() if e["kind"] == "certificate_issued"]
    # A tick works out what is due in a read, beside the platform's writers: it must
    # write nothing there (not even the certificate of a plan finished ahead).
    reader = sqlite3.connect(tmp_path / "p.db")
    reader.row_factory = sqlite3.Row
    reader.execute("PRAGMA query_only = ON")
    found = scheduler.due(reader, date(2027, 1, 20), datetime(2027, 1, 20, tzinfo=UTC))
    reader.close()
    assert [enrollment.employee_id for enrollment, _, _ in found.certifications] == ["E1001"]
    platform.tick(date(2027, 1, 20))
    issued = [(e["employee_id"], e["on"]) for e in platform.events()
              if e["kind"] == "certificate_issued"]
    completed = [(e["employee_id"], e["on"]) for e in platform.events()
                 if e["kind"] == "completed" and "plan" in e["item"]]
    # Issued once, on the day the plan counts as finished (its last step's release).
    assert issued == completed and len(issued) == 1 and issued[0][1] > "2027-01-07"
    expiring = [e for e in platform.events() if e["kind"] == "expiring"]
    assert not expiring  # 20 days valid, 5 before: not by the 20th
    platform.close()
