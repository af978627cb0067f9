"""The resource catalogue: stored rows, their wire shape (DESIGN §7) and references.

Only storage lives here; what a write *means* for learners is the engine's
business (enrollment, plan versions)."""

from __future__ import annotations

import json
import sqlite3
from typing import Any, NamedTuple

from reconciler.errors import InvalidRequest
from reconciler.model import API_VERSION, JSON, canonical_json
from reconciler_sandbox.specs import references


class StoredResource(NamedTuple):
    """A row of ``resources``, decoded. A named tuple, as ``Address`` is: a plan reads
    every row, and a tuple is built in C where a frozen dataclass sets each field."""

    kind: str
    name: str
    version: int
    managed_by: str | None
    spec_hash: str | None
    labels: dict[str, str]
    annotations: dict[str, str]
    spec: dict[str, JSON]
    created_at: str
    updated_at: str

    def wire(self, status: dict[str, JSON] | None) -> dict[str, Any]:
        """The resource as the API sends it; with no ``status`` block for ``None``."""
        resource = {
            "apiVersion": API_VERSION,
            "kind": self.kind,
            "metadata": {
                "name": self.name, "version": self.version, "managed_by": self.managed_by,
                "spec_hash": self.spec_hash, "labels": dict(self.labels),
                "annotations": dict(self.annotations), "created_at": self.created_at,
                "updated_at": self.updated_at,
            },
            "spec": self.spec,
        }
        if status is not None:
            resource["status"] = status
        return resource

    def same_content(self, other: StoredResource) -> bool:
        return (self.spec, self.labels, self.annotations, self.managed_by, self.spec_hash) == (
            other.spec, other.labels, other.annotations, other.managed_by, other.spec_hash
        )


_decode = json.JSONDecoder().raw_decode


def _stored_json(text: str) -> Any:
    """A column :func:`store` wrote (canonical JSON: no whitespace around it), read
    without ``json.loads``' whitespace scans; a page of resources reads thousands."""
    if text == "{}":
        return {}
    try:
        value, end = _decode(text)
    except json.JSONDecodeError:  # not as store writes it: json.loads has the last word
        return json.loads(text)
    return value if end == len(text) else json.loads(text)


# The columns in StoredResource's order: rows are read by position, not by name.
_COLUMNS = ("kind, name, version, managed_by, spec_hash, labels, annotations, spec,"
            " created_at, updated_at")


def _row(row: sqlite3.Row) -> StoredResource:
    return StoredResource(
        row[0], row[1], row[2], row[3], row[4], _stored_json(row[5]),
        _stored_json(row[6]), _stored_json(row[7]), row[8], row[9],
    )


def fetch(conn: sqlite3.Connection, kind: str, name: str) -> StoredResource | None:
    row = conn.execute(
        f"SELECT {_COLUMNS} FROM resources WHERE kind = ? AND name = ?", (kind, name)
    ).fetchone()
    return None if row is None else _row(row)


def fetch_page(conn: sqlite3.Connection, kind: str, after: str | None,
               limit: int) -> list[StoredResource]:
    """Keyset pages by name: a write between two pages never skips or repeats a name."""
    rows = conn.execute(
        f"SELECT {_COLUMNS} FROM resources WHERE kind = ? AND name > ? ORDER BY name LIMIT ?",
        (kind, after or "", limit),
    ).fetchall()
    return [_row(row) for row in rows]


def store(conn: sqlite3.Connection, resource: StoredResource,
          before: StoredResource | None = None) -> None:
    """Insert or replace the row (``before``: as it was, None for a new one) and write
    what changed of its outgoing references, refusing dangling new ones. A reference
    kept needs no check: nothing it names can be deleted while it is held."""
    refs = references(resource.kind, resource.spec)
    held = set() if before is None else references(before.kind, before.spec)
    missing = sorted(
        f"{k}/{n}" for k, n in refs - held
        if (k, n) != (resource.kind, resource.name) and not _exists(conn, k, n)
    )
    if missing:
        raise InvalidRequest(
            f"{resource.kind}/{resource.name} refers to {', '.join(missing)}, "
            "which the platform does not have: create it first",
            pointer="/spec",
        )
    conn.execute(
        "INSERT INTO resources (kind, name, version, managed_by, spec_hash, labels,"
        " annotations, spec, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
        " ON CONFLICT (kind, name) DO UPDATE SET version = excluded.version,"
        " managed_by = excluded.managed_by, spec_hash = excluded.spec_hash,"
        " labels = excluded.labels, annotations = excluded.annotations,"
        " spec = excluded.spec, updated_at = excluded.updated_at",
        (
            resource.kind, resource.name, resource.version, resource.managed_by,
            resource.spec_hash, canonical_json(resource.labels),
            canonical_json(resource.annotations), canonical_json(resource.spec),
            resource.created_at, resource.updated_at,
        ),
    )
    if held - refs:
        conn.executemany(
            "DELETE FROM refs WHERE kind = ? AND name = ? AND ref_kind = ? AND ref_name = ?",
            [(resource.kind, resource.name, k, n) for k, n in sorted(held - refs)],
        )
    if refs - held:
        conn.executemany(
            "INSERT INTO refs (kind, name, ref_kind, ref_name) VALUES (?, ?, ?, ?)",
            [(resource.kind, resource.name, k, n) for k, n in sorted(refs - held)],
        )


def remove(conn: sqlite3.Connection, kind: str, name: str) -> None:
    conn.execute("DELETE FROM resources WHERE kind = ? AND name = ?", (kind, name))


def dependents(conn: sqlite3.Connection, kind: str, name: str) -> list[tuple[str, str]]:
    rows = conn.execute(
        "SELECT kind, name FROM refs WHERE ref_kind = ? AND ref_name = ?"
        " AND NOT (kind = ? AND name = ?) ORDER BY kind, name",
        (kind, name, kind, name),
    ).fetchall()
    return [(row["kind"], row["name"]) for row in rows]


def assignments_reaching(conn: sqlite3.Connection, audience: str) -> list[str]:
    """Assignments whose audience is ``audience`` or includes/excludes it, at any depth."""
    rows = conn.execute(
        """WITH RECURSIVE reached(name) AS (
               SELECT ? UNION
               SELECT refs.name FROM refs JOIN reached ON refs.ref_name = reached.name
               WHERE refs.kind = 'Audience' AND refs.ref_kind = 'Audience')
           SELECT DISTINCT refs.name FROM refs JOIN reached ON refs.ref_name = reached.name
           WHERE refs.kind = 'Assignment' AND refs.ref_kind = 'Audience' ORDER BY refs.name""",
        (audience,),
    ).fetchall()
    return [row["name"] for row in rows]


def names_of(conn: sqlite3.Connection, kind: str) -> list[str]:
    return [row[0] for row in conn.execute(
        "SELECT name FROM resources WHERE kind = ? ORDER BY name", (kind,)
    )]


def _exists(conn: sqlite3.Connection, kind: str, name: str) -> bool:
    return conn.execute(
        "SELECT 1 FROM resources WHERE kind = ? AND name = ?", (kind, name)
    ).fetchone() is not None


def item_title(conn: sqlite3.Connection, kind: str, item: str) -> str:
    """What people are shown for a plan or learning object: its title, else its name."""
    stored = fetch(conn, "CertificationPlan" if kind == "plan" else "LearningObject", item)
    title = stored.spec.get("title") if stored is not None else None
    return str(title) if title else item
