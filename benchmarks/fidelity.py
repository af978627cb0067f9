"""Plan fidelity: how often what ``plan`` says differs from what ``apply`` does.

    python3 benchmarks/fidelity.py [--scenarios 2000] [--first-seed 0] [--rounds 3]
                                   [--rest] [--jobs N]

Runs N scenarios of the harness in tests/fidelity/harness.py (a random small program
and its first apply, then a chain of ``--rounds`` edits: the platform's date moves
ahead, learners make progress on that day, one random edit, plan and apply through the
CLI against the in-process sandbox, or with ``--rest`` through the rest provider
against a real sandbox server on 127.0.0.1) on ``--jobs`` worker processes (default:
one a CPU; tests/fidelity/pool.py). Prints every mismatch, then three lines: what ran,
the mismatches (goal: 0), and how long it took, wall and CPU of every process. Stopped
by a signal (SIGTERM from ``timeout``, Ctrl-C): the same lines for the scenarios done,
and exit 1. Figures, not assertions. A scenario depends on its seed alone:
``--first-seed S --scenarios 1`` reruns seed S, whatever ``--jobs`` found it.
"""

from __future__ import annotations

import argparse
import os
import resource
import signal
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from fidelity.harness import ROUNDS, Outcome
from fidelity.pool import run_many


def _cpu_seconds() -> float:
    """CPU time of this process and of its finished children (the pool's workers)."""
    return sum(usage.ru_utime + usage.ru_stime for usage in
               (resource.getrusage(resource.RUSAGE_SELF),
                resource.getrusage(resource.RUSAGE_CHILDREN)))


class Stopped(Exception):
    """A signal asked the run to stop (``timeout`` sends SIGTERM): report what is done."""


def _stop(signum: int, frame: object) -> None:
    # timeout sends SIGTERM twice (to this process, then to its group); a second
    # Ctrl-C ends the run at once.
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    raise Stopped(signal.Signals(signum).name)


def _cpus() -> int:
    """The CPUs this process may run on."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenarios", type=int, default=2000)
    parser.add_argument("--first-seed", type=int, default=0)
    parser.add_argument("--rounds", type=int, default=ROUNDS,
                        help="edits in each scenario's chain (after its first apply)")
    parser.add_argument("--rest", action="store_true",
                        help="through the rest provider and a served sandbox")
    parser.add_argument("--jobs", type=int, default=_cpus(),
                        help="worker processes running scenarios (default: one a CPU;"
                             " 0: in this process, as for a profiler)")
    args = parser.parse_args()
    seeds = range(args.first_seed, args.first_seed + args.scenarios)
    started, cpu = time.perf_counter(), _cpu_seconds()
    outcomes: list[Outcome] = []
    stopped = ""
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, _stop)
    runs = run_many(seeds, rest=args.rest, rounds=args.rounds, jobs=args.jobs)
    try:
        for outcome in runs:
            outcomes.append(outcome)
    except Stopped as stop:
        runs.close()  # the scenarios running finish, the rest are dropped
        stopped = f"; stopped by {stop}"
    elapsed, cpu = time.perf_counter() - started, _cpu_seconds() - cpu
    bad = [o for o in outcomes if o.mismatches]
    for outcome in bad:
        for mismatch in outcome.mismatches:
            print(f"seed {outcome.seed} ({outcome.edit}): {mismatch}")
    done = f"{len(outcomes)} of {len(seeds)}" if stopped else f"{len(outcomes)}"
    where = " through rest" if args.rest else ""
    on = f"on {args.jobs} processes" if args.jobs > 1 else (
        "on 1 worker process" if args.jobs == 1 else "in this process")
    span = (f"seeds {seeds.start}-{seeds.start + len(outcomes) - 1}" if outcomes
            else "none done")
    print(f"plan fidelity: {done} scenarios{where} ({span}{stopped}), a first apply and "
          f"{args.rounds} edits each, {on}")
    rerun = (f"; rerun one: --first-seed {bad[0].seed} --scenarios 1" if bad else "")
    print(f"mismatches: {sum(len(o.mismatches) for o in bad)}, in {len(bad)} of "
          f"{len(outcomes)} scenarios (goal: 0){rerun}")
    print(f"time: {elapsed:.1f}s wall, {cpu:.1f}s CPU in all processes "
          f"({cpu / max(len(outcomes), 1) * 1000:.0f} ms CPU a scenario)")
    sys.exit(1 if stopped else 0)


if __name__ == "__main__":
    main()
