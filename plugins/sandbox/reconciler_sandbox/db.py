"""The sandbox's SQLite file: one connection per thread, WAL, ordered migrations.

Several processes may open the same file (a ``serve`` and a CLI ``complete``,
say): WAL lets readers run beside the one writer, ``busy_timeout`` makes a
second writer wait instead of failing, and every write transaction starts with
``BEGIN IMMEDIATE`` so two writers never both read-then-write the same rows.

Within one process the writers take turns on a lock before they ask SQLite: its
busy handler does not queue waiters, it sleeps them (1, 2, 5, 10 ... 100 ms) and
retries, so ten threads writing at once spent most of their time asleep while the
file was free. The lock hands the turn on at once; ``busy_timeout`` remains for
writers in other processes, and a turn not had within it fails as SQLite would.
"""

from __future__ import annotations

import sqlite3
import threading
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Final

from reconciler_sandbox.migrations import MIGRATIONS

BUSY_TIMEOUT_MS: Final = 30_000


class WriterBusy(Exception):
    """A write asked to start at once would have waited (``Database.unless_busy``)."""


class _Connection(sqlite3.Connection):
    """sqlite3's connection, made weakly referable (see ``Database._all``)."""


class Database:
    """The file and its per-thread connections (sqlite3 connections are not shareable)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._local = threading.local()
        # Weak: a thread's connection closes when the thread ends (its thread-local
        # goes). The server's worker threads come and go (anyio retires one idle
        # for 10 s), and a list here kept every one's file handles open for good.
        self._all: weakref.WeakSet[_Connection] = weakref.WeakSet()
        self._all_lock = threading.Lock()
        # Reentrant: a nested write on one thread fails in SQLite (one transaction
        # per connection), not as a deadlock here.
        self._writer = threading.RLock()
        self._migrate()

    def connection(self) -> sqlite3.Connection:
        conn: _Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._open()
            self._local.conn = conn
            with self._all_lock:
                self._all.add(conn)
        return conn

    def _open(self) -> _Connection:
        # isolation_level=None: we issue BEGIN ourselves, so a read never holds a
        # write lock and every write transaction is explicit.
        conn = sqlite3.connect(
            self.path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None,
            check_same_thread=False, factory=_Connection,
        )
        conn.row_factory = sqlite3.Row
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        conn.execute("PRAGMA journal_mode = WAL")
        # NORMAL is durable across process crashes in WAL mode and keeps commits cheap.
        conn.execute("PRAGMA synchronous = NORMAL")
        conn.execute("PRAGMA foreign_keys = ON")
        return conn

    @contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction: committed when the block ends, rolled back on error."""
        with self._immediate() as conn:
            try:
                yield conn
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")

    @contextmanager
    def scratch(self) -> Iterator[sqlite3.Connection]:
        """A write transaction that is always rolled back: work out what writes would
        mean (a look ahead in time) without keeping them. IMMEDIATE, as in ``write``,
        so upgrading to a writer never fails halfway."""
        with self._immediate() as conn:
            try:
                yield conn
            finally:
                conn.execute("ROLLBACK")

    @contextmanager
    def unless_busy(self) -> Iterator[None]:
        """In the block, this thread's first write transaction starts only if it can at
        once: if another thread of this process or another process is writing, it
        raises :class:`WriterBusy` before anything is done. Later transactions in the
        block wait as usual: the first has committed by then, so the work could no
        longer be started over elsewhere."""
        self._local.now_only = True
        try:
            yield
        finally:
            self._local.now_only = False

    @contextmanager
    def _immediate(self) -> Iterator[sqlite3.Connection]:
        """This process's turn to write (see the module docstring), then the file's:
        ``BEGIN IMMEDIATE`` on this thread's connection."""
        now_only = getattr(self._local, "now_only", False)
        self._local.now_only = False
        if now_only:
            if not self._writer.acquire(blocking=False):
                raise WriterBusy("another thread is writing")
        elif not self._writer.acquire(timeout=BUSY_TIMEOUT_MS / 1000):
            raise sqlite3.OperationalError("database is locked")
        try:
            conn = self.connection()
            if now_only:
                _begin_now(conn)
            else:
                conn.execute("BEGIN IMMEDIATE")
            yield conn
        finally:
            self._writer.release()

    @contextmanager
    def read(self) -> Iterator[sqlite3.Connection]:
        """A consistent snapshot for a multi-query read."""
        with self._between("BEGIN", "COMMIT") as conn:
            yield conn

    @contextmanager
    def _between(self, begin: str, end: str) -> Iterator[sqlite3.Connection]:
        """This thread's connection inside ``begin`` ... ``end``, whatever happens."""
        conn = self.connection()
        conn.execute(begin)
        try:
            yield conn
        finally:
            conn.execute(end)

    def _migrate(self) -> None:
        """Bring the file to the newest schema; each step runs once, in order, atomically.
        A file already at it is only read: opening the platform to plan takes no write
        lock, so it never queues behind an apply's writes."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.read() as conn:
            if _has_table(conn, "schema_version") and self.schema_version() >= len(MIGRATIONS):
                return
        with self.write() as conn:
            conn.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
            row = conn.execute("SELECT max(version) FROM schema_version").fetchone()
            current = row[0] or 0
            for number, statements in enumerate(MIGRATIONS, start=1):
                if number <= current:
                    continue
                for statement in statements:
                    conn.execute(statement)
                conn.execute("INSERT INTO schema_version (version) VALUES (?)", (number,))

    def schema_version(self) -> int:
        row = self.connection().execute("SELECT max(version) FROM schema_version").fetchone()
        return int(row[0] or 0)

    def close(self) -> None:
        with self._all_lock:
            for conn in list(self._all):
                conn.close()
            self._all.clear()
        self._local = threading.local()


def _has_table(conn: sqlite3.Connection, name: str) -> bool:
    return conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (name,)
    ).fetchone() is not None


def _begin_now(conn: sqlite3.Connection) -> None:
    """``BEGIN IMMEDIATE``, or :class:`WriterBusy` if another process holds the file."""
    conn.execute("PRAGMA busy_timeout = 0")
    try:
        conn.execute("BEGIN IMMEDIATE")
    except sqlite3.OperationalError as problem:
        raise WriterBusy(str(problem)) from None
    finally:
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
