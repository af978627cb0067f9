"""Many fidelity scenarios, in this process or on a pool of worker processes
(benchmarks/fidelity.py ``--jobs``).

A scenario depends on its seed alone (its own random generator, project and
database), so an outcome is the same whichever process ran it, and one seed reruns it
alone. The workers are the caller's to stop: each runs in a session of its own, so a
signal for the caller (Ctrl-C, ``timeout``'s SIGTERM to its process group) reaches the
caller alone (in a worker it would cut an apply short, as ``learnops apply`` answers
SIGTERM, and look like a mismatch); the caller closes the run, the scenarios running
finish and the rest are dropped. A worker whose caller is gone ends.
"""

from __future__ import annotations

import functools
import os
import signal
import tempfile
import threading
import time
from collections.abc import Generator
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from fidelity.harness import ROUNDS, Outcome, run_scenario

ORPHAN_CHECK_SECONDS = 0.5
SIGNALS = (signal.SIGINT, signal.SIGTERM)


def run_many(seeds: range, *, rest: bool = False, rounds: int = ROUNDS,
             jobs: int = 0) -> Generator[Outcome, None, None]:
    """The scenarios of ``seeds``, each outcome once it and those before it are done;
    ``jobs``: worker processes (0: in this process)."""
    with tempfile.TemporaryDirectory(prefix="fidelity-") as folder:
        run = functools.partial(run_scenario, workdir=Path(folder), rest=rest, rounds=rounds)
        if jobs < 1:
            yield from map(run, seeds)
            return
        pool = ProcessPoolExecutor(jobs, initializer=_worker, initargs=(os.getpid(),))
        try:
            # Started with the signals held back: a worker takes none before it is in
            # its own session with its own handlers.
            signal.pthread_sigmask(signal.SIG_BLOCK, SIGNALS)
            try:
                outcomes = pool.map(run, seeds)
            finally:
                signal.pthread_sigmask(signal.SIG_UNBLOCK, SIGNALS)
            yield from outcomes
        finally:
            pool.shutdown(cancel_futures=True)


def _worker(caller: int) -> None:
    """A worker's start: out of the caller's session, the default signal handlers (not
    the caller's), and watching that the caller is there."""
    os.setsid()
    for signum in SIGNALS:
        signal.signal(signum, signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, SIGNALS)
    threading.Thread(target=_end_without, args=(caller,), daemon=True).start()


def _end_without(caller: int) -> None:
    while os.getppid() == caller:
        time.sleep(ORPHAN_CHECK_SECONDS)
    os._exit(1)  # the caller died without closing the pool (SIGKILL)
