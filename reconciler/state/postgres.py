"""``state: {type: postgres, dsn_env: LEARNOPS_STATE_DSN}``: shared state for a team
whose CI runs on many runners, in PostgreSQL (psycopg 3; ``pip install
'learnops[postgres]'``). The tables live in their own schema (``learnops`` by
default), created and migrated by learnops. The apply lock is a session-level
advisory lock held on a connection of its own for the whole apply, with a row
naming its holder: a second apply waits or fails naming them, and a crashed
apply's lock goes with its connection.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, Final

from reconciler.errors import ConfigError, LockHeldError, NotFoundError, TemporaryError
from reconciler.model import StateConfig
from reconciler.providers import Lock
from reconciler.state.registry import StateContext
from reconciler.state.sql import Cursor, SqlState, utc_iso

if TYPE_CHECKING:
    import psycopg

DEFAULT_SCHEMA: Final = "learnops"
_OPTIONS: Final = frozenset({"dsn_env", "schema"})
_MIGRATION_KEY: Final = 0x6C6561726E6F7073  # "learnops": one migration at a time
TERMINATE_WAIT_MS: Final = 5_000  # force-unlock waits this long for the holder to go


class PostgresState(SqlState):
    def __init__(
        self, dsn: str, workspace: str, *, schema: str = DEFAULT_SCHEMA,
        clock: Callable[[], float] = time.time,
    ) -> None:
        super().__init__(workspace, clock)
        self._psycopg = _driver()
        self._dsn = dsn
        self.schema = schema
        self._where = f"{redacted(dsn)} (schema {schema})"
        self._guard = threading.Lock()
        self._conn = self._connect()
        self._lock_conns: dict[str, psycopg.Connection[Any]] = {}
        self.migrate()

    @classmethod
    def open(cls, config: StateConfig, context: StateContext) -> PostgresState:
        unknown = sorted(set(config.options) - _OPTIONS)
        if unknown:
            raise ConfigError(
                f"postgres state: unknown option(s) {', '.join(unknown)} (known: dsn_env, schema)"
            )
        env = config.options.get("dsn_env")
        if not isinstance(env, str) or not env:
            raise ConfigError("postgres state: 'dsn_env' must name an environment variable")
        dsn = os.environ.get(env)
        if not dsn:
            raise ConfigError(
                f"postgres state: the environment variable {env} holding the connection "
                "string is not set"
            )
        schema = config.options.get("schema", DEFAULT_SCHEMA)
        if not isinstance(schema, str) or not schema.isidentifier() or schema != schema.lower():
            raise ConfigError("postgres state: 'schema' must be a lower-case identifier")
        return cls(dsn, context.workspace, schema=schema)

    @property
    def backend(self) -> str:
        return "postgres"

    @property
    def location(self) -> str:
        return self._where

    def _connect(self) -> psycopg.Connection[Any]:
        try:
            conn: psycopg.Connection[Any] = self._psycopg.connect(
                self._dsn, autocommit=True, connect_timeout=10
            )
        except self._psycopg.Error as problem:
            # The driver's message names host and user, never the password.
            raise ConfigError(
                f"postgres state: cannot connect to {self._where}: {_first_line(problem)}"
            ) from None
        # Two runners creating the schema at once would race in the catalog (IF NOT
        # EXISTS is no guard there): one waits for the other.
        with conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (_MIGRATION_KEY,))
            conn.execute(f'CREATE SCHEMA IF NOT EXISTS "{self.schema}"')
        conn.execute(f'SET search_path TO "{self.schema}"')
        return conn

    @contextmanager
    def transaction(self) -> Iterator[Cursor]:
        with self._guard:
            try:
                with self._conn.transaction(), self._conn.cursor() as cur:
                    yield _PgCursor(cur)
            except self._psycopg.errors.UniqueViolation as problem:
                # Two runners creating the same workspace at once: the loser retries.
                raise TemporaryError(f"postgres state busy: {_first_line(problem)}",
                                     delay=0.1) from None
            except self._psycopg.OperationalError as problem:
                raise TemporaryError(
                    f"postgres state {self._where} unreachable: {_first_line(problem)}",
                    delay=1.0,
                ) from None

    def migration_guard(self, cur: Cursor) -> None:
        # Two runners creating the tables at once: one waits for the other.
        cur.execute("SELECT pg_advisory_xact_lock(?)", (_MIGRATION_KEY,))

    # -- the apply lock: an advisory lock on a connection of its own --------------------

    def _lock_key(self) -> int:
        digest = hashlib.sha256(f"{self.schema}/{self.workspace}".encode()).digest()
        return int.from_bytes(digest[:8], "big", signed=True)

    def acquire_lock(self, holder: str, ttl_seconds: float) -> Lock:
        conn = self._connect()
        try:
            got = conn.execute("SELECT pg_try_advisory_lock(%s)", (self._lock_key(),)).fetchone()
        except self._psycopg.Error:
            conn.close()
            raise
        if not (got and got[0]):
            conn.close()
            with self.transaction() as cur:
                cur.execute("SELECT lock_id, holder FROM locks WHERE workspace = ?",
                            (self.workspace,))
                row = cur.fetchone()
            who, lock_id = (str(row[1]), str(row[0])) if row else ("another apply", "")
            raise LockHeldError(
                f"the apply lock of {self.location} is held by {who} (lock {lock_id or '?'})",
                holder=who, lock_id=lock_id,
            )
        now = self.clock()
        lock_id = uuid.uuid4().hex
        pid = conn.info.backend_pid
        with self.transaction() as cur:
            # A row left by a holder whose connection died is stale: the lock is ours.
            cur.execute("DELETE FROM locks WHERE workspace = ?", (self.workspace,))
            cur.execute(
                "INSERT INTO locks (workspace, lock_id, holder, created, expires_at, session) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (self.workspace, lock_id, holder, utc_iso(now), now + ttl_seconds, str(pid)),
            )
        self._lock_conns[lock_id] = conn
        return Lock(lock_id, holder, utc_iso(now + ttl_seconds))

    def renew_lock(self, lock: Lock, ttl_seconds: float) -> Lock:
        conn = self._lock_conns.get(lock.lock_id)
        if conn is None or conn.closed:
            raise LockHeldError(f"the apply lock {lock.lock_id} of {self.location} was lost",
                                holder=lock.holder, lock_id=lock.lock_id)
        try:
            conn.execute("SELECT 1")
        except self._psycopg.Error:
            raise LockHeldError(
                f"the apply lock {lock.lock_id} of {self.location} was lost with its "
                "connection", holder=lock.holder, lock_id=lock.lock_id,
            ) from None
        now = self.clock()
        with self.transaction() as cur:
            cur.execute("UPDATE locks SET expires_at = ? WHERE workspace = ? AND lock_id = ?",
                        (now + ttl_seconds, self.workspace, lock.lock_id))
        return Lock(lock.lock_id, lock.holder, utc_iso(now + ttl_seconds))

    def release_lock(self, lock: Lock) -> None:
        with self.transaction() as cur:
            cur.execute("DELETE FROM locks WHERE workspace = ? AND lock_id = ?",
                        (self.workspace, lock.lock_id))
        conn = self._lock_conns.pop(lock.lock_id, None)
        if conn is not None:
            # Unlock before closing: the server ends a closed session a moment later, and
            # an apply that asks meanwhile would find the lock still held.
            with contextlib.suppress(self._psycopg.Error):
                conn.execute("SELECT pg_advisory_unlock(%s)", (self._lock_key(),))
            conn.close()

    def force_unlock(self, lock_id: str) -> None:
        with self.transaction() as cur:
            cur.execute("SELECT session FROM locks WHERE workspace = ? AND lock_id = ?",
                        (self.workspace, lock_id))
            row = cur.fetchone()
            if row is None:
                raise NotFoundError(f"no apply lock {lock_id}", where=self.location)
            cur.execute("DELETE FROM locks WHERE workspace = ? AND lock_id = ?",
                        (self.workspace, lock_id))
        pid = str(row[0] or "")
        if pid.isdigit():  # end the holder's session, and with it the advisory lock
            # Waiting (up to the timeout, in ms; PostgreSQL 14+) until the session is gone:
            # without it the lock outlived this call a moment, and an apply started
            # right after a force-unlock found it still held.
            self._conn.execute("SELECT pg_terminate_backend(%s, %s)",
                               (int(pid), TERMINATE_WAIT_MS))

    def close(self) -> None:
        for conn in self._lock_conns.values():
            conn.close()
        self._lock_conns.clear()
        self._conn.close()


class _PgCursor:
    """A psycopg cursor speaking the ``?`` placeholders of :mod:`reconciler.state.sql`."""

    def __init__(self, cursor: psycopg.Cursor[Any]) -> None:
        self._cursor = cursor

    @property
    def rowcount(self) -> int:
        return self._cursor.rowcount

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Any:
        return self._cursor.execute(sql.replace("?", "%s"), tuple(params))

    def fetchone(self) -> Any:
        return self._cursor.fetchone()

    def fetchall(self) -> list[Any]:
        return self._cursor.fetchall()


def redacted(dsn: str) -> str:
    """The connection string as it may be shown: no password, in either spelling."""
    try:
        from psycopg.conninfo import conninfo_to_dict
        parts = conninfo_to_dict(dsn)
    except Exception:  # unparsable: show nothing of it
        return "postgresql://(unparsable connection string)"
    user = parts.get("user") or ""
    host = parts.get("host") or "localhost"
    port = f":{parts['port']}" if parts.get("port") else ""
    db = parts.get("dbname") or ""
    return f"postgresql://{user}{'@' if user else ''}{host}{port}/{db}"


def _driver() -> Any:
    try:
        import psycopg  # optional: only postgres state needs it
    except ImportError:
        raise ConfigError(
            "postgres state needs psycopg 3: pip install 'learnops[postgres]'"
        ) from None
    return psycopg


def _first_line(problem: BaseException) -> str:
    return str(problem).strip().splitlines()[0] if str(problem).strip() else type(problem).__name__
