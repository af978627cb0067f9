"""Enrollments as a learner and an admin see them, the cases mutation testing found
unchecked: why an enrollment went inactive, ``active: false`` in the spec, a changed
due date, an import touching only some people, no welcome notice when asked for none,
an object that shares its name with a plan."""

from __future__ import annotations

import csv
import io
from datetime import date
from typing import Any

import pytest
from reconciler_sandbox.engine import Platform

from .conftest import HEADER, Clock, assignment, audience, obj, plan, put, step


@pytest.fixture
def hospital(platform: Platform) -> Platform:
    put(platform, "LearningObject", "video", obj("Video"))
    put(platform, "Audience", "nurses", audience(groups=["nursing"]))
    return platform


def rows(platform: Platform, as_of: date) -> dict[tuple[str, str], dict[str, str]]:
    report = csv.DictReader(io.StringIO(platform.enrollments_report_csv(as_of)))
    return {(r["employee_id"], r["item"]): r for r in report}


def enrolled(platform: Platform, employee_id: str, as_of: date) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = platform.learner_view(employee_id, as_of)["enrollments"]
    return found


def test_leaving_the_audience_says_so_in_the_report(hospital: Platform, clock: Clock) -> None:
    put(hospital, "Assignment", "a1", assignment("nurses", {"object": "video"}))
    put(hospital, "Audience", "nurses", audience(groups=["nursing"], where={"language": "es"}))
    row = rows(hospital, clock.day)[("E1002", "video")]
    assert (row["enrollment"], row["inactive_reason"]) == (
        "inactive", "left the audience of assignment a1")
    assert rows(hospital, clock.day)[("E1001", "video")]["enrollment"] == "active"


def test_active_false_in_the_spec_inactivates_every_enrollment(
    hospital: Platform, clock: Clock
) -> None:
    spec = assignment("nurses", {"object": "video"})
    put(hospital, "Assignment", "a1", spec)
    put(hospital, "Assignment", "a1", {**spec, "active": False})
    report = rows(hospital, clock.day)
    assert {r["enrollment"] for r in report.values()} == {"inactive"}
    assert report[("E1001", "video")]["inactive_reason"] == "assignment a1 inactivated"
    assert enrolled(hospital, "E1001", clock.day) == []


def test_a_deleted_assignment_is_named_as_the_reason(hospital: Platform, clock: Clock) -> None:
    put(hospital, "Assignment", "a1", assignment("nurses", {"object": "video"}))
    version = hospital.get_resource("Assignment", "a1")["metadata"]["version"]
    hospital.delete_resource("Assignment", "a1", if_match=version, actor="x")
    row = rows(hospital, clock.day)[("E1001", "video")]
    assert (row["enrollment"], row["inactive_reason"]) == (
        "inactive", "assignment a1 deleted")


def test_a_changed_due_date_moves_the_due_date_of_learners_already_enrolled(
    hospital: Platform, clock: Clock
) -> None:
    put(hospital, "Assignment", "a1", assignment("nurses", {"object": "video"}, due="30d"))
    [video] = enrolled(hospital, "E1001", clock.day)
    assert video["due_on"] == "2027-02-03"
    clock.day = date(2027, 1, 10)
    put(hospital, "Assignment", "a1", assignment("nurses", {"object": "video"}, due="45d"))
    [video] = enrolled(hospital, "E1001", clock.day)
    assert video["due_on"] == "2027-02-18"  # counted from the day they were enrolled


def test_an_import_changing_one_person_leaves_the_others_enrolled(
    hospital: Platform, clock: Clock
) -> None:
    put(hospital, "Assignment", "a1", assignment("nurses", {"object": "video"}))
    moved = "E1002,Ben,Okafor,ben@x.org,Nurse,Nursing,Austin,en,2021-03-01,it,"
    hospital.import_users_csv(f"{HEADER}\n{moved}\n", actor="hr")
    report = rows(hospital, clock.day)
    assert report[("E1002", "video")]["enrollment"] == "inactive"
    assert report[("E1001", "video")]["enrollment"] == "active"
    joined = "E1004,Di,Gold,di@x.org,Engineer,IT,,en,2022-07-07,it;nursing,active"
    hospital.import_users_csv(f"{HEADER}\n{joined}\n", actor="hr")
    report = rows(hospital, clock.day)
    assert report[("E1004", "video")]["enrollment"] == "active"
    assert report[("E1001", "video")]["enrollment"] == "active"
    assert hospital.get_resource("Assignment", "a1")["status"]["enrolled"] == 2


def test_no_welcome_notice_when_the_assignment_asks_for_none(
    hospital: Platform, clock: Clock
) -> None:
    put(hospital, "Assignment", "quiet", assignment(
        "nurses", {"object": "video"}, notify={"on_assign": False, "reminders": []}))
    hospital.tick(clock.day)
    assert [n for n in hospital.notifications("E1001") if n["kind"] == "assigned"] == []
    put(hospital, "LearningObject", "other", obj("Other"))
    put(hospital, "Assignment", "loud", assignment("nurses", {"object": "other"}))
    hospital.tick(clock.day)
    assert [n["kind"] for n in hospital.notifications("E1001")].count("assigned") == 1


def test_an_object_named_like_a_plan_is_enrolled_without_a_plan_version(
    hospital: Platform, clock: Clock
) -> None:
    put(hospital, "LearningObject", "hipaa", obj("HIPAA handout"))
    put(hospital, "CertificationPlan", "hipaa", plan(step("only", "video")))
    put(hospital, "Assignment", "a1", assignment("nurses", {"object": "hipaa"}))
    row = rows(hospital, clock.day)[("E1001", "hipaa")]
    assert (row["item_kind"], row["plan_version"]) == ("object", "")


def test_an_import_weeks_later_leaves_the_others_due_dates_alone(
    hospital: Platform, clock: Clock
) -> None:
    put(hospital, "Assignment", "a1", assignment("nurses", {"object": "video"}, due="30d"))
    clock.day = date(2027, 1, 20)
    moved = "E1002,Ben,Okafor,ben@x.org,Nurse,Nursing,Austin,en,2021-03-01,it,"
    hospital.import_users_csv(f"{HEADER}\n{moved}\n", actor="hr")
    [video] = enrolled(hospital, "E1001", clock.day)
    assert (video["enrolled_on"], video["due_on"]) == ("2027-01-04", "2027-02-03")
