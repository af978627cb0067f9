"""A certification plan's schedule for a learner enrolling on a given day, step by step.

A step released after an earlier one has a window: earliest when the learner completes
that step on the day it releases, latest when they complete it on its due date (no
latest when it has no due date: the learner may take as long as they like).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import assert_never

from reconciler.insight.programs import Programs, unknown_name
from reconciler.model import JSON, DesiredState
from reconciler.rules.schedule import (
    AfterStep,
    AtEnrollment,
    CertificateDates,
    Offset,
    OnDate,
    Release,
    certificate_dates,
    parse_release,
    preview_schedule,
)


@dataclass(frozen=True)
class StepPreview:
    step: str
    items: tuple[str, ...]
    rule: str  # the release rule as a reviewer reads it
    after_step: str | None  # the step whose completion releases this one
    earliest_release: date
    latest_release: date | None  # None: unbounded (an earlier step has no due date)
    due_earliest: date | None
    due_latest: date | None
    due: str | None  # the step's ``due`` duration as written
    required: bool

    @property
    def fixed(self) -> bool:
        """Releases on one known day (not a window)."""
        return self.latest_release == self.earliest_release


@dataclass(frozen=True)
class CertificatePreview:
    """The certificate of a learner completing every required step the day it releases."""

    template: str
    valid_for: str
    renew_before: str | None
    renew_from: str  # completion | expiry
    earliest_completion: date
    dates: CertificateDates  # for that completion


@dataclass(frozen=True)
class PlanPreview:
    plan: str
    title: str
    start: date  # the day the learner enrolls
    steps: tuple[StepPreview, ...]
    certificate: CertificatePreview | None = None


def describe_release(release: Release) -> str:
    match release:
        case AtEnrollment():
            return "at enrollment"
        case Offset(after_enrollment):
            return f"{after_enrollment.describe()} after enrollment"
        case OnDate(day):
            return f"on {day.isoformat()} (at enrollment, if later)"
        case AfterStep(step, delay):
            if delay.amount == 0:
                return f"when {step} is completed"
            return f"{delay.describe()} after {step} is completed"
        case _:
            assert_never(release)


def plan_preview(name: str, spec: Mapping[str, JSON], start: date) -> PlanPreview:
    """The schedule of plan ``name`` (its resolved ``spec``) for enrollment on ``start``."""
    steps = list(spec.get("steps") or [])
    windows = preview_schedule(spec, start)
    previews: list[StepPreview] = []
    earlier: list[str] = []
    for step, window in zip(steps, windows, strict=True):
        release = parse_release(step, earlier)
        earlier.append(str(step["name"]))
        due = step.get("due")
        previews.append(StepPreview(
            step=window.step,
            items=tuple(str(item) for item in step.get("items") or []),
            rule=describe_release(release),
            after_step=release.step if isinstance(release, AfterStep) else None,
            earliest_release=window.earliest_release,
            latest_release=window.latest_release,
            due_earliest=window.due_earliest,
            due_latest=window.due_latest,
            due=str(due) if due else None,
            required=step.get("required", True) is not False,
        ))
    return PlanPreview(name, str(spec.get("title") or name), start, tuple(previews),
                       _certificate(spec, previews, start))


def _certificate(spec: Mapping[str, JSON], steps: list[StepPreview],
                 start: date) -> CertificatePreview | None:
    certificate = spec.get("certificate")
    if not isinstance(certificate, Mapping):
        return None
    done = max((s.earliest_release for s in steps if s.required), default=start)
    renew_before = certificate.get("renew_before")
    return CertificatePreview(
        template=str(certificate.get("template")), valid_for=str(certificate["valid_for"]),
        renew_before=str(renew_before) if renew_before else None,
        renew_from=str(certificate.get("renew_from", "completion")),
        earliest_completion=done, dates=certificate_dates(done, certificate))


def preview(plan: str, state: DesiredState, start: date) -> PlanPreview:
    """Raises UsageError (with a "did you mean") when the specs define no plan ``plan``."""
    plans = Programs.of(state).plans
    if plan not in plans:
        raise unknown_name("certification plan", plan, plans)
    return plan_preview(plan, plans[plan], start)
