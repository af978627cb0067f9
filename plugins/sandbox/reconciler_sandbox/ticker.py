"""The scheduler in the background of a served platform: a tick at once, then one
every interval, so events happen on their day without anyone asking.

A tick that fails (the database busy past its timeout, say) is reported to
``on_error`` and tried again at the next interval: the scheduler catches up, and
what it records does not depend on when it runs.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable
from types import TracebackType

from reconciler.errors import ReconcilerError
from reconciler_sandbox.engine import Platform


class Ticker:
    def __init__(self, platform: Platform, interval: float,
                 on_error: Callable[[Exception], None] | None = None) -> None:
        self.platform = platform
        self.interval = interval
        self.on_error = on_error
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="sandbox-scheduler",
                                        daemon=True)

    def __enter__(self) -> Ticker:
        self._thread.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.platform.tick()
            except (ReconcilerError, sqlite3.Error) as problem:
                if self.on_error is not None:
                    self.on_error(problem)
            self._stop.wait(self.interval)
