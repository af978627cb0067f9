"""Plan-time warnings about who is reached: what a reviewer should read before merging
an assignment or audience change, though nothing is wrong enough to refuse it.

- Active assignments that hand out the same item: learners in both are enrolled and
  notified once (the platform deduplicates), which may not be what the author expects.
- An audience ``where`` on an attribute no user in the directory has: the rule matches
  nobody (or, under ``not``, everybody), usually a typo for a real column.

Only audiences and assignments this plan writes are looked at: a standing overlap that
nobody is changing is not news in every pull request.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Final

from reconciler.model import Address, DesiredState
from reconciler.plan.model import Change, Problem
from reconciler.plan.overlap import overlaps
from reconciler.rules.audience import Directory
from reconciler.suggest import did_you_mean

OVERLAP: Final = "LO710"
UNKNOWN_ATTRIBUTE: Final = "LO711"


def reach_warnings(
    changes: Sequence[Change],
    desired: DesiredState,
    directory: Directory,
    where: Mapping[Address, str | None],
) -> list[Problem]:
    writing = {c.address for c in changes if c.is_change and c.action != "inactivate"}
    return [
        *_overlap_warnings(writing, desired, directory, where),
        *_attribute_warnings(writing, desired, directory, where),
    ]


def _overlap_warnings(
    writing: set[Address],
    desired: DesiredState,
    directory: Directory,
    where: Mapping[Address, str | None],
) -> list[Problem]:
    found: list[Problem] = []
    assignments = {address.name for address in writing if address.kind == "Assignment"}
    for overlap in overlaps(desired, directory, assignments):
        touched = [n for n in overlap.assignments if Address("Assignment", n) in writing]
        if not touched or overlap.learners_deduplicated == 0:
            continue
        names = ", ".join(overlap.assignments)
        found.append(Problem(
            OVERLAP,
            f"{overlap.item} is handed out by several active assignments ({names}); "
            f"{overlap.learners_deduplicated} learner(s) are in more than one of their "
            "audiences and are enrolled and notified once",
            where[Address("Assignment", touched[0])],
        ))
    return found


def _attribute_warnings(
    writing: set[Address],
    desired: DesiredState,
    directory: Directory,
    where: Mapping[Address, str | None],
) -> list[Problem]:
    known = directory.attributes()
    found: list[Problem] = []
    for audience in desired.of_kind("Audience"):
        if audience.address not in writing:
            continue
        for attribute in audience.spec.get("where") or {}:
            if attribute in known:
                continue
            found.append(Problem(
                UNKNOWN_ATTRIBUTE,
                f"{audience.address}: no user in the directory has the attribute "
                f"{attribute!r}: the condition sees it missing for everyone"
                f"{did_you_mean(attribute, known)}",
                where[audience.address],
            ))
    return found

