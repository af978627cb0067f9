"""Plan fidelity: how often what ``plan`` says differs from what ``apply`` does.

    python3 benchmarks/fidelity.py [--scenarios 2000] [--first-seed 0] [--rounds 3]
                                   [--rest] [--jobs N]

Runs N scenarios of the harness in tests/fidelity/harness.py (a random small program
and its first apply, then a chain of ``--rounds`` edits: the platform's date moves
ahead, learners make progress on that day, one random edit, plan and apply through the
CLI against the in-process sandbox, or with ``--rest`` through the rest provider
against a real sandbox server on 127.0.0.1) on ``--jobs`` processes (default: one a
CPU), and prints every mismatch, then three lines: what ran, the mismatches (goal: 0),
and how long it took, wall and CPU of every process. Figures, not assertions. A
scenario depends on its seed alone: ``--first-seed S --scenarios 1`` reruns seed S,
whatever ``--jobs`` found it.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from fidelity.harness import ROUNDS, run_many


def _cpu_seconds() -> float:
    """CPU time of this process and of its finished children (the pool's workers)."""
    return sum(usage.ru_utime + usage.ru_stime for usage in
               (resource.getrusage(resource.RUSAGE_SELF),
                resource.getrusage(resource.RUSAGE_CHILDREN)))


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
                        help="processes running scenarios (default: one a CPU)")
    args = parser.parse_args()
    seeds = range(args.first_seed, args.first_seed + args.scenarios)
    started, cpu = time.perf_counter(), _cpu_seconds()
    outcomes = run_many(seeds, rest=args.rest, rounds=args.rounds, jobs=args.jobs)
    elapsed, cpu = time.perf_counter() - started, _cpu_seconds() - cpu
    bad = [o for o in outcomes if o.mismatches]
    for outcome in bad:
        for mismatch in outcome.mismatches:
            print(f"seed {outcome.seed} ({outcome.edit}): {mismatch}")
    where = " through rest" if args.rest else ""
    print(f"plan fidelity: {len(outcomes)} scenarios{where} (seeds {seeds.start}-"
          f"{seeds.stop - 1}), a first apply and {args.rounds} edits each, "
          f"on {args.jobs} process(es)")
    rerun = (f"; rerun one: --first-seed {bad[0].seed} --scenarios 1" if bad else "")
    print(f"mismatches: {sum(len(o.mismatches) for o in bad)}, in {len(bad)} of "
          f"{len(outcomes)} scenarios (goal: 0){rerun}")
    print(f"time: {elapsed:.1f}s wall, {cpu:.1f}s CPU in all processes "
          f"({cpu / max(len(outcomes), 1) * 1000:.0f} ms CPU a scenario)")


if __name__ == "__main__":
    main()
