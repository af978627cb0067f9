"""The ASGI guards in front of the sandbox's routes: the per-caller rate limit's memory."""

from __future__ import annotations

import asyncio
from typing import Any

from reconciler_sandbox.api.guards import RateLimit
from starlette.types import Receive, Scope, Send


class Clock:
    """The limiter's monotonic clock, moved by the test."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


async def _ok(scope: Scope, receive: Receive, send: Send) -> None:
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"{}"})


def status_for(limit: RateLimit, token: str) -> int:
    """One request through the limiter, as the caller holding ``token``."""
    sent: list[dict[str, Any]] = []
    scope = {"type": "http", "method": "GET", "path": "/api/v1/state",
             "headers": [(b"authorization", f"Bearer {token}".encode())],
             "client": ("127.0.0.1", 40000)}

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Any) -> None:
        sent.append(message)

    asyncio.run(limit(scope, receive, send))
    return int(sent[0]["status"])


def test_buckets_of_callers_gone_quiet_are_dropped_past_the_bound() -> None:
    clock = Clock()
    limit = RateLimit(_ok, per_second=2, max_callers=50, clock=clock)
    assert [status_for(limit, "real") for _ in range(3)] == [200, 200, 429]
    # A client sending a new token with every request, 20 a second for 50 seconds:
    # each bucket is full again half a second later, like a new one, and dropped. The
    # real caller asks as often and stays limited (its bucket is never full).
    passed = 0
    for index in range(1000):
        clock.now += 0.05
        assert status_for(limit, f"random-{index}") == 200
        passed += status_for(limit, "real") == 200
        assert limit.callers <= 50
    assert passed == 100  # 2 a second for 50 seconds
    # Quiet for a second, the real caller comes back to a full bucket, as it would
    # have without the others.
    clock.now += 1.0
    for index in range(1000, 1100):
        status_for(limit, f"random-{index}")
    assert [status_for(limit, "real") for _ in range(3)] == [200, 200, 429]


def test_a_drained_bucket_is_kept_however_many_callers_arrive() -> None:
    clock = Clock()
    limit = RateLimit(_ok, per_second=1, max_callers=10, clock=clock)
    assert [status_for(limit, "busy") for _ in range(2)] == [200, 429]
    for index in range(30):  # past the bound, while "busy" is still refilling
        clock.now += 0.01
        status_for(limit, f"passer-by-{index}")
    assert status_for(limit, "busy") == 429  # still limited: its bucket was not dropped
    clock.now += 1.0
    for index in range(30, 40):
        status_for(limit, f"passer-by-{index}")
    assert limit.callers <= 10  # everyone full again: back to the bound
    statuses = []
    for _ in range(40):  # one request a second gets through, others passing by
        clock.now += 0.25
        statuses.append(status_for(limit, "busy"))
        status_for(limit, f"passer-by-{clock.now}")
    assert statuses.count(200) == 10
