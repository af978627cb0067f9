"""Chat notifications received by a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from reconciler.cli import clock
from reconciler.sync.cycle import Syncer, SyncOptions
from reconciler.sync.git import Remote, WorkingCopy
from reconciler.sync.loop import SyncLoop
from reconciler.sync.notify import Notifier

from .repo import SpecRepo, make_syncer, write_behind_learnops


class ChatServer:
    """Records every JSON body POSTed to it, like a Slack incoming webhook."""

    def __init__(self) -> None:
        self.messages: list[dict[str, str]] = []
        received = self.messages

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers["Content-Length"])
                received.append(json.loads(self.rfile.read(length)))
                self.send_response(200)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, format: str, *args: object) -> None:
                return

        self.http = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.http.server_address[1]}/hooks/sync"
        self.thread = threading.Thread(target=self.http.serve_forever, args=(0.05,), daemon=True)

    def texts(self) -> list[str]:
        return [message["text"] for message in self.messages]


@pytest.fixture
def chat() -> Iterator[ChatServer]:
    server = ChatServer()
    server.thread.start()
    yield server
    server.http.shutdown()
    server.http.server_close()


def test_one_message_per_event_per_revision(
    chat: ChatServer, repo: SpecRepo, workdir: Path
) -> None:
    syncer = make_syncer(repo, workdir, auto_apply=True)
    loop = SyncLoop(syncer, interval=3600, listeners=[Notifier(chat.url)])

    loop.run_once()  # applies the first revision
    loop.run_once()  # idle
    assert len(chat.texts()) == 1
    assert "applied 5 change(s)" in chat.texts()[0]
    assert repo.first[:12] in chat.texts()[0]

    write_behind_learnops(repo.db, "Assignment", "privacy-nurses", due="7d")
    loop.run_once()
    write_behind_learnops(repo.db, "Assignment", "hipaa-nurses", due="9d")
    loop.run_once()  # more drift on the same revision: no second message
    drift = [text for text in chat.texts() if "drift" in text]
    assert len(drift) == 1
    assert "Assignment/privacy-nurses" in drift[0]

    bad = repo.commit("typo", {"specs/objects.yaml": "kind: [unclosed\n"})
    loop.run_once()
    loop.run_once()
    failed = [text for text in chat.texts() if "failed" in text]
    assert len(failed) == 1
    assert bad[:12] in failed[0] and "specs/objects.yaml:2:1" in failed[0]
    assert len(chat.messages) == 3
    syncer.close()


def test_an_unreachable_chat_does_not_fail_the_sync(repo: SpecRepo, workdir: Path) -> None:
    notifier = Notifier("http://127.0.0.1:9/unreachable")
    syncer = make_syncer(repo, workdir, auto_apply=True)
    report = SyncLoop(syncer, interval=3600, listeners=[notifier]).run_once()
    assert report.failure is None
    assert syncer.status.state == "Synced"
    assert notifier.undelivered == 1
    syncer.close()


def test_a_failure_before_any_revision_names_no_placeholder(
    chat: ChatServer, tmp_path: Path
) -> None:
    nowhere = tmp_path / "nowhere"
    syncer = Syncer(WorkingCopy(Remote.of(str(nowhere), "main"), tmp_path / "copy"),
                    SyncOptions(), clock=clock.now)
    SyncLoop(syncer, interval=3600, listeners=[Notifier(chat.url)]).run_once()
    assert chat.texts() == [
        f"learnops sync failed at {nowhere}@main: {nowhere}: git ls-remote failed: "
        f"'{nowhere}' does not appear to be a git repository"
    ]
