"""A write to Kolibri whose answers are lost (the connection drops after Kolibri committed)
until apply's retries run out: apply reads the resource back and finds what Kolibri holds
of the spec it wrote, so the write counts as applied and is recorded, not failed.

A lost answer is no answer (UnreachableError, as the rest provider says it): the circuit
breaker counts it, and a write the breaker cut short stays pending for the next plan.

A real forwarding proxy on 127.0.0.1 stands between learnops and the session's Kolibri:
it passes every request on, and for the writes of one lesson it closes the connection
instead of handing the answer back.
"""

from __future__ import annotations

import http.client
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from reconciler.apply.events import ApplyResult
from reconciler.apply.executor import RetryPolicy, execute
from reconciler.apply.lock import ApplyLease
from reconciler.compiler import compile_dir
from reconciler.model import JSON, Address
from reconciler.plan.planner import build_plan
from reconciler.state.target import open_target

from .live import LiveKolibri
from .program import write_program
from .test_cli import run

LESSONS = "/api/lessons/lesson/"


class LosingProxy(ThreadingHTTPServer):
    """Forwards to ``upstream``; the answers to writes of the lesson titled
    :attr:`lose_title` (its creation, then any change of it by id) never come back."""

    daemon_threads = True

    def __init__(self, upstream: str) -> None:
        super().__init__(("127.0.0.1", 0), _Forward)
        self.upstream = urlsplit(upstream)
        self.lose_title: str | None = None
        self.lost: list[str] = []  # "METHOD path" of every answer lost
        self._ids: set[str] = set()
        self._lock = threading.Lock()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def loses(self, method: str, path: str, body: bytes, answer: bytes) -> bool:
        with self._lock:
            if self.lose_title is None:
                return False
            if method == "POST" and path == LESSONS:
                sent, made = json.loads(body or b"{}"), json.loads(answer or b"{}")
                if sent.get("title") != self.lose_title or "id" not in made:
                    return False
                self._ids.add(str(made["id"]))
            elif not any(path == f"{LESSONS}{i}/" for i in self._ids):
                return False
            self.lost.append(f"{method} {path}")
            return True


class _Forward(BaseHTTPRequestHandler):
    server: LosingProxy
    protocol_version = "HTTP/1.1"

    def _forward(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        upstream = self.server.upstream
        connection = http.client.HTTPConnection(upstream.hostname or "", upstream.port,
                                                timeout=30)
        headers = {k: v for k, v in self.headers.items()
                   if k.lower() not in ("connection", "host")}
        headers["Host"] = upstream.netloc
        connection.request(self.command, self.path, body=body or None, headers=headers)
        answer = connection.getresponse()
        content = answer.read()
        connection.close()
        path = urlsplit(self.path).path
        if self.command != "GET" and self.server.loses(self.command, path, body, content):
            self.close_connection = True  # committed upstream; the caller hears nothing
            return
        self.send_response(answer.status)
        for key, value in answer.getheaders():  # Set-Cookie may come more than once
            if key.lower() not in ("transfer-encoding", "connection", "content-length"):
                self.send_header(key, value)
        self.send_header("Content-Length", str(len(content)))
        self.end_headers()
        self.wfile.write(content)

    do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _forward

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def proxy(kolibri: LiveKolibri) -> Iterator[LosingProxy]:
    server = LosingProxy(kolibri.url)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def apply_through(program: Path, retry: RetryPolicy) -> ApplyResult:
    """Plan and apply ``program`` one write at a time, retrying as ``retry`` says."""
    compiled = compile_dir(program)
    opened = open_target(compiled.state.project)
    try:
        made = build_plan(compiled, opened.provider, state=opened.state)
        with ApplyLease(opened.state, wait=5.0, poll=0.05) as lease:
            return execute(made, opened.provider, descendants=lambda _: (), retry=retry,
                           parallelism=1, state=opened.state, lease=lease,
                           desired=compiled.state)
    finally:
        opened.close()


def test_a_plan_whose_write_answers_were_lost_is_applied_and_recorded(
    capsys: pytest.CaptureFixture[str], target: dict[str, JSON], tmp_path: Path,
    proxy: LosingProxy,
) -> None:
    program = write_program(tmp_path / "program", {**target, "url": proxy.url})
    proxy.lose_title = "hipaa-annual: refresher"  # the plan's last step lesson
    # Retries run out before the breaker would take Kolibri for down (each lost answer
    # counts as a connection failure).
    result = apply_through(program, RetryPolicy(max_attempts=4, base_delay=0.01,
                                                max_delay=0.02, breaker_failures=8))
    assert len(proxy.lost) > 1, proxy.lost  # the create, then every retry's update
    assert not result.failed and not result.skipped, result
    assert [a.address for a in result.applied if a.recovered] == [
        Address("CertificationPlan", "hipaa-annual")], result  # confirmed after a lost answer
    assert len(result.applied) == 4, result

    proxy.lose_title = None
    code, out = run(capsys, "plan", str(program), "--detailed-exitcode")
    assert code == 0 and "No changes" in out, out  # recorded as the write would have been


def test_a_reset_after_kolibri_committed_is_no_answer_and_the_breaker_counts_it(
    capsys: pytest.CaptureFixture[str], target: dict[str, JSON], tmp_path: Path,
    proxy: LosingProxy,
) -> None:
    program = write_program(tmp_path / "program", {**target, "url": proxy.url})
    proxy.lose_title = "hipaa-nurses"  # every write of the assignment's lesson
    result = apply_through(program, RetryPolicy(max_attempts=20, base_delay=0.01,
                                                max_delay=0.02, breaker_failures=3,
                                                breaker_window=0.0))
    # Not "cannot connect": the request reached Kolibri, which made the lesson.
    assert [(f.address, f.code) for f in result.failed] == [
        (Address("Assignment", "hipaa-nurses"), "LO109")], result
    assert "the connection closed before Kolibri answered" in result.failed[0].error
    assert result.stopped is not None and result.stopped.startswith(
        "the platform is unreachable (3 connection failures in a row"), result.stopped
    assert len(proxy.lost) == 3, proxy.lost

    proxy.lose_title = None  # the rerun converges on the lesson Kolibri made
    code, out = run(capsys, "apply", str(program), "--auto-approve")
    assert code == 0, out
    code, out = run(capsys, "plan", str(program), "--detailed-exitcode")
    assert code == 0 and "No changes" in out, out
