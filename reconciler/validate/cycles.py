"""Cycles among references: a prerequisite chain or audience include/exclude that
comes back to where it started can never be ordered or evaluated."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import networkx as nx

from reconciler.diagnostics import Diagnostic, error
from reconciler.model import Address, Location

# (dependent, dependency, relation): "LearningObject/b requires LearningObject/a".
Use = tuple[Address, Address, str]


def find_cycles(uses: Iterable[Use], locations: Mapping[Address, Location]) -> list[Diagnostic]:
    """One diagnostic per knot of resources that reach each other, naming one whole
    cycle through it, every member with its location."""
    graph = nx.DiGraph()
    for dependent, dependency, relation in uses:
        graph.add_edge(dependent, dependency, relation=relation)
    found: list[Diagnostic] = []
    for component in nx.strongly_connected_components(graph):
        start = min(component)
        if len(component) == 1 and not graph.has_edge(start, start):
            continue
        cycle = nx.find_cycle(graph.subgraph(component), source=start)
        steps = [(u, v, str(graph.edges[u, v]["relation"])) for u, v in cycle]
        found.append(cycle_diagnostic(steps, locations))
    return found


def cycle_diagnostic(steps: list[Use], locations: Mapping[Address, Location]) -> Diagnostic:
    """``steps`` walk the cycle: each (member, next member, how member uses the next)."""

    def shown(address: Address) -> str:
        where = locations.get(address)
        return f"{address} ({where})" if where else str(address)

    first = steps[0][0]
    kinds = {step[0].kind for step in steps}
    what = (
        "prerequisite"
        if kinds == {"LearningObject"}
        else "audience"
        if kinds == {"Audience"}
        else "reference"
    )
    text = shown(first)
    for _, following, relation in steps:
        text += f" {relation} {shown(following)}"
    return error("LO508", f"{what} cycle: {text}", locations.get(first))
