"""The desired state's terms for what Kolibri holds, so a read-back says what the spec says.

A content node has two names a LearningObject may use (:func:`translate.catalog`): its
content id, and its title's name where that is unique. A lesson holds nodes, not names,
so reading one back means choosing a name per node: the one the spec of that assignment
or plan uses, else the title's name (it reads better). Were the two sides named apart,
the plan would tell learners they lose ``handwashing-video`` and gain ``c6f4…``, the same
video, while apply changes nothing for them.

An assignment's plans are kept nowhere on Kolibri: ``learnops release`` hands each plan's
steps to the assignment's learners from the spec as applied (the state's record of the
write, ``Record.spec``). So an assignment reads back with the plans its applied spec gives
that have lessons on Kolibri (:class:`AsApplied`), and a learner reached by it has
them; a plan added in the files only is a change the plan shows, with whom it reaches.
Kolibri keeps no order among a plan's step lessons either: they read back in the order
of the plan's applied steps.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Final, TypeAlias

from reconciler.model import JSON, Address, DesiredState
from reconciler.providers import AppliedSpecs
from reconciler.rules.assignment import assignment_items
from reconciler_kolibri.platform import Node


@dataclass(frozen=True)
class Terms:
    """``names``: per assignment or plan, the name its spec calls each node by (node id ->
    name). Empty: no desired state was given, and every node reads back by its canonical
    name."""

    names: Mapping[Address, Mapping[str, str]] = field(default_factory=dict)
    renamed: Mapping[Address, Address] = field(default_factory=dict)  # old -> new

    def name_of(self, kind: str, held: str) -> str:
        """What Kolibri holds as ``held`` reads as: its new name while a rename is planned."""
        return self.renamed.get(Address(kind, held), Address(kind, held)).name

    def naming(self, owner: Address, canonical: Mapping[str, str]) -> dict[str, str]:
        """Node id -> the name ``owner`` reads it back as."""
        return {**canonical, **self.names.get(owner, {})}


NO_TERMS: Final = Terms()


def terms_of(desired: DesiredState, catalog: Mapping[str, Node],
             renamed: Mapping[Address, Address] | None = None,
             applied: AppliedSpecs | None = None) -> Terms:
    """``renamed`` (old -> new address): what Kolibri still holds under an old name is
    read in the terms of the new one (a rename being planned, ``learnops state mv``).
    ``applied``: the specs as last applied; one gone from the files (removed, or renamed
    without ``state mv``) reads in the terms it was written in."""
    specs = {**{a: s for a, s in (applied or {}).items() if s is not None},
             **{r.address: r.spec for r in desired.resources}}
    names: dict[Address, Mapping[str, str]] = {}
    for address, spec in specs.items():
        if address.kind == "Assignment":
            names[address] = _spoken((i.name for i in assignment_items(spec)
                                      if i.kind == "object"), catalog)
        elif address.kind == "CertificationPlan":
            steps = spec.get("steps")
            objects = [str(item) for step in steps if isinstance(step, dict)
                       for item in step.get("items") or []] if isinstance(steps, list) else []
            names[address] = _spoken(objects, catalog)
    for old, new in (renamed or {}).items():
        if new in names:
            names[old] = names[new]
    return Terms(names, dict(renamed or {}))


def plans_of(spec: Mapping[str, JSON]) -> tuple[str, ...]:
    """The plans an assignment's spec gives, in spec order."""
    return tuple(i.name for i in assignment_items(spec) if i.kind == "plan")


class AsApplied:
    """The assignments' and plans' specs as last applied (the state's records), for what
    Kolibri keeps nowhere: an assignment's plans, the order of a plan's steps. One the
    state records without its spec (imported, or written before records kept it) has the
    files'; one it does not record was never applied: a lesson learnops did not write (to
    adopt) has no plans. With no records given at all, everything has the files'.
    An apply's own writes count as applied from the moment they go out (:meth:`wrote`),
    so the read-back after a write shows what it wrote; apply writes from several
    threads, hence the lock."""

    def __init__(self, desired: DesiredState | None = None,
                 applied: AppliedSpecs | None = None) -> None:
        self._desired = {} if desired is None else {
            r.address: r.spec for r in desired.resources if r.kind in _KEPT}
        self._all_applied = applied is None  # no state: as the files say
        self._applied = {a: spec for a, spec in (applied or {}).items() if a.kind in _KEPT}
        self._lock = threading.Lock()

    def plans(self, assignment: str) -> tuple[str, ...]:
        """The plans of ``assignment`` (its learnops name), in spec order."""
        spec = self._spec(Address("Assignment", assignment))
        return () if spec is None else plans_of(spec)

    def audience(self, assignment: str) -> str | None:
        """The audience ``assignment`` (its learnops name) was applied with, by name."""
        spec = self._spec(Address("Assignment", assignment))
        audience = spec.get("audience") if spec is not None else None
        return audience if isinstance(audience, str) else None

    def steps(self, plan: str) -> tuple[str, ...]:
        """The names of ``plan``'s steps, in spec order."""
        spec = self._spec(Address("CertificationPlan", plan))
        steps = spec.get("steps") if spec is not None else None
        return tuple(str(s.get("name")) for s in steps if isinstance(s, Mapping)) if isinstance(
            steps, list) else ()

    def _spec(self, address: Address) -> Mapping[str, JSON] | None:
        with self._lock:
            if address not in self._applied and not self._all_applied:
                return None
            spec = self._applied.get(address)
        return spec if spec is not None else self._desired.get(address)

    def wrote(self, address: Address, spec: Recorded) -> None:
        """``spec``: what a write of ``address`` was made from (``None``: its record keeps
        none, as an inactivation's; :data:`GONE`: it has no record, deleted)."""
        with self._lock:
            if isinstance(spec, _Gone):
                self._applied.pop(address, None)
            else:
                self._applied[address] = spec

    def recorded(self, address: Address) -> Recorded:
        """What the state holds of ``address`` now (:meth:`wrote` puts it back)."""
        with self._lock:
            return self._applied.get(address, GONE)


class _Gone:
    """No record at all (``None`` is a record without its spec)."""


GONE: Final = _Gone()
Recorded: TypeAlias = Mapping[str, JSON] | _Gone | None
_KEPT: Final = ("Assignment", "CertificationPlan")


def _spoken(items: Iterable[str], catalog: Mapping[str, Node]) -> dict[str, str]:
    found: dict[str, str] = {}
    for item in items:
        node = catalog.get(item)
        if node is not None:
            found.setdefault(node.id, item)  # the first name the spec gives it
    return found
