"""The desired state's terms for what Kolibri holds, so a read-back says what the spec says.

A content node has two names a LearningObject may use (:func:`translate.catalog`): its
content id, and its title's name where that is unique. A lesson holds nodes, not names,
so reading one back means choosing a name per node: the one the spec of that assignment
or plan uses, else the title's name (it reads better). Were the two sides named apart,
the plan would tell learners they lose ``handwashing-video`` and gain ``c6f4…``, the same
video, while apply changes nothing for them.

An assignment's plans are kept nowhere on Kolibri: ``learnops release`` hands each plan's
steps to the assignment's learners from the spec. So an assignment reads back with the
plans its spec gives that have lessons on Kolibri, and a learner reached by it has them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Final

from reconciler.model import Address, DesiredState
from reconciler.rules.assignment import assignment_items
from reconciler_kolibri.platform import Node


@dataclass(frozen=True)
class Terms:
    """``names``: per assignment or plan, the name its spec calls each node by (node id ->
    name); ``plans``: per assignment, the plans its spec gives, in spec order. Empty: no
    desired state was given, and every node reads back by its canonical name."""

    names: Mapping[Address, Mapping[str, str]] = field(default_factory=dict)
    plans: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    renamed: Mapping[Address, Address] = field(default_factory=dict)  # old -> new

    def name_of(self, kind: str, held: str) -> str:
        """What Kolibri holds as ``held`` reads as: its new name while a rename is planned."""
        return self.renamed.get(Address(kind, held), Address(kind, held)).name

    def naming(self, owner: Address, canonical: Mapping[str, str]) -> dict[str, str]:
        """Node id -> the name ``owner`` reads it back as."""
        return {**canonical, **self.names.get(owner, {})}


NO_TERMS: Final = Terms()


def terms_of(desired: DesiredState, catalog: Mapping[str, Node],
             renamed: Mapping[Address, Address] | None = None) -> Terms:
    """``renamed`` (old -> new address): what Kolibri still holds under an old name is
    read in the terms of the new one (a rename being planned, ``learnops state mv``)."""
    names: dict[Address, Mapping[str, str]] = {}
    plans: dict[str, tuple[str, ...]] = {}
    for assignment in desired.of_kind("Assignment"):
        items = assignment_items(assignment.spec)
        names[assignment.address] = _spoken((i.name for i in items if i.kind == "object"),
                                            catalog)
        plans[assignment.name] = tuple(i.name for i in items if i.kind == "plan")
    for plan in desired.of_kind("CertificationPlan"):
        steps = plan.spec.get("steps")
        objects = [str(item) for step in steps if isinstance(step, dict)
                   for item in step.get("items") or []] if isinstance(steps, list) else []
        names[plan.address] = _spoken(objects, catalog)
    for old, new in (renamed or {}).items():
        if new in names:
            names[old] = names[new]
        if new.kind == "Assignment" and new.name in plans:
            plans[old.name] = plans[new.name]
    return Terms(names, plans, dict(renamed or {}))


def _spoken(items: Iterable[str], catalog: Mapping[str, Node]) -> dict[str, str]:
    found: dict[str, str] = {}
    for item in items:
        node = catalog.get(item)
        if node is not None:
            found.setdefault(node.id, item)  # the first name the spec gives it
    return found
