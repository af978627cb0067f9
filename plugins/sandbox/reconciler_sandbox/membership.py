"""Audience membership as the platform evaluates it, with the shared rules of
``reconciler.rules.audience``, and re-evaluation of only the assignments a change
can reach: an audience change reaches the assignments using it (directly or via
include/exclude); a user import reaches every assignment, but only for the
learners whose directory entry changed."""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import date, datetime

from reconciler.errors import InvalidRequest
from reconciler.model import JSON
from reconciler.rules.audience import AudienceError, Directory, resolver
from reconciler_sandbox.directory import all_users, users_version
from reconciler_sandbox.enrollment import reconcile_assignment
from reconciler_sandbox.learning import settle
from reconciler_sandbox.progress import Enrollment
from reconciler_sandbox.resources import fetch, names_of


class StoredAudiences(Mapping[str, Mapping[str, JSON]]):
    """Audience specs read on demand: resolving one audience touches only the audiences
    it includes or excludes, not the whole catalogue."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        self._cache: dict[str, Mapping[str, JSON] | None] = {}

    def _load(self, name: str) -> Mapping[str, JSON] | None:
        if name not in self._cache:
            row = self.conn.execute(
                "SELECT spec FROM resources WHERE kind = 'Audience' AND name = ?", (name,)
            ).fetchone()
            self._cache[name] = None if row is None else json.loads(row[0])
        return self._cache[name]

    def __getitem__(self, name: str) -> Mapping[str, JSON]:
        spec = self._load(name)
        if spec is None:
            raise KeyError(name)
        return spec

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and self._load(name) is not None

    def __iter__(self) -> Iterator[str]:
        return iter(names_of(self.conn, "Audience"))

    def __len__(self) -> int:
        return int(self.conn.execute(
            "SELECT count(*) FROM resources WHERE kind = 'Audience'").fetchone()[0])


class Membership:
    """Resolves audiences against the directory, rebuilt only when users changed."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._cached: tuple[int, Directory] | None = None

    def directory(self, conn: sqlite3.Connection) -> Directory:
        version = users_version(conn)
        with self._lock:
            if self._cached is None or self._cached[0] != version:
                self._cached = (version, Directory(all_users(conn)))
            return self._cached[1]

    def resolver(self, conn: sqlite3.Connection) -> Callable[[str], frozenset[str]]:
        """The members of audiences as stored now, each audience resolved once however
        often asked for: for one transaction's work, never across writes."""
        return resolver(StoredAudiences(conn), self.directory(conn))

    def members(self, conn: sqlite3.Connection, audience: str,
                resolve: Callable[[str], frozenset[str]] | None = None) -> frozenset[str]:
        try:
            return (resolve or self.resolver(conn))(audience)
        except AudienceError as problem:
            # Only reachable for a write being checked: stored audiences always resolve.
            raise InvalidRequest(str(problem), pointer="/spec") from problem

    def reevaluate(self, conn: sqlite3.Connection, assignments: Iterable[str], today: date,
                   only: frozenset[str] | None = None,
                   why_leaving: str = "left the audience", *, at: datetime) -> None:
        resolve = self.resolver(conn)  # assignments sharing audiences resolve them once
        touched: list[int | Enrollment] = []
        for name in assignments:
            stored = fetch(conn, "Assignment", name)
            if stored is None:
                continue
            active = stored.spec.get("active", True) is not False
            members = (self.members(conn, str(stored.spec["audience"]), resolve)
                       if active else frozenset())
            touched += reconcile_assignment(conn, name, stored.spec, members, today, only,
                                            why_leaving, at=at)
        settle(conn, touched, today, at)

    def audience_count(self, conn: sqlite3.Connection, audience: str) -> int:
        return len(self.members(conn, audience))

    def reevaluate_removed(self, conn: sqlite3.Connection, assignment: str, today: date,
                           at: datetime) -> None:
        """A deleted assignment: every enrollment it sourced loses that source."""
        reconcile_assignment(conn, assignment, None, frozenset(), today, at=at)
