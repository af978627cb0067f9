"""Issue 17's table in one run: each performance measure, its figure now, its goal, met or not.

    python3 benchmarks/run_all.py [--resources 10000] [--files 200] [--users 2000]
                                  [--objects 1000] [--directory-users 100000]
                                  [--audiences 1000] [--repeat 2] [--tests]

Runs the pieces of the other benchmarks (bench_validate, bench_plan, bench_apply,
bench_apply_floor, bench_sandbox, bench_http_floor, bench_audience) on one generated
workload each and prints one table.
Where a measure runs in this process, its figure is CPU time (``time.process_time``:
every thread of this process, not what other programs on a shared machine take from
it); where a server in another process does the work, the figure is wall time and the
table says so. Each is the best of ``--repeat`` runs, every run freeing what it built
inside its timer, as a command does before its process exits (benchmarks/timing.py).
Ratios compare measures of the same run. ``--tests`` also times the
README's test command (``python -m pytest -q``; minutes). Figures, never assertions.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_apply
import bench_apply_floor
import bench_http_floor
import bench_plan
import bench_sandbox
from bench_validate import parse_floor
from specgen import add_workload_options, write_specs
from timing import cpu_best, cpu_best_alternated, process_best, wall_best
from workload import generate_audiences, generate_users

from reconciler.compiler import compile_dir
from reconciler.plan.facade import plan_directory
from reconciler.rules.audience import Directory, naive_members, resolve_all

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Row:
    measure: str
    now: str
    goal: str
    ratio: str
    met: bool | None  # None: not measured in this run


def timed_once(run: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    result = run()
    return time.perf_counter() - started, result


def compiler_rows(args: argparse.Namespace, scratch: Path) -> list[Row]:
    """Validate against the parse floor, apply from empty and a no-op plan against
    validate: one workload, written to an in-process sandbox by the apply."""
    root = write_specs(scratch / "specs", args.resources, args.files, args.users)
    # Each ratio's two measures are taken in turn (timing.cpu_best_alternated).
    floor, validate = cpu_best_alternated(args.repeat, lambda: parse_floor(root),
                                          lambda: compile_dir(root))
    validate_wall, _ = wall_best(args.repeat, lambda: compile_dir(root))
    applied = bench_apply.timed_apply(root, None, parallelism=10)  # once: it fills the sandbox
    # The floor under it: its rows stored with bare executemany, a commit per write.
    stored = bench_apply_floor.floor(root / ".learnops" / "sandbox.db", scratch / "floor.db")
    validate_beside, plan = cpu_best_alternated(
        args.repeat, lambda: compile_dir(root),
        lambda: bench_plan.no_op(plan_directory(root)))
    # The same two commands as a user runs them: whole processes, imports included.
    validate_cli, plan_cli = process_best(args.repeat, [["validate", str(root)],
                                                        ["plan", str(root)]])
    over_http = _plan_over_http(args, root)
    return [
        Row("validate vs CSafeLoader load_all (CPU)",
            f"{validate:.2f} s vs {floor:.2f} s", "<= 1.5x",
            f"{validate / floor:.2f}x", validate / floor <= 1.5),
        Row(f"apply from empty, in-process sandbox (CPU, {applied['writes']:,.0f} writes)",
            f"{applied['cpu']:.1f} s CPU ({applied['total']:.1f} s wall; storing its rows "
            f"alone {stored:.1f} s)", "<= 3x validate",
            f"{applied['cpu'] / validate:.1f}x (rows alone {stored / validate:.1f}x)",
            applied["cpu"] / validate <= 3.0),
        Row("no-op plan vs validate, in-process sandbox (CPU)",
            f"{plan:.2f} s vs {validate_beside:.2f} s", "<= 1.3x",
            f"{plan / validate_beside:.2f}x", plan / validate_beside <= 1.3),
        Row("`learnops plan` vs `learnops validate`, no-op, whole processes (CPU)",
            f"{plan_cli:.2f} s vs {validate_cli:.2f} s", "<= 1.3x",
            f"{plan_cli / validate_cli:.2f}x", plan_cli / validate_cli <= 1.3),
        Row("no-op plan over HTTP vs validate (wall: the server is a child process)",
            f"{over_http:.2f} s vs {validate_wall:.2f} s", "(issue 4: <= 3x)",
            f"{over_http / validate_wall:.2f}x", over_http / validate_wall <= 3.0),
    ]


def _plan_over_http(args: argparse.Namespace, root: Path) -> float:
    from reconciler_sandbox.engine import Platform

    db = root / ".learnops" / "sandbox.db"
    platform = Platform(db)
    os.environ[bench_plan.TOKEN_ENV] = platform.create_token("run-all", ["read"])
    platform.close()
    with bench_plan.served(db) as url:
        bench_plan.add_rest_target(root, url)
        took, _ = wall_best(args.repeat, lambda: bench_plan.no_op(
            plan_directory(root, target=bench_plan.TARGET)))
    return took


def write_rate_rows(args: argparse.Namespace, scratch: Path) -> list[Row]:
    """``sandbox serve``'s PUT rate from 10 client threads, and learnops apply's write
    rate over HTTP against raw PUTs of the same workload (wall: the server is another
    process)."""
    from reconciler_sandbox.engine import Platform

    db = scratch / "served.db"
    platform = Platform(db)
    writer = platform.create_token(bench_sandbox.ACTOR, ["write"])
    platform.close()
    options = argparse.Namespace(objects=args.objects, concurrency=10)
    with bench_sandbox.serving(db, 500) as url:
        bench_sandbox.warm_up(url, writer, 10)
        # Once each: a create or an update cannot run twice (bench_sandbox warmed up).
        created, versions = timed_once(lambda: bench_sandbox.http_writes(
            url, writer, options, "create", {}))
        updated, _ = timed_once(lambda: bench_sandbox.http_writes(
            url, writer, options, "update", versions))
    put_rate = 2 * args.objects / (created + updated)
    # A small write runs on the event loop, found by the lane before FastAPI's routing:
    # its ceiling is the HTTP stack with no work in it at all.
    shape_rate, _ = bench_http_floor.measure("raw ASGI", 2 * args.objects, 10)

    spec_dir = write_specs(scratch / "apply-specs", args.http_resources, args.files, args.users)
    compiled = compile_dir(spec_dir)
    to_write = bench_apply.written_by_apply(compiled, compiled.graph.generations())
    with bench_apply.sandbox_server(spec_dir, scratch / "raw.db") as (url, token):
        raw_count, raw_seconds = bench_apply.raw_writes(url, token, compiled, to_write, 10)
    with bench_apply.sandbox_server(spec_dir, scratch / "apply.db") as (url, token):
        timing = bench_apply.learnops_apply(spec_dir, url, token, 10)
    raw_rate = raw_count / raw_seconds
    apply_rate = timing["writes"] / timing["execute"]
    return [
        Row("`sandbox serve` PUT rate, 10 client threads (wall)",
            f"{put_rate:,.0f} PUT/s (the HTTP stack alone, raw ASGI: {shape_rate:,.0f}/s)",
            ">= 1,000 PUT/s", f"{put_rate / 1000:.2f}x goal", put_rate >= 1000),
        Row(f"learnops apply over HTTP vs raw PUTs (wall, {raw_count:,} writes)",
            f"{apply_rate:,.0f} vs {raw_rate:,.0f} writes/s", ">= 0.8 of raw",
            f"{apply_rate / raw_rate:.2f}", apply_rate / raw_rate >= 0.8),
    ]


def audience_rows(args: argparse.Namespace) -> list[Row]:
    users = generate_users(args.directory_users)
    audiences = generate_audiences(args.audiences, users)
    took, resolved = cpu_best(args.repeat, lambda: resolve_all(audiences, Directory(users)))
    sample = list(audiences)[:: max(1, len(audiences) // 4)]
    started = time.process_time()
    same = all(naive_members(name, audiences, users) == resolved[name] for name in sample)
    naive = (time.process_time() - started) * len(audiences) / len(sample)
    return [Row(
        f"audience resolution, {args.audiences:,} audiences x {args.directory_users:,} users "
        "(CPU, building the directory included)",
        f"{took:.2f} s{'' if same else ' (DIFFERENT from naive!)'}",
        "< 2 s, same as naive", f"{naive / took:.0f}x faster than naive (sampled)",
        took < 2.0 and same,
    )]


def test_rows(args: argparse.Namespace) -> list[Row]:
    if not args.tests:
        return [Row("README's test command, 2 cores (wall)", "not run (pass --tests)",
                    "< 4 minutes", "-", None)]
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"],
                          cwd=ROOT, capture_output=True, text=True)
    took = time.perf_counter() - started
    summary = (done.stdout.strip().splitlines() or ["?"])[-1]
    return [Row("README's test command, 2 cores (wall)", f"{took:.0f} s ({summary})",
                "< 4 minutes", f"{took / 240:.2f}x goal", took < 240 and done.returncode == 0)]


def table(rows: list[Row]) -> str:
    header = ("measure", "now", "goal", "ratio", "met")
    cells = [header] + [(row.measure, row.now, row.goal, row.ratio,
                         "-" if row.met is None else "met" if row.met else "NOT met")
                        for row in rows]
    widths = [max(len(line[i]) for line in cells) for i in range(len(header))]
    lines = ["| " + " | ".join(cell.ljust(width)
                               for cell, width in zip(line, widths, strict=True)) + " |"
             for line in cells]
    lines.insert(1, "|" + "|".join("-" * (width + 2) for width in widths) + "|")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    add_workload_options(parser)
    parser.set_defaults(users=2_000)  # the workload: 10,000 resources, 2,000 users
    parser.add_argument("--http-resources", type=int, default=2_000, metavar="N",
                        help="resources apply writes over HTTP, against raw PUTs "
                             "(default: 2000)")
    parser.add_argument("--objects", type=int, default=1_000, metavar="N",
                        help="objects created then updated over HTTP (default: 1000)")
    parser.add_argument("--directory-users", type=int, default=100_000, metavar="U",
                        help="users the audiences are resolved against (default: 100000)")
    parser.add_argument("--audiences", type=int, default=1_000, metavar="A",
                        help="audiences resolved (default: 1000)")
    parser.add_argument("--repeat", type=int, default=2, metavar="R",
                        help="timed runs of each in-process measure, after an untimed one; "
                             "the best counts (default: 2)")
    parser.add_argument("--tests", action="store_true",
                        help="also time the README's test command (several minutes)")
    args = parser.parse_args(argv)
    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="bench-run-all-") as scratch:
        for name, measure in (
            ("compiler", lambda: compiler_rows(args, Path(scratch))),
            ("write rate", lambda: write_rate_rows(args, Path(scratch))),
            ("audiences", lambda: audience_rows(args)),
            ("tests", lambda: test_rows(args)),
        ):
            started = time.perf_counter()
            rows.extend(measure())
            print(f"measured {name} in {time.perf_counter() - started:.0f} s", flush=True)
    print(f"\nworkload: {args.resources:,} resources ({args.http_resources:,} over HTTP), "
          f"{args.users:,} users; best of {args.repeat} where repeated\n")
    print(table(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
