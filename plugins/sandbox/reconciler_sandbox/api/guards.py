"""ASGI guards in front of the routes: a body size limit and a per-caller rate limit.

They are plain ASGI middlewares (not ``BaseHTTPMiddleware``) so a refused request is
answered before its body is read or a worker thread is taken.
"""

from __future__ import annotations

import hashlib
import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .problems import error_bytes


async def answer(
    send: Send, status: int, code: str, message: str, headers: dict[str, str] | None = None
) -> None:
    """A JSON error straight from a middleware."""
    body = error_bytes(code, message)
    raw_headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        *((name.lower().encode(), value.encode()) for name, value in (headers or {}).items()),
    ]
    await send({"type": "http.response.start", "status": status, "headers": raw_headers})
    await send({"type": "http.response.body", "body": body})


def header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key.lower() == name:
            return bytes(value).decode("latin-1")
    return None


class BodyLimit:
    """413 for a body over ``max_bytes``: by ``Content-Length`` up front, or by counting
    a chunked body (buffered, which the limit keeps small) before the app sees it."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = header(scope, b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await self._refuse(send)
            return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                # The client went away; let the app see the disconnect.
                await self.app(scope, _replay([message], receive), send)
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_bytes:
                await self._refuse(send)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        whole: Message = {"type": "http.request", "body": b"".join(chunks), "more_body": False}
        await self.app(scope, _replay([whole], receive), send)

    async def _refuse(self, send: Send) -> None:
        await answer(
            send, 413, "payload_too_large", f"the body is larger than {self.max_bytes} bytes"
        )


def _replay(messages: list[Message], then: Receive) -> Receive:
    """The buffered messages, then the real channel (which reports a disconnect)."""
    pending = list(messages)

    async def receive() -> Message:
        if pending:
            return pending.pop(0)
        return await then()

    return receive


@dataclass
class _Bucket:
    tokens: float
    refilled_at: float


# Callers remembered before buckets that refilled are dropped (about 3 MB of them).
MAX_CALLERS: Final = 10_000


class RateLimit:
    """A token bucket per caller (the bearer token's hash, else the client address):
    ``per_second`` requests a second, bursts up to one second's worth.

    A bucket refilled to capacity is the same as a new one, so past ``max_callers``
    the least recently used buckets are dropped while they are full: a client sending
    a new token with every request cannot grow memory beyond the bound and the callers
    of the last refill time (``capacity / per_second``), and a caller being limited
    keeps its bucket. Buckets are kept least recently used first, so a drop looks at
    the oldest only: each bucket is dropped once, a constant cost per request."""

    def __init__(self, app: ASGIApp, per_second: float, *, max_callers: int = MAX_CALLERS,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.app = app
        self.per_second = per_second
        self.capacity = max(1.0, per_second)
        self.max_callers = max_callers
        self._clock = clock
        self._buckets: OrderedDict[str, _Bucket] = OrderedDict()
        self._lock = threading.Lock()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        wait = self._take(_caller_key(scope))
        if wait > 0:
            await answer(
                send,
                429,
                "rate_limited",
                f"more than {self.per_second:g} requests a second; retry in {wait:.2f}s",
                {"Retry-After": str(max(1, math.ceil(wait)))},
            )
            return
        await self.app(scope, receive, send)

    @property
    def callers(self) -> int:
        """How many callers' buckets are held."""
        return len(self._buckets)

    def _take(self, key: str) -> float:
        """Seconds until a token is free (0: one was taken)."""
        now = self._clock()
        with self._lock:
            bucket = self._buckets.get(key)
            if bucket is None:
                bucket = self._buckets[key] = _Bucket(self.capacity, now)
                self._drop_full(now)
            else:
                self._buckets.move_to_end(key)
                bucket.tokens = self._tokens(bucket, now)
            bucket.refilled_at = now
            if bucket.tokens >= 1.0:
                bucket.tokens -= 1.0
                return 0.0
            return (1.0 - bucket.tokens) / self.per_second

    def _tokens(self, bucket: _Bucket, now: float) -> float:
        return min(self.capacity, bucket.tokens + (now - bucket.refilled_at) * self.per_second)

    def _drop_full(self, now: float) -> None:
        """Past the bound, forget the least recently used callers while their buckets
        are full again."""
        while len(self._buckets) > self.max_callers:
            key, oldest = next(iter(self._buckets.items()))
            if self._tokens(oldest, now) < self.capacity:
                return  # still refilling; those after it came later: stop here
            del self._buckets[key]


def _caller_key(scope: Scope) -> str:
    authorization = header(scope, b"authorization")
    if authorization:
        # Never keep a secret in memory longer than needed: key by its hash.
        return "token:" + hashlib.sha256(authorization.encode()).hexdigest()
    client = scope.get("client")
    return f"client:{client[0] if client else 'unknown'}"
