"""The API's writes (reconciler_sandbox/api/writes.py), against a real server: a write
waiting for the database holds up no read; a small write with a free turn needs no
thread, and the thread that does the others retires when idle and comes back with
the next one."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from reconciler_sandbox.api import writes
from reconciler_sandbox.engine import Platform
from reconciler_sandbox.server import running_server

from .api_client import Api
from .test_api_resources import course, everyone

pytestmark = pytest.mark.slow


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[Api, Path]]:
    db = tmp_path / "sandbox.db"
    platform = Platform(db)
    token = platform.create_token("ci-bot", ["write"])
    with running_server(platform) as url:
        yield Api(url, token), db
    platform.close()


def _held(db: Path) -> sqlite3.Connection:
    """Another process's writer (here: a second connection) holding the file."""
    other = sqlite3.connect(db, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    return other


def test_a_write_waiting_for_the_database_holds_up_no_read(served: tuple[Api, Path]) -> None:
    api, db = served
    assert api.create("learning-objects", "first", course("First")).status_code == 201
    other = _held(db)
    with ThreadPoolExecutor(1) as pool:
        waiting = pool.submit(api.create, "learning-objects", "second", course("Second"))
        time.sleep(0.3)
        assert not waiting.done()  # it waits for the file ...
        started = time.monotonic()
        read = api("GET", "/learning-objects/first")
        listed = api("GET", "/learning-objects")
        took = time.monotonic() - started
        assert read.status_code == 200 and read.json()["spec"]["title"] == "First"
        assert [item["metadata"]["name"] for item in listed.json()["items"]] == ["first"]
        assert took < 5  # ... and reads are answered meanwhile, not after it
        assert not waiting.done()
        other.execute("COMMIT")
        assert waiting.result(timeout=10).status_code == 201
    other.close()
    assert api("GET", "/learning-objects/second").json()["spec"]["title"] == "Second"


def _writer_threads() -> set[threading.Thread]:
    return {thread for thread in threading.enumerate() if thread.name == "sandbox-writer"}


def test_writes_that_would_wait_go_to_a_thread_that_retires_when_idle_and_returns(
    served: tuple[Api, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    api, db = served
    monkeypatch.setattr(writes, "IDLE_SECONDS", 0.5)
    earlier = _writer_threads()  # other servers' of this test process

    def create(n: int) -> int:
        return api.create("learning-objects", f"course-{n}", course(f"Course {n}")).status_code

    with ThreadPoolExecutor(8) as pool:
        assert list(pool.map(create, range(16))) == [201] * 16
    assert not _writer_threads() - earlier  # a free turn: each was written at once
    # A write reaching learners (an audience's) is never done on the loop.
    assert api.create("audiences", "everyone", {"spec": everyone()}).status_code == 201
    ours = _writer_threads() - earlier
    assert ours

    other = _held(db)
    with ThreadPoolExecutor(8) as pool:
        waiting = [pool.submit(create, n) for n in range(16, 24)]
        time.sleep(0.3)
        assert _writer_threads() - earlier  # the writes that would wait are its ...
        other.execute("COMMIT")
        assert [future.result(timeout=10) for future in waiting] == [201] * 8
    other.close()
    ours |= _writer_threads() - earlier
    deadline = time.monotonic() + 5
    while ours & _writer_threads() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not ours & _writer_threads()  # ... retired, its database connection closed with it

    other = _held(db)
    with ThreadPoolExecutor(1) as pool:
        again = pool.submit(api.create, "learning-objects", "after-a-pause",
                            course("After a pause"))
        time.sleep(0.3)
        assert _writer_threads() - earlier  # back for the next write that waits
        other.execute("COMMIT")
        assert again.result(timeout=10).status_code == 201
    other.close()
    assert api("GET", "/learning-objects/after-a-pause").status_code == 200
