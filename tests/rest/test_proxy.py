"""The rest provider goes through the proxy the environment names (``HTTP_PROXY``)
and around it for hosts ``NO_PROXY`` lists, as every HTTP tool does; it reads the
environment once, when it opens. A real forwarding proxy on 127.0.0.1 counts what
passes through it."""

from __future__ import annotations

import http.client
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

import pytest

from .conftest import MakeRest, Served


class ForwardingProxy(ThreadingHTTPServer):
    """A plain-HTTP proxy: requests arrive with absolute URLs and are passed on."""

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Forward)
        self.seen: list[str] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class _Forward(BaseHTTPRequestHandler):
    server: ForwardingProxy
    protocol_version = "HTTP/1.1"

    def _forward(self) -> None:
        self.server.seen.append(f"{self.command} {self.path}")
        target = urlsplit(self.path)
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        upstream = http.client.HTTPConnection(target.hostname or "", target.port, timeout=10)
        headers = {k: v for k, v in self.headers.items()
                   if k.lower() not in ("proxy-connection", "connection")}
        upstream.request(self.command, target.path + (f"?{target.query}" if target.query else ""),
                         body=body or None, headers=headers)
        answer = upstream.getresponse()
        content = answer.read()
        self.send_response(answer.status)
        for key, value in answer.getheaders():
            if key.lower() not in ("transfer-encoding", "connection", "content-length"):
                self.send_header(key, value)
        self.send_header("Content-Length", str(len(content)))
        self.end_headers()
        self.wfile.write(content)
        upstream.close()

    do_GET = do_PUT = do_POST = do_DELETE = _forward

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def proxy() -> Iterator[ForwardingProxy]:
    server = ForwardingProxy()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def environment(monkeypatch: pytest.MonkeyPatch, served: Served, token_env: str,
                proxy: ForwardingProxy) -> pytest.MonkeyPatch:
    """The reader's token, ``HTTP_PROXY`` naming the proxy, and no other proxy setting."""
    for name in ("http_proxy", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY",
                 "no_proxy", "NO_PROXY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv(token_env, served.read_token)
    monkeypatch.setenv("HTTP_PROXY", proxy.url)
    return monkeypatch


def test_reads_go_through_the_proxy_the_environment_names(
    served: Served, make_rest: MakeRest, proxy: ForwardingProxy,
    environment: pytest.MonkeyPatch,
) -> None:
    provider = make_rest(served.url)
    environment.delenv("HTTP_PROXY")  # read once, when the provider opened
    assert provider.read_resources() == []
    assert provider.read_resources() == []
    assert len(proxy.seen) >= 8  # every collection, twice
    assert all(line.startswith(f"GET {served.url}/") for line in proxy.seen), proxy.seen


def test_hosts_no_proxy_lists_are_reached_directly(
    served: Served, make_rest: MakeRest, proxy: ForwardingProxy,
    environment: pytest.MonkeyPatch,
) -> None:
    environment.setenv("NO_PROXY", "127.0.0.1")
    assert make_rest(served.url).read_resources() == []
    assert proxy.seen == []
