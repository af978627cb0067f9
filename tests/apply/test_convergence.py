"""Apply over HTTP against a real sandbox server: faults, a killed apply, two at once."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import pytest
from reconciler_sandbox.api import ApiOptions, FaultOptions
from reconciler_sandbox.engine import Platform
from reconciler_sandbox.server import running_server

from reconciler.cli.main import main
from reconciler.compiler import compile_dir

from .workspace import (
    TARGET,
    TOKEN_ENV,
    add_target,
    copy_specs,
    duplicates,
    prepare_platform,
    resource_writes,
)

pytestmark = pytest.mark.slow


@dataclass(frozen=True)
class Served:
    spec_dir: Path
    platform: Platform
    env: dict[str, str]

    def cli(self, *args: str) -> list[str]:
        return [sys.executable, "-m", "reconciler", *args, "--target", TARGET]


Serve = Callable[[FaultOptions], Served]


@pytest.fixture
def serve(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Serve]:
    """``serve(faults)``: specs/ against a platform served with those faults."""
    with ExitStack() as stack:

        def start(faults: FaultOptions) -> Served:
            spec_dir = copy_specs(tmp_path)
            platform = Platform(tmp_path / "lms.db")
            stack.callback(platform.close)
            token = prepare_platform(platform, spec_dir)
            monkeypatch.setenv(TOKEN_ENV, token)
            url = stack.enter_context(running_server(platform, ApiOptions(faults=faults)))
            add_target(spec_dir, url)
            env = {**os.environ, TOKEN_ENV: token, "NO_COLOR": "1"}
            return Served(spec_dir, platform, env)

        yield start


def written_by_learnops(spec_dir: Path) -> int:
    """How many resources apply creates (``existing: true`` objects are only checked)."""
    resources = compile_dir(spec_dir).state.resources
    return sum(1 for r in resources if r.spec.get("existing") is not True)


def apply_in_process(served: Served, *extra: str) -> int:
    return main(["apply", str(served.spec_dir), "--target", TARGET, "--auto-approve", *extra])


def no_changes_planned(served: Served) -> bool:
    return main(["plan", str(served.spec_dir), "--target", TARGET, "--detailed-exitcode"]) == 0


def test_apply_converges_through_failures_resets_and_throttling(
    serve: Serve, capsys: pytest.CaptureFixture[str]
) -> None:
    served = serve(
        FaultOptions(fail_rate=0.2, reset_rate=0.1, burst429=9, retry_after=0, seed=20270101)
    )
    results = []
    for _ in range(4):  # each run retries within its bound; a rerun finishes the rest
        code = apply_in_process(served, "--output", "json")
        results.append(json.loads(capsys.readouterr().out))
        if code == 0:
            break
    assert results[-1]["result"] == "applied"
    attempts = sum(r["attempts"] for r in results)
    applied = sum(r["writes"] for r in results)
    assert attempts > applied  # faults were met and retried
    assert no_changes_planned(served)
    assert duplicates(served.platform) == {"creates": [], "enrollments": [], "notifications": []}


def test_an_apply_killed_halfway_is_finished_by_the_next(
    serve: Serve, capsys: pytest.CaptureFixture[str]
) -> None:
    served = serve(FaultOptions(latency=0.15))
    total = written_by_learnops(served.spec_dir)
    args = served.cli("apply", str(served.spec_dir), "--auto-approve", "--parallelism", "2")
    victim = subprocess.Popen(args, env=served.env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    already = len(resource_writes(served.platform))  # the objects authored by others
    while len(resource_writes(served.platform)) < already + 10:
        if victim.poll() is not None:
            pytest.fail(f"the apply ended before it could be killed: {victim.communicate()[1]!r}")
        assert time.monotonic() < deadline
        time.sleep(0.05)
    victim.kill()  # SIGKILL: no cleanup, the lease stays behind
    victim.wait()
    existing = {(e["kind"], e["name"]) for e in resource_writes(served.platform)
                if e["actor"] == "lms-admin"}
    assert len(resource_writes(served.platform)) < total + len(existing)

    assert apply_in_process(served, "--lock-timeout", "0s") == 1
    err = capsys.readouterr().err
    held = re.search(r"held by (.+?) \(lock ([\w-]+)\)", err)
    assert held is not None and held.group(1).endswith(f"pid {victim.pid}")
    assert main(["force-unlock", held.group(2), str(served.spec_dir), "--target", TARGET]) == 0

    assert apply_in_process(served) == 0
    assert no_changes_planned(served)
    assert duplicates(served.platform) == {"creates": [], "enrollments": [], "notifications": []}
    resources = {(e["kind"], e["name"]) for e in resource_writes(served.platform)}
    assert len(resources - existing) == total  # nothing lost


def test_two_applies_at_once_take_turns(serve: Serve) -> None:
    served = serve(FaultOptions(latency=0.05))
    args = served.cli("apply", str(served.spec_dir), "--auto-approve", "--lock-timeout", "120s")
    both = [
        subprocess.Popen(args, env=served.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         text=True)
        for _ in range(2)
    ]
    outcomes = [(p.wait(timeout=120), *p.communicate()) for p in both]

    assert [code for code, _, _ in outcomes] == [0, 0]
    assert sum("waiting up to 120s for the apply lock held by" in err
               for _, _, err in outcomes) == 1
    # The audit shows one lease after the other, every write inside the first one.
    sections: list[list[str]] = []
    for entry in served.platform.audit(limit=1000):
        if entry["action"] == "lock":
            sections.append([])
        elif entry["action"] in ("create", "update") and sections:
            sections[-1].append(entry["name"])
    assert [len(s) for s in sections] == [written_by_learnops(served.spec_dir), 0]
    assert duplicates(served.platform) == {"creates": [], "enrollments": [], "notifications": []}
