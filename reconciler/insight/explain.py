"""Why one learner is (or is not) reached by each audience and assignment, what they would
be enrolled in after deduplication, and when each plan's steps release for them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from reconciler.errors import UsageError
from reconciler.insight.enrollments import PlannedEnrollment, planned_enrollments
from reconciler.insight.preview import PlanPreview, plan_preview
from reconciler.insight.programs import Programs
from reconciler.model import DesiredState
from reconciler.plan.overlap import Overlap, overlaps
from reconciler.rules.assignment import Item, assignment_items, is_active
from reconciler.rules.audience import Directory, MembershipReason, explain_membership
from reconciler.rules.directory import User


@dataclass(frozen=True)
class AudienceVerdict:
    audience: str
    reasons: tuple[MembershipReason, ...]  # every rule, in evaluation order

    @property
    def member(self) -> bool:
        return all(reason.holds for reason in self.reasons)


@dataclass(frozen=True)
class AssignmentVerdict:
    assignment: str
    audience: str
    active: bool
    member: bool  # of the assignment's audience
    items: tuple[Item, ...]

    @property
    def reaches(self) -> bool:
        return self.active and self.member


@dataclass(frozen=True)
class Explanation:
    user: User
    as_of: date  # the day the specs are taken to be applied
    audiences: tuple[AudienceVerdict, ...]
    assignments: tuple[AssignmentVerdict, ...]
    enrollments: tuple[PlannedEnrollment, ...]
    schedules: tuple[PlanPreview, ...]  # one per plan enrollment, from its enrollment day
    overlaps: tuple[Overlap, ...]  # across the whole directory


def explain(employee_id: str, state: DesiredState, directory: Directory,
            as_of: date) -> Explanation:
    """Raises UsageError when the directory has no user ``employee_id``."""
    user = directory.get(employee_id)
    if user is None:
        raise UsageError(f"no user {employee_id!r} in the platform's directory "
                         f"({len(directory.users)} users)")
    programs = Programs.of(state)
    verdicts = {
        name: AudienceVerdict(name, tuple(explain_membership(name, programs.audiences, user)))
        for name in programs.audiences
    }
    assignments = tuple(
        AssignmentVerdict(
            assignment=name,
            audience=str(spec.get("audience")),
            active=is_active(spec),
            member=(verdict := verdicts.get(str(spec.get("audience")))) is not None
            and verdict.member,
            items=tuple(assignment_items(spec)),
        )
        for name, spec in programs.assignments.items()
    )
    members = {name: frozenset({employee_id}) if verdict.member else frozenset()
               for name, verdict in verdicts.items()}
    enrollments = tuple(planned_enrollments(programs, members, as_of))
    schedules = tuple(
        plan_preview(e.item.name, programs.plans[e.item.name], e.enrolled_on)
        for e in enrollments if e.item.kind == "plan" and e.item.name in programs.plans
    )
    return Explanation(
        user=user,
        as_of=as_of,
        audiences=tuple(verdicts.values()),
        assignments=assignments,
        enrollments=enrollments,
        schedules=schedules,
        overlaps=tuple(overlaps(state, directory)),
    )
