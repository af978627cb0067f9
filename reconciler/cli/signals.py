"""SIGINT and SIGTERM for commands that write: wind down, report, release, exit 130/143.

Outside the part that writes, a signal unwinds the command at once (``Interrupted``,
a ``KeyboardInterrupt``, so every ``with`` block releases what it holds: the apply
lock above all). While writing, the first signal only asks the work to stop: no new
changes start, the ones in flight finish or are abandoned safely, the summary is
printed and the lock released; a second signal unwinds at once as above.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType

HANDLED = (signal.SIGINT, signal.SIGTERM)


class Interrupted(KeyboardInterrupt):
    """A signal that ends the command now; ``exit_code`` is 128 + its number."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.exit_code = 128 + signum


class SignalGate:
    """What a signal does while a command runs; see :func:`signal_gate`."""

    def __init__(self) -> None:
        self.received: int | None = None
        self._stop: Callable[[str], None] | None = None

    @property
    def exit_code(self) -> int | None:
        """130 after SIGINT, 143 after SIGTERM, ``None`` when no signal came."""
        return None if self.received is None else 128 + self.received

    @contextmanager
    def graceful(self, stop: Callable[[str], None]) -> Iterator[None]:
        """Inside the block the first signal calls ``stop(reason)`` and returns."""
        self._stop = stop
        try:
            yield
        finally:
            self._stop = None

    def handle(self, signum: int, frame: FrameType | None) -> None:
        first = self.received is None
        if first:
            self.received = signum
        if first and self._stop is not None:
            self._stop(f"interrupted by {signal.Signals(signum).name}")
            return
        raise Interrupted(signum)


@contextmanager
def signal_gate() -> Iterator[SignalGate]:
    """Installs the gate's handler for SIGINT and SIGTERM for the block (main thread
    only: ``main()`` called from a test's thread leaves the handlers alone)."""
    gate = SignalGate()
    if threading.current_thread() is not threading.main_thread():
        yield gate
        return
    previous = {sig: signal.signal(sig, gate.handle) for sig in HANDLED}
    try:
        yield gate
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
