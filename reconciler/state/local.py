"""``state: local``: the state in a SQLite file under the project (``.learnops/state.db``
by default; never commit it). The default for platforms that cannot hold learnops'
metadata themselves. One file serves every target, each in its own workspace.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Final

from reconciler.errors import ConfigError, TemporaryError
from reconciler.model import StateConfig
from reconciler.state.registry import StateContext
from reconciler.state.sql import Cursor, SqlState

DEFAULT_PATH: Final = ".learnops/state.db"
_OPTIONS: Final = frozenset({"path"})


class LocalState(SqlState):
    def __init__(
        self, path: Path, workspace: str, *, clock: Callable[[], float] = time.time
    ) -> None:
        super().__init__(workspace, clock)
        self.path = path
        self._guard = threading.Lock()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            # Autocommit mode: every transaction below is an explicit BEGIN IMMEDIATE,
            # so two applies never interleave inside one.
            self._conn = sqlite3.connect(
                path, timeout=10.0, isolation_level=None, check_same_thread=False
            )
            self._conn.execute("PRAGMA journal_mode=WAL")
            self.migrate()
        except (OSError, sqlite3.DatabaseError) as problem:
            raise ConfigError(f"local state: cannot open {path}: {problem}") from None

    @classmethod
    def open(cls, config: StateConfig, context: StateContext) -> LocalState:
        unknown = sorted(set(config.options) - _OPTIONS)
        if unknown:
            raise ConfigError(f"local state: unknown option(s) {', '.join(unknown)} (known: path)")
        path = config.options.get("path", DEFAULT_PATH)
        if not isinstance(path, str) or not path:
            raise ConfigError("local state: 'path' must be a non-empty path")
        return cls(context.project_root / path, context.workspace)

    @property
    def backend(self) -> str:
        return "local"

    @property
    def location(self) -> str:
        return str(self.path)

    @contextmanager
    def transaction(self) -> Iterator[Cursor]:
        # One connection, shared by apply's workers and the lease's renewer: one
        # transaction at a time in this process, BEGIN IMMEDIATE against the others.
        with self._guard:
            cur = _SqliteCursor(self._conn.cursor())
            try:
                cur.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError as problem:
                raise TemporaryError(
                    f"local state {self.path} is busy: {problem}", delay=0.2
                ) from None
            try:
                yield cur
            except BaseException:
                self._conn.rollback()
                raise
            self._conn.commit()

    def migration_guard(self, cur: Cursor) -> None:
        pass  # BEGIN IMMEDIATE already keeps every other writer out

    def close(self) -> None:
        self._conn.close()


class _SqliteCursor:
    def __init__(self, cursor: sqlite3.Cursor) -> None:
        self._cursor = cursor

    @property
    def rowcount(self) -> int:
        return self._cursor.rowcount

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Any:
        return self._cursor.execute(sql, params)

    def fetchone(self) -> Any:
        return self._cursor.fetchone()

    def fetchall(self) -> list[Any]:
        return self._cursor.fetchall()
