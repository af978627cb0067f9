"""The program graph as text: Graphviz DOT, Mermaid flowchart, or JSON."""

from __future__ import annotations

import json

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


def to_dot(graph: ProgramGraph) -> str:
    lines = ["digraph learnops {", "  rankdir=LR;", '  node [fontname="Helvetica"];']
    for node in graph.nodes:
        shape = _DOT_SHAPES.get(node.kind, "box")
        label = f"{node.kind}\\n{node.name}"
        lines.append(f'  {_dot_id(node)} [label="{label}", shape={shape}];')
    for dependency, dependent, relation in graph.edges:
        lines.append(f'  {_dot_id(dependency)} -> {_dot_id(dependent)} [label="{relation}"];')
    lines.append("}")
    return "\n".join(lines) + "\n"


def _dot_id(address: Address) -> str:
    # Names are [a-z0-9-] and kinds are letters, so only the quotes are needed.
    return f'"{address}"'


def to_mermaid(graph: ProgramGraph) -> str:
    ids = {node: f"n{index}" for index, node in enumerate(graph.nodes)}
    lines = ["flowchart LR"]
    for node, node_id in ids.items():
        opening, closing = _MERMAID_SHAPES.get(node.kind, ('["', '"]'))
        lines.append(f"  {node_id}{opening}{node.kind}<br/>{node.name}{closing}")
    for dependency, dependent, relation in graph.edges:
        lines.append(f"  {ids[dependency]} -->|{relation}| {ids[dependent]}")
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
            {"from": str(dependency), "to": str(dependent), "relation": relation}
            for dependency, dependent, relation in graph.edges
        ],
        "generations": [[str(node) for node in generation] for generation in graph.generations()],
    }
    return json.dumps(document, indent=2) + "\n"
