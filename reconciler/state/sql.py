"""The state store over SQL, once for every SQL backend (``local``: SQLite,
``postgres``): the backends give a transaction and a lock, this does the
bookkeeping (OpenTofu's split of dumb backends and one shared state manager).

Tables (created and migrated here; ``schema_version`` says how far):
``workspaces`` (lineage, serial), ``records``, ``pending``, ``locks``; every
row is keyed by its workspace, one per target, so targets never share records.
"""

from __future__ import annotations

import json
import uuid
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from datetime import UTC, datetime
from typing import Any, Final, Protocol

from reconciler.errors import LockHeldError, NotFoundError
from reconciler.model import Address
from reconciler.providers import LiveResource, Lock
from reconciler.state import PendingWrite, Record, Snapshot, StateConflictError

SCHEMA_VERSION: Final = 4

# Migrations in order: MIGRATIONS[n] brings a schema at version n to n + 1.
MIGRATIONS: Final = (
    (
        "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)",
        "CREATE TABLE IF NOT EXISTS workspaces (workspace TEXT PRIMARY KEY, "
        "lineage TEXT NOT NULL, serial BIGINT NOT NULL)",
        "CREATE TABLE IF NOT EXISTS records (workspace TEXT NOT NULL, address TEXT NOT NULL, "
        "platform_id TEXT NOT NULL, spec_hash TEXT, essence TEXT, fingerprint TEXT, "
        "applied_at TEXT NOT NULL, PRIMARY KEY (workspace, address))",
        "CREATE TABLE IF NOT EXISTS pending (workspace TEXT NOT NULL, address TEXT NOT NULL, "
        "action TEXT NOT NULL, idempotency_key TEXT NOT NULL, started_at TEXT NOT NULL, "
        "PRIMARY KEY (workspace, address))",
        "CREATE TABLE IF NOT EXISTS locks (workspace TEXT PRIMARY KEY, lock_id TEXT NOT NULL, "
        "holder TEXT NOT NULL, created TEXT NOT NULL, expires_at DOUBLE PRECISION NOT NULL)",
    ),
    # 2: which database session holds the lock (postgres: force-unlock ends it).
    ("ALTER TABLE locks ADD COLUMN session TEXT",),
    # 3: what a pending write was written from, so the next plan can tell it landed.
    ("ALTER TABLE pending ADD COLUMN spec_hash TEXT",),
    # 4: the spec a record's write was made from (what release acts on, on Kolibri).
    ("ALTER TABLE records ADD COLUMN spec TEXT",),
)


class Cursor(Protocol):
    """The DB-API cursor methods used here (``?`` placeholders; backends translate)."""

    @property
    def rowcount(self) -> int: ...

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Any: ...

    def fetchone(self) -> Any: ...

    def fetchall(self) -> list[Any]: ...


def utc_iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


