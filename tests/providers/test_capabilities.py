"""Provider capabilities: a spec feature the target's platform cannot honour is a
located error of validate --target and plan, never a silent approximation; without
preconditions every write is unconditional, read back first and said so. (validate
--target's side: tests/providers/test_honoured.py.)"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from reconciler_sandbox.provider import SandboxProvider

from reconciler.apply.executor import RetryPolicy, execute
from reconciler.apply.lock import ApplyLease
from reconciler.cli.main import main
from reconciler.compiler import compile_dir
from reconciler.model import ProviderConfig, StateConfig
from reconciler.plan.planner import build_plan
from reconciler.providers import Provider, WriteRequest
from reconciler.providers.capabilities import REFERENCE
from reconciler.render.text import render_text
from reconciler.state.local import LocalState
from reconciler.state.registry import StateContext

SPECS = Path(__file__).resolve().parents[2] / "specs"
Capture = pytest.CaptureFixture[str]
# A platform that releases everything at enrollment and issues no certificates.
PLAIN = replace(REFERENCE, release_modes=frozenset({"enrollment"}), certificates=False)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    project = tmp_path / "specs"
    shutil.copytree(SPECS, project, ignore=shutil.ignore_patterns(".learnops"))
    yaml = project / "learnops.yaml"
    yaml.write_text(
        yaml.read_text(encoding="utf-8")
        + "targets:\n  plain: {type: sandbox, path: .learnops/plain.db}\n",
        encoding="utf-8",
    )
    return project


def test_plan_for_a_target_refuses_what_it_cannot_honour_at_its_place(
    project: Path, capsys: Capture, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert main(["plan", str(project), "--detailed-exitcode"]) == 2  # the sandbox can
    capsys.readouterr()
    monkeypatch.setattr(SandboxProvider, "capabilities", PLAIN)  # this one cannot

    assert main(["plan", str(project), "--target", "plain"]) == 1
    planned = capsys.readouterr()
    line = next(line for line in (planned.out + planned.err).splitlines()
                if "release.offset" in line and "hipaa-annual" in line)
    assert line.startswith(f"{project}/plans/hipaa-annual.yaml:16:")
    assert ("error[LO901]: spec.steps[1].release.offset: sandbox cannot release a "
            "step by offset (it can: enrollment)") in line

    assert main(["plan", str(project), "--target", "plain", "--output", "json"]) == 1
    errors = json.loads(capsys.readouterr().out)["errors"]
    assert any("issues no certificates" in error["message"] for error in errors)


class NoPreconditions(SandboxProvider):
    """The sandbox as a platform without ETags, versions or learnops' metadata: it
    takes every write as it comes."""

    name = "bare"
    capabilities = replace(REFERENCE, preconditions=False, idempotent_writes=False,
                           metadata=False, change_counter=False)

    def write(self, request: WriteRequest) -> object:  # type: ignore[override]
        if request.action != "create":
            live = {r.address: r for r in self.read_resources([request.address.kind])}
            current = live.get(request.address)
            request = replace(request, precondition_version=current and current.version)
        return super().write(request)


@pytest.fixture
def bare(project: Path) -> Iterator[tuple[Provider, LocalState]]:
    provider = NoPreconditions(ProviderConfig("sandbox", {"users": "directory/users.csv",
                                                          "catalog": "directory/catalog.csv"}),
                               project)
    state = LocalState.open(StateConfig("local"), StateContext(project, "provider", provider))
    yield provider, state
    state.close()
    provider.close()


def test_without_preconditions_the_plan_says_so_and_a_moved_resource_is_not_overwritten(
    project: Path, bare: tuple[Provider, LocalState]
) -> None:
    provider, state = bare
    compiled = compile_dir(project)
    retry = RetryPolicy(max_attempts=2, base_delay=0.01, deadline=5.0)
    with ApplyLease(state, wait=5) as lock:
        first = build_plan(compiled, provider, state=state)
        assert first.ok and not first.preconditions
        assert "Every write is unconditional: bare takes no preconditions" in render_text(first)
        assert execute(first, provider, descendants=lambda _: (), retry=retry,
                       state=state, lease=lock).ok

    safety = project / "objects" / "safety.yaml"
    safety.write_text(safety.read_text().replace("duration: 2h", "duration: 3h"))
    compiled = compile_dir(project)
    with ApplyLease(state, wait=5) as lock:
        planned = build_plan(compiled, provider, state=state)
        changed = next(c for c in planned.changes if c.action == "update")
        # Someone edits it on the platform between the plan and the write.
        live = {r.address: r for r in provider.read_resources([changed.address.kind])}
        theirs = live[changed.address]
        provider.write(WriteRequest(
            address=changed.address, action="update", idempotency_key="colleague",
            spec={**theirs.spec, "title": "Edited in the LMS"}, spec_hash=theirs.spec_hash,
        ))
        result = execute(planned, provider, descendants=lambda _: (), retry=retry,
                         state=state, lease=lock)
    assert [f.address for f in result.failed] == [changed.address]
    assert "changed on the platform since it was planned" in result.failed[0].error
    after = {r.address: r for r in provider.read_resources([changed.address.kind])}
    assert after[changed.address].spec["title"] == "Edited in the LMS"
