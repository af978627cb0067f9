"""DOT, Mermaid and JSON renderings of the graph."""

from __future__ import annotations

import json
import re
from pathlib import Path

from reconciler.compiler import compile_dir
from reconciler.graph import to_dot, to_json, to_mermaid

SPECS = Path(__file__).resolve().parents[2] / "specs"


def test_dot_declares_every_node_and_edges_only_between_them() -> None:
    graph = compile_dir(SPECS).graph
    dot = to_dot(graph)
    assert dot.startswith("digraph learnops {") and dot.rstrip().endswith("}")
    declared = set(re.findall(r'^  "([^"]+)" \[label=', dot, re.MULTILINE))
    assert declared == {str(node) for node in graph.nodes}
    edges = re.findall(r'^  "([^"]+)" -> "([^"]+)" \[label="(\w+)"\];$', dot, re.MULTILINE)
    assert len(edges) == len(graph.edges)
    assert all(u in declared and v in declared for u, v, _ in edges)


def test_mermaid_is_a_flowchart_with_safe_ids() -> None:
    graph = compile_dir(SPECS).graph
    lines = to_mermaid(graph).splitlines()
    assert lines[0] == "flowchart LR"
    nodes = [line for line in lines[1:] if "-->" not in line]
    edges = [line for line in lines[1:] if "-->" in line]
    assert len(nodes) == len(graph.nodes) and len(edges) == len(graph.edges)
    assert all(re.fullmatch(r"  n\d+\S*\".+\"\S*", line) for line in nodes)
    assert all(re.fullmatch(r"  n\d+ -->\|\w+\| n\d+", line) for line in edges)


def test_json_has_nodes_edges_and_generations() -> None:
    graph = compile_dir(SPECS).graph
    document = json.loads(to_json(graph))
    assert len(document["nodes"]) == len(graph.nodes)
    assert {"from", "to", "relation"} == set(document["edges"][0])
    assert sum(len(g) for g in document["generations"]) == len(graph.nodes)
    assert document["nodes"][0]["location"].startswith("objects/")
