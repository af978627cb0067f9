"""When an apply stops early: a platform that stays down, or a run out of time.

Retrying each change on its own bounds one change, not the apply: with the platform
gone, 2,000 changes times eight attempts each keep an apply busy for hours. The
circuit breaker counts connection failures in a row across every change (any answer
from the platform, even an error, resets it); once there are enough of them over long
enough, the platform is taken to be down and the apply starts no further writes.
``--timeout`` bounds the whole apply the same way.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable


class CircuitBreaker:
    """Opens after ``failures`` connection failures in a row spanning ``window`` seconds
    (both: a burst of refusals while a server restarts is not an outage); calls
    ``on_open`` once with the reason."""

    def __init__(
        self,
        failures: int,
        window: float,
        on_open: Callable[[str], None],
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.failures = failures
        self.window = window
        self._on_open = on_open
        self._clock = clock
        self._lock = threading.Lock()
        self._in_a_row = 0
        self._first_at = 0.0
        self.opened = False

    def unreachable(self) -> None:
        """A request got no answer (refused, reset, timed out)."""
        with self._lock:
            now = self._clock()
            if self._in_a_row == 0:
                self._first_at = now
            self._in_a_row += 1
            span = now - self._first_at
            if self.opened or self._in_a_row < self.failures or span < self.window:
                return
            self.opened = True
            count = self._in_a_row
        self._on_open(
            f"the platform is unreachable ({count} connection failures in a row over "
            f"{span:.0f}s): no further writes"
        )

    def answered(self) -> None:
        """The platform answered (success or refusal): it is up."""
        with self._lock:
            self._in_a_row = 0


class Deadline:
    """``stop(reason)`` once ``seconds`` have passed, unless cancelled first."""

    def __init__(self, seconds: float | None, stop: Callable[[str], None]) -> None:
        self._timer: threading.Timer | None = None
        if seconds is not None:
            reason = f"the apply ran out of time (--timeout {seconds:g}s): no further writes"
            self._timer = threading.Timer(seconds, stop, args=(reason,))
            self._timer.daemon = True
            self._timer.start()

    def cancel(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
