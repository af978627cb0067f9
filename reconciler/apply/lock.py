"""The apply lease: one apply at a time per target.

The lease lives in the state store (:class:`reconciler.state.StateLocker`: the
platform's lock endpoint, a row of the local or shared state) with an expiry, so
a crashed apply frees it by itself; while an apply runs, a background thread
renews it. A second apply polls until ``wait`` runs out, then fails naming the
holder and the lock id (``learnops force-unlock LOCK_ID`` frees a lease whose holder is dead).

Only the wait is a user's choice (``--lock-timeout``, as Terraform's ``-lock-timeout``).
The ttl (30 s, renewed every third of it) only bounds how long a dead apply's lease
outlives it, whatever the apply's length: no option, as Terraform has none. Time (the
wait's deadline, the polls, the renewals) is the lease's :class:`LeaseClock`, a
parameter (STYLE 12).
"""

from __future__ import annotations

import getpass
import os
import socket
import threading
import time
from collections.abc import Callable
from types import TracebackType
from typing import Final, Protocol

from reconciler.errors import LockHeldError, PermanentError, TemporaryError
from reconciler.providers import Lock
from reconciler.state import StateLocker


class LeaseClock(Protocol):
    """The lease's time: seconds on a clock that never goes back."""

    def monotonic(self) -> float: ...

    def wait(self, stop: threading.Event, seconds: float) -> bool:
        """Sleep ``seconds``, or until ``stop`` is set; ``True`` when it was."""
        ...


class _RealTime:
    def monotonic(self) -> float:
        return time.monotonic()

    def wait(self, stop: threading.Event, seconds: float) -> bool:
        return stop.wait(seconds)


REAL_TIME: Final[LeaseClock] = _RealTime()


def default_holder() -> str:
    """Who holds the lease, as a person would look for them: ``user@host pid N``."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):  # no passwd entry (some containers)
        user = "unknown"
    return f"{user}@{socket.gethostname()} pid {os.getpid()}"


class ApplyLease:
    """``with ApplyLease(state, wait=60) as lock:`` holds the apply lock for the block;
    the one retry-and-renew helper above every :class:`StateLocker`.

    ``on_wait`` hears about the holder once, when the lease is busy and we start
    waiting; ``on_lost`` hears when renewing fails for good (the apply should stop);
    ``on_unreleased`` hears of a lease that could not be released (platform down): it
    expires by itself, or ``force-unlock`` frees it.
    """

    def __init__(
        self,
        locker: StateLocker,
        *,
        holder: str | None = None,
        ttl: float = 30.0,
        wait: float = 60.0,
        poll: float = 1.0,
        on_wait: Callable[[LockHeldError], None] | None = None,
        on_lost: Callable[[str], None] | None = None,
        on_unreleased: Callable[[Lock], None] | None = None,
        clock: LeaseClock = REAL_TIME,
    ) -> None:
        self.locker = locker
        self._clock = clock
        self.holder = holder or default_holder()
        self.ttl = ttl
        self.wait = wait
        self.poll = poll
        self._on_wait = on_wait
        self._on_lost = on_lost
        self._on_unreleased = on_unreleased
        self._lock: Lock | None = None
        self._stopping = threading.Event()
        self._renewer: threading.Thread | None = None

    @property
    def lock(self) -> Lock:
        if self._lock is None:
            raise LookupError("the lease is not held")
        return self._lock

    # -- acquire -----------------------------------------------------------------------

    def acquire(self) -> Lock:
        self._stopping.clear()
        deadline = self._clock.monotonic() + self.wait
        told = False
        while True:
            try:
                self._lock = self.locker.acquire_lock(self.holder, self.ttl)
                break
            except LockHeldError as held:
                if self._clock.monotonic() + self.poll > deadline:
                    raise _held_after_waiting(held, self.wait) from None
                if not told and self._on_wait is not None:
                    self._on_wait(held)
                told = True
                self._clock.wait(self._stopping, self.poll)
            except TemporaryError as problem:
                if self._clock.monotonic() + problem.delay > deadline:
                    raise
                self._clock.wait(self._stopping, problem.delay)
        self._renewer = threading.Thread(target=self._renew_loop, name="apply-lease", daemon=True)
        self._renewer.start()
        return self._lock

    # -- keep it -------------------------------------------------------------------------

    def _renew_loop(self) -> None:
        interval = self.ttl / 3
        while not self._clock.wait(self._stopping, interval):
            try:
                self._lock = self.locker.renew_lock(self.lock, self.ttl)
                interval = self.ttl / 3
            except TemporaryError as problem:
                # Still inside the ttl: try again soon rather than at the next tick.
                interval = min(self.ttl / 6, max(problem.delay, 0.1))
            except (PermanentError, LockHeldError) as problem:
                if self._on_lost is not None:
                    self._on_lost(f"the apply lock was lost ({problem}); no further writes")
                return

    # -- let go ------------------------------------------------------------------------

    def release(self) -> None:
        self._stopping.set()
        if self._renewer is not None:
            self._renewer.join()
            self._renewer = None
        if self._lock is None:
            return
        # A lease we fail to release expires by itself after its ttl.
        released = False
        for _ in range(3):
            try:
                self.locker.release_lock(self._lock)
                released = True
                break
            except TemporaryError as problem:
                self._clock.wait(threading.Event(), min(problem.delay, 2.0))  # never stopped
            except (PermanentError, LockHeldError):
                released = True  # already gone (expired or forced): nothing is held any more
                break
        if not released and self._on_unreleased is not None:
            self._on_unreleased(self._lock)
        self._lock = None

    def __enter__(self) -> Lock:
        return self.acquire()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.release()


def _held_after_waiting(held: LockHeldError, waited: float) -> LockHeldError:
    lock_id = held.lock_id
    unlock = f"; if that apply is dead: learnops force-unlock {lock_id}" if lock_id else ""
    return LockHeldError(
        f"the apply lock is held by {held.holder} (lock {lock_id or 'unknown'}); "
        f"waited {waited:g}s{unlock}",
        holder=held.holder,
        lock_id=lock_id,
    )
