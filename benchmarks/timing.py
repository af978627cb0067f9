"""How the benchmarks time a measure: the best of ``repeat`` runs, in CPU or wall time.

One untimed run comes first and takes the first-use costs (imports, compiled schemas,
caches); its result is the caller's. Each timed run then starts from a collected heap
and drops what it built inside its timer, as a learnops command does before its
process exits. A run whose result outlived its timer would leave freeing it to
nobody's clock, so a measure that returns a large program would look cheaper than one
that returns a count, and a measure that frees an inner result (the plan frees the
compiled program it planned from) dearer than one that hands it back.

The two measures of a ratio are taken in turn (``cpu_best_alternated``, and
``process_best`` for commands): one measured only after itself runs on the heap, caches
and machine its own last run left, and those move a 10,000-resource compile by 5%.

``process_best`` times a whole ``learnops`` command in a child process (its CPU, user
and system, imports included): what a user waits for.
"""

from __future__ import annotations

import gc
import os
import resource
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any


def cpu_best(repeat: int, run: Callable[[], Any]) -> tuple[float, Any]:
    """The least CPU time of ``repeat`` runs (every thread of this process)."""
    (took,), (result,) = _best(repeat, [run], time.process_time)
    return took, result


def wall_best(repeat: int, run: Callable[[], Any]) -> tuple[float, Any]:
    (took,), (result,) = _best(repeat, [run], time.perf_counter)
    return took, result


def cpu_best_alternated(repeat: int, *runs: Callable[[], Any]) -> list[float]:
    """The least CPU time of each of ``runs``, run in turn ``repeat`` times, for a
    measure that is a ratio of two: each then runs after the others as often as after
    itself, so neither has the heap (and the machine) left warmest by its own last run."""
    return _best(repeat, runs, time.process_time)[0]


def _best(repeat: int, runs: Sequence[Callable[[], Any]],
          clock: Callable[[], float]) -> tuple[list[float], list[Any]]:
    results = [run() for run in runs]  # untimed: first-use costs; the results are the caller's
    best = [float("inf")] * len(runs)
    for _ in range(repeat):
        for index, run in enumerate(runs):
            gc.collect()
            started = clock()
            run()  # its result is freed here, inside the timer
            best[index] = min(best[index], clock() - started)
    return best, results


def process_best(repeat: int, commands: Sequence[Sequence[str]],
                 cwd: Path | None = None) -> list[float]:
    """The least CPU seconds of each ``learnops`` command (``python -m reconciler`` with
    these arguments), the commands alternated ``repeat`` times so that a change in the
    machine's load falls on all of them alike. A failing command stops the benchmark."""
    best = [float("inf")] * len(commands)
    for _ in range(repeat):
        for index, arguments in enumerate(commands):
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            done = subprocess.run([sys.executable, "-m", "reconciler", *arguments], cwd=cwd,
                                  env=dict(os.environ), stdout=subprocess.DEVNULL,
                                  stderr=subprocess.PIPE, text=True, check=False)
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            if done.returncode != 0:
                raise SystemExit(f"learnops {' '.join(arguments)} exited {done.returncode}: "
                                 f"{done.stderr.strip()[-500:]}")
            took = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
            best[index] = min(best[index], took)
    return best
