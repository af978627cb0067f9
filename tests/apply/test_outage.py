"""An apply against a platform that goes away: the circuit breaker, ``timeout`` and a
stop signal end it in bounded time, every change accounted for, and a rerun converges."""

from __future__ import annotations

import dataclasses
import threading
import time

from reconciler_sandbox.provider import SandboxProvider

from reconciler.apply.breaker import CircuitBreaker
from reconciler.apply.executor import RetryPolicy, StopSignal, execute
from reconciler.cli.apply_output import summary_line
from reconciler.errors import TemporaryError, UnreachableError
from reconciler.plan.model import Plan
from reconciler.providers import LiveResource, WriteRequest

from .plans import OBJECT, create, depends, plan

# Quick retries, and a breaker that trips within a fraction of a second.
QUICK = RetryPolicy(max_attempts=8, base_delay=0.005, max_delay=0.05, deadline=30,
                    breaker_failures=8, breaker_window=0.2)
NONE_DEPEND = depends({})


def objects(count: int) -> Plan:
    addresses = [f"LearningObject/course-{n:04d}" for n in range(count)]
    return plan([create(a, {**OBJECT, "title": a}) for a in addresses], [addresses])


class Outage:
    """Writes go through until ``after`` of them landed, then the platform is gone
    (connection refused) until ``restore()``; ``slow`` seconds per write."""

    def __init__(self, inner: SandboxProvider, after: int, slow: float = 0.0) -> None:
        self.inner = inner
        self.name = inner.name
        # A platform over the network, taking several writes at once, as rest's is.
        self.capabilities = dataclasses.replace(inner.capabilities, concurrent_writes=True)
        self.after = after
        self.slow = slow
        self.landed = 0
        self.refused = 0
        self.down = after == 0
        self._lock = threading.Lock()

    def __getattr__(self, name: str) -> object:
        return getattr(self.inner, name)

    def restore(self) -> None:
        self.down = False
        self.after = 10**9

    def write(self, request: WriteRequest) -> LiveResource | None:
        time.sleep(self.slow)
        with self._lock:
            if self.down or self.landed >= self.after:
                self.down = True
                self.refused += 1
                raise UnreachableError("connection failed: Connection refused")
            self.landed += 1
        return self.inner.write(request)

    def read_resources(self, kinds: object = None) -> list[LiveResource]:
        if self.down:
            raise UnreachableError("connection failed: Connection refused")
        return self.inner.read_resources(kinds)  # type: ignore[arg-type]


def test_a_platform_down_from_the_start_stops_the_apply_in_bounded_time(
    sandbox: SandboxProvider,
) -> None:
    down = Outage(sandbox, after=0)
    started = time.monotonic()

    result = execute(objects(300), down, descendants=NONE_DEPEND, parallelism=10, retry=QUICK)

    assert time.monotonic() - started < 10
    assert result.stopped is not None and "platform is unreachable" in result.stopped
    assert len(result.applied) == 0
    assert len(result.failed) + len(result.skipped) == 300  # every change accounted for
    assert len(result.skipped) > 250  # most were never attempted
    assert down.refused < 300  # not 300 x 8 attempts
    line = summary_line(result)
    assert line.startswith("Apply failed: 0 applied, ")
    assert f"{len(result.skipped)} not attempted" in line


def test_an_outage_midway_keeps_what_landed_and_the_rerun_finishes_once(
    sandbox: SandboxProvider,
) -> None:
    outage = Outage(sandbox, after=40)
    first = execute(objects(200), outage, descendants=NONE_DEPEND, parallelism=8, retry=QUICK)
    assert first.stopped is not None and len(first.applied) == 40 and not first.ok

    outage.restore()
    live = {r.address for r in sandbox.read_resources()}
    remaining = [c for c in objects(200).changes if c.address not in live]
    order = [[str(c.address) for c in remaining]]
    second = execute(plan(remaining, order, sandbox.state_version()), outage,
                     descendants=NONE_DEPEND, parallelism=8, retry=QUICK)

    assert second.ok and len(second.applied) == 160
    assert len(sandbox.read_resources()) == 200
    creates = [e for e in sandbox.platform.audit(limit=1000) if e["action"] == "create"]
    assert len(creates) == len({(e["kind"], e["name"]) for e in creates}) == 200


def test_a_short_burst_of_refusals_is_retried_not_taken_for_an_outage(
    sandbox: SandboxProvider,
) -> None:
    blip = Outage(sandbox, after=5)
    timer = threading.Timer(0.05, blip.restore)  # back well inside the breaker's window
    timer.start()
    patient = RetryPolicy(max_attempts=30, base_delay=0.01, max_delay=0.05, deadline=30,
                          breaker_failures=8, breaker_window=5.0)
    try:
        result = execute(objects(30), blip, descendants=NONE_DEPEND, parallelism=4, retry=patient)
    finally:
        timer.cancel()
    assert result.ok and result.stopped is None
    assert len(result.applied) == 30


def test_answers_that_refuse_never_open_the_breaker() -> None:
    opened: list[str] = []
    now = [0.0]
    breaker = CircuitBreaker(3, 10.0, opened.append, clock=lambda: now[0])
    for _ in range(5):
        breaker.unreachable()
        now[0] += 3.0
        breaker.answered()  # a 503 or a 429 is an answer: the platform is there
    assert opened == []
    for _ in range(2):
        breaker.unreachable()
        now[0] += 6.0
    assert opened == []  # two failures over 12 s: not enough of them
    breaker.unreachable()
    assert len(opened) == 1 and "3 connection failures in a row over 12s" in opened[0]
    breaker.unreachable()
    assert len(opened) == 1  # said once


def test_the_timeout_bounds_the_whole_apply(sandbox: SandboxProvider) -> None:
    slow = Outage(sandbox, after=10**9, slow=0.02)
    started = time.monotonic()

    result = execute(objects(200), slow, descendants=NONE_DEPEND, parallelism=2, retry=QUICK,
                     timeout=0.5)

    assert time.monotonic() - started < 5
    assert result.stopped == "the apply ran out of time (--timeout 0.5s): no further writes"
    assert 0 < len(result.applied) < 200
    assert len(result.applied) + len(result.skipped) == 200
    assert len(sandbox.read_resources()) == len(result.applied)  # in-flight writes finished


def test_a_stop_abandons_retries_and_attempts_nothing_new(sandbox: SandboxProvider) -> None:
    class Busy:
        name = sandbox.name
        # A platform taking several writes at once: five are in flight together.
        capabilities = dataclasses.replace(sandbox.capabilities, concurrent_writes=True)

        def write(self, request: WriteRequest) -> LiveResource | None:
            raise TemporaryError("503 busy", delay=0.05)

        def __getattr__(self, name: str) -> object:
            return getattr(sandbox, name)

    stop = StopSignal()
    threading.Timer(0.2, stop.stop, args=("interrupted by SIGTERM",)).start()
    result = execute(objects(50), Busy(), descendants=NONE_DEPEND, parallelism=5, stop=stop)  # type: ignore[arg-type]
    assert result.stopped == "interrupted by SIGTERM"
    assert len(result.failed) == 5  # the five in flight: tried, abandoned
    assert all("abandoned after" in f.error for f in result.failed)
    assert len(result.skipped) == 45
    assert {s.cause for s in result.skipped} == {"interrupted by SIGTERM"}
