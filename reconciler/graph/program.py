"""The program's dependency graph: what must exist before what.

The edge direction is decided once, in :meth:`ProgramGraph.build`: an edge runs
from a dependency to its dependent (prerequisite -> object, object -> plan,
plan/object/audience -> assignment, included/excluded audience -> audience), so
topological order is apply order and its reverse is removal order.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping

import networkx as nx

from reconciler.errors import SpecError
from reconciler.model import KINDS, Address, DesiredState, Location
from reconciler.validate import cycle_diagnostic, spec_references

_KIND_ORDER = {kind: index for index, kind in enumerate(KINDS)}


def _order(address: Address) -> tuple[int, str]:
    return (_KIND_ORDER.get(address.kind, len(KINDS)), address.name)


class ProgramGraph:
    """A read-only view over a networkx DiGraph of :class:`Address` nodes."""

    def __init__(self, graph: nx.DiGraph,
                 locations: Mapping[Address, Location] | None = None) -> None:
        self._graph = graph
        # Where each resource is written: beside the graph, not node data, since
        # networkx adds a node with data through a caught TypeError (every node of
        # a large program). A graph made elsewhere may carry them as node data.
        self._locations = dict(locations) if locations is not None else {
            node: found for node, found in graph.nodes(data="location")
            if isinstance(found, Location)
        }
        # The graph never changes: its generations are worked out once (the acyclicity
        # check walks them anyway) and sorted the first time they are asked for.
        self._unsorted: list[list[Address]] | None = None
        self._generations: tuple[tuple[Address, ...], ...] | None = None

    @classmethod
    def build(cls, state: DesiredState) -> ProgramGraph:
        """Raises ``SpecError`` naming a whole cycle, should the specs hold one."""
        graph = nx.DiGraph()
        locations = {resource.address: resource.location for resource in state.resources}
        # Bulk adds: several times faster than one call per node or edge.
        graph.add_nodes_from(locations)
        graph.add_edges_from(
            # dependency -> dependent: the one place the direction is chosen
            (reference.target, resource.address, {"relation": reference.relation})
            for resource in state.resources
            for reference in spec_references(resource.kind, resource.spec)
            if reference.target in locations
        )
        program = cls(graph, locations)
        program._refuse_cycles()
        return program

    def _refuse_cycles(self) -> None:
        # The acyclicity test is a topological sort, several times faster than
        # find_cycle's edge walk; the walk only runs to name a cycle that is there.
        try:
            self._unsorted = list(nx.topological_generations(self._graph))
            return
        except nx.NetworkXUnfeasible:
            pass
        try:
            cycle = nx.find_cycle(self._graph)
        except nx.NetworkXNoCycle:
            return
        # find_cycle walks dependency -> dependent; say it as "dependent requires dependency".
        steps = [(v, u, str(self._graph.edges[u, v]["relation"])) for u, v in reversed(cycle)]
        locations = {node: self.location(node) for node in self._graph}
        diagnostic = cycle_diagnostic(steps, {k: v for k, v in locations.items() if v is not None})
        raise SpecError(diagnostic.message, (diagnostic,))

    # -- queries -------------------------------------------------------------

    def __contains__(self, address: object) -> bool:
        return address in self._graph

    def __len__(self) -> int:
        return int(self._graph.number_of_nodes())

    @property
    def nodes(self) -> tuple[Address, ...]:
        return tuple(sorted(self._graph.nodes, key=_order))

    @property
    def edges(self) -> tuple[tuple[Address, Address, str], ...]:
        """(dependency, dependent, relation) triples, sorted."""
        return tuple(
            sorted(
                ((u, v, str(data["relation"])) for u, v, data in self._graph.edges(data=True)),
                key=lambda edge: (_order(edge[0]), _order(edge[1])),
            )
        )

    def location(self, address: Address) -> Location | None:
        """Raises ``KeyError`` for an address not in the graph."""
        if address not in self._graph:
            raise KeyError(address)
        return self._locations.get(address)

    def generations(self) -> list[list[Address]]:
        """Apply order: each generation depends only on earlier ones, so its members
        may be applied in parallel. Removals walk the list backwards."""
        if self._generations is None:
            unsorted = self._unsorted
            if unsorted is None:  # a graph made without build(), checked by nobody
                unsorted = list(nx.topological_generations(self._graph))
            self._generations = tuple(
                tuple(sorted(generation, key=_order)) for generation in unsorted
            )
            self._unsorted = None
        return [list(generation) for generation in self._generations]

    def dependencies(self, address: Address) -> tuple[Address, ...]:
        """What ``address`` needs to exist first."""
        return _sorted(self._graph.predecessors(address))

    def dependents(self, address: Address) -> tuple[Address, ...]:
        """What directly needs ``address``."""
        return _sorted(self._graph.successors(address))

    def descendants(self, address: Address) -> tuple[Address, ...]:
        """Everything that needs ``address``, directly or not (what a change can affect)."""
        return _sorted(nx.descendants(self._graph, address))

    def ancestors(self, address: Address) -> tuple[Address, ...]:
        """Everything ``address`` needs, directly or not."""
        return _sorted(nx.ancestors(self._graph, address))

    def __iter__(self) -> Iterator[Address]:
        return iter(self.nodes)


def _sorted(addresses: Iterable[Address]) -> tuple[Address, ...]:
    return tuple(sorted(addresses, key=_order))
