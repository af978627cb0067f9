"""ASGI guards in front of the routes: a body size limit and a per-caller rate limit.

They are plain ASGI middlewares (not ``BaseHTTPMiddleware``) so a refused request is
answered before its body is read or a worker thread is taken.
"""

from __future__ import annotations

import hashlib
import math
import threading
import time
from dataclasses import dataclass

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


class RateLimit:
    """A token bucket per caller (the bearer token's hash, else the client address):
    ``per_second`` requests a second, bursts up to one second's worth."""

    def __init__(self, app: ASGIApp, per_second: float) -> None:
        self.app = app
        self.per_second = per_second
        self.capacity = max(1.0, per_second)
        self._buckets: dict[str, _Bucket] = {}
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

    def _take(self, key: str) -> float:
        """Seconds until a token is free (0: one was taken)."""
        now = time.monotonic()
        with self._lock:
            bucket = self._buckets.setdefault(key, _Bucket(self.capacity, now))
            bucket.tokens = min(
                self.capacity, bucket.tokens + (now - bucket.refilled_at) * self.per_second
            )
            bucket.refilled_at = now
            if bucket.tokens >= 1.0:
                bucket.tokens -= 1.0
                return 0.0
            return (1.0 - bucket.tokens) / self.per_second


def _caller_key(scope: Scope) -> str:
    authorization = header(scope, b"authorization")
    if authorization:
        # Never keep a secret in memory longer than needed: key by its hash.
        return "token:" + hashlib.sha256(authorization.encode()).hexdigest()
    client = scope.get("client")
    return f"client:{client[0] if client else 'unknown'}"
