"""Active assignments that hand out the same item: one enrollment each learner, not several.

An overlap is not a mistake (a broad campaign and a targeted one may share a plan), but a
reviewer should know that learners in both audiences are enrolled and notified once.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Set
from dataclasses import dataclass

from reconciler.model import DesiredState
from reconciler.rules.assignment import Item, assignment_items, is_active
from reconciler.rules.audience import Directory, resolve_all


@dataclass(frozen=True)
class Overlap:
    """``item`` is handed out by every one of ``assignments`` (active ones, by name);
    ``learners_deduplicated`` learners are reached by two or more of them."""

    item: Item
    assignments: tuple[str, ...]
    learners_deduplicated: int


def overlaps(
    state: DesiredState, directory: Directory, handed_out_by: Set[str] | None = None
) -> list[Overlap]:
    """Every item shared by two or more active assignments, by item (``handed_out_by``:
    only the items these assignments hand out; only their audiences are resolved)."""
    assignments = {r.name: r.spec for r in state.of_kind("Assignment")}
    audiences = {r.name: r.spec for r in state.of_kind("Audience")}
    by_item: dict[Item, list[str]] = {}
    for name, spec in sorted(assignments.items()):
        if is_active(spec):
            for item in dict.fromkeys(assignment_items(spec)):
                by_item.setdefault(item, []).append(name)
    shared = {item: names for item, names in by_item.items() if len(names) > 1}
    if handed_out_by is not None:
        shared = {item: names for item, names in shared.items()
                  if not handed_out_by.isdisjoint(names)}
    if not shared:
        return []
    targets = {str(assignments[name].get("audience"))
               for names in shared.values() for name in names}
    members = resolve_all(audiences, directory, targets)
    found: list[Overlap] = []
    for item, names in sorted(shared.items()):
        reached = Counter(
            learner
            for name in names
            for learner in members.get(str(assignments[name].get("audience")), ())
        )
        twice = sum(1 for count in reached.values() if count > 1)
        found.append(Overlap(item, tuple(sorted(names)), twice))
    return found
