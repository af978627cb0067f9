"""The apply lease: one holder at a time keeps two applies apart.

A lease expires unless renewed, so a crashed apply cannot block the platform
forever: once expired, the next ``acquire`` takes it over. Lease times follow the
platform's clock (``at``, UTC, passed in as for every stamp the sandbox keeps), so
a lease expires when that clock passes its ``expires_at``.

The lease is a security boundary: its ``lock_id`` renews and releases it and is
returned to the holder alone. Everyone else (a second apply's 409, ``GET``, the audit
log) sees the holder, since when, until when and the ``lease_id``, a public name
derived from the secret that an admin uses to break it (``force-unlock``). The TTL is
bounded: a long apply renews its lease instead of taking one until 2058.
"""

from __future__ import annotations

import hashlib
import math
import sqlite3
import uuid
from datetime import UTC, datetime
from typing import Any, Final

from reconciler.errors import InvalidRequest, LockHeldError, NotFoundError
from reconciler_sandbox.journal import record_audit, utc_iso

LEASE: Final = "apply"
MAX_TTL_SECONDS: Final = 3600.0  # an hour; ApplyLease renews every ttl/3


def lease_id(lock_id: str) -> str:
    """The public name of a lease: tells it apart, cannot release or renew it."""
    return "lease-" + hashlib.sha256(lock_id.encode()).hexdigest()[:16]


def _public(row: sqlite3.Row | dict[str, Any]) -> dict[str, Any]:
    """What anyone may see of a lease."""
    return {
        "holder": row["holder"], "since": _iso(row["acquired_at"]),
        "expires_at": _iso(row["expires_at"]), "lease_id": lease_id(row["lock_id"]),
    }


def _iso(seconds: float) -> str:
    return utc_iso(datetime.fromtimestamp(seconds, UTC))


def _wire(row: sqlite3.Row | dict[str, Any]) -> dict[str, Any]:
    """The holder's view: the public one plus the secret."""
    return {"lock_id": row["lock_id"], **_public(row)}


def _check_ttl(ttl_seconds: float) -> None:
    if not (math.isfinite(ttl_seconds) and 0 < ttl_seconds <= MAX_TTL_SECONDS):
        raise InvalidRequest(
            f"ttl_seconds must be more than 0 and at most {MAX_TTL_SECONDS:g} "
            "(renew the lease for a longer apply)", pointer="/ttl_seconds")


def _held_by(held: sqlite3.Row, message: str) -> LockHeldError:
    public = _public(held)
    return LockHeldError(message, holder=held["holder"], lock_id=public["lease_id"],
                         since=public["since"], expires_at=public["expires_at"])


def holder(conn: sqlite3.Connection, at: datetime) -> dict[str, Any] | None:
    """The live lease as anyone may see it, or ``None`` when the platform is free."""
    held = _current(conn)
    return None if held is None or held["expires_at"] <= at.timestamp() else _public(held)


def _current(conn: sqlite3.Connection) -> sqlite3.Row | None:
    row: sqlite3.Row | None = conn.execute(
        "SELECT * FROM locks WHERE name = ?", (LEASE,)
    ).fetchone()
    return row


def acquire(conn: sqlite3.Connection, holder: str, ttl_seconds: float,
            at: datetime) -> dict[str, Any]:
    _check_ttl(ttl_seconds)
    now = at.timestamp()
    held = _current(conn)
    if held is not None and held["expires_at"] > now:
        raise _held_by(
            held, f"the platform is locked by {held['holder']} until {_iso(held['expires_at'])}")
    lease = {"lock_id": uuid.uuid4().hex, "holder": holder, "expires_at": now + ttl_seconds,
             "acquired_at": now}
    conn.execute("DELETE FROM locks WHERE name = ?", (LEASE,))
    conn.execute(
        "INSERT INTO locks (name, lock_id, holder, expires_at, acquired_at) VALUES (?, ?, ?, ?, ?)",
        (LEASE, lease["lock_id"], holder, lease["expires_at"], now),
    )
    taken_over = None if held is None else _public(held)
    record_audit(conn, actor=holder, action="lock", kind="Lock", name=LEASE,
                 before=taken_over, after=_public(lease), at=at)
    return _wire(lease)


def renew(conn: sqlite3.Connection, lock_id: str, ttl_seconds: float,
          at: datetime) -> dict[str, Any]:
    """Extend our lease. An expired lease nobody took over can still be renewed."""
    _check_ttl(ttl_seconds)
    held = _current(conn)
    if held is None or held["lock_id"] != lock_id:
        if held is not None and held["expires_at"] > at.timestamp():
            raise _held_by(held, f"the lease was lost: {held['holder']} holds the platform now")
        raise NotFoundError(f"no apply lock {lock_id}", where="locks/apply")
    expires_at = at.timestamp() + ttl_seconds
    conn.execute("UPDATE locks SET expires_at = ? WHERE lock_id = ?", (expires_at, lock_id))
    return _wire({**dict(held), "expires_at": expires_at})


def release(conn: sqlite3.Connection, lock_id: str, at: datetime) -> None:
    """Give the lease back; releasing one already gone (or taken over) changes nothing."""
    held = _current(conn)
    if held is None or held["lock_id"] != lock_id:
        return
    conn.execute("DELETE FROM locks WHERE lock_id = ?", (lock_id,))
    record_audit(conn, actor=held["holder"], action="unlock", kind="Lock", name=LEASE,
                 before=_public(held), after=None, at=at)


def force(conn: sqlite3.Connection, named: str, actor: str, at: datetime) -> None:
    """Break a lease whoever holds it (an operator clearing a stuck apply), named by its
    public ``lease_id`` (what the 409 shows) or by its secret."""
    held = _current(conn)
    if held is None or named not in (held["lock_id"], lease_id(held["lock_id"])):
        raise NotFoundError(f"no apply lock {named}", where="locks/apply")
    conn.execute("DELETE FROM locks WHERE lock_id = ?", (held["lock_id"],))
    record_audit(conn, actor=actor, action="force-unlock", kind="Lock", name=LEASE,
                 before=_public(held), after=None, at=at)
