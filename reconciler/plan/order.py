"""The order ``apply`` writes in: the graph's generations for what the code holds,
then removals in reverse dependency order (dependents go first, so an assignment
is inactivated before the plan it hands out).

Within what the code holds, every learning object and plan is written before any
audience, and audiences before assignments. An audience write enrols the people it
newly reaches at once; were it written before a plan edit of the same apply, they
would start on the version that edit replaces. Written after, everyone a commit
reaches gets the plan as the commit leaves it, which is what the planner predicts.
The graph's generations still hold within each phase (audiences include audiences).

Removed resources are no longer in the code, so their dependencies are read off
their live specs here. Edges run dependency -> dependent, as in the graph stage.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence

import networkx as nx

from reconciler.model import JSON, Address
from reconciler.plan.model import Change

# Kinds written together, phase after phase (see the module docstring).
WRITE_PHASES: tuple[frozenset[str], ...] = (
    frozenset({"LearningObject", "CertificationPlan"}),
    frozenset({"Audience"}),
    frozenset({"Assignment"}),
)


def write_order(
    generations: Sequence[Sequence[Address]],
    changes: Mapping[Address, Change],
    removed_specs: Mapping[Address, Mapping[str, JSON]],
) -> tuple[tuple[Address, ...], ...]:
    writing = {address for address, change in changes.items() if _writes(change)}
    order: list[tuple[Address, ...]] = []
    kept = [a for a in writing if a not in removed_specs]
    if kept:  # a plan that writes nothing the code holds walks no generation
        for phase in WRITE_PHASES:
            for generation in generations:
                writes = tuple(a for a in generation if a in writing and a.kind in phase)
                if writes:
                    order.append(writes)
        placed = {a for generation in generations for a in generation}
        # Anything the graph did not order (it should order everything desired) goes last.
        stray = tuple(sorted(a for a in kept if a not in placed))
        if stray:
            order.append(stray)
    order.extend(removal_order([a for a in removed_specs if a in writing], removed_specs))
    return tuple(order)


def write_dependents(
    plan_order: Sequence[Sequence[Address]], descendants: Callable[[Address], Iterable[Address]]
) -> Callable[[Address], tuple[Address, ...]]:
    """What a failed write must stop in the same apply: what depends on it
    (``descendants``, the graph's), and for a plan, every audience and assignment
    write after it. Written anyway, they would enrol the people they newly reach into
    the version the failed write was to replace; skipped, a re-run writes them after
    the plan, as the planner predicted."""
    later = tuple(
        address for generation in plan_order for address in generation
        if address.kind in ("Audience", "Assignment")
    )

    def dependents(address: Address) -> tuple[Address, ...]:
        found = tuple(descendants(address))
        if address.kind == "CertificationPlan":
            found += tuple(a for a in later if a not in found)
        return found

    return dependents


def removal_order(
    removals: Iterable[Address], specs: Mapping[Address, Mapping[str, JSON]]
) -> list[tuple[Address, ...]]:
    graph: nx.DiGraph = nx.DiGraph()
    nodes = set(removals)
    graph.add_nodes_from(nodes)
    for address in nodes:
        for dependency in references(address.kind, specs[address]):
            if dependency in nodes and dependency != address:
                graph.add_edge(dependency, address)
    try:
        generations = [tuple(sorted(g)) for g in nx.topological_generations(graph)]
    except nx.NetworkXUnfeasible:
        # Live specs that loop cannot be ordered by their references; kind order is safe.
        generations = [
            tuple(sorted(a for a in nodes if a.kind == kind))
            for kind in ("LearningObject", "Audience", "CertificationPlan", "Assignment")
        ]
        generations = [g for g in generations if g]
    return list(reversed(generations))


def references(kind: str, spec: Mapping[str, JSON]) -> set[Address]:
    """The resources ``spec`` names: what must outlive it."""
    found: set[Address] = set()
    match kind:
        case "LearningObject":
            found.update(Address("LearningObject", n) for n in _names(spec.get("prerequisites")))
        case "Audience":
            for key in ("include", "exclude"):
                found.update(Address("Audience", n) for n in _names(spec.get(key)))
        case "CertificationPlan":
            for step in spec.get("steps") or []:
                if isinstance(step, Mapping):
                    found.update(Address("LearningObject", n) for n in _names(step.get("items")))
        case "Assignment":
            for item in spec.get("items") or []:
                if isinstance(item, Mapping):
                    plans = _names([item.get("plan")])
                    objects = _names([item.get("object")])
                    found.update(Address("CertificationPlan", n) for n in plans)
                    found.update(Address("LearningObject", n) for n in objects)
            found.update(Address("Audience", n) for n in _names([spec.get("audience")]))
    return found


def _names(value: JSON) -> list[str]:
    return [item for item in value if isinstance(item, str)] if isinstance(value, list) else []


def _writes(change: Change) -> bool:
    # A refused change is never written (its plan cannot be applied at all, either).
    return change.is_change and not change.refused
