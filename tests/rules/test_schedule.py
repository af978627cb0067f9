"""When a learner's steps release and fall due, and when certificates expire."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from reconciler.rules.durations import DurationError
from reconciler.rules.schedule import (
    CertificateDates,
    ScheduleError,
    StepTiming,
    StepWindow,
    certificate_dates,
    is_overdue,
    is_released,
    preview_schedule,
    step_schedule,
)

HIPAA: dict[str, Any] = {
    "title": "Annual HIPAA Certification",
    "steps": [
        {"name": "foundations", "items": ["hipaa-basics"], "release": {"at": "enrollment"},
         "due": "14d", "required": True},
        {"name": "practice", "items": ["phi-handling"], "release": {"offset": "7d"},
         "due": "1w", "required": True},
        {"name": "assessment", "items": ["hipaa-quiz"],
         "release": {"after_step": "practice", "delay": "2d"}, "due": "3d", "required": True},
        {"name": "refresher", "items": ["privacy-refresher"],
         "release": {"date": "2027-06-01"}, "required": False},
    ],
}
MONDAY = date(2027, 1, 4)


def test_each_kind_of_release_for_a_new_learner() -> None:
    assert step_schedule(HIPAA, MONDAY, {}) == [
        StepTiming("foundations", MONDAY, date(2027, 1, 18)),
        StepTiming("practice", date(2027, 1, 11), date(2027, 1, 18)),
        StepTiming("assessment", None, None),  # waits for practice
        StepTiming("refresher", date(2027, 6, 1), None),
    ]


def test_after_step_releases_the_delay_after_the_learner_completes_the_step() -> None:
    timings = step_schedule(HIPAA, MONDAY, {"practice": date(2027, 1, 15)})
    assert timings[2] == StepTiming("assessment", date(2027, 1, 17), date(2027, 1, 20))


def test_a_fixed_date_already_past_releases_on_enrollment() -> None:
    late = date(2027, 7, 1)
    assert step_schedule(HIPAA, late, {})[3].release_date == late


def test_the_first_step_defaults_to_enrollment_and_after_step_defaults_to_no_delay() -> None:
    plan = {"steps": [{"name": "one"}, {"name": "two", "release": {"after_step": "one"}}]}
    assert step_schedule(plan, MONDAY, {"one": date(2027, 1, 9)}) == [
        StepTiming("one", MONDAY, None), StepTiming("two", date(2027, 1, 9), None)]


def test_calendar_month_offsets_clamp_to_the_month_end() -> None:
    plan = {"steps": [{"name": "one", "release": {"offset": "1mo"}, "due": "1mo"}]}
    [timing] = step_schedule(plan, date(2027, 1, 31), {})
    assert timing == StepTiming("one", date(2027, 2, 28), date(2027, 3, 28))


@pytest.mark.parametrize(
    ("steps", "message"),
    [
        ([{"name": "one"}, {"name": "two"}], "'two' does not say when it releases"),
        ([{"name": "one", "release": {"after_step": "two"}}, {"name": "two"}],
         "not an earlier step"),
        ([{"name": "one", "release": {"after_step": "one"}}], "not an earlier step"),
        ([{"name": "one", "release": {"whenever": True}}], "not one of"),
    ],
)
def test_a_plan_that_cannot_be_scheduled(steps: list[dict[str, Any]], message: str) -> None:
    with pytest.raises(ScheduleError, match=message):
        step_schedule({"steps": steps}, MONDAY, {})


def test_a_bad_duration_in_a_step_is_a_duration_error() -> None:
    with pytest.raises(DurationError, match="'7 days' is not a duration"):
        step_schedule({"steps": [{"name": "one", "due": "7 days"}]}, MONDAY, {})


def test_released_on_the_release_day_and_overdue_only_after_the_due_day() -> None:
    timing = StepTiming("foundations", MONDAY, date(2027, 1, 18))
    assert not is_released(timing, date(2027, 1, 3))
    assert is_released(timing, MONDAY)
    assert not is_released(StepTiming("assessment", None, None), date(2099, 1, 1))
    assert not is_overdue(timing, date(2027, 1, 18), completed=False)
    assert is_overdue(timing, date(2027, 1, 19), completed=False)
    assert not is_overdue(timing, date(2027, 1, 19), completed=True)
    assert not is_overdue(StepTiming("x", MONDAY, None), date(2099, 1, 1), completed=False)


def test_certificate_expiry_and_renewal_window() -> None:
    dates = certificate_dates(date(2027, 3, 10), {"template": "compliance", "valid_for": "1y",
                                                   "renew_before": "30d"})
    assert dates == CertificateDates(date(2027, 3, 10), date(2028, 3, 10), date(2028, 2, 9))


def test_certificate_without_renewal_window_and_leap_day_expiry() -> None:
    dates = certificate_dates(date(2028, 2, 29), {"template": "t", "valid_for": "1y"})
    assert dates == CertificateDates(date(2028, 2, 29), date(2029, 2, 28), None)


def test_preview_gives_each_step_its_earliest_and_latest_dates() -> None:
    assert preview_schedule(HIPAA, MONDAY) == [
        StepWindow("foundations", MONDAY, MONDAY, date(2027, 1, 18), date(2027, 1, 18)),
        StepWindow("practice", date(2027, 1, 11), date(2027, 1, 11),
                   date(2027, 1, 18), date(2027, 1, 18)),
        # practice done on release day (11th) + 2d, or on its due day (18th) + 2d
        StepWindow("assessment", date(2027, 1, 13), date(2027, 1, 20),
                   date(2027, 1, 16), date(2027, 1, 23)),
        StepWindow("refresher", date(2027, 6, 1), date(2027, 6, 1), None, None),
    ]


def test_preview_chains_and_an_unbounded_latest_release() -> None:
    plan = {"steps": [
        {"name": "read", "due": "1w"},
        {"name": "practise", "release": {"after_step": "read", "delay": "1d"}},
        {"name": "exam", "release": {"after_step": "practise"}, "due": "2d"},
        {"name": "debrief", "release": {"after_step": "read", "delay": "1w"}, "due": "1d"},
    ]}
    assert preview_schedule(plan, MONDAY) == [
        StepWindow("read", MONDAY, MONDAY, date(2027, 1, 11), date(2027, 1, 11)),
        StepWindow("practise", date(2027, 1, 5), date(2027, 1, 12), None, None),
        # practise has no due date: a learner may take forever, so no latest release
        StepWindow("exam", date(2027, 1, 5), None, date(2027, 1, 7), None),
        StepWindow("debrief", date(2027, 1, 11), date(2027, 1, 18),
                   date(2027, 1, 12), date(2027, 1, 19)),
    ]


def test_preview_earliest_dates_match_a_learner_who_completes_on_release_day() -> None:
    windows = preview_schedule(HIPAA, MONDAY)
    completed = {w.step: w.earliest_release for w in windows}
    timings = step_schedule(HIPAA, MONDAY, completed)
    assert [t.release_date for t in timings] == [w.earliest_release for w in windows]


def test_renewing_from_expiry_keeps_the_validity_left() -> None:
    expiry = {"template": "t", "valid_for": "1y", "renew_before": "30d",
              "renew_from": "expiry"}
    early = certificate_dates(date(2027, 12, 20), expiry, renewing_until=date(2028, 1, 10))
    assert (early.issued, early.expires, early.renew_from) == (
        date(2027, 12, 20), date(2029, 1, 10), date(2028, 12, 11))
    lapsed = certificate_dates(date(2028, 2, 1), expiry, renewing_until=date(2028, 1, 10))
    assert lapsed.expires == date(2029, 2, 1)  # after a lapse: from completion
    completion = {**expiry, "renew_from": "completion"}
    assert certificate_dates(date(2027, 12, 20), completion,
                             renewing_until=date(2028, 1, 10)).expires == date(2028, 12, 20)
