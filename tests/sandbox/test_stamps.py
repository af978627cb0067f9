"""Every time the platform stores comes from its clock (``Platform(now=...)``), never
from the wall clock: a rehearsal run in 2027 is stamped 2027, and a test decides
what each write is stamped with."""

from __future__ import annotations

import sqlite3
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from reconciler_sandbox.engine import Platform
from reconciler_sandbox.server import running_server

from .api_client import Api
from .conftest import (
    USERS_CSV,
    Clock,
    Moment,
    assignment,
    audience,
    obj,
    plan,
    put,
    step,
)

START = date(2027, 1, 4)
# Stamps are ISO 8601 UTC to the millisecond (journal.utc_iso), as before.
FIRST, LATER, TICKED = ("2027-01-04T09:00:00.000Z", "2027-01-04T09:30:00.250Z",
                        "2027-01-09T06:00:00.000Z")
# Every stored stamp: (table, column). Lease times are seconds (tested in test_locks_tokens).
STAMPS = [("resources", "created_at"), ("resources", "updated_at"), ("audit", "at"),
          ("users", "created_at"), ("users", "updated_at"), ("plan_versions", "created_at"),
          ("enrollments", "created_at"), ("completions", "recorded_at"),
          ("events", "recorded_at"), ("notifications", "created_at"),
          ("tokens", "created_at"), ("idempotency", "created_at")]


def stamps(path: Path, table: str, column: str) -> set[str]:
    with sqlite3.connect(path) as conn:
        return {value for (value,) in conn.execute(f"SELECT {column} FROM {table}")}


def test_every_stamp_is_the_platform_clock_time_of_its_write(tmp_path: Path) -> None:
    moment, clock = Moment(datetime(2027, 1, 4, 9, 0, tzinfo=UTC)), Clock(START)
    platform = Platform(tmp_path / "sandbox.db", today=clock, now=moment)
    platform.import_users_csv(USERS_CSV, actor="hr")
    platform.create_token("ops", ["admin"])
    for name in ("basics", "quiz"):
        put(platform, "LearningObject", name, obj(name.title()))
    put(platform, "Audience", "nurses", audience(groups=["nursing"]))
    put(platform, "CertificationPlan", "hipaa", plan(
        step("one", "basics", due="3d"), step("two", "quiz", release={"offset": "2d"}),
        notify={"admins": ["compliance@x.org"], "on": ["overdue"]}))
    first = platform.put_resource(
        "Assignment", "hipaa", {"spec": assignment("nurses", {"plan": "hipaa"})},
        if_none_match=True, actor="apply", idempotency_key="k-1")[0]
    assert stamps(tmp_path / "sandbox.db", "notifications", "created_at") == {FIRST}

    moment.at += timedelta(minutes=30, milliseconds=250)
    changed = put(platform, "LearningObject", "basics", obj("Basics, revised"))
    assert changed["metadata"]["created_at"] == FIRST
    assert changed["metadata"]["updated_at"] == LATER
    assert first["metadata"]["created_at"] == first["metadata"]["updated_at"] == FIRST
    platform.record_completion("E1001", "basics", completed_on=START, actor="lms")
    inactive = platform.inactivate_resource("Assignment", "hipaa", if_match=1, actor="ops")
    assert inactive["metadata"]["updated_at"] == LATER

    moment.at = datetime(2027, 1, 9, 6, 0, tzinfo=UTC)
    put(platform, "Assignment", "hipaa", assignment("nurses", {"plan": "hipaa"}))
    clock.day = START + timedelta(days=10)
    assert platform.tick().recorded > 0  # releases, overdue steps: events and notices

    audit = [(entry["at"], entry["action"], entry["kind"]) for entry in platform.audit()]
    assert audit[0] == (FIRST, "import", "User")
    assert (LATER, "update", "LearningObject") in audit
    assert (LATER, "complete", "LearningObject") in audit
    assert audit[-1] == (TICKED, "update", "Assignment")
    db = tmp_path / "sandbox.db"
    assert stamps(db, "events", "recorded_at") == {FIRST, TICKED}
    assert stamps(db, "notifications", "created_at") == {FIRST, TICKED}
    assert stamps(db, "completions", "recorded_at") == {LATER}
    for table, column in STAMPS:
        assert stamps(db, table, column) <= {FIRST, LATER, TICKED}, (table, column)
    platform.close()


def test_a_served_platform_stamps_with_its_clock_and_leases_follow_it(
    tmp_path: Path,
) -> None:
    moment = Moment(datetime(2027, 1, 4, 9, 0, tzinfo=UTC))
    platform = Platform(tmp_path / "served.db", today=Clock(START), now=moment)
    admin = platform.create_token("ops", ["admin"])
    with running_server(platform) as url:
        api = Api(url, admin)
        created = api.create("learning-objects", "basics", {"spec": obj("Basics")})
        assert created.status_code == 201
        assert created.json()["metadata"]["created_at"] == FIRST
        taken = api("POST", "/locks/apply", json={"holder": "ci-1", "ttl_seconds": 30})
        assert taken.status_code == 201 and taken.json()["expires_at"] == (
            "2027-01-04T09:00:30.000Z")
        assert api("POST", "/locks/apply",
                   json={"holder": "ci-2", "ttl_seconds": 30}).status_code == 409
        moment.at += timedelta(seconds=30)  # no waiting: the platform's clock moves
        again = api("POST", "/locks/apply", json={"holder": "ci-2", "ttl_seconds": 30})
        assert again.status_code == 201 and again.json()["since"] == (
            "2027-01-04T09:00:30.000Z")
        audit = api("GET", "/audit").json()["items"]
        assert [(e["at"], e["action"]) for e in audit if e["kind"] != "Token"] == [
            (FIRST, "create"), (FIRST, "lock"), ("2027-01-04T09:00:30.000Z", "lock")]
    platform.close()
