"""Plan fidelity: how often what ``plan`` says differs from what ``apply`` does.

    python3 benchmarks/fidelity.py [--scenarios 2000] [--first-seed 0] [--rest]

Runs N scenarios of the harness in tests/fidelity/harness.py (a random small program,
learner progress, one random edit, then plan and apply through the CLI against the
in-process sandbox, or with ``--rest`` through the rest provider against a real
sandbox server on 127.0.0.1) and prints every mismatch, the count, and how long it took
(goal: 0 mismatches). Figures, not assertions.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from fidelity.harness import run_many


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenarios", type=int, default=2000)
    parser.add_argument("--first-seed", type=int, default=0)
    parser.add_argument("--rest", action="store_true",
                        help="through the rest provider and a served sandbox")
    args = parser.parse_args()
    started = time.perf_counter()
    outcomes = run_many(range(args.first_seed, args.first_seed + args.scenarios),
                        rest=args.rest)
    elapsed = time.perf_counter() - started
    bad = [o for o in outcomes if o.mismatches]
    for outcome in bad:
        for mismatch in outcome.mismatches:
            print(f"seed {outcome.seed} ({outcome.edit}): {mismatch}")
    print(f"{len(bad)} of {len(outcomes)} scenarios with mismatches "
          f"({sum(len(o.mismatches) for o in bad)} mismatches) in {elapsed:.1f}s "
          f"({elapsed / max(len(outcomes), 1) * 1000:.0f} ms a scenario)")


if __name__ == "__main__":
    main()
