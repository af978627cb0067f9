"""Plan fidelity: how often what ``plan`` says differs from what ``apply`` does.

    python3 benchmarks/fidelity.py [--scenarios 2000] [--first-seed 0] [--rounds 3] [--rest]

Runs N scenarios of the harness in tests/fidelity/harness.py (a random small program
and its first apply, then a chain of ``--rounds`` edits: the platform's date moves
ahead, learners make progress on that day, one random edit, plan and apply through the
CLI against the in-process sandbox, or with ``--rest`` through the rest provider
against a real sandbox server on 127.0.0.1) and prints every mismatch, the count, and
how long it took, wall and CPU (goal: 0 mismatches). Figures, not assertions.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from fidelity.harness import ROUNDS, run_many


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenarios", type=int, default=2000)
    parser.add_argument("--first-seed", type=int, default=0)
    parser.add_argument("--rounds", type=int, default=ROUNDS,
                        help="edits in each scenario's chain (after its first apply)")
    parser.add_argument("--rest", action="store_true",
                        help="through the rest provider and a served sandbox")
    args = parser.parse_args()
    started, cpu = time.perf_counter(), time.process_time()
    outcomes = run_many(range(args.first_seed, args.first_seed + args.scenarios),
                        rest=args.rest, rounds=args.rounds)
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    bad = [o for o in outcomes if o.mismatches]
    for outcome in bad:
        for mismatch in outcome.mismatches:
            print(f"seed {outcome.seed} ({outcome.edit}): {mismatch}")
    print(f"{len(bad)} of {len(outcomes)} scenarios with mismatches "
          f"({sum(len(o.mismatches) for o in bad)} mismatches) in {elapsed:.1f}s, "
          f"{cpu:.1f}s CPU ({elapsed / max(len(outcomes), 1) * 1000:.0f} ms a scenario; "
          f"{args.rounds} edits each)")


if __name__ == "__main__":
    main()
