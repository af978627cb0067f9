"""The resource store: versions, preconditions, idempotency, audit, references."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from reconciler_sandbox import journal
from reconciler_sandbox.engine import Platform
from reconciler_sandbox.journal import PRUNE_PER_WRITE, RETENTION

from reconciler.errors import (
    InvalidRequest,
    NotFoundError,
    PermanentError,
    PreconditionFailed,
    PreconditionRequired,
)
from reconciler.model import content_hash

from .conftest import Moment, assignment, audience, obj, put


def body(spec: dict, **metadata: object) -> dict:
    return {"metadata": {"labels": {"area": "compliance"}, "annotations": {}, **metadata},
            "spec": spec}


def test_create_then_update_raises_version_and_keeps_created_at(platform: Platform) -> None:
    created, was_created = platform.put_resource(
        "LearningObject", "hipaa-basics",
        body(obj("HIPAA"), managed_by="learnops", spec_hash="sha256:1"),
        if_none_match=True, actor="alice")
    assert was_created and created["metadata"]["version"] == 1
    assert created["metadata"]["managed_by"] == "learnops"
    assert created["kind"] == "LearningObject" and created["apiVersion"] == "learnops/v1"
    updated, was_created = platform.put_resource(
        "LearningObject", "hipaa-basics", body(obj("HIPAA Basics")), if_match=1, actor="bob")
    assert not was_created
    assert updated["metadata"]["version"] == 2
    assert updated["spec"]["title"] == "HIPAA Basics"
    assert updated["metadata"]["created_at"] == created["metadata"]["created_at"]
    # Ownership marks left out of a write are kept (so a foreign edit shows as drift).
    assert updated["metadata"]["managed_by"] == "learnops"
    assert updated["metadata"]["spec_hash"] == "sha256:1"
    assert platform.get_resource("LearningObject", "hipaa-basics") == updated


def test_writes_need_a_precondition_and_a_fresh_one(platform: Platform) -> None:
    with pytest.raises(PreconditionRequired):
        platform.put_resource("LearningObject", "a", body(obj("A")), actor="x")
    platform.put_resource("LearningObject", "a", body(obj("A")), if_none_match=True, actor="x")
    with pytest.raises(PreconditionFailed, match="already exists"):
        platform.put_resource("LearningObject", "a", body(obj("A")), if_none_match=True,
                              actor="x")
    platform.put_resource("LearningObject", "a", body(obj("A2")), if_match=1, actor="x")
    with pytest.raises(PreconditionFailed, match="version 2, not 1"):
        platform.put_resource("LearningObject", "a", body(obj("A3")), if_match=1, actor="x")
    with pytest.raises(PreconditionFailed, match="does not exist"):
        platform.put_resource("LearningObject", "b", body(obj("B")), if_match=1, actor="x")
    with pytest.raises(PreconditionRequired):
        platform.delete_resource("LearningObject", "a", if_match=None, actor="x")
    with pytest.raises(PreconditionFailed):
        platform.delete_resource("LearningObject", "a", if_match=1, actor="x")
    assert platform.get_resource("LearningObject", "a")["spec"]["title"] == "A2"


def test_every_write_raises_state_version_and_is_audited(platform: Platform) -> None:
    start = platform.state_version()
    seen = len(platform.audit(limit=1000))
    put(platform, "LearningObject", "a", obj("A"))
    put(platform, "LearningObject", "a", obj("A changed"))
    platform.delete_resource("LearningObject", "a", if_match=2, actor="carol")
    assert platform.state_version() == start + 3
    entries = platform.audit(after=0, limit=1000)[seen:]
    assert [e["action"] for e in entries] == ["create", "update", "delete"]
    assert entries[1]["before"]["spec"]["title"] == "A"
    assert entries[1]["after"]["spec"]["title"] == "A changed"
    assert entries[2]["actor"] == "carol" and entries[2]["after"] is None
    assert platform.audit(after=entries[1]["id"], limit=10) == [entries[2]]


def test_writing_the_same_content_changes_nothing(platform: Platform) -> None:
    first = put(platform, "LearningObject", "a", obj("A"))
    version = platform.state_version()
    again = put(platform, "LearningObject", "a", obj("A"))
    assert again["metadata"]["version"] == first["metadata"]["version"]
    assert platform.state_version() == version


def test_idempotency_key_replays_the_first_answer(platform: Platform) -> None:
    args = dict(if_none_match=True, actor="apply", idempotency_key="k-1")
    first = platform.put_resource("LearningObject", "a", body(obj("A")), **args)
    version = platform.state_version()
    audited = len(platform.audit(limit=1000))
    assert platform.put_resource("LearningObject", "a", body(obj("A")), **args) == first
    assert platform.state_version() == version
    assert len(platform.audit(limit=1000)) == audited
    with pytest.raises(InvalidRequest, match="different request"):
        platform.put_resource("LearningObject", "a", body(obj("B")), **args)
    platform.delete_resource("LearningObject", "a", if_match=1, actor="x", idempotency_key="d")
    platform.delete_resource("LearningObject", "a", if_match=1, actor="x", idempotency_key="d")
    with pytest.raises(NotFoundError):
        platform.get_resource("LearningObject", "a")


def remembered_keys(path: Path) -> set[str]:
    with sqlite3.connect(path) as conn:
        return {key for (key,) in conn.execute("SELECT key FROM idempotency")}


def test_a_remembered_answer_replays_within_retention_and_is_new_after(
    tmp_path: Path,
) -> None:
    moment = Moment(datetime(2027, 1, 4, 9, 0, tzinfo=UTC))
    platform = Platform(tmp_path / "kept.db", now=moment)
    args = dict(if_none_match=True, actor="apply", idempotency_key="k-1")
    first = platform.put_resource("LearningObject", "a", body(obj("A")), **args)
    moment.at += RETENTION - timedelta(milliseconds=1)
    assert platform.put_resource("LearningObject", "a", body(obj("A")), **args) == first
    with pytest.raises(InvalidRequest, match="different request"):
        platform.put_resource("LearningObject", "a", body(obj("B")), **args)
    moment.at += timedelta(milliseconds=1)
    # Another caller's keyed write prunes the expired answer ...
    platform.put_resource("LearningObject", "b", body(obj("B")), if_none_match=True,
                          actor="apply", idempotency_key="k-2")
    assert remembered_keys(platform.path) == {"k-2"}
    # ... and the key, sent again, is a new request: the create now meets "a" as it is.
    with pytest.raises(PreconditionFailed, match="already exists"):
        platform.put_resource("LearningObject", "a", body(obj("A")), **args)
    updated, created = platform.put_resource(
        "LearningObject", "a", body(obj("A2")), if_match=1, actor="apply",
        idempotency_key="k-1")
    assert (updated["metadata"]["version"], created) == (2, False)
    assert remembered_keys(platform.path) == {"k-1", "k-2"}
    platform.close()


def test_expired_answers_are_pruned_a_few_per_keyed_write(tmp_path: Path) -> None:
    moment = Moment(datetime(2027, 1, 4, 9, 0, tzinfo=UTC))
    platform = Platform(tmp_path / "pruned.db", now=moment)
    old = 3 * PRUNE_PER_WRITE
    for index in range(old):
        platform.put_resource("LearningObject", f"o{index}", body(obj("O")),
                              if_none_match=True, actor="apply", idempotency_key=f"old-{index}")
    moment.at += 2 * RETENTION
    # A write without a key leaves the table alone; each keyed one deletes a few.
    put(platform, "LearningObject", "unkeyed", obj("U"))
    assert len(remembered_keys(platform.path)) == old
    # The newest expired key is past this write's pruning, and still new: it creates.
    newest = f"old-{old - 1}"
    _, created = platform.put_resource("LearningObject", "fresh", body(obj("F")),
                                       if_none_match=True, actor="apply",
                                       idempotency_key=newest)
    assert created
    assert len(remembered_keys(platform.path)) == old - PRUNE_PER_WRITE
    for index in range(2):
        platform.delete_resource("LearningObject", f"o{index}", if_match=1, actor="x",
                                 idempotency_key=f"new-{index}")
    assert remembered_keys(platform.path) == {newest, "new-0", "new-1"}
    platform.close()


def test_only_a_keyed_write_hashes_its_request(
    platform: Platform, monkeypatch: pytest.MonkeyPatch,
) -> None:
    hashed: list[object] = []
    real = journal.content_hash
    monkeypatch.setattr(journal, "content_hash",
                        lambda value: hashed.append(value) or real(value))
    put(platform, "LearningObject", "a", obj("A"))
    platform.delete_resource("LearningObject", "a", if_match=1, actor="x")
    assert hashed == []
    platform.put_resource("LearningObject", "a", body(obj("A")), if_none_match=True,
                          actor="apply", idempotency_key="k")
    assert [request["op"] for request in hashed] == ["put"]  # type: ignore[index]


def test_pages_by_name_neither_skip_nor_repeat_under_writes(platform: Platform) -> None:
    for index in range(25):
        put(platform, "LearningObject", f"obj-{index:02d}", obj(f"O{index}"))
    first = platform.list_resources("LearningObject", limit=10)
    # Writes land between pages: one before the cursor, one after it.
    put(platform, "LearningObject", "obj-00a", obj("early"))
    put(platform, "LearningObject", "obj-99", obj("late"))
    names = [r["metadata"]["name"] for r in first]
    after = names[-1]
    while True:
        page = platform.list_resources("LearningObject", after=after, limit=10)
        if not page:
            break
        names += [r["metadata"]["name"] for r in page]
        after = names[-1]
    assert len(names) == len(set(names))
    assert {f"obj-{i:02d}" for i in range(25)} | {"obj-99"} <= set(names)
    with pytest.raises(InvalidRequest):
        platform.list_resources("LearningObject", limit=0)
    with pytest.raises(InvalidRequest):
        platform.list_resources("Course")


def test_dangling_references_and_referenced_deletes_are_refused(platform: Platform) -> None:
    with pytest.raises(InvalidRequest, match="Audience/nurses"):
        put(platform, "Assignment", "a1", assignment("nurses", {"object": "hipaa"}))
    put(platform, "LearningObject", "hipaa", obj("HIPAA"))
    put(platform, "Audience", "nurses", audience(groups=["nursing"]))
    put(platform, "Assignment", "a1", assignment("nurses", {"object": "hipaa"}))
    with pytest.raises(PermanentError, match="still used by Assignment/a1"):
        platform.delete_resource("Audience", "nurses", if_match=1, actor="x")
    with pytest.raises(PermanentError, match="Assignment/a1"):
        platform.delete_resource("LearningObject", "hipaa", if_match=1, actor="x")
    platform.delete_resource("Assignment", "a1", if_match=1, actor="x")
    platform.delete_resource("Audience", "nurses", if_match=1, actor="x")


def test_a_changed_reference_moves_what_is_held(platform: Platform) -> None:
    put(platform, "LearningObject", "hipaa", obj("HIPAA"))
    put(platform, "LearningObject", "fire", obj("Fire safety"))
    put(platform, "Audience", "nurses", audience(groups=["nursing"]))
    put(platform, "Assignment", "a1", assignment("nurses", {"object": "hipaa"}))
    with pytest.raises(InvalidRequest, match="LearningObject/ghost"):
        put(platform, "Assignment", "a1", assignment("nurses", {"object": "ghost"}))
    put(platform, "Assignment", "a1", assignment("nurses", {"object": "fire"}))
    platform.delete_resource("LearningObject", "hipaa", if_match=1, actor="x")  # let go
    with pytest.raises(PermanentError, match="still used by Assignment/a1"):
        platform.delete_resource("LearningObject", "fire", if_match=1, actor="x")
    with pytest.raises(PermanentError, match="still used by Assignment/a1"):
        platform.delete_resource("Audience", "nurses", if_match=1, actor="x")  # kept


def test_audience_cycles_and_bad_specs_are_refused(platform: Platform) -> None:
    put(platform, "Audience", "a", audience(groups=["nursing"]))
    put(platform, "Audience", "b", audience(include=["a"]))
    with pytest.raises(InvalidRequest, match="cycle"):
        put(platform, "Audience", "a", audience(include=["b"]))
    assert platform.get_resource("Audience", "a")["metadata"]["version"] == 1
    with pytest.raises(InvalidRequest) as bad:
        put(platform, "Assignment", "x", assignment("a", {"object": "o"}, due="soon"))
    assert bad.value.pointer == "/spec/due"
    with pytest.raises(InvalidRequest) as bad:
        platform.put_resource("LearningObject", "o", {"spec": "nope"}, if_none_match=True,
                              actor="x")
    assert bad.value.pointer == "/spec"


def test_inactivate_assignment_keeps_hash_in_step(platform: Platform) -> None:
    put(platform, "LearningObject", "hipaa", obj("HIPAA"))
    put(platform, "Audience", "nurses", audience(groups=["nursing"]))
    spec = assignment("nurses", {"object": "hipaa"})
    put(platform, "Assignment", "a1", spec, managed_by="learnops", spec_hash=content_hash(spec))
    inactive = platform.inactivate_resource("Assignment", "a1", if_match=1, actor="apply")
    assert inactive["spec"]["active"] is False and inactive["status"]["active"] is False
    assert inactive["metadata"]["version"] == 2
    assert inactive["metadata"]["spec_hash"] == content_hash(inactive["spec"])
    with pytest.raises(InvalidRequest):
        platform.inactivate_resource("Audience", "nurses", if_match=1, actor="apply")


def test_status_reports_counts_and_versions(platform: Platform) -> None:
    put(platform, "LearningObject", "hipaa", obj("HIPAA"))
    put(platform, "Audience", "nurses", audience(groups=["nursing"]))
    put(platform, "Assignment", "a1", assignment("nurses", {"object": "hipaa"}))
    status = platform.get_resource("Assignment", "a1")["status"]
    # E1005 is an inactive nurse: never a member.
    assert status == {"active": True, "enrolled": 2, "learners": 2, "in_progress": 0,
                      "completed": 0, "certified": 0, "inactive": 0}
    assert platform.get_resource("Audience", "nurses")["status"] == {"members": 2}
    assert platform.get_resource("LearningObject", "hipaa")["status"]["enrolled"] == 2


def test_a_page_of_audiences_counts_members_as_each_audience_alone_does(
    platform: Platform,
) -> None:
    """Listed, audiences are resolved together (an included one once): the counts are
    still each audience's own, whichever page the audiences it includes are on."""
    put(platform, "Audience", "nurses", audience(groups=["nursing"]))
    put(platform, "Audience", "everyone", audience())
    put(platform, "Audience", "z-not-nurses", audience(include=["everyone"],
                                                       exclude=["nurses"]))
    put(platform, "Audience", "a-nurses-too", audience(include=["nurses"]))
    alone = {name: platform.get_resource("Audience", name)["status"]
             for name in ("a-nurses-too", "everyone", "nurses", "z-not-nurses")}
    for limit in (1, 2, 4):
        listed, after = {}, None
        while page := platform.list_resources("Audience", after=after, limit=limit):
            listed |= {item["metadata"]["name"]: item["status"] for item in page}
            after = page[-1]["metadata"]["name"]
        assert listed == alone
    assert alone["nurses"] == alone["a-nurses-too"] == {"members": 2}
    assert alone["z-not-nurses"]["members"] == alone["everyone"]["members"] - 2 > 0
