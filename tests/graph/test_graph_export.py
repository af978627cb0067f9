"""DOT, Mermaid and JSON renderings of the graph."""

from __future__ import annotations

import json
import re
from pathlib import Path

import networkx as nx

from reconciler.compiler import compile_dir
from reconciler.graph import ProgramGraph, to_dot, to_json, to_mermaid
from reconciler.graph.export import MERMAID_LIMIT
from reconciler.model import Address

SPECS = Path(__file__).resolve().parents[2] / "specs"


def test_dot_declares_every_node_and_edges_only_between_them() -> None:
    graph = compile_dir(SPECS).graph
    dot = to_dot(graph)
    assert dot.startswith("digraph learnops {") and dot.rstrip().endswith("}")
    declared = set(re.findall(r'^  "([^"]+)" \[label=', dot, re.MULTILINE))
    assert declared == {str(node) for node in graph.nodes}
    edges = re.findall(r'^  "([^"]+)" -> "([^"]+)" \[label="(\w+ by)"\];$', dot, re.MULTILINE)
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
    assert all(re.fullmatch(r"  n\d+ -->\|\w+ by\| n\d+", line) for line in edges)


def test_json_has_nodes_edges_and_generations() -> None:
    graph = compile_dir(SPECS).graph
    document = json.loads(to_json(graph))
    assert len(document["nodes"]) == len(graph.nodes)
    assert {"from", "to", "relation", "label"} == set(document["edges"][0])
    assert sum(len(g) for g in document["generations"]) == len(graph.nodes)
    assert document["nodes"][0]["location"].startswith("objects/")


def test_edge_labels_read_from_the_dependency_to_the_dependent() -> None:
    """hipaa-basics requires privacy-101; the edge privacy-101 -> hipaa-basics says so."""
    graph = compile_dir(SPECS).graph
    dot = to_dot(graph)
    for line in (
        '"LearningObject/privacy-101" -> "LearningObject/hipaa-basics" [label="required by"]',
        '"LearningObject/privacy-101" -> "CertificationPlan/hipaa-annual" [label="released by"]',
        '"CertificationPlan/hipaa-annual" -> "Assignment/hipaa-2027-clinical" '
        '[label="assigned by"]',
        '"Audience/clinical-employees" -> "Assignment/hipaa-2027-clinical" '
        '[label="targeted by"]',
        '"Audience/clinical-staff" -> "Audience/clinical-employees" [label="included by"]',
        '"Audience/contractors" -> "Audience/clinical-employees" [label="excluded by"]',
    ):
        assert f"  {line};" in dot.splitlines()
    mermaid = to_mermaid(graph)
    ids = dict(re.findall(r"^  (n\d+)\S*\"\w+<br/>([\w-]+)", mermaid, re.M))
    privacy = next(n for n, name in ids.items() if name == "privacy-101")
    hipaa = next(n for n, name in ids.items() if name == "hipaa-basics")
    assert f"  {privacy} -->|required by| {hipaa}" in mermaid.splitlines()
    edge = next(e for e in json.loads(to_json(graph))["edges"]
                if e["from"] == "LearningObject/privacy-101"
                and e["to"] == "LearningObject/hipaa-basics")
    assert (edge["relation"], edge["label"]) == ("requires", "required by")


def large_graph(plans: int = 1_000, objects: int = 5_000) -> ProgramGraph:
    """A 10,000-resource program: objects released by plans, assigned to audiences."""
    graph = nx.DiGraph()
    for n in range(objects):
        graph.add_node(Address("LearningObject", f"object-{n:05d}"))
    for n in range(plans):
        plan = Address("CertificationPlan", f"plan-{n:04d}")
        audience = Address("Audience", f"audience-{n:04d}")
        assignment = Address("Assignment", f"assignment-{n:04d}")
        for step in range(5):
            graph.add_edge(Address("LearningObject", f"object-{(n * 5 + step) % objects:05d}"),
                           plan, relation="releases")
        graph.add_edge(plan, assignment, relation="assigns")
        graph.add_edge(audience, assignment, relation="targets")
    for n in range(objects, objects + 2_000):
        graph.add_node(Address("Audience", f"extra-{n}"))
    return ProgramGraph(graph)


def test_mermaid_of_a_large_program_is_a_renderable_summary() -> None:
    graph = large_graph()
    assert len(graph.nodes) >= 10_000
    full = to_mermaid(graph, limit=10**9)
    assert len(full) > MERMAID_LIMIT  # the one mermaid refuses to draw
    summary = to_mermaid(graph)
    assert len(summary) < MERMAID_LIMIT
    lines = summary.splitlines()
    assert lines[0] == "flowchart LR"
    assert "--format dot or --format json" in summary
    assert f"{len(graph.nodes)} resources" in summary
    assert '(["3000 × Audience"])' in summary and '["5000 × LearningObject"]' in summary
    assert "-->|5000 released by|" in summary and "-->|1000 assigned by|" in summary
    assert '[["plan-0000<br/>5 objects, 1 assignments"]]' in summary
    assert "more certification plans" in lines[-1]
    # a small program is drawn whole
    assert "more certification plans" not in to_mermaid(compile_dir(SPECS).graph)
