"""Who is who on Kolibri: the facility's accounts and the classroom's learner groups, kept
as learnops' directory and audiences say. Kolibri has no dynamic groups, so a group's
members are an audience resolved over the directory and written out; with
``manage_users: true`` the accounts follow the directory too."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from reconciler.errors import ConfigError, InvalidRequest
from reconciler.model import JSON, Address, DesiredState
from reconciler.providers.releases import MembershipChange
from reconciler.rules.audience import Directory, resolve_audience
from reconciler.rules.directory import DirectoryError, User, parse_users_csv
from reconciler_kolibri.platform import Group, KolibriPlatform, Snapshot
from reconciler_kolibri.settings import KolibriSettings

# A member list that matches nobody (resolve_audience reads an empty one as "everyone").
_NOBODY: Final = ["\x00nobody"]


class People:
    """``renamed`` (old -> new address): groups Kolibri still holds under an old name."""

    def __init__(self, platform: KolibriPlatform, settings: KolibriSettings) -> None:
        self.platform = platform
        self.settings = settings
        self.renamed: Mapping[Address, Address] = {}
        self._directory: list[User] | None = None

    def read_users(self) -> list[User]:
        """The directory learnops resolves audiences over: the ``users`` file when the
        target names one, else Kolibri's accounts (usernames, without attributes)."""
        if self.settings.users is not None:
            return list(self.directory())
        return [User(employee_id=a.username)
                for a in self.platform.snapshot().accounts.values()
                if a.username != self.settings.credentials()[0]]

    def directory(self) -> list[User]:
        if self._directory is None:
            path = self.settings.users
            assert path is not None
            try:
                text = path.read_text(encoding="utf-8")
            except OSError as problem:
                raise ConfigError(f"kolibri provider: cannot read users file {path}: "
                                  f"{problem.strerror}") from None
            try:
                self._directory = parse_users_csv(text, str(path))
            except DirectoryError as problem:
                raise ConfigError(str(problem)) from None
        return self._directory

    def set_members(self, name: str, spec: dict[str, JSON], snapshot: Snapshot,
                    classroom: str, group_id: str, current: frozenset[str]) -> MembershipChange:
        wanted = self.members(name, spec, snapshot)
        accounts = dict(snapshot.accounts)
        if self.settings.manage_users:
            people = {u.employee_id: u for u in self.directory()}
            for username in sorted(wanted - set(accounts)):
                accounts[username] = self.platform.create_account(
                    username, full_name(people[username]))
        ids = {accounts[u].id for u in wanted if u in accounts}
        members = snapshot.classroom_members
        self.platform.add_members(classroom, ids - members)
        self.platform.add_members(group_id, ids - current)
        self.platform.remove_members(group_id, current - ids)
        by_id = {a.id: a.username for a in accounts.values()}
        return MembershipChange(name, tuple(sorted(by_id[i] for i in ids - current)),
                                tuple(sorted(by_id.get(i, i) for i in current - ids)))

    def members(self, name: str, spec: dict[str, JSON], snapshot: Snapshot) -> frozenset[str]:
        """Employee ids the audience resolves to over the directory; an included or
        excluded audience counts as its Kolibri group's members (written before it)."""
        specs: dict[str, dict[str, JSON]] = {name: spec}
        by_id = {a.id: a.username for a in snapshot.accounts.values()}
        for key in ("include", "exclude"):
            for other in spec.get(key) or []:
                group = self._group(snapshot, str(other))
                if group is None:
                    raise InvalidRequest(f"Audience/{other} has no learner group on Kolibri",
                                         where=f"Audience/{name}")
                users = sorted(by_id[u] for u in group.user_ids if u in by_id)
                specs[str(other)] = {"users": users or _NOBODY}
        return resolve_audience(name, specs, Directory(self.read_users()))

    def _group(self, snapshot: Snapshot, audience: str) -> Group | None:
        """The learner group of ``audience``: under its old name while a rename is planned."""
        held = {new: old for old, new in self.renamed.items()}.get(
            Address("Audience", audience), Address("Audience", audience))
        return snapshot.groups.get(audience) or snapshot.groups.get(held.name)

    def accounts(self, snapshot: Snapshot,
                 perform: bool) -> tuple[list[str], list[str], list[str]]:
        """Accounts to create, rename and deactivate (done unless not ``perform``)."""
        if not self.settings.manage_users:
            return [], [], []
        created, renamed, deactivated = [], [], []
        for person in self.directory():
            account = snapshot.accounts.get(person.employee_id)
            name = full_name(person)
            if account is None and person.active:
                created.append(person.employee_id)
                if perform:
                    self.platform.create_account(person.employee_id, name)
            elif account is not None and not person.active:
                deactivated.append(person.employee_id)
                if perform:
                    self.platform.deactivate_account(account)
            elif account is not None and account.full_name != name:
                renamed.append(person.employee_id)
                if perform:
                    self.platform.rename_account(account, name)
        return created, renamed, deactivated

    def memberships(self, desired: DesiredState, snapshot: Snapshot,
                    perform: bool) -> list[MembershipChange]:
        """Groups whose members differ from their audience's (set unless not ``perform``)."""
        changes = []
        for audience in desired.of_kind("Audience"):  # in file order; includes come first
            group = snapshot.groups.get(audience.name)
            if group is None or snapshot.classroom_id is None:
                continue  # not applied yet: apply creates it
            wanted = self.members(audience.name, dict(audience.spec), snapshot)
            reachable = wanted & set(snapshot.accounts)  # people with a Kolibri account
            current = {a.username for a in snapshot.accounts.values() if a.id in group.user_ids}
            if reachable == current:
                continue
            if perform:
                change = self.set_members(audience.name, dict(audience.spec), snapshot,
                                          snapshot.classroom_id, group.id, group.user_ids)
                snapshot = self.platform.snapshot()
            else:
                change = MembershipChange(audience.name,
                                          tuple(sorted(reachable - current)),
                                          tuple(sorted(current - reachable)))
            changes.append(change)
        return changes


def full_name(person: User) -> str:
    parts = [person.attributes.get("first_name", ""), person.attributes.get("last_name", "")]
    return " ".join(p for p in parts if p) or person.employee_id
