"""Renewal cycles keep their own due date (the expiring certificate's expiry),
whatever later happens to the assignment or the plan."""

from __future__ import annotations

import csv
import io
from datetime import date
from typing import Any

import pytest
from reconciler_sandbox.engine import Platform

from .conftest import Clock, assignment, audience, obj, plan, put, step

CERTIFICATE = {"template": "compliance", "valid_for": "1y", "renew_before": "30d"}


def annual(**extra: Any) -> dict[str, Any]:
    return plan(step("foundations", "basics", release={"at": "enrollment"}),
                **{"certificate": CERTIFICATE, **extra})


def hipaa_annual(**notify: Any) -> dict[str, Any]:
    return assignment("nurses", {"plan": "hipaa-annual"}, due="2027-03-31",
                      notify={"on_assign": True, "reminders": [], **notify})


@pytest.fixture
def renewing(platform: Platform) -> Platform:
    put(platform, "LearningObject", "basics", obj("Basics"))
    put(platform, "Audience", "nurses", audience(groups=["nursing"]))
    put(platform, "CertificationPlan", "hipaa-annual", annual())
    put(platform, "Assignment", "hipaa-annual", hipaa_annual())
    platform.record_completion("E1001", "basics", completed_on=date(2027, 1, 10), actor="lms")
    return platform


@pytest.fixture
def renewed(renewing: Platform, clock: Clock) -> Platform:
    """Inside the renewal window, on the platform's own today: renewal 1 is open."""
    clock.day = date(2027, 12, 20)
    renewing.tick()
    window = current(renewing, clock.day)
    assert (window["cycle"], window["due_on"], window["overdue"]) == (2, "2028-01-10", False)
    clock.day = date(2027, 12, 21)
    return renewing


def current(platform: Platform, as_of: date) -> dict[str, Any]:
    [found] = [e for e in platform.learner_view("E1001", as_of)["enrollments"]
               if e["item"] == {"plan": "hipaa-annual"}]
    return found


def test_changing_the_assignment_keeps_the_renewals_due(renewed: Platform) -> None:
    renewing = renewed
    put(renewing, "Assignment", "hipaa-annual", hipaa_annual(reminders=["7d"]))
    after = current(renewing, date(2027, 12, 21))
    assert (after["cycle"], after["due_on"], after["overdue"]) == (2, "2028-01-10", False)


def test_migrating_the_plan_keeps_the_renewals_due(renewed: Platform) -> None:
    renewing = renewed
    put(renewing, "LearningObject", "privacy", obj("Privacy"))
    put(renewing, "CertificationPlan", "hipaa-annual", plan(
        step("foundations", "basics", "privacy", release={"at": "enrollment"}),
        certificate=CERTIFICATE, in_progress="migrate"))
    put(renewing, "Assignment", "hipaa-annual", hipaa_annual(reminders=["7d"]))
    after = current(renewing, date(2027, 12, 21))
    assert (after["version"], after["due_on"], after["overdue"]) == (2, "2028-01-10", False)


def test_a_learner_returning_to_the_audience_keeps_the_renewals_due(
    renewed: Platform,
) -> None:
    renewing = renewed
    put(renewing, "Audience", "others", audience(users=["E1003"]))
    put(renewing, "Audience", "nurses", audience(groups=["nursing"], exclude=["others"]))
    put(renewing, "Audience", "others", audience(users=["E1001"]))
    put(renewing, "Audience", "others", audience(users=["E1003"]))
    after = current(renewing, date(2027, 12, 21))
    assert (after["cycle"], after["due_on"], after["overdue"]) == (2, "2028-01-10", False)


def cycles(platform: Platform, as_of: date) -> list[str]:
    rows = csv.DictReader(io.StringIO(platform.enrollments_report_csv(as_of)))
    return [row["cycle"] for row in rows if row["employee_id"] == "E1001"]


def test_reading_never_writes_the_scheduler_keeps(renewing: Platform, clock: Clock) -> None:
    assert current(renewing, date(2027, 12, 20))["cycle"] == 2  # worked out, not kept
    assert cycles(renewing, date(2028, 2, 1)) == ["1", "2"]
    clock.day = date(2027, 12, 20)  # the day comes, but nobody has run the scheduler
    assert cycles(renewing, date(2027, 1, 4)) == ["1"]
    assert [n["kind"] for n in renewing.notifications("E1001")] == ["assigned", "certified"]

    assert renewing.tick().until == date(2027, 12, 20)
    assert cycles(renewing, date(2027, 1, 4)) == ["1", "2"]
    assert [(n["kind"], n["on"]) for n in renewing.notifications("E1001")] == [
        ("assigned", "2027-01-04"), ("certified", "2027-01-10"), ("renewal", "2027-12-11")]




@pytest.mark.parametrize(("renew_from", "expires"), [("completion", "2028-12-22"),
                                                     ("expiry", "2029-01-10")])
def test_a_renewal_runs_from_completion_or_from_the_old_expiry(
    renewed: Platform, renew_from: str, expires: str,
) -> None:
    put(renewed, "CertificationPlan", "hipaa-annual", annual(
        certificate={**CERTIFICATE, "renew_from": renew_from}, in_progress="migrate"))
    renewed.record_completion("E1001", "basics", completed_on=date(2027, 12, 22), actor="lms")
    certificates = renewed.learner_view("E1001", date(2027, 12, 23))["certificates"]
    assert [(c["issued_on"], c["expires_on"]) for c in certificates] == [
        ("2027-01-10", "2028-01-10"), ("2027-12-22", expires)]
