"""When a certification plan's steps release and fall due, and when its certificate expires.

One learner's actual schedule (:func:`step_schedule`) is what the sandbox platform
enforces; the window of possible dates (:func:`preview_schedule`) is what reviewers see
before a learner has completed anything.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import assert_never

from reconciler.errors import ReconcilerError
from reconciler.model import JSON
from reconciler.rules.durations import Duration, parse_date, parse_duration

_NO_DELAY = Duration(0, "d")


class ScheduleError(ReconcilerError):
    """A plan whose steps cannot be scheduled (a release that names no earlier step)."""

    code = "LO014"


@dataclass(frozen=True)
class AtEnrollment:
    pass


@dataclass(frozen=True)
class Offset:
    after_enrollment: Duration


@dataclass(frozen=True)
class OnDate:
    day: date


@dataclass(frozen=True)
class AfterStep:
    step: str
    delay: Duration


Release = AtEnrollment | Offset | OnDate | AfterStep


@dataclass(frozen=True)
class StepTiming:
    """One learner's dates for one step. ``release_date`` None: the step waits for an
    earlier step the learner has not completed. ``due_date`` None: no due date (or not
    released yet)."""

    step: str
    release_date: date | None
    due_date: date | None


@dataclass(frozen=True)
class StepWindow:
    """The range of dates a step can release and fall due for a learner enrolling on a
    given day. ``latest_release`` None: unbounded (an earlier step in its chain has no
    due date, so the learner may take forever)."""

    step: str
    earliest_release: date
    latest_release: date | None
    due_earliest: date | None
    due_latest: date | None


@dataclass(frozen=True)
class CertificateDates:
    issued: date
    expires: date
    renew_from: date | None  # start of the renewal window; None without renew_before


def parse_release(step: Mapping[str, JSON], earlier: Sequence[str]) -> Release:
    """A step's ``release``; the first step defaults to enrollment, later ones must say."""
    name = str(step.get("name"))
    release = step.get("release")
    if release is None:
        if not earlier:
            return AtEnrollment()
        raise ScheduleError(f"step {name!r} does not say when it releases")
    if "at" in release:
        return AtEnrollment()
    if "offset" in release:
        return Offset(parse_duration(str(release["offset"])))
    if "date" in release:
        return OnDate(parse_date(str(release["date"])))
    if "after_step" in release:
        previous = str(release["after_step"])
        if previous not in earlier:
            raise ScheduleError(
                f"step {name!r} releases after {previous!r}, which is not an earlier step "
                f"(earlier steps: {', '.join(earlier) or 'none'})"
            )
        delay = release.get("delay")
        return AfterStep(previous, parse_duration(str(delay)) if delay else _NO_DELAY)
    raise ScheduleError(f"step {name!r}: release {dict(release)!r} is not one of "
                        "at, offset, date, after_step")


def _steps(plan_spec: Mapping[str, JSON]) -> list[tuple[str, Release, Duration | None]]:
    steps: list[tuple[str, Release, Duration | None]] = []
    for step in plan_spec.get("steps") or []:
        name = str(step["name"])
        due = step.get("due")
        release = parse_release(step, [earlier for earlier, _, _ in steps])
        steps.append((name, release, parse_duration(str(due)) if due else None))
    return steps


def _due(due: Duration | None, released: date | None) -> date | None:
    return None if due is None or released is None else due.add_to(released)


def _release_date(release: Release, enrolled_on: date,
                  step_completed_on: Mapping[str, date]) -> date | None:
    match release:
        case AtEnrollment():
            return enrolled_on
        case Offset(after_enrollment):
            return after_enrollment.add_to(enrolled_on)
        case OnDate(day):
            return max(day, enrolled_on)  # who enrolls after the date gets the step at once
        case AfterStep(previous, delay):
            completed = step_completed_on.get(previous)
            return None if completed is None else delay.add_to(completed)
        case _:
            assert_never(release)


def step_schedule(plan_spec: Mapping[str, JSON], enrolled_on: date,
                  step_completed_on: Mapping[str, date]) -> list[StepTiming]:
    """Each step's release and due date for one learner, in plan order, given the day
    they enrolled and the day they completed each step so far."""
    timings: list[StepTiming] = []
    for name, release, due in _steps(plan_spec):
        released = _release_date(release, enrolled_on, step_completed_on)
        timings.append(StepTiming(name, released, _due(due, released)))
    return timings


def preview_schedule(plan_spec: Mapping[str, JSON], start: date) -> list[StepWindow]:
    """Each step's possible dates for a learner enrolling on ``start``. A step after an
    earlier one releases earliest when that step is completed on its release day and
    latest when it is completed on its due date."""
    windows: dict[str, StepWindow] = {}
    for name, release, due in _steps(plan_spec):
        earliest: date | None
        latest: date | None
        if isinstance(release, AfterStep):
            before = windows[release.step]
            earliest = release.delay.add_to(before.earliest_release)
            latest = (None if before.due_latest is None
                      else release.delay.add_to(before.due_latest))
        else:
            earliest = latest = _release_date(release, start, {})
        assert earliest is not None  # only after_step releases wait, and they have a window
        windows[name] = StepWindow(name, earliest, latest, _due(due, earliest), _due(due, latest))
    return list(windows.values())


def certificate_dates(completed_on: date, certificate_spec: Mapping[str, JSON],
                      renewing_until: date | None = None) -> CertificateDates:
    """A certificate issued the day the last required step is completed, valid for
    ``valid_for``; renewal opens ``renew_before`` ahead of expiry.

    ``renewing_until``: the expiry of the certificate this one renews. With
    ``renew_from: expiry`` a renewal completed before that day is valid from it
    (renewing early costs no validity, as Totara's "use expiry date"); with the
    default ``completion``, and after a lapse, validity runs from completion."""
    valid_from = completed_on
    if (certificate_spec.get("renew_from", "completion") == "expiry"
            and renewing_until is not None and renewing_until > completed_on):
        valid_from = renewing_until
    expires = parse_duration(str(certificate_spec["valid_for"])).add_to(valid_from)
    renew_before = certificate_spec.get("renew_before")
    renew_from = parse_duration(str(renew_before)).subtract_from(expires) if renew_before else None
    return CertificateDates(completed_on, expires, renew_from)


def is_released(timing: StepTiming, as_of: date) -> bool:
    return timing.release_date is not None and timing.release_date <= as_of


def is_overdue(timing: StepTiming, as_of: date, completed: bool) -> bool:
    """Past the due date (the due date itself is still on time) and not completed."""
    return not completed and timing.due_date is not None and as_of > timing.due_date
