"""The SQLite file itself: pragmas, schema version and migrations."""

from __future__ import annotations

import gc
import sqlite3
import threading
from pathlib import Path

import pytest
from reconciler_sandbox import db as database
from reconciler_sandbox.db import Database


def test_file_is_wal_with_foreign_keys_and_a_schema_version(tmp_path: Path) -> None:
    store = Database(tmp_path / "p.db")
    conn = store.connection()
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert conn.execute("PRAGMA busy_timeout").fetchone()[0] >= 1000
    assert store.schema_version() == len(database.MIGRATIONS)
    # enrollments need a real user
    with pytest.raises(sqlite3.IntegrityError), store.write() as tx:
        tx.execute("INSERT INTO enrollments (employee_id, item_kind, item_name, cycle,"
                   " enrolled_on, state, created_at) VALUES ('nobody', 'object', 'x', 1,"
                   " '2027-01-01', 'active', 'now')")
    store.close()


def test_migrations_run_once_and_in_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                          ) -> None:
    path = tmp_path / "p.db"
    Database(path).close()
    extra = ("CREATE TABLE badges (name TEXT PRIMARY KEY)",
             "INSERT INTO badges VALUES ('first')")
    monkeypatch.setattr(database, "MIGRATIONS", (*database.MIGRATIONS, extra))
    for _ in range(2):  # reopening does not rerun the new step (the insert would fail)
        store = Database(path)
        assert store.schema_version() == len(database.MIGRATIONS)
        assert store.connection().execute("SELECT count(*) FROM badges").fetchone()[0] == 1
        store.close()


def test_a_failed_write_leaves_nothing_behind(tmp_path: Path) -> None:
    store = Database(tmp_path / "p.db")
    with pytest.raises(ZeroDivisionError), store.write() as tx:
        tx.execute("UPDATE platform_state SET version = 99")
        raise ZeroDivisionError
    assert store.connection().execute("SELECT version FROM platform_state").fetchone()[0] == 0
    store.close()


def test_a_writer_that_cannot_get_its_turn_fails_as_sqlite_would(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Writers of one process take turns before asking SQLite; a turn not had within
    the busy timeout is the same 'database is locked' a busy file gives."""
    store = Database(tmp_path / "p.db")
    monkeypatch.setattr(database, "BUSY_TIMEOUT_MS", 50)
    holding, done = threading.Event(), threading.Event()

    def hold() -> None:
        with store.write() as tx:
            tx.execute("UPDATE platform_state SET version = 1")
            holding.set()
            done.wait(10)

    holder = threading.Thread(target=hold)
    holder.start()
    holding.wait(10)
    with pytest.raises(sqlite3.OperationalError, match="database is locked"), store.write():
        pass
    done.set()
    holder.join(10)
    with store.write() as tx:  # the turn is free again
        tx.execute("UPDATE platform_state SET version = version + 1")
    assert store.connection().execute("SELECT version FROM platform_state").fetchone()[0] == 2
    store.close()


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="counts open files in /proc")
def test_the_connection_of_a_thread_that_ended_is_closed(tmp_path: Path) -> None:
    """The server's worker threads come and go; each opens its own connection, and one
    left open per ended thread ran a long-lived server out of file handles."""
    store = Database(tmp_path / "p.db")
    store.connection()

    def open_files() -> int:
        return len(list(Path("/proc/self/fd").iterdir()))

    before, threads = open_files(), 100
    for _ in range(threads):
        worker = threading.Thread(target=lambda: store.connection().execute("SELECT 1"))
        worker.start()
        worker.join()
    gc.collect()
    # Two handles (file, WAL) stayed open per ended thread; SQLite itself keeps a few
    # closed ones for reuse (closing them would drop this process's locks).
    assert open_files() - before < threads
    with store.write() as tx:  # the file and this thread's connection work as before
        tx.execute("UPDATE platform_state SET version = 5")
    store.close()


def _count(store: Database) -> int:
    return int(store.connection().execute("SELECT count(*) FROM badges").fetchone()[0])


def test_a_write_unless_busy_starts_at_once_or_does_nothing(tmp_path: Path) -> None:
    store = Database(tmp_path / "p.db")
    with store.write() as tx:
        tx.execute("CREATE TABLE badges (name TEXT PRIMARY KEY)")
    with store.unless_busy(), store.write() as tx:  # free: written at once
        tx.execute("INSERT INTO badges VALUES ('first')")
    assert _count(store) == 1

    # Another process writing (here: a second connection) is not waited for.
    other = sqlite3.connect(tmp_path / "p.db", isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    with pytest.raises(database.WriterBusy), store.unless_busy(), store.write() as tx:
        tx.execute("INSERT INTO badges VALUES ('second')")
    # Nor is another thread of this process.
    holding, release = threading.Event(), threading.Event()

    def hold() -> None:
        with store.write():
            holding.set()
            release.wait(10)

    other.execute("ROLLBACK")
    holder = threading.Thread(target=hold)
    holder.start()
    assert holding.wait(10)
    with pytest.raises(database.WriterBusy), store.unless_busy(), store.write() as tx:
        tx.execute("INSERT INTO badges VALUES ('second')")
    release.set()
    holder.join()
    assert _count(store) == 1
    # The connection waits for a busy file again outside the block.
    assert store.connection().execute("PRAGMA busy_timeout").fetchone()[0] >= 1000
    other.close()
    store.close()


def test_only_the_first_write_of_an_unless_busy_block_may_refuse(tmp_path: Path) -> None:
    store = Database(tmp_path / "p.db")
    with store.write() as tx:
        tx.execute("CREATE TABLE badges (name TEXT PRIMARY KEY)")
    other = sqlite3.connect(tmp_path / "p.db", isolation_level=None, check_same_thread=False)
    with store.unless_busy():
        with store.write() as tx:
            tx.execute("INSERT INTO badges VALUES ('first')")
        other.execute("BEGIN IMMEDIATE")
        threading.Timer(0.3, lambda: other.execute("ROLLBACK")).start()
        with store.write() as tx:  # the first is committed: this one waits its turn
            tx.execute("INSERT INTO badges VALUES ('second')")
    assert _count(store) == 2
    other.close()
    store.close()


def test_opening_a_file_at_the_newest_schema_waits_for_no_writer(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A plan opens the platform while an apply writes: opening only reads the schema
    # version, so it neither waits for the writer nor fails when the wait runs out.
    path = tmp_path / "p.db"
    Database(path).close()
    monkeypatch.setattr(database, "BUSY_TIMEOUT_MS", 100)
    writer = sqlite3.connect(path, isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")
    try:
        store = Database(path)
        assert store.schema_version() == len(database.MIGRATIONS)
        store.close()
    finally:
        writer.execute("ROLLBACK")
        writer.close()
