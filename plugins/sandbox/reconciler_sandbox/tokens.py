"""API tokens: the secret is shown once and stored only as its sha256 hash."""

from __future__ import annotations

import hashlib
import secrets
import sqlite3
from collections.abc import Iterable
from datetime import datetime
from typing import Final

from reconciler.errors import InvalidRequest
from reconciler_sandbox.journal import record_audit, utc_iso

# Each scope grants those after it: admin implies write implies read.
_IMPLIES: Final = {
    "admin": frozenset({"admin", "write", "read"}),
    "write": frozenset({"write", "read"}),
    "read": frozenset({"read"}),
}


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def create(conn: sqlite3.Connection, name: str, scopes: Iterable[str], at: datetime) -> str:
    granted = sorted(set(scopes))
    unknown = [s for s in granted if s not in _IMPLIES]
    if unknown or not granted:
        raise InvalidRequest(
            f"token scopes must be some of read, write, admin (got {', '.join(granted) or 'none'})",
            pointer="/scopes",
        )
    secret = "lo_" + secrets.token_urlsafe(32)
    conn.execute(
        "INSERT INTO tokens (secret_hash, name, scopes, created_at) VALUES (?, ?, ?, ?)",
        (_hash(secret), name, " ".join(granted), utc_iso(at)),
    )
    record_audit(conn, actor="admin", action="create", kind="Token", name=name,
                 before=None, after={"scopes": granted}, at=at)
    return secret


def holder_of(conn: sqlite3.Connection, secret: str) -> tuple[str, frozenset[str]] | None:
    """The token's name (the actor of its writes) and everything it may do (implied
    scopes included), or None for no such token: one lookup per request."""
    row = conn.execute(
        "SELECT name, scopes FROM tokens WHERE secret_hash = ?", (_hash(secret),)
    ).fetchone()
    if row is None:
        return None
    return str(row["name"]), frozenset().union(*(_IMPLIES[s] for s in row["scopes"].split()))
