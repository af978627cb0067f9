"""How long a no-op plan of a large program takes, against validating the same files.

    python3 benchmarks/bench_plan.py [--resources 10000] [--files 200] [--users 1000]
                                     [--repeat 3] [--dir DIR]

Generates the workload (benchmarks/specgen.py), writes every resource to a sandbox
platform the way apply does (one provider write per change of the first plan, with
``managed_by: learnops`` and the spec's hash; the catalog's ``existing: true`` objects
are seeded unmanaged), then prints, best of ``--repeat`` (benchmarks/timing.py: each
run frees what it built inside its timer):

* validate: ``compile_dir`` of the files, in-process (CPU);
* plan in-process: ``plan_directory`` on the ``sandbox`` provider (compile, open the
  platform, read every resource, normalise and diff each one) (CPU);
* ``learnops validate`` and ``learnops plan`` as whole processes, imports included (CPU);
* plan over HTTP: the same on the ``rest`` provider against a real sandbox server
  (``reconciler_sandbox.server.running_server``) in its own process, so the client's
  and the server's work do not share one interpreter lock (wall, against validate's);

each with its ratio to validate. Goals (issue 17): in-process and as commands at most
1.3x validate; (issue 4) over HTTP at most 3x. Figures only; the plans must be no-ops,
which is checked.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from multiprocessing.connection import Connection
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from specgen import add_workload_options, write_specs
from timing import cpu_best_alternated, process_best, wall_best

from reconciler.compiler import compile_dir
from reconciler.plan.facade import plan_directory
from reconciler.plan.model import Plan
from reconciler.plan.planner import build_plan
from reconciler.providers import WriteAction, WriteRequest
from reconciler.providers.registry import open_provider

TOKEN_ENV = "LEARNOPS_BENCH_PLAN_TOKEN"
TARGET = "bench"
GOALS = {"in-process": 1.3, "as commands": 1.3, "over HTTP": 3.0}  # issue 17; issue 4


def write_everything(root: Path) -> Plan:
    """Makes the first plan's changes through the sandbox provider; returns that plan."""
    compiled = compile_dir(root)
    provider = open_provider(compiled.state.project)  # seeds users and the catalog
    try:
        plan = build_plan(compiled, provider)
        assert plan.ok, plan.errors[:3]
        for change in plan.to_write():
            action: WriteAction
            match change.action:
                case "create" | "update" | "inactivate" | "delete":
                    action = change.action
                case "adopt":
                    action = "update"
                case "no-op":
                    continue
            provider.write(WriteRequest(
                address=change.address, action=action, idempotency_key=str(uuid.uuid4()),
                precondition_version=change.precondition_version,
                spec=change.after if action in ("create", "update") else None,
                spec_hash=change.spec_hash, labels=change.labels, annotations=change.annotations,
            ))
    finally:
        provider.close()
    return plan


def _serve(db: str, connection: Connection) -> None:
    from reconciler_sandbox.server import running_server

    with running_server(db) as url:
        connection.send(url)
        connection.recv()  # until the parent is done


@contextmanager
def served(db: Path) -> Iterator[str]:
    """A sandbox server over ``db`` in a child process; yields its API URL."""
    parent, child = multiprocessing.get_context("spawn").Pipe()
    process = multiprocessing.get_context("spawn").Process(
        target=_serve, args=(str(db), child), daemon=True
    )
    process.start()
    try:
        if not parent.poll(60):
            raise SystemExit("the sandbox server did not start")
        yield str(parent.recv())
    finally:
        parent.send("stop")
        process.join(15)


def add_rest_target(root: Path, url: str) -> None:
    project = root / "learnops.yaml"
    text = project.read_text(encoding="utf-8").split("targets:")[0]
    project.write_text(
        text + f"targets:\n  {TARGET}: {{type: rest, url: '{url}', token_env: {TOKEN_ENV}}}\n",
        encoding="utf-8",
    )


def no_op(plan: Plan) -> Plan:
    if plan.has_changes or not plan.ok:
        raise SystemExit(f"expected a no-op plan, got {plan.summary()} {plan.errors[:3]}")
    return plan


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    add_workload_options(parser)
    parser.add_argument("--repeat", type=int, default=3, metavar="R",
                        help="runs of each measure; the best counts (default: 3)")
    parser.add_argument("--dir", type=Path, help="generate here (must not exist) and keep it")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-plan-") as scratch:
        root = write_specs(args.dir or Path(scratch) / "specs", args.resources, args.files,
                           args.users)
        start = time.perf_counter()
        first = write_everything(root)
        print(f"workload: {args.resources:,} resources; written to the sandbox in "
              f"{time.perf_counter() - start:.1f} s ({first.summary()['create']:,} creates)")
        plan = no_op(plan_directory(root))
        # In turn, so that neither runs on the heap its own last run left.
        validate, took = cpu_best_alternated(args.repeat, lambda: compile_dir(root),
                                             lambda: no_op(plan_directory(root)))
        print(f"  validate (compile_dir)      {validate:6.2f} s CPU")
        ratios = {}
        ratios["in-process"] = took / validate
        print(f"  plan in-process (sandbox)   {took:6.2f} s CPU   {took / validate:.2f}x validate, "
              f"{plan.summary()['no-op']:,} no-ops")
        validate_cli, plan_cli = process_best(args.repeat, [["validate", str(root)],
                                                            ["plan", str(root)]])
        ratios["as commands"] = plan_cli / validate_cli
        print(f"  learnops validate, plan     {validate_cli:6.2f} s, {plan_cli:.2f} s CPU   "
              f"{plan_cli / validate_cli:.2f}x (whole processes, imports included)")
        from reconciler_sandbox.engine import Platform

        db = root / ".learnops" / "sandbox.db"
        platform = Platform(db)
        os.environ[TOKEN_ENV] = platform.create_token("bench-plan", ["read"])
        platform.close()
        # Wall time: the server's work is in another process.
        validate_wall, _ = wall_best(args.repeat, lambda: compile_dir(root))
        with served(db) as url:
            add_rest_target(root, url)
            took, plan = wall_best(args.repeat,
                                   lambda: no_op(plan_directory(root, target=TARGET)))
        ratios["over HTTP"] = took / validate_wall
        print(f"  plan over HTTP (rest)       {took:6.2f} s wall  {took / validate_wall:.2f}x "
              f"validate ({validate_wall:.2f} s wall), {plan.summary()['no-op']:,} no-ops")
        for where, goal in GOALS.items():
            ratio = ratios[where]
            print(f"goal: plan {where} at most {goal}x validate: "
                  f"{'met' if ratio <= goal else 'not met'} ({ratio:.2f}x)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
