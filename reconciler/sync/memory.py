"""What a sync remembers between runs, kept in its own working copy.

``learnops sync --once`` is one process per cycle (cron, a CI schedule): without a
memory each run compiles and plans the whole repository again even when nothing
moved. The settled commit, the platform mark it left and the status are written to
``.git/learnops-sync.json`` (inside the working copy's git folder, so no checkout
touches it); the next run with the same options starts from there, so an unchanged
repository costs one ``git ls-remote`` and one state read, and under a bad head the
status still names the last good revision (compiled again from its commit to plan drift
against it when the platform moves). A memory of other options (another
target, path or gates) is not used.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from reconciler.sync.status import AppliedSet, ChangeRecord, SyncFailure, SyncState, SyncStatus

MEMORY_FILE: Final = Path(".git") / "learnops-sync.json"
_VERSION: Final = 1
_STATES: Final[tuple[SyncState, ...]] = ("Unknown", "Synced", "OutOfSync", "Failed")

Mark = tuple[str, int, int | None]


@dataclass(frozen=True)
class Memory:
    settled_commit: str
    mark: Mark | None  # None: a bad revision with no good one to hold to
    status: SyncStatus
    directory: str | None = None  # the directory source's digest, when there is one


def recall(workdir: Path, options: str, blank: SyncStatus) -> Memory | None:
    """The memory of the last run with the same ``options`` fingerprint, or None (none
    yet, other options, or a file this version cannot read: the run starts afresh)."""
    try:
        document = json.loads((workdir / MEMORY_FILE).read_text(encoding="utf-8"))
        if document.get("version") != _VERSION or document.get("options") != options:
            return None
        mark = document["mark"]
        return Memory(
            settled_commit=str(document["settled_commit"]),
            mark=None if mark is None else (str(mark[0]), int(mark[1]),
                                            None if mark[2] is None else int(mark[2])),
            status=_status(document["status"], blank),
            directory=None if document.get("directory") is None else str(document["directory"]),
        )
    except (OSError, ValueError, KeyError, TypeError, IndexError):
        return None


def remember(workdir: Path, options: str, memory: Memory) -> None:
    """Writes the memory whole (a temporary file renamed over the old one)."""
    target = workdir / MEMORY_FILE
    if not target.parent.is_dir():
        return  # no working copy yet (the first fetch failed): nothing settled to keep
    document = {"version": _VERSION, "options": options,
                "settled_commit": memory.settled_commit, "directory": memory.directory,
                "mark": list(memory.mark) if memory.mark is not None else None,
                "status": memory.status.to_json()}
    temporary = target.with_name(target.name + ".tmp")
    temporary.write_text(json.dumps(document, indent=1), encoding="utf-8")
    os.replace(temporary, target)


def _status(body: dict[str, Any], blank: SyncStatus) -> SyncStatus:
    state = body["status"]
    if state not in _STATES:
        raise ValueError(state)
    error, applied = body.get("last_error"), body.get("last_applied")
    return SyncStatus(
        repo=blank.repo, branch=blank.branch, path=blank.path, state=state,
        head=body.get("head"), revision=body.get("revision"),
        state_version=body.get("state_version"),
        drifted=tuple(body.get("drifted", ())), held_removals=tuple(body.get("held_removals", ())),
        pending=tuple(body.get("pending", ())),
        last_error=SyncFailure(
            message=error["message"], code=error["code"], where=error.get("where"),
            details=tuple(error.get("details", ())), revision=error.get("revision"),
            at=error["at"],
        ) if error else None,
        last_applied=AppliedSet(
            revision=applied["revision"], at=applied["at"],
            changes=tuple(ChangeRecord(c["address"], c["action"]) for c in applied["changes"]),
        ) if applied else None,
        last_attempt_at=body.get("last_attempt_at"), last_success_at=body.get("last_success_at"),
        cycles=int(body.get("cycles", 0)),
    )
