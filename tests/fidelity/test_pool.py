"""Scenarios on worker processes (benchmarks/fidelity.py ``--jobs``): the same outcomes
as in one process, and a run cut short as ``timeout`` cuts it (the before-stop hook's
``timeout 40``) still ends with its summary and leaves no worker behind."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from fidelity.pool import run_many

BENCHMARK = Path(__file__).resolve().parents[2] / "benchmarks" / "fidelity.py"


def test_scenarios_on_two_processes_are_each_seeds_own() -> None:
    """A scenario depends on its seed alone: a pool hands back, in seed order, what
    one process finds (the same chain of edits and the same findings)."""
    seeds = range(3, 6)
    pooled = list(run_many(seeds, rounds=1, jobs=2))
    assert [o.seed for o in pooled] == [3, 4, 5]
    assert pooled == list(run_many(seeds, rounds=1))
    assert len({o.edit for o in pooled}) == 3  # three different chains


def test_a_run_stopped_as_timeout_stops_it_prints_its_summary_and_leaves_no_worker(
    tmp_path: Path,
) -> None:
    """Once scenarios run, SIGTERM to the benchmark and then to its process group, as
    ``timeout`` sends it: the scenarios done are summed up in the last three lines,
    exit 1, and the output ends (``communicate`` returns: no worker still holds it)."""
    benchmark = subprocess.Popen(
        [sys.executable, str(BENCHMARK), "--scenarios", "500", "--jobs", "2"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
        env={**os.environ, "TMPDIR": str(tmp_path)},
    )
    try:
        deadline = time.monotonic() + 60
        while not list(tmp_path.glob("fidelity-*/s*/.learnops")):  # a first apply ran
            assert benchmark.poll() is None and time.monotonic() < deadline
            time.sleep(0.05)
        os.kill(benchmark.pid, signal.SIGTERM)
        os.killpg(benchmark.pid, signal.SIGTERM)
        out, err = benchmark.communicate(timeout=60)
    finally:
        if benchmark.poll() is None:
            os.killpg(benchmark.pid, signal.SIGKILL)
    assert benchmark.returncode == 1, err
    what, mismatches, took = out.splitlines()[-3:]
    assert what.startswith("plan fidelity: ") and " of 500 scenarios " in what
    assert "stopped by SIGTERM" in what and what.endswith("on 2 processes")
    assert mismatches.startswith("mismatches: 0, in 0 of ")
    assert took.startswith("time: ") and "s CPU in all processes" in took
    assert err == ""
