"""A resource write enrolls all its learners at once (a statement per table, one
progress worked out for learners who have done nothing yet) and updates due dates a
day of enrollment at a time: what learners and admins see must be what handling
them one by one gave."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from reconciler_sandbox.engine import Platform

from .conftest import Clock, assignment, audience, obj, plan, put, step

CERTIFIED = {"template": "basic", "valid_for": "1y", "renew_before": "30d"}
ADMIN = "training@x.org"


def told(platform: Platform, kind: str) -> list[tuple[str, str]]:
    return [(n["recipient"], n["message"]) for n in platform.notifications()
            if n["kind"] == kind]


def status(platform: Platform, employee_id: str, clock: Clock) -> dict[str, Any]:
    return {next(iter(e["item"].values())): e["status"]
            for e in platform.learner_view(employee_id, clock.day)["enrollments"]}


def test_learners_reached_twice_are_enrolled_and_told_once(platform: Platform,
                                                           clock: Clock) -> None:
    put(platform, "LearningObject", "video", obj("Video"))
    put(platform, "Audience", "nurses", audience(groups=["nursing"]))
    put(platform, "CertificationPlan", "hipaa", plan(step("one", "video")))
    put(platform, "Assignment", "a1", assignment("nurses", {"plan": "hipaa"},
                                                 {"object": "video"}))
    put(platform, "Assignment", "a2", assignment("nurses", {"plan": "hipaa"}))
    # E1005 is inactive: not a member. Each learner is told once per item, in order.
    assert told(platform, "assigned") == [
        ("E1001", f"You have been enrolled in {title}, starting {clock.day.isoformat()}")
        for title in ("Video", "Annual HIPAA")
    ] + [
        ("E1002", f"You have been enrolled in {title}, starting {clock.day.isoformat()}")
        for title in ("Video", "Annual HIPAA")
    ]
    view = platform.learner_view("E1002", clock.day)
    [enrolled] = [e for e in view["enrollments"] if e["item"] == {"plan": "hipaa"}]
    assert enrolled["assignments"] == ["a1", "a2"]
    started = [e for e in platform.events() if e["kind"] == "assignment_started"]
    assert [e["id"] for e in started] == list(range(1, 5))


def test_a_learner_who_did_the_work_already_is_certified_on_enrollment(
    platform: Platform, clock: Clock
) -> None:
    put(platform, "LearningObject", "video", obj("Video"))
    put(platform, "Audience", "nurses", audience(groups=["nursing"]))
    put(platform, "Assignment", "watch", assignment("nurses", {"object": "video"}))
    platform.record_completion("E1002", "video", completed_on=clock.day, actor="E1002")
    put(platform, "CertificationPlan", "basic",
        plan(step("one", "video"), certificate=CERTIFIED,
             notify={"admins": [ADMIN], "on": ["completed"]}))
    put(platform, "Assignment", "certify", assignment("nurses", {"plan": "basic"}))
    # Only the learner who had completed the video finishes the plan, and only once.
    assert status(platform, "E1002", clock) == {"video": "completed", "basic": "completed"}
    assert status(platform, "E1001", clock) == {"video": "not_started",
                                                "basic": "not_started"}
    assert told(platform, "certified") == [
        ("E1002", f"Certificate issued: Annual HIPAA, valid until "
                  f"{clock.day.replace(year=clock.day.year + 1).isoformat()}")]
    assert told(platform, "completed") == [(ADMIN, "E1002 completed Annual HIPAA")]


def test_a_changed_due_counts_from_each_learners_own_enrollment(platform: Platform,
                                                                clock: Clock) -> None:
    put(platform, "LearningObject", "video", obj("Video"))
    put(platform, "Audience", "team", audience(users=["E1001"]))
    put(platform, "Assignment", "a1", assignment("team", {"object": "video"}, due="30d"))
    first = clock.day
    clock.day = first + timedelta(days=10)
    put(platform, "Audience", "team", audience(users=["E1001", "E1002"]))
    put(platform, "Assignment", "a1", assignment("team", {"object": "video"}, due="60d"))

    def due(employee_id: str) -> str:
        [enrolled] = platform.learner_view(employee_id, clock.day)["enrollments"]
        return str(enrolled["due_on"])

    assert due("E1001") == (first + timedelta(days=60)).isoformat()
    assert due("E1002") == (first + timedelta(days=70)).isoformat()
