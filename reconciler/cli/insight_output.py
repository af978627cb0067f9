"""Text for the insight commands (audience, explain, preview, simulate): the reports of
``reconciler.insight`` as a reviewer reads them in a terminal or a CI log."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from typing import Final

from reconciler.insight.audience_report import AudienceReport, ValueCount
from reconciler.insight.explain import Explanation
from reconciler.insight.preview import CertificatePreview, PlanPreview, StepPreview
from reconciler.insight.simulate import DayLoad, Simulation, Tally, last_day
from reconciler.rules.directory import User
from reconciler.rules.spreadsheet import csv_text

_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


# -- shared by the commands ------------------------------------------------------------





def weekday(day: date) -> str:
    """``Monday 2027-01-04`` (English whatever the locale)."""
    return f"{_WEEKDAYS[day.weekday()]} {day.isoformat()}"


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


# -- audience --------------------------------------------------------------------------


def _name(user: User) -> str:
    return " ".join(p for p in (user.attributes.get("first_name"),
                                user.attributes.get("last_name")) if p)


def _counts(counts: Iterable[ValueCount]) -> str:
    return ", ".join(f"{'(absent)' if c.value is None else c.value} {c.count}" for c in counts)


def audience_text(report: AudienceReport, users: int) -> str:
    lines = [f"Audience {report.name}: {_plural(report.count, 'member')} "
             f"(of {_plural(users, 'user')} in the directory)"]
    if report.assignments:
        lines.append(f"Targeted by: {', '.join(report.assignments)}")
    lines.extend(f"warning: where {problem}" for problem in report.unknown_attributes)
    used = [b.attribute for b in report.breakdowns if b.attribute != "groups"]
    if report.sample:
        lines += ["", f"Sample ({len(report.sample)} of {report.count}, by employee id):"]
        for user in report.sample:
            shown = ", ".join(f"{a}={user.attributes.get(a, '(absent)')}" for a in used)
            lines.append("  " + "  ".join(p for p in (user.employee_id, _name(user), shown) if p))
    if report.breakdowns and report.count:
        lines += ["", "Breakdown by what the rule uses:"]
        width = max(len(b.attribute) for b in report.breakdowns)
        lines.extend(f"  {b.attribute:<{width}}  {_counts(b.counts)}" for b in report.breakdowns)
    return "\n".join(lines) + "\n"


def members_csv(report: AudienceReport, directory_users: Sequence[User]) -> str:
    """Every member: ``employee_id``, every attribute the directory knows (in the order
    first seen), then ``groups`` (``;``-separated), as the HRIS export spells them."""
    columns = list(dict.fromkeys(a for user in directory_users for a in user.attributes))
    rows = ([user.employee_id, *(user.attributes.get(c, "") for c in columns),
             ";".join(sorted(user.groups))] for user in report.members)
    return csv_text(["employee_id", *columns, "groups"], rows)


# -- preview ---------------------------------------------------------------------------


def _span(first: date | None, last: date | None) -> str:
    if first is None:
        return "none"
    if last == first:
        return first.isoformat()
    return f"{first.isoformat()} to {'no latest date' if last is None else last.isoformat()}"


def step_lines(step: StepPreview, indent: str = "") -> list[str]:
    optional = ", optional" if not step.required else ""
    lines = [f"{indent}{step.step} ({', '.join(step.items)}){optional}",
             f"{indent}  releases  {_span(step.earliest_release, step.latest_release)}, "
             f"{step.rule}"]
    if step.after_step is not None and not step.fixed:
        latest = ("on its due date" if step.latest_release is not None
                  else f"never bounded: {step.after_step} has no due date")
        lines.append(f"{indent}            earliest: {step.after_step} completed the day it "
                     f"releases; latest: {latest}")
    due = _span(step.due_earliest, step.due_latest)
    lines.append(f"{indent}  due       {due}"
                 + (f" ({step.due} after release)" if step.due else ""))
    return lines


def preview_text(preview: PlanPreview) -> str:
    lines = [f"Certification plan {preview.plan}: {preview.title}",
             f"For a learner enrolling on {weekday(preview.start)}", ""]
    for step in preview.steps:
        lines.extend(step_lines(step))
    if preview.certificate is not None:
        lines.extend(certificate_lines(preview.certificate))
    return "\n".join(lines) + "\n"


def certificate_lines(certificate: CertificatePreview, indent: str = "") -> list[str]:
    dates = certificate.dates
    window = (f"; renewal opens {certificate.renew_before} before expiry"
              if certificate.renew_before else "; renewal opens at expiry")
    renewing = ("from the old certificate's expiry when renewed before it"
                " (renew_from: expiry)" if certificate.renew_from == "expiry"
                else "from the renewal's completion: renewing early shortens it"
                     " (renew_from: completion)")
    lines = [f"{indent}certificate {certificate.template}",
             f"{indent}  valid     {certificate.valid_for} from completion{window}",
             f"{indent}  renewals  valid {renewing}",
             f"{indent}  earliest  completed {certificate.earliest_completion.isoformat()}:"
             f" valid until {dates.expires.isoformat()}"
             + (f", renewal opens {dates.renew_from.isoformat()}" if dates.renew_from else "")]
    return lines


# -- explain ---------------------------------------------------------------------------


KEPT_ENROLLMENTS: Final = (
    "learners already enrolled keep their own enrollment date and plan version "
    "(see `learnops sandbox learner view` for the sandbox)"
)


def explain_text(found: Explanation) -> str:
    user = found.user
    described = ", ".join(f"{k}={v}" for k, v in sorted(user.attributes.items())
                          if k not in ("first_name", "last_name", "email"))
    status = "" if user.active else " (inactive)"
    lines = [f"{user.employee_id} {_name(user)}{status}: {described}",
             f"groups: {', '.join(sorted(user.groups)) or 'none'}",
             f"As if the specs were applied on {weekday(found.as_of)}"]
    if found.enrollments:
        # The schedules are computed, not read from the platform: say whose they are.
        lines.append(KEPT_ENROLLMENTS)
    lines += ["", "Audiences:"]
    for verdict in found.audiences:
        lines.append(f"  {verdict.audience}: {'member' if verdict.member else 'not a member'}")
        lines.extend(f"    {'ok' if r.holds else 'no'}  {r.rule}: {r.detail}"
                     for r in verdict.reasons)
    lines += ["", "Assignments:"]
    for a in found.assignments:
        items = ", ".join(str(item) for item in a.items)
        if not a.active:
            reach = "inactive, reaches no one"
        else:
            reach = "reaches" if a.member else "does not reach"
            reach += f" {user.employee_id} (audience {a.audience})"
        lines.append(f"  {a.assignment}: {reach}; items: {items}")
    lines += ["", "Enrollments after dedupe:"]
    if not found.enrollments:
        lines.append("  none")
    for e in found.enrollments:
        due = f", due {e.due.isoformat()}" if e.due else ""
        lines.append(f"  {e.item}: via {e.winner.assignment} (enrolled "
                     f"{e.enrolled_on.isoformat()}{due})")
        if e.deduplicated:
            others = ", ".join(s.assignment for s in e.deduplicated)
            lines.append(f"    also reached by {others}: deduplicated (one enrollment, one "
                         f"notice; {e.winner.assignment} wins: earliest start, then name)")
    for schedule in found.schedules:
        lines += ["", f"Release schedule of plan {schedule.plan} for a new enrollment on "
                  f"{schedule.start.isoformat()}:"]
        for step in schedule.steps:
            lines.extend(step_lines(step, indent="  "))
        if schedule.certificate is not None:
            lines.extend(certificate_lines(schedule.certificate, indent="  "))
    lines += ["", "Overlapping assignments (whole directory):"]
    if not found.overlaps:
        lines.append("  none")
    lines.extend(f"  {o.item}: {', '.join(o.assignments)}; "
                 f"{_plural(o.learners_deduplicated, 'learner')} deduplicated"
                 for o in found.overlaps)
    return "\n".join(lines) + "\n"


# -- simulate --------------------------------------------------------------------------


def _tallies(tallies: Sequence[Tally], shown: int = 4) -> str:
    text = ", ".join(f"{t.label} {t.count}" for t in tallies[:shown])
    more = len(tallies) - shown
    return text + (f", and {more} more" if more > 0 else "")


def day_headline(load: DayLoad) -> str:
    return (f"{weekday(load.day)}: {_plural(load.notification_count, 'notification')}, "
            f"{_plural(load.release_count, 'release')}, {_plural(load.due_count, 'due date')}")


def simulation_text(simulation: Simulation, top: int) -> str:
    busiest = simulation.busiest(top)
    lines = [
        f"Simulated {_plural(simulation.days, 'day')}, {weekday(simulation.start)} to "
        f"{weekday(last_day(simulation))}: {_plural(simulation.enrollments, 'enrollment')} "
        f"of {_plural(simulation.learners, 'learner')}",
        f"Totals: {_plural(simulation.notification_count, 'notification')}, "
        f"{_plural(simulation.release_count, 'release')}, "
        f"{_plural(simulation.due_count, 'due date')} on {_plural(len(simulation.loads), 'day')}",
        "Assumptions (nothing was written):",
        *(f"  - {assumption}" for assumption in simulation.assumptions),
        "",
        f"Busiest days ({len(busiest)} of {len(simulation.loads)}):" if busiest
        else "Nothing happens in this window.",
    ]
    for load in busiest:
        lines.append(day_headline(load))
        for title, tallies in (("notifications", load.notifications),
                               ("releases", load.releases), ("due", load.due_dates)):
            if tallies:
                lines.append(f"  {title}: {_tallies(tallies)}")
    return "\n".join(lines) + "\n"
