"""The program graph as text: Graphviz DOT, Mermaid flowchart, or JSON.

Edges run from a dependency to its dependent (apply order), so their labels are the
passive of the relation: ``privacy-101 -> hipaa-basics`` reads "required by", as
hipaa-basics requires privacy-101. A Mermaid chart of a large program is a summary:
Mermaid refuses text over 50,000 characters ("Maximum text size in diagram exceeded").
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Final

from reconciler.graph.program import ProgramGraph
from reconciler.model import JSON, Address

_DOT_SHAPES = {
    "LearningObject": "box",
    "Audience": "ellipse",
    "CertificationPlan": "component",
    "Assignment": "note",
}
_MERMAID_SHAPES = {
    "LearningObject": ('["', '"]'),
    "Audience": ('(["', '"])'),
    "CertificationPlan": ('[["', '"]]'),
    "Assignment": ('>"', '"]'),
}


# The relation a dependent has to its dependency (validate/references.py), read along
# the edge, from the dependency to the dependent.
_READS_ALONG_EDGE: Final = {
    "requires": "required by",
    "releases": "released by",
    "assigns": "assigned by",
    "targets": "targeted by",
    "includes": "included by",
    "excludes": "excluded by",
}
MERMAID_LIMIT: Final = 50_000  # mermaid's default maxTextSize
_KIND_ORDER: Final = ("LearningObject", "Audience", "CertificationPlan", "Assignment")


def edge_label(relation: str) -> str:
    """How an edge from dependency to dependent reads (``required by``)."""
    return _READS_ALONG_EDGE.get(relation, f"{relation} (reversed)")


def to_dot(graph: ProgramGraph) -> str:
    lines = ["digraph learnops {", "  rankdir=LR;", '  node [fontname="Helvetica"];']
    for node in graph.nodes:
        shape = _DOT_SHAPES.get(node.kind, "box")
        label = f"{node.kind}\\n{node.name}"
        lines.append(f'  {_dot_id(node)} [label="{label}", shape={shape}];')
    for dependency, dependent, relation in graph.edges:
        label = edge_label(relation)
        lines.append(f'  {_dot_id(dependency)} -> {_dot_id(dependent)} [label="{label}"];')
    lines.append("}")
    return "\n".join(lines) + "\n"


def _dot_id(address: Address) -> str:
    # Names are [a-z0-9-] and kinds are letters, so only the quotes are needed.
    return f'"{address}"'


def to_mermaid(graph: ProgramGraph, limit: int = MERMAID_LIMIT) -> str:
    """Every node and edge when that fits under ``limit`` characters, else a summary."""
    ids = {node: f"n{index}" for index, node in enumerate(graph.nodes)}
    lines = ["flowchart LR"]
    for node, node_id in ids.items():
        opening, closing = _MERMAID_SHAPES.get(node.kind, ('["', '"]'))
        lines.append(f"  {node_id}{opening}{node.kind}<br/>{node.name}{closing}")
    for dependency, dependent, relation in graph.edges:
        lines.append(f"  {ids[dependency]} -->|{edge_label(relation)}| {ids[dependent]}")
    text = "\n".join(lines) + "\n"
    return text if len(text) <= limit else _mermaid_summary(graph, limit)


def _mermaid_summary(graph: ProgramGraph, limit: int) -> str:
    """One node per kind, one per certification plan with what it releases and who it
    reaches, and edges counted by relation; a note points at the full graph."""
    kinds = Counter(node.kind for node in graph.nodes)
    relations = Counter(
        (dependency.kind, dependent.kind, relation) for dependency, dependent, relation
        in graph.edges
    )
    lines = ["flowchart LR",
             f'  note["{len(graph.nodes)} resources and {len(graph.edges)} dependencies:'
             ' too many to draw.<br/>The full graph: learnops graph --format dot or'
             ' --format json"]']
    kind_ids = {kind: f"k{index}" for index, kind in enumerate(_KIND_ORDER)}
    for kind, kind_id in kind_ids.items():
        if kinds[kind]:
            opening, closing = _MERMAID_SHAPES[kind]
            lines.append(f"  {kind_id}{opening}{kinds[kind]} × {kind}{closing}")
    for (source, target, relation), count in sorted(relations.items()):
        if source in kind_ids and target in kind_ids:
            lines.append(f"  {kind_ids[source]} -->|{count} {edge_label(relation)}| "
                         f"{kind_ids[target]}")
    plans = [node for node in graph.nodes if node.kind == "CertificationPlan"]
    for index, plan in enumerate(plans):
        released = sum(1 for d in graph.dependencies(plan) if d.kind == "LearningObject")
        assignments = sum(1 for d in graph.dependents(plan) if d.kind == "Assignment")
        line = (f'  p{index}[["{plan.name}<br/>{released} objects, '
                f'{assignments} assignments"]]')
        rest = len(plans) - index
        if sum(map(len, lines)) + len(lines) + len(line) + 200 > limit:
            lines.append(f'  more["… and {rest} more certification plans"]')
            break
        lines.append(line)
    return "\n".join(lines) + "\n"


def to_json(graph: ProgramGraph) -> str:
    document: dict[str, JSON] = {
        "nodes": [
            {
                "address": str(node),
                "kind": node.kind,
                "name": node.name,
                "location": str(graph.location(node)) if graph.location(node) else None,
            }
            for node in graph.nodes
        ],
        "edges": [
            {"from": str(dependency), "to": str(dependent), "relation": relation,
             "label": edge_label(relation)}
            for dependency, dependent, relation in graph.edges
        ],
        "generations": [[str(node) for node in generation] for generation in graph.generations()],
    }
    return json.dumps(document, indent=2) + "\n"
