"""A scripted HTTP server on 127.0.0.1: answers what a test tells it, records what it got.

The real sandbox server never sends a 502 from a proxy, stalls past a read timeout or
resets a connection on demand; this one does, so every translation can be seen.
"""

from __future__ import annotations

import json
import socket
import struct
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

TOKEN = "s3cr3t-token-value-0123456789"


@dataclass(frozen=True)
class Reply:
    status: int = 200
    body: Any = None  # JSON, or bytes sent as they are
    headers: dict[str, str] = field(default_factory=dict)
    stall: float = 0.0  # seconds to wait before answering
    reset: bool = False  # drop the connection with a TCP reset instead of answering


@dataclass(frozen=True)
class Seen:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


class ScriptedServer:
    def __init__(self) -> None:
        self.replies: list[Reply] = []
        self.default = Reply(200, {})
        self.seen: list[Seen] = []
        self.connections = 0  # TCP connections accepted (client ports get reused)
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, as a real API

            def log_message(self, format: str, *args: object) -> None:
                pass

            def setup(self) -> None:  # one handler per TCP connection
                super().setup()
                with server._lock:
                    server.connections += 1

            def _answer(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                with server._lock:
                    server.seen.append(Seen(self.command, self.path, dict(self.headers),
                                            body))
                    reply = server.replies.pop(0) if server.replies else server.default
                if reply.stall:
                    time.sleep(reply.stall)
                if reply.reset:
                    self.connection.setsockopt(
                        socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0)
                    )
                    self.connection.close()
                    self.close_connection = True
                    return
                payload = (reply.body if isinstance(reply.body, bytes)
                           else json.dumps(reply.body).encode())
                self.send_response(reply.status)
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                if "Content-Type" not in reply.headers:
                    self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_PUT = do_POST = do_DELETE = _answer

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_port}/api/v1"
        self._thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()

    def script(self, *replies: Reply) -> None:
        with self._lock:
            self.replies.extend(replies)

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


class Sleeps(list[float]):
    """Stands in for ``time.sleep``: records the backoff instead of waiting it out."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)