class SqlState(ABC):
    """A :class:`reconciler.state.StateStore` for one workspace of a SQL database."""

    editable = True  # learnops state rm/import/mv change records here

    def __init__(self, workspace: str, clock: Callable[[], float]) -> None:
        self.workspace = workspace
        self.clock = clock

    # -- what a backend provides -----------------------------------------------------

    @property
    @abstractmethod
    def backend(self) -> str: ...

    @property
    @abstractmethod
    def location(self) -> str: ...

    @abstractmethod
    def transaction(self) -> AbstractContextManager[Cursor]:
        """One transaction, serialised against other writers of the same database."""

    @abstractmethod
    def close(self) -> None: ...

    @abstractmethod
    def migration_guard(self, cur: Cursor) -> None:
        """Hold off other processes migrating the same database, inside ``cur``'s
        transaction."""

    def migrate(self) -> None:
        """Create the tables, or bring them to :data:`SCHEMA_VERSION`."""
        with self.transaction() as cur:
            self.migration_guard(cur)
            cur.execute(MIGRATIONS[0][0])
            cur.execute("SELECT version FROM schema_version")
            row = cur.fetchone()
            version = 0 if row is None else int(row[0])
            if version > SCHEMA_VERSION:
                raise StateConflictError(
                    f"the state at {self.location} has schema version {version}, newer than "
                    f"this learnops knows ({SCHEMA_VERSION}); upgrade learnops"
                )
            for step in MIGRATIONS[version:]:
                for statement in step:
                    cur.execute(statement)
            if row is None:
                cur.execute("INSERT INTO schema_version (version) VALUES (?)", (SCHEMA_VERSION,))
            elif version < SCHEMA_VERSION:
                cur.execute("UPDATE schema_version SET version = ?", (SCHEMA_VERSION,))

    # -- reading ----------------------------------------------------------------------

    def serial(self) -> tuple[str, int]:
        with self.transaction() as cur:
            return self._workspace(cur)

    def snapshot(self, live: Sequence[LiveResource] | None = None) -> Snapshot:
        with self.transaction() as cur:
            lineage, serial = self._workspace(cur)
            cur.execute(
                "SELECT address, platform_id, spec_hash, essence, fingerprint, applied_at, "
                "spec FROM records WHERE workspace = ?", (self.workspace,),
            )
            records = {
                record.address: record for record in (_record(row) for row in cur.fetchall())
            }
            cur.execute(
                "SELECT address, action, idempotency_key, started_at, spec_hash FROM pending "
                "WHERE workspace = ? ORDER BY address", (self.workspace,),
            )
            pending = tuple(
                PendingWrite(Address.parse(row[0]), row[1], row[2], row[3], row[4])
                for row in cur.fetchall()
            )
        return Snapshot(lineage, serial, records, pending)

    def _workspace(self, cur: Cursor) -> tuple[str, int]:
        cur.execute("SELECT lineage, serial FROM workspaces WHERE workspace = ?",
                    (self.workspace,))
        row = cur.fetchone()
        if row is not None:
            return str(row[0]), int(row[1])
        # Fixed at creation (a copied state keeps it); two runners creating the same
        # workspace at once agree on whichever row landed first.
        cur.execute(
            "INSERT INTO workspaces (workspace, lineage, serial) VALUES (?, ?, 0) "
            "ON CONFLICT (workspace) DO NOTHING",
            (self.workspace, uuid.uuid4().hex),
        )
        cur.execute("SELECT lineage, serial FROM workspaces WHERE workspace = ?",
                    (self.workspace,))
        row = cur.fetchone()
        return str(row[0]), int(row[1])

    # -- writing (every change holds the lease) ---------------------------------------

    def begin(self, lease: Lock, write: PendingWrite) -> None:
        with self.transaction() as cur:
            self._check_lease(cur, lease)
            cur.execute("DELETE FROM pending WHERE workspace = ? AND address = ?",
                        (self.workspace, str(write.address)))
            cur.execute(
                "INSERT INTO pending (workspace, address, action, idempotency_key, started_at, "
                "spec_hash) VALUES (?, ?, ?, ?, ?, ?)",
                (self.workspace, str(write.address), write.action, write.idempotency_key,
                 write.started_at, write.spec_hash),
            )

    def record(self, lease: Lock, record: Record) -> None:
        with self.transaction() as cur:
            self._check_lease(cur, lease)
            self._put(cur, record)
            cur.execute("DELETE FROM pending WHERE workspace = ? AND address = ?",
                        (self.workspace, str(record.address)))

    def fail(self, lease: Lock, address: Address) -> None:
        with self.transaction() as cur:
            self._check_lease(cur, lease)
            cur.execute("DELETE FROM pending WHERE workspace = ? AND address = ?",
                        (self.workspace, str(address)))

    def forget(self, lease: Lock, address: Address) -> None:
        with self.transaction() as cur:
            self._check_lease(cur, lease)
            for table in ("records", "pending"):
                cur.execute(f"DELETE FROM {table} WHERE workspace = ? AND address = ?",
                            (self.workspace, str(address)))

    def persist(self, lease: Lock, expect_serial: int) -> int:
        with self.transaction() as cur:
            self._check_lease(cur, lease)
            self._workspace(cur)
            cur.execute(
                "UPDATE workspaces SET serial = serial + 1 WHERE workspace = ? AND serial = ?",
                (self.workspace, expect_serial),
            )
            if cur.rowcount != 1:
                _, now = self._workspace(cur)
                raise StateConflictError(
                    f"the state at {self.location} moved (serial {expect_serial} expected, "
                    f"{now} found): another apply wrote meanwhile"
                )
            return expect_serial + 1

    def _put(self, cur: Cursor, record: Record) -> None:
        essence, spec = (None if value is None else json.dumps(value, sort_keys=True)
                         for value in (record.essence, record.spec))
        cur.execute("DELETE FROM records WHERE workspace = ? AND address = ?",
                    (self.workspace, str(record.address)))
        cur.execute(
            "INSERT INTO records (workspace, address, platform_id, spec_hash, essence, "
            "fingerprint, applied_at, spec) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (self.workspace, str(record.address), record.platform_id, record.spec_hash,
             essence, record.fingerprint, record.applied_at, spec),
        )

    def _check_lease(self, cur: Cursor, lease: Lock) -> None:
        cur.execute("SELECT lock_id, holder, expires_at FROM locks WHERE workspace = ?",
                    (self.workspace,))
        row = cur.fetchone()
        if row is None or row[0] != lease.lock_id:
            holder = "nobody" if row is None else str(row[1])
            raise LockHeldError(
                f"the apply lock of {self.location} is not held by this apply "
                f"(held by {holder}): nothing was recorded",
                holder=holder,
            )

    # -- the apply lock (a row with an expiry) -----------------------------------------

    def acquire_lock(self, holder: str, ttl_seconds: float) -> Lock:
        now = self.clock()
        with self.transaction() as cur:
            cur.execute("DELETE FROM locks WHERE workspace = ? AND expires_at <= ?",
                        (self.workspace, now))
            cur.execute("SELECT lock_id, holder FROM locks WHERE workspace = ?",
                        (self.workspace,))
            row = cur.fetchone()
            if row is not None:
                raise LockHeldError(
                    f"the apply lock of {self.location} is held by {row[1]} (lock {row[0]})",
                    holder=str(row[1]), lock_id=str(row[0]),
                )
            lock_id = uuid.uuid4().hex
            cur.execute(
                "INSERT INTO locks (workspace, lock_id, holder, created, expires_at) "
                "VALUES (?, ?, ?, ?, ?)",
                (self.workspace, lock_id, holder, utc_iso(now), now + ttl_seconds),
            )
        return Lock(lock_id, holder, utc_iso(now + ttl_seconds))

    def renew_lock(self, lock: Lock, ttl_seconds: float) -> Lock:
        now = self.clock()
        with self.transaction() as cur:
            cur.execute(
                "UPDATE locks SET expires_at = ? WHERE workspace = ? AND lock_id = ? "
                "AND expires_at > ?",
                (now + ttl_seconds, self.workspace, lock.lock_id, now),
            )
            if cur.rowcount != 1:
                raise LockHeldError(
                    f"the apply lock {lock.lock_id} of {self.location} expired or was forced",
                    holder=lock.holder, lock_id=lock.lock_id,
                )
        return Lock(lock.lock_id, lock.holder, utc_iso(now + ttl_seconds))

    def release_lock(self, lock: Lock) -> None:
        with self.transaction() as cur:
            cur.execute("DELETE FROM locks WHERE workspace = ? AND lock_id = ?",
                        (self.workspace, lock.lock_id))

    def force_unlock(self, lock_id: str) -> None:
        with self.transaction() as cur:
            cur.execute("DELETE FROM locks WHERE workspace = ? AND lock_id = ?",
                        (self.workspace, lock_id))
            if cur.rowcount != 1:
                raise NotFoundError(f"no apply lock {lock_id}", where=self.location)


def _record(row: Sequence[Any]) -> Record:
    essence, spec = (None if text is None else json.loads(text) for text in (row[3], row[6]))
    return Record(
        address=Address.parse(row[0]), platform_id=str(row[1]), spec_hash=row[2],
        essence=essence, fingerprint=row[4], applied_at=str(row[5]), spec=spec,
    )
