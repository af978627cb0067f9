"""Issue 10, item 2 when a write fails: a plan whose write fails stops the audience
and assignment writes of the same apply, so nobody is enrolled into the version the
failed write was to replace; the re-run writes them after the plan."""

from __future__ import annotations

from pathlib import Path

from reconciler_sandbox.provider import SandboxProvider

from fidelity.project import Project, user_row
from reconciler.apply.executor import RetryPolicy, execute
from reconciler.compiler import compile_dir
from reconciler.errors import PermanentError
from reconciler.plan.order import write_dependents
from reconciler.plan.planner import build_plan
from reconciler.providers import LiveResource, WriteRequest
from reconciler.providers.registry import open_provider


class PlanWritesFail:
    """The sandbox provider, refusing every certification plan write."""

    def __init__(self, inner: SandboxProvider) -> None:
        self.inner = inner

    def __getattr__(self, name: str) -> object:
        return getattr(self.inner, name)

    def write(self, request: WriteRequest) -> LiveResource | None:
        if request.address.kind == "CertificationPlan":
            raise PermanentError("refused for the test", where=str(request.address))
        return self.inner.write(request)


def test_a_failed_plan_write_holds_back_the_audience_write(tmp_path: Path) -> None:
    project = Project(tmp_path / "repo", user_row("E1") + user_row("E2"))
    project.put("LearningObject", "o-a", {"title": "a", "type": "course"})
    project.put("LearningObject", "o-b", {"title": "b", "type": "course"})
    project.put("CertificationPlan", "p", {"title": "P", "steps": [
        {"name": "one", "items": ["o-a"], "release": {"at": "enrollment"}}]})
    project.put("Audience", "crew", {"users": ["E1"]})
    project.put("Assignment", "give", {"items": [{"plan": "p"}], "audience": "crew"})
    assert project.apply().code == 0
    project.put("CertificationPlan", "p", {"title": "P", "steps": [
        {"name": "one", "items": ["o-b"], "release": {"at": "enrollment"}}]})
    project.put("Audience", "crew", {"users": ["E1", "E2"]})

    compiled = compile_dir(project.root)
    provider = open_provider(compiled.state.project)
    try:
        plan = build_plan(compiled, provider)
        failing = PlanWritesFail(provider)  # type: ignore[arg-type]
        result = execute(
            plan, failing,  # type: ignore[arg-type]
            descendants=write_dependents(plan.order, compiled.graph.descendants),
            retry=RetryPolicy(max_attempts=1),
        )
    finally:
        provider.close()
    assert [str(f.address) for f in result.failed] == ["CertificationPlan/p"]
    assert [str(s.address) for s in result.skipped] == ["Audience/crew"]
    assert project.enrollment("E2", {"plan": "p"}) is None  # not on the old version

    assert project.apply().code == 0  # the re-run: plan first, then the audience
    entry = project.enrollment("E2", {"plan": "p"})
    assert entry is not None and entry["version"] == 2
