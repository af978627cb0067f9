"""A clock for the apply lease's tests: its time moves only when the test says, so a
test of waiting, renewing or expiring sleeps for nothing and races nothing."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime

HANG_GUARD = 10.0  # real seconds: only ever reached when the code under test is broken


class SteppedClock:
    """A :class:`reconciler.apply.lock.LeaseClock`. A thread waiting on it wakes when
    the time reaches its wake-up; :meth:`advance` returns once every thread it woke is
    waiting again or has ended, so what they did on waking is done."""

    def __init__(self, start: float = 1_900_000_000.0) -> None:
        self.now = start
        self._cond = threading.Condition()
        self._asleep: dict[threading.Thread, float] = {}  # who waits, until when

    def monotonic(self) -> float:
        return self.now

    def utc(self) -> datetime:
        """The same time as a platform stamps it."""
        return datetime.fromtimestamp(self.now, UTC)

    def wait(self, stop: threading.Event, seconds: float) -> bool:
        me = threading.current_thread()
        with self._cond:
            self._asleep[me] = self.now + seconds
            self._cond.notify_all()
            try:
                while not stop.is_set() and self.now < self._asleep[me]:
                    self._cond.wait(0.02)  # a set Event notifies no one: look again
            finally:
                del self._asleep[me]
                self._cond.notify_all()
        return stop.is_set()

    def advance(self, seconds: float, *, sleepers: int = 1) -> None:
        """Once ``sleepers`` threads wait, move the time on and let the due ones work."""
        with self._cond:
            self._until(lambda: len(self._asleep) >= sleepers, f"{sleepers} waiting")
            self.now += seconds
            woken = [thread for thread, wake in self._asleep.items() if wake <= self.now]
            self._cond.notify_all()
            self._until(lambda: all(
                not thread.is_alive() or self._asleep.get(thread, self.now) > self.now
                for thread in woken
            ), "the woken threads waiting again")

    def _until(self, done: Callable[[], bool], what: str) -> None:
        guard = time.monotonic() + HANG_GUARD
        while not done():
            if time.monotonic() > guard:
                raise AssertionError(f"the clock's threads never got to {what}")
            self._cond.wait(0.02)  # a thread ending notifies no one: look again
