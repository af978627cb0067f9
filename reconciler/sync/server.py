"""The sync's HTTP endpoints (``--listen HOST:PORT``), on a background thread.

- ``GET /healthz``: 200 while the loop runs (503 once it is stopping).
- ``GET /status``: the :class:`SyncStatus` as JSON.
- ``GET /metrics``: Prometheus text (``prometheus-client``).
- ``POST /webhook``: a GitHub push event. It must carry ``X-Hub-Signature-256:
  sha256=<HMAC-SHA256(secret, raw body)>``, compared in constant time; anything
  unsigned or mis-signed (or any request while no secret is configured) gets 401
  and does nothing. A signed push to the followed branch triggers a cycle now.

Another method on one of these paths is 405 with ``Allow``; any other path is 404.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import socket
import sys
import threading
from collections import OrderedDict
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Final

from reconciler import jsontext
from reconciler.errors import UsageError
from reconciler.model import JSON
from reconciler.sync.loop import SyncLoop
from reconciler.sync.metrics import CONTENT_TYPE, SyncMetrics

MAX_WEBHOOK_BYTES: Final = 5 * 1024 * 1024  # GitHub caps payloads at 25 MB; pushes are small
SIGNATURE_HEADER: Final = "X-Hub-Signature-256"
_READ_PATHS: Final = frozenset({"/healthz", "/status", "/metrics"})
_WEBHOOK_PATH: Final = "/webhook"
REMEMBERED_DELIVERIES: Final = 1024  # GitHub retries within hours; a replay is older news
_GONE: Final = (BrokenPipeError, ConnectionResetError, ConnectionAbortedError)


class Deliveries:
    """The ``X-GitHub-Delivery`` ids seen last, oldest forgotten first: a replayed
    delivery starts no second cycle, and a flood of made-up ids costs bounded memory."""

    def __init__(self, capacity: int = REMEMBERED_DELIVERIES) -> None:
        self.capacity = capacity
        self._seen: OrderedDict[str, None] = OrderedDict()
        self._lock = threading.Lock()

    def first_time(self, delivery: str) -> bool:
        """Records ``delivery``; False when it was seen already."""
        with self._lock:
            if delivery in self._seen:
                self._seen.move_to_end(delivery)
                return False
            self._seen[delivery] = None
            while len(self._seen) > self.capacity:
                self._seen.popitem(last=False)
            return True

    def __len__(self) -> int:
        return len(self._seen)


def signature(secret: bytes, body: bytes) -> str:
    """The ``X-Hub-Signature-256`` value GitHub sends for ``body``."""
    return "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()


def signature_valid(secret: bytes | None, body: bytes, header: str | None) -> bool:
    if not secret or not header:
        return False
    return hmac.compare_digest(signature(secret, body).encode(), header.strip().encode())


def parse_listen(text: str) -> tuple[str, int]:
    """``HOST:PORT`` (``:8080`` listens on 127.0.0.1; port 0 picks a free one)."""
    host, sep, port = text.rpartition(":")
    if not sep or not port.isdigit() or int(port) > 65535:
        raise UsageError(f"--listen '{text}' is not HOST:PORT (e.g. 127.0.0.1:8080)")
    return host.strip("[]") or "127.0.0.1", int(port)


@dataclass(frozen=True)
class _Context:
    loop: SyncLoop
    metrics: SyncMetrics
    secret: bytes | None
    deliveries: Deliveries


class _Handler(BaseHTTPRequestHandler):
    context: _Context  # set on the subclass each server makes
    server_version = "learnops-sync"

    def log_message(self, format: str, *args: object) -> None:
        return  # requests are not news; the CLI logs cycles

    def do_GET(self) -> None:
        path = self.path.split("?", 1)[0]
        loop = self.context.loop
        if path == "/healthz":
            healthy = not loop.stopping
            self._json(200 if healthy else 503, {"ok": healthy})
        elif path == "/status":
            self._json(200, loop.status.to_json())
        elif path == "/metrics":
            self._send(200, self.context.metrics.exposition(), CONTENT_TYPE)
        elif path == _WEBHOOK_PATH:
            self._not_allowed(path, "POST")
        else:
            self._json(404, {"error": {"code": "not_found", "message": f"no {path}"}})

    def do_POST(self) -> None:
        path = self.path.split("?", 1)[0]
        if path in _READ_PATHS:
            self._not_allowed(path, "GET")
            return
        if path != _WEBHOOK_PATH:
            self._json(404, {"error": {"code": "not_found", "message": f"no {path}"}})
            return
        length = self.headers.get("Content-Length", "")
        if not length.isdigit() or int(length) > MAX_WEBHOOK_BYTES:
            self.close_connection = True
            self._json(413 if length.isdigit() else 411,
                       {"error": {"code": "bad_length", "message": "Content-Length needed, "
                                  f"at most {MAX_WEBHOOK_BYTES} bytes"}})
            return
        body = self.rfile.read(int(length))
        if not signature_valid(self.context.secret, body, self.headers.get(SIGNATURE_HEADER)):
            self._json(401, {"error": {"code": "unauthorized",
                                       "message": f"missing or wrong {SIGNATURE_HEADER}"}})
            return
        self._webhook(self.headers.get("X-GitHub-Event", ""), body)

    def _webhook(self, event: str, body: bytes) -> None:
        loop = self.context.loop
        if event == "ping":
            self._json(200, {"ok": True})
            return
        if event != "push":
            self._json(202, {"triggered": False, "reason": f"event '{event}' is not followed"})
            return
        try:
            payload = jsontext.loads(body)
        except ValueError:  # not UTF-8, not JSON, or nested too deep
            self._json(400, {"error": {"code": "bad_json", "message": "the body is not JSON"}})
            return
        branch_ref = f"refs/heads/{loop.status.branch}"
        ref = payload.get("ref") if isinstance(payload, dict) else None
        if ref != branch_ref:
            self._json(202, {"triggered": False, "reason": f"{ref} is not {branch_ref}"})
            return
        delivery = self.headers.get("X-GitHub-Delivery", "").strip()
        if delivery and not self.context.deliveries.first_time(delivery[:200]):
            self._json(202, {"triggered": False,
                             "reason": f"delivery {delivery[:200]} already received"})
            return
        loop.trigger()
        self._json(202, {"triggered": True})

    def _not_allowed(self, path: str, allowed: str) -> None:
        """The path exists, the method does not: 405, and ``Allow`` says which does."""
        self._json(405, {"error": {"code": "method_not_allowed",
                                   "message": f"{path} takes {allowed} only"}},
                   allow=allowed)

    def _json(self, code: int, body: dict[str, JSON], *, allow: str | None = None) -> None:
        self._send(code, json.dumps(body, indent=2).encode() + b"\n", "application/json",
                   allow=allow)

    def _send(self, code: int, body: bytes, content_type: str, *,
              allow: str | None = None) -> None:
        try:
            self.send_response(code)
            if allow is not None:
                self.send_header("Allow", allow)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except _GONE:
            self.close_connection = True  # the sender left (a refused upload): nothing to say


class _Server(ThreadingHTTPServer):
    # socketserver listens with a backlog of 5: a burst of webhook deliveries (a push of
    # many branches, a retrying forge) overflowed it and the kernel dropped the rest,
    # which their senders retried only after a second or more.
    request_queue_size = 128

    def handle_error(self, request: object, client_address: object) -> None:
        """A client that hangs up mid-request is not an error worth a traceback."""
        if isinstance(sys.exc_info()[1], _GONE):
            return
        super().handle_error(request, client_address)  # type: ignore[arg-type]


class _V6Server(_Server):
    address_family = socket.AF_INET6


class SyncServer:
    """``with SyncServer(loop, metrics, listen=..., secret=...) as server:`` serves on a
    daemon thread; ``server.url`` is its base URL (the real port when 0 was asked)."""

    def __init__(self, loop: SyncLoop, metrics: SyncMetrics, *, host: str, port: int,
                 secret: bytes | None) -> None:
        self.deliveries = Deliveries()
        context = _Context(loop, metrics, secret, self.deliveries)
        handler = type("Handler", (_Handler,), {"context": context})
        server_class = _V6Server if ":" in host else _Server
        try:
            self._http = server_class((host, port), handler)
        except OSError as problem:
            raise UsageError(f"cannot listen on {host}:{port}: {problem.strerror}") from None
        self._http.daemon_threads = True
        # A short poll keeps shutdown prompt (SIGTERM, tests) at a negligible idle cost.
        self._thread = threading.Thread(target=self._http.serve_forever, args=(0.1,),
                                        name="sync-http", daemon=True)

    @property
    def address(self) -> tuple[str, int]:
        host, port = self._http.server_address[:2]
        return (host.decode() if isinstance(host, bytes) else str(host)), int(port)

    @property
    def url(self) -> str:
        host, port = self._http.server_address[:2]
        text = host.decode() if isinstance(host, bytes) else str(host)
        shown = f"[{text}]" if ":" in text else text
        return f"http://{shown}:{port}"

    def start(self) -> SyncServer:
        self._thread.start()
        return self

    def close(self) -> None:
        if self._thread.is_alive():
            self._http.shutdown()
            self._thread.join()
        self._http.server_close()

    def __enter__(self) -> SyncServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()
