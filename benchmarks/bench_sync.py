"""The cost of an idle ``learnops sync`` cycle on the 10,000-resource workload.

    python3 benchmarks/bench_sync.py [--resources 10000] [--files 200] [--users 1000]
                                     [--cycles 50]

Generates the workload (benchmarks/specgen.py) into a real git repository, lets one
sync cycle apply it to an in-process sandbox (which the provider seeds with the
workload's users and catalog), then times idle cycles: same commit, same platform
state version, so a cycle is one ``git ls-remote`` and one state-version read (goal:
under 50 ms). For scale it also times a cycle after a write outside learnops (the
platform moved: a full plan of every resource, nothing to apply). Figures, not
assertions.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from reconciler_sandbox.engine import Platform
from specgen import add_workload_options, write_specs

from reconciler.apply.executor import StopSignal
from reconciler.sync.cycle import Syncer, SyncOptions
from reconciler.sync.git import Remote, WorkingCopy

GOAL_MS = 50.0


def git(repo: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    add_workload_options(parser)
    parser.add_argument("--cycles", type=int, default=50, metavar="C",
                        help="idle cycles timed (default: 50)")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="bench-sync-") as scratch:
        repo = Path(scratch) / "repo"
        started = time.perf_counter()
        write_specs(repo / "specs", args.resources, args.files, args.users)
        git(repo, "init", "--quiet", "--initial-branch=main")
        git(repo, "add", "--all")
        git(repo, "-c", "user.name=bench", "-c", "user.email=bench@example.com",
            "commit", "--quiet", "-m", "workload")
        print(f"workload: {args.resources} resources, {args.users} users "
              f"({time.perf_counter() - started:.1f} s to generate and commit)")

        copy = WorkingCopy(Remote.of(str(repo), "main"), Path(scratch) / "working-copy")
        syncer = Syncer(copy, SyncOptions(path="specs", auto_apply=True, parallelism=10))
        try:
            started = time.perf_counter()
            first = syncer.cycle(StopSignal())
            elapsed = time.perf_counter() - started
            if first.failure is not None:
                print(f"the first cycle failed: {first.failure.line()}", file=sys.stderr)
                return 1
            print(f"first cycle (fetch, compile, plan, apply {len(first.applied)} changes): "
                  f"{elapsed:.1f} s")

            idle: list[float] = []
            for _ in range(args.cycles):
                report = syncer.cycle(StopSignal())
                assert report.idle, "a cycle with nothing moved must be idle"
                idle.append(report.duration * 1000)
            idle.sort()
            median = statistics.median(idle)
            p95 = idle[max(0, int(len(idle) * 0.95) - 1)]
            print(f"idle cycle over {len(idle)} cycles: median {median:.1f} ms, "
                  f"p95 {p95:.1f} ms, min {idle[0]:.1f} ms, max {idle[-1]:.1f} ms "
                  f"(goal < {GOAL_MS:.0f} ms: {'met' if median < GOAL_MS else 'NOT met'})")

            started = time.perf_counter()
            copy.head()
            ls_remote = (time.perf_counter() - started) * 1000
            print(f"  of which git ls-remote: {ls_remote:.1f} ms")

            # sync --once from cron: a new process on the same working copy remembers
            # the last synced revision (reconciler/sync/memory.py)
            again = Syncer(WorkingCopy(copy.remote, copy.path),
                           SyncOptions(path="specs", auto_apply=True, parallelism=10))
            try:
                started, cpu = time.perf_counter(), time.process_time()
                rerun = again.cycle(StopSignal())
                wall, cpu = time.perf_counter() - started, time.process_time() - cpu
            finally:
                again.close()
            print(f"a second sync --once (new process, same working copy): {wall * 1000:.1f} ms "
                  f"wall, {cpu * 1000:.1f} ms CPU, idle={rerun.idle} "
                  f"(first cycle / second --once: {elapsed / wall:.0f}x)")

            platform = Platform(syncer.copy.files_at("specs") / ".learnops" / "sandbox.db")
            try:
                platform.import_users_csv(
                    "employee_id,first_name,last_name,email,job_role,department,location,"
                    "language,hire_date,groups,status\n"
                    "X9999,Bench,Mark,b@example.com,Nurse,Nursing,Boston,en,2020-01-01,,\n",
                    actor="someone",
                )
            finally:
                platform.close()
            moved = syncer.cycle(StopSignal())
            print(f"cycle after the platform moved (full plan, nothing to apply): "
                  f"{moved.duration:.2f} s, status {moved.status.state}")
        finally:
            syncer.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
