"""What learnops reads from and writes to Kolibri, as typed values over the raw API.

One :class:`Snapshot` per read holds the facility's accounts, the learnops
classroom (its members, learner groups and lessons) and the channel's content
nodes; writes are the handful of calls that change them. Nothing here knows
learnops' kinds: :mod:`reconciler_kolibri.translate` maps between the two.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Final

from reconciler.errors import PermanentError
from reconciler.model import JSON
from reconciler_kolibri.client import KolibriClient

TOPIC: Final = "topic"
# Kolibri's placeholder for "no password set": learners sign in without one where
# the facility allows it, and an admin can set one in Kolibri.
NO_PASSWORD: Final = "NOT_SPECIFIED"


@dataclass(frozen=True)
class Node:
    """A content node (a resource a lesson can hold)."""

    id: str
    content_id: str
    channel_id: str
    title: str
    kind: str
    lang: str | None

    def resource(self) -> dict[str, str]:
        return {"contentnode_id": self.id, "content_id": self.content_id,
                "channel_id": self.channel_id}


@dataclass(frozen=True)
class Account:
    id: str
    username: str
    full_name: str


@dataclass(frozen=True)
class Group:
    id: str
    name: str
    user_ids: frozenset[str]


@dataclass(frozen=True)
class Lesson:
    id: str
    title: str
    description: str
    node_ids: tuple[str, ...]
    active: bool
    group_ids: frozenset[str]  # learner groups (and the classroom) it is assigned to
    learner_ids: frozenset[str]  # learners it is assigned to one by one
    created: str  # ISO date-time


@dataclass(frozen=True)
class Progress:
    """A learner's state on one piece of content, from the coach's class summary."""

    learner_id: str
    content_id: str
    status: str  # Completed | Started | HelpNeeded | NotStarted
    last_activity: str | None  # ISO date-time


@dataclass(frozen=True)
class Snapshot:
    classroom_id: str | None
    accounts: Mapping[str, Account]  # by username (= employee id)
    classroom_members: frozenset[str]  # account ids
    groups: Mapping[str, Group]  # by name
    lessons: Mapping[str, Lesson]  # by title
    nodes: tuple[Node, ...]

    def account_by_id(self) -> dict[str, Account]:
        return {account.id: account for account in self.accounts.values()}


class KolibriPlatform:
    """The calls learnops makes, in Kolibri's own terms."""

    def __init__(self, client: KolibriClient, classroom: str, channel: str | None) -> None:
        self.client = client
        self.classroom_name = classroom
        self.channel = channel
        # Read once per run: learnops never writes content, and a classroom keeps its id.
        self._nodes: tuple[Node, ...] | None = None
        self._classroom_id: str | None = None
        # Apply writes several resources at once; the first ones of a new classroom must
        # not each make one (their lessons and groups would land in different classrooms).
        self._classroom_lock = threading.Lock()

    # -- reads -------------------------------------------------------------------------

    def snapshot(self) -> Snapshot:
        facility = self.client.facility_id
        accounts = {
            str(a["username"]): Account(str(a["id"]), str(a["username"]),
                                        str(a.get("full_name") or ""))
            for a in self.client.listed("/api/auth/facilityuser/", {"facility": facility})
        }
        classroom_id = self.classroom_id()
        groups: dict[str, Group] = {}
        lessons: dict[str, Lesson] = {}
        members: frozenset[str] = frozenset()
        if classroom_id is not None:
            members = frozenset(
                str(a["id"]) for a in
                self.client.listed("/api/auth/facilityuser/", {"member_of": classroom_id}))
            for item in self.client.listed("/api/auth/learnergroup/", {"parent": classroom_id}):
                group = Group(str(item["id"]), str(item["name"]),
                              frozenset(str(u) for u in item.get("user_ids") or ()))
                groups[group.name] = group
            for item in self.client.listed("/api/lessons/lesson/", {"collection": classroom_id}):
                lesson = _lesson(item)
                lessons[lesson.title] = lesson
        return Snapshot(classroom_id, accounts, members, groups, lessons, self.nodes())

    def classroom_id(self) -> str | None:
        if self._classroom_id is None:
            facility = self.client.facility_id
            found = [c for c in self.client.listed("/api/auth/classroom/", {"parent": facility})
                     if c.get("name") == self.classroom_name]
            self._classroom_id = str(found[0]["id"]) if found else None
        return self._classroom_id

    def nodes(self) -> tuple[Node, ...]:
        if self._nodes is None:
            self._nodes = self._read_nodes()
        return self._nodes

    def _read_nodes(self) -> tuple[Node, ...]:
        channel_ids = self._channel_ids()
        params: dict[str, str | int] = {}
        if channel_ids is not None:
            params["channels"] = ",".join(channel_ids)
        return tuple(
            Node(str(n["id"]), str(n["content_id"]), str(n["channel_id"]), str(n["title"]),
                 str(n["kind"]), n.get("lang") if isinstance(n.get("lang"), str) else None)
            for n in self.client.listed("/api/content/contentnode/", params)
            if n.get("kind") != TOPIC and n.get("available", True)
        )

    def _channel_ids(self) -> list[str] | None:
        if self.channel is None:
            return None
        channels = self.client.listed("/api/content/channel/")
        found = [str(c["id"]) for c in channels if self.channel in (c.get("id"), c.get("name"))]
        if not found:
            names = ", ".join(str(c.get("name")) for c in channels) or "none"
            raise PermanentError(f"Kolibri has no channel '{self.channel}' (it has: {names})",
                                 where=self.client.settings.url)
        return found

    def progress(self, classroom_id: str) -> list[Progress]:
        summary = self.client.get(f"/coach/api/classsummary/{classroom_id}/")
        rows = summary.get("content_learner_status", []) if isinstance(summary, dict) else []
        return [
            Progress(str(r["learner_id"]), str(r["content_id"]), str(r["status"]),
                     r.get("last_activity") if isinstance(r.get("last_activity"), str) else None)
            for r in rows if isinstance(r, dict)
        ]

    # -- writes ------------------------------------------------------------------------

    def ensure_classroom(self) -> str:
        with self._classroom_lock:
            existing = self.classroom_id()
            if existing is not None:
                return existing
            made = self.client.send("POST", "/api/auth/classroom/",
                                    {"name": self.classroom_name,
                                     "parent": self.client.facility_id})
            self._classroom_id = str(made["id"])
            return self._classroom_id

    def create_account(self, username: str, full_name: str) -> Account:
        made = self.client.send("POST", "/api/auth/facilityuser/", {
            "username": username, "full_name": full_name, "password": NO_PASSWORD,
            "facility": self.client.facility_id,
        })
        return Account(str(made["id"]), username, full_name)

    def rename_account(self, account: Account, full_name: str) -> None:
        self.client.send("PATCH", f"/api/auth/facilityuser/{account.id}/",
                         {"full_name": full_name})

    def deactivate_account(self, account: Account) -> None:
        # Kolibri soft-deletes: the account and its progress stay, sign-in stops.
        self.client.send("DELETE", f"/api/auth/facilityuser/{account.id}/")

    def create_group(self, classroom_id: str, name: str) -> Group:
        made = self.client.send("POST", "/api/auth/learnergroup/",
                                {"name": name, "parent": classroom_id})
        return Group(str(made["id"]), name, frozenset())

    def rename_group(self, group: Group, name: str) -> Group:
        self.client.send("PATCH", f"/api/auth/learnergroup/{group.id}/", {"name": name})
        return Group(group.id, name, group.user_ids)

    def delete_group(self, group: Group) -> None:
        self.client.send("DELETE", f"/api/auth/learnergroup/{group.id}/")

    def add_members(self, collection_id: str, account_ids: Iterable[str]) -> None:
        body: list[dict[str, str]] = [{"user": account_id, "collection": collection_id}
                                      for account_id in sorted(account_ids)]
        if body:
            self.client.send("POST", "/api/auth/membership/", body)

    def remove_members(self, collection_id: str, account_ids: Iterable[str]) -> None:
        ids = sorted(account_ids)
        if ids:
            self.client.send("DELETE", "/api/auth/membership/",
                             params={"collection": collection_id, "user_ids": ",".join(ids)})

    def create_lesson(self, body: Mapping[str, JSON]) -> Lesson:
        return _lesson(self.client.send("POST", "/api/lessons/lesson/", dict(body)))

    def update_lesson(self, lesson: Lesson, body: Mapping[str, JSON]) -> Lesson:
        return _lesson(self.client.send("PATCH", f"/api/lessons/lesson/{lesson.id}/", dict(body)))

    def delete_lesson(self, lesson: Lesson) -> None:
        self.client.send("DELETE", f"/api/lessons/lesson/{lesson.id}/")


def _lesson(item: Any) -> Lesson:
    if not isinstance(item, dict) or "id" not in item:
        raise PermanentError("Kolibri sent a lesson without an id")
    resources = item.get("resources") or []
    return Lesson(
        id=str(item["id"]),
        title=str(item.get("title", "")),
        description=str(item.get("description") or ""),
        node_ids=tuple(str(r["contentnode_id"]) for r in resources if isinstance(r, dict)),
        active=bool(item.get("active")),
        group_ids=frozenset(str(g) for g in item.get("assignments") or ()),
        learner_ids=frozenset(str(u) for u in item.get("learner_ids") or ()),
        created=str(item.get("date_created") or ""),
    )
