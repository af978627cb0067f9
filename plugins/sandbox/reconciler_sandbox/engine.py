"""The sandbox learning platform: one SQLite file behind one facade, :class:`Platform`.

Every write is one transaction that also writes its audit entry, raises the
platform state version and stores its idempotency record, so a crash never leaves
half of them. Resources are DESIGN §7 dicts; what a resource write means for
learners (enrollments, plan versions) happens in the same transaction.

Deletes keep history: a resource that others refer to cannot be deleted
(``PermanentError`` naming them, so the caller removes dependents first, as
``apply`` does in reverse order); deleting an assignment inactivates its
enrollments; deleting a plan or learning object (possible only once no
assignment or plan names it) leaves enrollments, completions, certificates and
plan versions in place for reports.

Time: :meth:`Platform.tick` runs the scheduler (:mod:`.scheduler`), which records
what time causes, each event on its own day; reads never write. The platform's
today is the later of its wall clock (``today``, in the project's time zone) and
the day the scheduler last reached, so a rehearsal moved ahead stays ahead.
``now`` (UTC) is the platform's time: every stamp it stores (audit entries, a
resource's ``created_at``/``updated_at``, events, notifications, enrollments) and
what is kept for a while (remembered idempotent answers, apply leases) follow it.
A write reads it once, inside its transaction, so stamps follow commit order.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager
from datetime import date, datetime
from pathlib import Path
from typing import Any, Final

from reconciler.errors import (
    InvalidRequest,
    NotFoundError,
    PermanentError,
    PreconditionFailed,
    PreconditionRequired,
)
from reconciler.model import JSON, content_hash
from reconciler.rules.audience import AudienceError, resolve_all
from reconciler.rules.directory import User, parse_users_csv
from reconciler_sandbox import directory as users
from reconciler_sandbox import (
    events,
    journal,
    learning,
    locks,
    notifications,
    resources,
    scheduler,
    tokens,
    views,
)
from reconciler_sandbox.clock import now as utc_clock
from reconciler_sandbox.clock import wall_clock
from reconciler_sandbox.db import Database
from reconciler_sandbox.membership import Membership, StoredAudiences
from reconciler_sandbox.plans import record_plan_spec
from reconciler_sandbox.resources import StoredResource
from reconciler_sandbox.spec_schema import check_document
from reconciler_sandbox.specs import check_kind, keeps, parse_body

# The largest page the API serves; the engine reads one row more to know whether
# another page follows.
MAX_PAGE = 1000
_MAX_READ = MAX_PAGE + 1
# A write of these kinds may change the enrollments of any number of learners (its
# audience's); one of a learning object touches only the resource.
FANS_OUT: Final = frozenset({"Audience", "CertificationPlan", "Assignment"})


class Platform:
    """The reference learning platform. Safe to share between threads (a connection per
    thread) and to open from several processes at once (WAL, busy timeout)."""

    def __init__(self, path: str | Path, *, today: Callable[[], date] | None = None,
                 now: Callable[[], datetime] | None = None) -> None:
        self._db = Database(path)
        self._today = today or wall_clock()
        self._now = now or utc_clock
        self._membership = Membership()

    @property
    def path(self) -> Path:
        return self._db.path

    def close(self) -> None:
        self._db.close()

    def unless_busy(self) -> AbstractContextManager[None]:
        """In the block, the first write starts only if it can at once, else raises
        :class:`~reconciler_sandbox.db.WriterBusy` having done nothing (see
        ``Database.unless_busy``)."""
        return self._db.unless_busy()

    def state_version(self) -> int:
        return journal.state_version(self._db.connection())

    # -- resources -----------------------------------------------------------------

    def list_resources(self, kind: str, *, after: str | None = None,
                       limit: int = 100) -> list[dict[str, Any]]:
        """A page of resources ordered by name, starting after ``after``."""
        with self._db.read() as conn:
            page = self._page(conn, kind, after, limit)
            today = self._platform_today(conn)
            # A page of audiences counts its members in one pass over them all (each
            # resolved once, however often included), not one resolution per audience.
            members = self._members(conn, page) if kind == "Audience" and page else None
            return [stored.wire(self._status(conn, stored, today, members)) for stored in page]

    def list_stored(self, kind: str, *, after: str | None = None,
                    limit: int = 100) -> list[StoredResource]:
        """:meth:`list_resources` as stored, without the ``status`` blocks: counting
        enrollments is most of a read's cost, and :meth:`resource_status` gives one
        resource's when it is wanted (the in-process provider reads this way)."""
        with self._db.read() as conn:
            return self._page(conn, kind, after, limit)

    @staticmethod
    def _page(conn: Any, kind: str, after: str | None, limit: int) -> list[StoredResource]:
        check_kind(kind)
        if not 1 <= limit <= _MAX_READ:
            raise InvalidRequest(f"limit must be between 1 and {_MAX_READ}", pointer="/limit")
        return resources.fetch_page(conn, kind, after, limit)

    def resource_status(self, kind: str, name: str) -> dict[str, Any]:
        """The ``status`` block of one resource as of now (``{}``: it is gone)."""
        check_kind(kind)
        with self._db.read() as conn:
            stored = resources.fetch(conn, kind, name)
            return {} if stored is None else self._status(conn, stored)

    def get_resource(self, kind: str, name: str) -> dict[str, Any]:
        check_kind(kind)
        with self._db.read() as conn:
            return self._wire(conn, self._existing(conn, kind, name))

    def put_resource(
        self, kind: str, name: str, body: dict[str, Any], *, if_match: int | None = None,
        if_none_match: bool = False, actor: str, idempotency_key: str | None = None,
    ) -> tuple[dict[str, Any], bool]:
        """Create (``if_none_match``) or update (``if_match`` = the version read) a
        resource. Returns the resource and whether it was created. Writing the same
        content again changes nothing (no new version). ``body`` may also be a whole
        document as read (``apiVersion``, ``kind``, server metadata, ``status``); it
        must pass the kind's JSON Schema (:class:`SchemaViolation` lists every problem)."""
        check_kind(kind)
        check_document(kind, name, body)  # the JSON Schema, for every caller alike
        parsed = parse_body(kind, body)
        keyed = journal.keyed_request(
            idempotency_key, {"op": "put", "kind": kind, "name": name, "body": body,
                              "if_match": if_match, "if_none_match": if_none_match},
            self._now())
        with self._db.write() as conn:
            replayed = journal.replay(conn, keyed)
            if replayed is not None:
                return replayed["resource"], bool(replayed["created"])
            before = resources.fetch(conn, kind, name)
            self._check_put_precondition(kind, name, before, if_match, if_none_match)
            at = self._now()
            now = journal.utc_iso(at)
            after = StoredResource(
                kind=kind, name=name, version=before.version + 1 if before else 1,
                managed_by=_mark(parsed.managed_by, before.managed_by if before else None),
                spec_hash=_mark(parsed.spec_hash, before.spec_hash if before else None),
                labels=parsed.labels, annotations=parsed.annotations, spec=parsed.spec,
                created_at=before.created_at if before else now, updated_at=now,
            )
            if before is not None and before.same_content(after):
                result = self._wire(conn, before)
            else:
                result = self._change(conn, before, after, actor=actor,
                                      action="update" if before else "create", at=at)
            created = before is None
            journal.remember(conn, keyed, {"resource": result, "created": created})
            return result, created

    def delete_resource(self, kind: str, name: str, *, if_match: int | None, actor: str,
                        idempotency_key: str | None = None) -> None:
        """Delete a resource nothing refers to (see the module docstring for history)."""
        check_kind(kind)
        keyed = journal.keyed_request(
            idempotency_key, {"op": "delete", "kind": kind, "name": name, "if_match": if_match},
            self._now())
        with self._db.write() as conn:
            if journal.replay(conn, keyed) is not None:
                return
            before = self._existing(conn, kind, name)
            self._check_version(before, if_match)
            referrers = resources.dependents(conn, kind, name)
            if referrers:
                raise PermanentError(
                    f"{kind}/{name} is still used by "
                    + ", ".join(f"{k}/{n}" for k, n in referrers)
                    + ": remove or change those first",
                    where=f"{kind}/{name}",
                )
            resources.remove(conn, kind, name)
            at = self._now()
            if kind == "Assignment":
                self._membership.reevaluate_removed(conn, name, self._platform_today(conn), at)
            journal.record_audit(conn, actor=actor, action="delete", kind=kind, name=name,
                                 before=_audited(before), after=None, at=at)
            journal.raise_state_version(conn)
            journal.remember(conn, keyed, {"deleted": True})

    def inactivate_resource(self, kind: str, name: str, *, if_match: int | None, actor: str,
                            idempotency_key: str | None = None) -> dict[str, Any]:
        """Set an assignment's ``active: false``: its learners lose access, and every
        enrollment, completion and certificate stays on record. Re-activate with a
        ``put_resource`` of ``active: true``."""
        check_kind(kind)
        if kind != "Assignment":
            raise InvalidRequest(f"only assignments can be inactivated, not a {kind}",
                                 pointer="/kind")
        keyed = journal.keyed_request(
            idempotency_key,
            {"op": "inactivate", "kind": kind, "name": name, "if_match": if_match},
            self._now())
        with self._db.write() as conn:
            replayed = journal.replay(conn, keyed)
            if replayed is not None:
                return dict(replayed["resource"])
            before = self._existing(conn, kind, name)
            self._check_version(before, if_match)
            if before.spec.get("active", True) is False:
                result = self._wire(conn, before)
            else:
                spec = {**before.spec, "active": False}
                at = self._now()
                after = StoredResource(
                    kind=kind, name=name, version=before.version + 1,
                    managed_by=before.managed_by,
                    # learnops inactivated it: the live content still matches its mark.
                    spec_hash=content_hash(spec) if before.spec_hash else None,
                    labels=before.labels, annotations=before.annotations, spec=spec,
                    created_at=before.created_at, updated_at=journal.utc_iso(at),
                )
                result = self._change(conn, before, after, actor=actor, action="inactivate",
                                      at=at)
            journal.remember(conn, keyed, {"resource": result})
            return result

    def _change(self, conn: Any, before: StoredResource | None, after: StoredResource, *,
                actor: str, action: str, at: datetime) -> dict[str, Any]:
        """Store ``after`` (``before``: as it was) with what it means for learners, the
        audit entry and a new state version, all stamped ``at``; the resource as now
        served."""
        today = self._platform_today(conn)
        resources.store(conn, after, before)
        self._apply_effects(conn, before, after, today, at)
        journal.record_audit(conn, actor=actor, action=action, kind=after.kind,
                             name=after.name, before=_audited(before), after=_audited(after),
                             at=at)
        journal.raise_state_version(conn)
        return after.wire(self._status(conn, after, today))

    def _apply_effects(self, conn: Any, before: StoredResource | None,
                       after: StoredResource, today: date, at: datetime) -> None:
        """What a stored change means for learners, in the same transaction."""
        match after.kind:
            case "LearningObject":
                pass  # a changed completion rule applies to completions from now on
            case "Audience":
                # Resolving checks the new rule (cycles, malformed where) before commit.
                self._membership.members(conn, after.name)
                if before is not None and before.spec != after.spec:
                    self._membership.reevaluate(
                        conn, resources.assignments_reaching(conn, after.name), today, at=at)
            case "CertificationPlan":
                _, moved = record_plan_spec(conn, after.name, after.spec, today, at)
                learning.settle(conn, moved, today, at)
            case "Assignment":
                if before is None or before.spec != after.spec:
                    self._membership.reevaluate(conn, [after.name], today, at=at)

    def _existing(self, conn: Any, kind: str, name: str) -> StoredResource:
        stored = resources.fetch(conn, kind, name)
        if stored is None:
            raise NotFoundError(f"no {kind} named {name}", where=f"{kind}/{name}")
        return stored

    @staticmethod
    def _check_put_precondition(kind: str, name: str, before: StoredResource | None,
                                if_match: int | None, if_none_match: bool) -> None:
        where = f"{kind}/{name}"
        if if_match is not None and if_none_match:
            raise InvalidRequest("send either If-Match or If-None-Match, not both",
                                 pointer="/if_match")
        if if_match is None and not if_none_match:
            raise PreconditionRequired(
                "a write needs If-Match: <version> (update) or If-None-Match: * (create)",
                where=where)
        if if_none_match and before is not None:
            raise PreconditionFailed(f"{where} already exists (version {before.version})",
                                     where=where)
        if if_match is not None:
            if before is None:
                raise PreconditionFailed(f"{where} does not exist", where=where)
            if before.version != if_match:
                raise PreconditionFailed(
                    f"{where} is at version {before.version}, not {if_match}: read it again",
                    where=where)

    @staticmethod
    def _check_version(before: StoredResource, if_match: int | None) -> None:
        where = f"{before.kind}/{before.name}"
        if if_match is None:
            raise PreconditionRequired("a write needs If-Match: <version>", where=where)
        if before.version != if_match:
            raise PreconditionFailed(
                f"{where} is at version {before.version}, not {if_match}: read it again",
                where=where)

    def _wire(self, conn: Any, stored: StoredResource) -> dict[str, Any]:
        return stored.wire(self._status(conn, stored))

    def _status(self, conn: Any, stored: StoredResource, today: date | None = None,
                members: Mapping[str, frozenset[str]] | None = None) -> dict[str, Any]:
        def count(audience: str) -> int:
            if members is not None and audience in members:
                return len(members[audience])
            return self._membership.audience_count(conn, audience)

        return views.resource_status(
            conn, stored, today if today is not None else self._platform_today(conn), count)

    def _members(self, conn: Any,
                 page: list[StoredResource]) -> Mapping[str, frozenset[str]] | None:
        """The members of each audience of ``page``, those it includes resolved once."""
        try:
            return resolve_all(StoredAudiences(conn), self._membership.directory(conn),
                               [audience.name for audience in page])
        except AudienceError:  # not for stored audiences; counted one by one, then
            return None

    # -- users -----------------------------------------------------------------------

    def import_users_csv(
        self, text: str, *, actor: str, source: str = "users.csv"
    ) -> dict[str, int]:
        """Add and update users by employee_id; all or nothing. Changed learners are
        re-evaluated against every assignment (nobody else is looked at). ``source``
        names the CSV in errors (``source:line: ...``): the file as the user wrote it."""
        return self.import_users(parse_users_csv(text, source), actor=actor)

    def import_users(self, people: list[User], *, actor: str) -> dict[str, int]:
        """:meth:`import_users_csv` of users already parsed (learnops' directory writes)."""
        with self._db.write() as conn:
            at = self._now()
            result = users.upsert_users(conn, people, at)
            if result.changed:
                self._membership.reevaluate(
                    conn, resources.names_of(conn, "Assignment"), self._platform_today(conn),
                    only=result.changed, why_leaving="left the audience (directory change)",
                    at=at)
                journal.record_audit(
                    conn, actor=actor, action="import", kind="User", name="users.csv",
                    before=None,
                    after={"added": list(result.added), "updated": list(result.updated)},
                    at=at)
                journal.raise_state_version(conn)
        return {"added": len(result.added), "updated": len(result.updated),
                "unchanged": result.unchanged}

    def list_users(self, *, after: str | None = None, limit: int = 100) -> list[dict[str, Any]]:
        if not 1 <= limit <= _MAX_READ:
            raise InvalidRequest(f"limit must be between 1 and {_MAX_READ}", pointer="/limit")
        with self._db.read() as conn:
            return [users.user_wire(u) for u in users.page_of_users(conn, after, limit)]

    def list_groups(self) -> list[dict[str, Any]]:
        with self._db.read() as conn:
            return users.groups_with_counts(conn)

    def directory(self) -> list[User]:
        with self._db.read() as conn:
            return users.all_users(conn)

    # -- learners ----------------------------------------------------------------------

    @contextmanager
    def _as_of(self, as_of: date, employee_id: str | None = None) -> Iterator[Any]:
        """Reading never writes. A day the scheduler has processed is read as recorded;
        a later one is worked out by running the scheduler to it (for ``employee_id``
        only, if given) in a transaction that is rolled back, keeping nothing."""
        with self._db.read() as conn:
            processed = scheduler.platform_date(conn)
        if processed is not None and as_of <= processed:
            with self._db.read() as conn:
                yield conn
            return
        with self._db.scratch() as conn:
            processed = scheduler.platform_date(conn)  # another process may have ticked
            if processed is None or as_of > processed:
                scheduler.tick(conn, as_of, self._now(), employee_id=employee_id)
            yield conn

    def learner_view(self, employee_id: str, as_of: date) -> dict[str, Any]:
        """What the learner sees on ``as_of`` (time-driven events up to then included)."""
        with self._as_of(as_of, employee_id) as conn:
            if not users.user_exists(conn, employee_id):
                raise NotFoundError(f"no user {employee_id}", where=f"learners/{employee_id}")
            return views.learner_view(conn, employee_id, as_of)

    def record_completion(self, employee_id: str, object_name: str, *, completed_on: date,
                          score: int | None = None, actor: str) -> dict[str, Any]:
        with self._db.write() as conn:
            at = self._now()
            result = learning.record_completion(conn, employee_id, object_name, completed_on,
                                                score, actor, self._today(), at)
            journal.record_audit(conn, actor=actor, action="complete", kind="LearningObject",
                                 name=object_name, before=None, after=result, at=at)
            # Learner activity is not configuration: the state version stays (DESIGN
            # §7), so a plan saved before a completion still applies.
            return result

    def enrollments_report_csv(self, as_of: date) -> str:
        with self._as_of(as_of) as conn:
            return views.enrollments_report(conn, as_of)

    def notifications(self, employee_id: str | None = None, *, kind: str | None = None,
                      since: date | None = None, after: tuple[str, int] | None = None,
                      limit: int | None = None) -> list[dict[str, Any]]:
        """Notifications sent so far (the scheduler sends them), in date order: all,
        or those to one recipient (an employee id, or an admin's address)."""
        if limit is not None and not 1 <= limit <= _MAX_READ:  # a page and one more
            raise InvalidRequest(f"limit must be between 1 and {_MAX_READ}", pointer="/limit")
        with self._db.read() as conn:
            return notifications.listing(conn, recipient=employee_id, kind=kind, since=since,
                                         after=after, limit=limit)

    def events(self, employee_id: str | None = None, *,
               since: date | None = None) -> list[dict[str, Any]]:
        """The event log: everything that happened, in date order."""
        with self._db.read() as conn:
            return events.listing(conn, employee_id=employee_id, since=since)

    # -- time ------------------------------------------------------------------------

    def today(self) -> date:
        """The platform's today: the wall clock's date, or the date the platform was
        moved forward to for a rehearsal, whichever is later."""
        with self._db.read() as conn:
            return self._platform_today(conn)

    def _platform_today(self, conn: Any) -> date:
        processed = scheduler.platform_date(conn)
        wall = self._today()
        return wall if processed is None or wall > processed else processed

    def tick(self, until: date | None = None) -> scheduler.TickResult:
        """Run the scheduler up to ``until`` (default: today): every event due by then
        is recorded on its day and told, and the platform's date moves there (never
        back). What a nightly job does; ``serve`` runs it in the background."""
        recorded = 0
        # Work out what is due in a read (WAL: clients keep writing meanwhile), then
        # record it in a short write; a renewal or certificate opened means another pass. Another
        # scheduler on the same file (serve's and a cron job's) may record the same
        # events meanwhile: each is recorded once, and the date never moves back.
        while True:
            with self._db.read() as conn:
                day = until or self._platform_today(conn)
                since = scheduler.check_forward(conn, day)
                found = scheduler.due(conn, day, self._now())
            with self._db.write() as conn:
                recorded += scheduler.record(conn, found, self._now())
                if not found.opens_more:
                    scheduler.move_date(conn, day)
                    return scheduler.TickResult(since, max(day, since or day), recorded)

    # -- audit, locks, tokens ----------------------------------------------------------

    def audit(self, *, after: int = 0, limit: int = 100) -> list[dict[str, Any]]:
        if not 1 <= limit <= _MAX_READ:
            raise InvalidRequest(f"limit must be between 1 and {_MAX_READ}", pointer="/limit")
        return journal.audit_entries(self._db.connection(), after=after, limit=limit)

    def acquire_lock(self, holder: str, ttl_seconds: float) -> dict[str, Any]:
        with self._db.write() as conn:
            return locks.acquire(conn, holder, ttl_seconds, self._now())

    def lock_holder(self) -> dict[str, Any] | None:
        """The live lease as anyone may see it (no secret), or ``None``."""
        return locks.holder(self._db.connection(), self._now())

    def renew_lock(self, lock_id: str, ttl_seconds: float) -> dict[str, Any]:
        with self._db.write() as conn:
            return locks.renew(conn, lock_id, ttl_seconds, self._now())

    def release_lock(self, lock_id: str) -> None:
        with self._db.write() as conn:
            locks.release(conn, lock_id, self._now())

    def force_unlock(self, lock_id: str) -> None:
        with self._db.write() as conn:
            locks.force(conn, lock_id, actor="admin", at=self._now())

    def create_token(self, name: str, scopes: Iterable[str]) -> str:
        with self._db.write() as conn:
            return tokens.create(conn, name, scopes, self._now())

    def token_holder(self, secret: str) -> tuple[str, frozenset[str]] | None:
        """The token's name and scopes, or None for no such token."""
        return tokens.holder_of(self._db.connection(), secret)

    def token_scopes(self, secret: str) -> frozenset[str] | None:
        holder = self.token_holder(secret)
        return None if holder is None else holder[1]


def _mark(sent: object, kept: str | None) -> str | None:
    """An ownership mark left out of a write keeps its stored value."""
    if keeps(sent):
        return kept
    assert sent is None or isinstance(sent, str)  # parse_body checked
    return sent


def _audited(stored: StoredResource | None) -> JSON:
    if stored is None:
        return None
    wire = stored.wire({})
    del wire["status"]
    return wire
