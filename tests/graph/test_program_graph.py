"""The dependency graph: edge direction, apply order, neighbourhoods, cycles."""

from __future__ import annotations

from pathlib import Path

import pytest

from reconciler.compiler import compile_dir
from reconciler.errors import SpecError
from reconciler.graph import ProgramGraph
from reconciler.model import (
    Address,
    DesiredResource,
    DesiredState,
    Location,
    ProjectConfig,
    ProviderConfig,
)

SPECS = Path(__file__).resolve().parents[2] / "specs"


def a(text: str) -> Address:
    return Address.parse(text)


@pytest.fixture(scope="module")
def graph() -> ProgramGraph:
    return compile_dir(SPECS).graph


def test_edges_run_from_dependency_to_dependent(graph: ProgramGraph) -> None:
    edges = set(graph.edges)
    assert (a("LearningObject/privacy-101"), a("LearningObject/hipaa-basics"), "requires") in edges
    assert (
        a("LearningObject/hipaa-quiz"),
        a("CertificationPlan/hipaa-annual"),
        "releases",
    ) in edges
    assert (
        a("CertificationPlan/hipaa-annual"),
        a("Assignment/hipaa-2027-clinical"),
        "assigns",
    ) in edges
    assert (a("Audience/clinical-staff"), a("Audience/clinical-employees"), "includes") in edges
    assert (a("Audience/contractors"), a("Audience/clinical-employees"), "excludes") in edges
    assert (
        a("Audience/fire-safety-front-line-audience"),
        a("Assignment/fire-safety-front-line"),
        "targets",
    ) in edges


def test_generations_are_apply_order(graph: ProgramGraph) -> None:
    generations = graph.generations()
    position = {node: index for index, generation in enumerate(generations) for node in generation}
    assert set(position) == set(graph.nodes)
    for dependency, dependent, _ in graph.edges:
        assert position[dependency] < position[dependent]
    # Within a generation: kind order, then name.
    first = generations[0]
    assert first == sorted(
        first, key=lambda n: (["LearningObject", "Audience"].index(n.kind), n.name)
    )


def test_neighbourhoods(graph: ProgramGraph) -> None:
    plan = a("CertificationPlan/leadership")
    assert graph.dependencies(plan) == (
        a("LearningObject/difficult-conversations"),
        a("LearningObject/leadership-capstone"),
        a("LearningObject/leadership-workshop"),
        a("LearningObject/leading-teams"),
    )
    assert graph.dependents(plan) == (a("Assignment/leadership-2027"),)
    assert a("Assignment/leadership-2027") in graph.descendants(a("LearningObject/leading-teams"))
    assert a("LearningObject/leading-teams") in graph.ancestors(a("Assignment/leadership-2027"))
    assert graph.location(plan) == Location("plans/leadership.yaml", 3, 1)


def _resource(name: str, prerequisites: list[str], line: int) -> DesiredResource:
    spec = {"title": name, "type": "course", "prerequisites": prerequisites}
    return DesiredResource(Address("LearningObject", name), spec, Location("o.yaml", line, 1))


def test_a_cycle_is_refused_naming_every_member(tmp_path: Path) -> None:
    # Validation catches cycles first; the graph still refuses one built by hand.
    state = DesiredState(
        project=ProjectConfig("demo", tmp_path, ProviderConfig("sandbox")),
        resources=(_resource("a", ["b"], 1), _resource("b", ["c"], 5), _resource("c", ["a"], 9)),
        digest="sha256:0",
    )
    with pytest.raises(SpecError) as raised:
        ProgramGraph.build(state)
    message = raised.value.message
    assert message.startswith("prerequisite cycle: LearningObject/")
    for member in ("a (o.yaml:1:1)", "b (o.yaml:5:1)", "c (o.yaml:9:1)"):
        assert f"LearningObject/{member}" in message
    assert raised.value.diagnostics[0].code == "LO508"
