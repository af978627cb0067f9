"""The ``kolibri`` provider: learnops' resources as a Kolibri facility's groups and lessons.

learnops.yaml: ``{type: kolibri, url: http://kolibri.local:8080, facility: Acme,
username_env: KOLIBRI_USER, password_env: KOLIBRI_PASSWORD, users: directory/users.csv}``
(see :mod:`reconciler_kolibri.settings`; the mapping is in :mod:`reconciler_kolibri.translate`).
Kolibri holds no learnops metadata and no versions: ownership, the applied spec and
the fingerprint of what was written live in learnops' state store.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import assert_never

from reconciler.errors import (
    NotFoundError,
    PermanentError,
    ReconcilerError,
    TemporaryError,
)
from reconciler.model import JSON, KINDS, Address, DesiredResource, DesiredState, ProviderConfig
from reconciler.providers import AppliedSpecs, LiveResource, WriteRequest
from reconciler.providers.releases import Release, ReleaseReport
from reconciler.rules.assignment import assignment_items, is_active
from reconciler.rules.audience import Directory, resolve_audience
from reconciler.rules.directory import User
from reconciler.rules.steps import renamed_steps
from reconciler_kolibri.capabilities import KOLIBRI
from reconciler_kolibri.client import KolibriClient
from reconciler_kolibri.people import People
from reconciler_kolibri.platform import KolibriPlatform, Snapshot
from reconciler_kolibri.release import due_releases
from reconciler_kolibri.settings import KolibriSettings
from reconciler_kolibri.terms import GONE, NO_TERMS, AsApplied, Terms, plans_of, terms_of
from reconciler_kolibri.translate import (
    assignment_body,
    assignment_spec,
    audience_spec,
    body_nodes,
    canonical_names,
    catalog,
    live_resources,
    plan_lessons,
    plan_spec,
    read_back,
    step_body,
    step_title,
)


class KolibriProvider:
    """A :class:`reconciler.providers.Provider` over Kolibri's REST API."""

    name = "kolibri"
    capabilities = KOLIBRI

    def __init__(self, config: ProviderConfig, project_root: Path) -> None:
        self.settings = KolibriSettings.from_config(config, project_root)
        self.client = KolibriClient(self.settings)
        self.platform = KolibriPlatform(self.client, self.settings.classroom,
                                        self.settings.channel)
        self.people = People(self.platform, self.settings)
        self._read: Snapshot | None = None  # the last read, for planning against it
        self._desired: DesiredState | None = None  # whose terms reads are in
        self._renamed: dict[Address, Address] = {}
        self._terms: Terms | None = None
        self._applied: AppliedSpecs | None = None  # the state's records, as planned
        self._as_applied = AsApplied()  # what Kolibri keeps nowhere, as applied

    def __repr__(self) -> str:
        return f"KolibriProvider(url={self.settings.url!r}, facility={self.settings.facility!r})"

    @property
    def identity(self) -> str:
        return f"{self.settings.url}#{self.settings.facility}/{self.settings.classroom}"

    # -- reads ---------------------------------------------------------------------------

    def read_in_terms_of(self, desired: DesiredState,
                         renamed: Mapping[Address, Address] | None = None,
                         applied: AppliedSpecs | None = None) -> None:
        """Read back, and hold, in ``desired``'s terms (:mod:`reconciler_kolibri.terms`);
        a lesson or group still under an old name (``renamed``) in its new name's; what
        Kolibri keeps nowhere (an assignment's plans, a plan's step order) as ``applied``
        (the state's records) says (:class:`reconciler_kolibri.terms.AsApplied`)."""
        self._desired, self._renamed, self._terms = desired, dict(renamed or {}), None
        self.people.renamed = self._renamed
        self._applied = applied
        self._as_applied = AsApplied(desired, applied)

    def terms(self) -> Terms:
        if self._terms is None:
            self._terms = (NO_TERMS if self._desired is None
                           else terms_of(self._desired, catalog(self.platform.nodes()),
                                         self._renamed, self._applied))
        return self._terms

    def read_resources(self, kinds: Sequence[str] = KINDS) -> list[LiveResource]:
        self._read = self.platform.snapshot()
        return live_resources(self._read, kinds, self.terms(), self._as_applied)

    def held(self, desired: DesiredState, resource: DesiredResource) -> DesiredResource:
        """What Kolibri will show of ``resource`` once written (the planner compares the
        live resource with it): an audience as the people it resolves to, a lesson
        without due dates, notifications or labels."""
        # Read once: apply asks while other writes (in other threads) drop the last read.
        last = self._read
        snapshot = last if last is not None else self.platform.snapshot()
        names = catalog(snapshot.nodes)
        terms, by_node = self.terms(), canonical_names(names)
        naming = terms.naming(resource.address, by_node)
        spec = resource.spec
        match resource.kind:
            case "Audience":
                audiences = {a.name: dict(a.spec) for a in desired.of_kind("Audience")}
                members = resolve_audience(resource.name, audiences,
                                           Directory(self.read_users()))
                if not self.settings.manage_users:
                    members &= set(snapshot.accounts)  # nobody else can be in a group
                held: dict[str, JSON] = audience_spec(members)
            case "Assignment":
                lesson = snapshot.lessons.get(resource.name)
                started = spec.get("start", "immediately") == "immediately" or (
                    lesson is not None and lesson.active)
                objects = [i.name for i in assignment_items(spec) if i.kind == "object"]
                plans = {p.name for p in desired.of_kind("CertificationPlan")
                         if p.spec.get("steps")}  # each has lessons once applied
                title = spec.get("title")
                held = assignment_spec(title if isinstance(title, str) else "",
                                       [p for p in plans_of(spec) if p in plans],
                                       read_back(objects, names, naming),
                                       str(spec.get("audience")), is_active(spec) and started)
            case "CertificationPlan":
                steps = [s for s in spec.get("steps") or [] if isinstance(s, dict)]
                held = plan_spec(str(spec.get("title", resource.name)), [
                    (str(step["name"]), read_back([str(i) for i in step.get("items") or []],
                                                  names, naming))
                    for step in steps])
            case _:
                return resource
        return replace(resource, spec=held, labels={}, annotations={})

    def read_resource(self, address: Address) -> LiveResource | None:
        found = [r for r in self.read_resources([address.kind]) if r.address == address]
        return found[0] if found else None

    def read_users(self) -> list[User]:
        """The directory audiences resolve over (:meth:`People.read_users`)."""
        return self.people.read_users()

    # -- the one write --------------------------------------------------------------------

    def write(self, request: WriteRequest) -> LiveResource | None:
        address = request.address
        self._read = None
        snapshot = self.platform.snapshot()
        match address.kind:
            case "LearningObject":
                raise PermanentError(
                    "Kolibri content comes from its channels; learnops never creates or "
                    "changes it (mark the object existing: true)", where=str(address))
            case "Audience":
                self._write_audience(request, snapshot)
            case "Assignment":
                self._applying(request, snapshot, self._write_assignment)
            case "CertificationPlan":
                self._applying(request, snapshot, self._write_plan)
            case _:
                raise PermanentError(f"unknown kind '{address.kind}'", where=str(address))
        if request.action == "delete":
            return None
        after = self.read_resource(address)
        if after is None:
            raise PermanentError("Kolibri does not show what was just written",
                                 where=str(address))
        return after

    def _spec(self, request: WriteRequest) -> dict[str, JSON]:
        if request.spec is None:
            raise PermanentError(f"a {request.action} needs a spec", where=str(request.address))
        return dict(request.spec)

    def _write_audience(self, request: WriteRequest, snapshot: Snapshot) -> None:
        name = request.address.name
        group = snapshot.groups.get(_held_as(request))
        match request.action:
            case "create" | "update":
                classroom = self.platform.ensure_classroom()
                if group is None:
                    group = self.platform.create_group(classroom, name)
                elif group.name != name:  # renamed in code, its record moved
                    group = self.platform.rename_group(group, name)
                self.people.set_members(name, self._spec(request), snapshot, classroom,
                                        group.id, group.user_ids)
            case "delete":
                if group is None:
                    raise NotFoundError("no such learner group", where=str(request.address))
                users = [title for title, lesson in snapshot.lessons.items()
                         if group.id in lesson.group_ids]
                if users:
                    raise PermanentError(
                        f"still assigned by Assignment/{sorted(users)[0]}",
                        where=str(request.address))
                self.platform.delete_group(group)
            case "inactivate":
                raise PermanentError("audiences cannot be inactivated",
                                     where=str(request.address))
            case _:
                assert_never(request.action)

    def _applying(self, request: WriteRequest, snapshot: Snapshot,
                  write: Callable[[WriteRequest, Snapshot], None]) -> None:
        """``write``, its spec applied as it goes out (what Kolibri keeps nowhere reads
        back as written); one refused or failed outright did not land, and leaves the
        applied spec as it was."""
        address = request.address
        before = self._as_applied.recorded(address)
        match request.action:
            case "create" | "update":
                self._as_applied.wrote(address, request.spec)
            case "inactivate":
                self._as_applied.wrote(address, None)  # its record keeps no spec
            case "delete":
                self._as_applied.wrote(address, GONE)
        try:
            write(request, snapshot)
        except ReconcilerError as problem:
            if not isinstance(problem, TemporaryError):  # else it may have landed
                self._as_applied.wrote(address, before)
            raise

    def _write_assignment(self, request: WriteRequest, snapshot: Snapshot) -> None:
        name = request.address.name
        lesson = snapshot.lessons.get(_held_as(request))
        match request.action:
            case "create" | "update":
                classroom = self.platform.ensure_classroom()
                body = assignment_body(name, self._spec(request), snapshot, classroom, lesson)
                if lesson is None:
                    self.platform.create_lesson(body)
                else:
                    self.platform.update_lesson(lesson, body)
            case "inactivate":
                if lesson is None:
                    raise NotFoundError("no such lesson", where=str(request.address))
                # The lesson stays with every learner's progress; learners stop seeing it.
                self.platform.update_lesson(lesson, {"active": False})
            case "delete":
                if lesson is None:
                    raise NotFoundError("no such lesson", where=str(request.address))
                self.platform.delete_lesson(lesson)
            case _:
                assert_never(request.action)

    def _write_plan(self, request: WriteRequest, snapshot: Snapshot) -> None:
        name = request.address.name
        existing = dict(plan_lessons(snapshot).get(_held_as(request), []))
        match request.action:
            case "create" | "update":
                spec = self._spec(request)
                classroom = self.platform.ensure_classroom()
                bodies = {str(s["name"]): step_body(name, str(spec.get("title", name)), s,
                                                    snapshot, classroom)
                          for s in spec.get("steps") or [] if isinstance(s, dict)}
                # A step renamed (the same items: reconciler.rules.steps) keeps its lesson,
                # titled anew, and everyone it was released to; as the plan's diff says.
                renamed = renamed_steps(
                    {n: lesson.node_ids for n, lesson in existing.items() if n not in bodies},
                    {n: body_nodes(body) for n, body in bodies.items() if n not in existing})
                lessons = {renamed.get(n, n): lesson for n, lesson in existing.items()}
                for step_name, body in bodies.items():
                    lesson = lessons.get(step_name)
                    if lesson is None:
                        self.platform.create_lesson(body)
                    else:  # learners the step was released to stay on it
                        self.platform.update_lesson(lesson, body)
                for step_name, lesson in lessons.items():
                    if step_name not in bodies:
                        self.platform.delete_lesson(lesson)
            case "delete":
                if not existing:
                    raise NotFoundError("no lessons of this plan", where=str(request.address))
                for lesson in existing.values():
                    self.platform.delete_lesson(lesson)
            case "inactivate":
                raise PermanentError("plans cannot be inactivated", where=str(request.address))
            case _:
                assert_never(request.action)

    # -- what Kolibri cannot schedule itself ------------------------------------------------

    def releases_due(self, desired: DesiredState, today: date) -> ReleaseReport:
        """What :meth:`release_due` would do today, without doing it."""
        return self._release(desired, today, perform=False)

    def release_due(self, desired: DesiredState, today: date) -> ReleaseReport:
        """Release due steps, start assignments, keep groups and accounts up to date."""
        return self._release(desired, today, perform=True)

    def _release(self, desired: DesiredState, today: date, *, perform: bool) -> ReleaseReport:
        snapshot = self.platform.snapshot()
        created, renamed, deactivated = self.people.accounts(snapshot, perform)
        if perform and (created or deactivated):
            snapshot = self.platform.snapshot()
        memberships = self.people.memberships(desired, snapshot, perform)
        if perform and memberships:
            snapshot = self.platform.snapshot()
        progress = ([] if snapshot.classroom_id is None
                    else self.platform.progress(snapshot.classroom_id))
        releases, started = due_releases(desired, snapshot, progress, today)
        if perform:
            for name in started:
                self.platform.update_lesson(snapshot.lessons[name], {"active": True})
            by_username = snapshot.accounts
            for (plan, step), learners in _by_step(releases).items():
                lesson = snapshot.lessons[step_title(plan, step)]
                ids = lesson.learner_ids | {by_username[u].id for u in learners}
                self.platform.update_lesson(lesson, {"learner_ids": sorted(ids)})
        return ReleaseReport(
            today=today.isoformat(), releases=tuple(releases), started=tuple(started),
            memberships=tuple(memberships), accounts_created=tuple(created),
            accounts_renamed=tuple(renamed), accounts_deactivated=tuple(deactivated),
        )

    def close(self) -> None:
        self.client.close()


def _held_as(request: WriteRequest) -> str:
    """The name Kolibri holds the resource under: the old one while a rename is written."""
    return (request.renamed_from or request.address).name


def _by_step(releases: Sequence[Release]) -> dict[tuple[str, str], list[str]]:
    grouped: dict[tuple[str, str], list[str]] = {}
    for release in releases:
        grouped.setdefault((release.plan, release.step), []).append(release.learner)
    return grouped
