"""Fault injection: the failures a real platform and network produce, on purpose.

Apply must survive lost responses, resets and throttling without duplicating or
losing anything; these faults let tests show that against a real server. Whether a
request is hit is drawn from one seeded generator, so a run can be repeated.
"""

from __future__ import annotations

import asyncio
import enum
import random
import re
import socket
import struct
import threading
from typing import Final

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from reconciler.model import COLLECTIONS

from .guards import answer
from .options import FaultOptions

# PUT/DELETE /api/v1/<collection>/<name> and POST .../<name>:inactivate.
_COLLECTION_NAMES: Final = "|".join(re.escape(c) for c in COLLECTIONS.values())
_RESOURCE_WRITE: Final = re.compile(rf"^/api/v1/(?:{_COLLECTION_NAMES})/[^/]+$")
_WRITE_METHODS: Final = frozenset({"PUT", "DELETE", "POST"})


class Fault(enum.Enum):
    NONE = "none"
    THROTTLE = "throttle"  # 429 with Retry-After, nothing done
    FAIL_BEFORE = "fail-before"  # 503, nothing done
    FAIL_AFTER = "fail-after"  # done, then 503 instead of the answer (a lost response)
    RESET_BEFORE = "reset-before"  # connection dropped, nothing done
    RESET_AFTER = "reset-after"  # done, then the connection dropped


class FaultInjector:
    def __init__(self, app: ASGIApp, faults: FaultOptions) -> None:
        self.app = app
        self.faults = faults
        self._random = random.Random(faults.seed)
        self._lock = threading.Lock()
        self._requests = 0

    def choose(self, method: str, path: str) -> Fault:
        """One fault (or none) for a request; always the same draws per request, so a
        seeded run repeats as long as requests arrive in the same order."""
        with self._lock:
            self._requests += 1
            burst = self.faults.burst429
            if burst and self._requests % burst == 0:
                return Fault.THROTTLE
            draw, half = self._random.random(), self._random.random() < 0.5
        if method not in _WRITE_METHODS or not _RESOURCE_WRITE.match(path):
            return Fault.NONE
        if draw < self.faults.fail_rate:
            return Fault.FAIL_BEFORE if half else Fault.FAIL_AFTER
        if draw < self.faults.fail_rate + self.faults.reset_rate:
            return Fault.RESET_BEFORE if half else Fault.RESET_AFTER
        return Fault.NONE

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if self.faults.latency:
            await asyncio.sleep(self.faults.latency)
        fault = self.choose(scope["method"], scope["path"])
        match fault:
            case Fault.NONE:
                await self.app(scope, receive, send)
            case Fault.THROTTLE:
                await answer(
                    send, 429, "rate_limited", "injected 429: slow down",
                    {"Retry-After": str(self.faults.retry_after)},
                )
            case Fault.FAIL_BEFORE:
                await self._unavailable(send)
            case Fault.FAIL_AFTER:
                await self.app(scope, receive, _swallow)
                await self._unavailable(send)
            case Fault.RESET_BEFORE:
                await _drop_connection(send)
            case Fault.RESET_AFTER:
                await self.app(scope, receive, _swallow)
                await _drop_connection(send)

    async def _unavailable(self, send: Send) -> None:
        await answer(send, 503, "unavailable", "injected failure: try again",
                     {"Retry-After": "0"})


async def _swallow(_: Message) -> None:
    """The response that will never reach the client."""


async def _drop_connection(send: Send) -> None:
    """Close the connection with a TCP reset and no response at all.

    ASGI has no "abort"; uvicorn's ``send`` is a bound method of its request cycle,
    which holds the transport. Without one (another server), answer 503 instead."""
    transport = getattr(getattr(send, "__self__", None), "transport", None)
    if not callable(getattr(transport, "abort", None)):
        await answer(send, 503, "unavailable", "injected failure: try again")
        return
    sock = transport.get_extra_info("socket")  # type: ignore[union-attr]
    if sock is not None:
        # Linger 0: the kernel sends RST instead of a polite FIN.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    transport.abort()  # type: ignore[union-attr]
    # Let uvicorn see the connection lost before the app returns, so it does not try
    # to answer 500 on a closed socket.
    for _ in range(3):
        await asyncio.sleep(0)
