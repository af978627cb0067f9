"""A real git repository of specs in a temporary folder, and a sandbox beside it.

The repository's ``learnops.yaml`` has a target ``live``: a sandbox whose database
path is absolute, outside the working copy, so the test (and every sync made in
it) looks at one stable platform.
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from reconciler_sandbox.engine import Platform

from reconciler.apply.executor import StopSignal
from reconciler.cli import clock as wall_clock
from reconciler.model import KINDS
from reconciler.sync.cycle import Syncer, SyncOptions
from reconciler.sync.git import Remote, WorkingCopy
from reconciler.sync.status import CycleReport

USERS = (
    "employee_id,first_name,last_name,email,job_role,department,location,language,"
    "hire_date,groups,status\n"
    "E1001,Ana,Diaz,ana@example.com,Nurse,Nursing,Miami,es,2021-03-04,nursing,\n"
    "E1002,Bo,Li,bo@example.com,Physician,Medicine,Boston,en,2020-01-10,physicians,\n"
    "E1003,Cy,Ng,cy@example.com,Nurse,Nursing,Austin,es,2026-02-01,nursing;new-hires,\n"
)

OBJECTS = """\
apiVersion: learnops/v1
kind: LearningObject
metadata: {name: hipaa-basics}
spec: {title: HIPAA Basics, type: course, duration: 45m}
---
apiVersion: learnops/v1
kind: LearningObject
metadata: {name: privacy-101}
spec: {title: Privacy 101, type: video}
---
apiVersion: learnops/v1
kind: Audience
metadata: {name: nurses}
spec: {groups: [nursing]}
"""

HIPAA = """\
apiVersion: learnops/v1
kind: Assignment
metadata: {name: hipaa-nurses}
spec:
  items: [{object: hipaa-basics}]
  audience: nurses
  due: 30d
"""

PRIVACY = """\
apiVersion: learnops/v1
kind: Assignment
metadata: {name: privacy-nurses}
spec:
  items: [{object: privacy-101}]
  audience: nurses
  due: 14d
"""

ALL_ADDRESSES = (
    "Assignment/hipaa-nurses", "Assignment/privacy-nurses", "Audience/nurses",
    "LearningObject/hipaa-basics", "LearningObject/privacy-101",
)


class SpecRepo:
    """``specs/`` in a git repository on branch ``main``; every method commits."""

    def __init__(self, root: Path, db: Path) -> None:
        self.root = root
        self.db = db
        root.mkdir(parents=True)
        self._git("init", "--quiet", "--initial-branch=main")
        self.write({
            "specs/learnops.yaml": (
                "project: sync-test\n"
                "provider: {type: sandbox, path: .learnops/sandbox.db, "
                "users: directory/users.csv}\n"
                "targets:\n"
                f"  live: {{type: sandbox, path: '{db}', users: directory/users.csv}}\n"
            ),
            "specs/directory/users.csv": USERS,
            "specs/objects.yaml": OBJECTS,
            "specs/assignments/hipaa.yaml": HIPAA,
            "specs/assignments/privacy.yaml": PRIVACY,
        })
        self.first = self.commit("specs: first programs")

    def write(self, files: dict[str, str]) -> None:
        for relative, text in files.items():
            path = self.root / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")

    def remove(self, relative: str) -> None:
        self._git("rm", "--quiet", relative)

    def commit(self, message: str, files: dict[str, str] | None = None) -> str:
        if files:
            self.write(files)
        self._git("add", "--all")
        self._git("-c", "user.name=Spec Author", "-c", "user.email=author@example.com",
                  "commit", "--quiet", "--allow-empty", "-m", message)
        return self._git("rev-parse", "HEAD").strip()

    def _git(self, *args: str) -> str:
        done = subprocess.run(["git", *args], cwd=self.root, capture_output=True, text=True,
                              check=True)
        return done.stdout


def make_syncer(repo: SpecRepo, workdir: Path, *,
                clock: Callable[[], datetime] = wall_clock.now, **options: Any) -> Syncer:
    copy = WorkingCopy(Remote.of(str(repo.root), "main"), workdir)
    return Syncer(copy, SyncOptions(path="specs", target="live", **options), clock=clock)


def cycle(syncer: Syncer) -> CycleReport:
    return syncer.cycle(StopSignal())


def audit_after(db: Path, mark: int) -> list[dict[str, Any]]:
    """Every audit entry after ``mark``: resource writes, lock leases, user imports."""
    if not db.exists():
        return []
    platform = Platform(db)
    try:
        return platform.audit(after=mark, limit=1000)
    finally:
        platform.close()


def resource_writes(db: Path, mark: int = 0) -> list[tuple[str, str, str, str]]:
    """(actor, action, kind, name) of every write to a resource after ``mark``."""
    return [
        (entry["actor"], entry["action"], entry["kind"], entry["name"])
        for entry in audit_after(db, mark)
        if entry["kind"] in KINDS
    ]


def last_audit_id(db: Path) -> int:
    entries = audit_after(db, 0)
    return int(entries[-1]["id"]) if entries else 0


def resource(db: Path, kind: str, name: str) -> dict[str, Any]:
    platform = Platform(db)
    try:
        return platform.get_resource(kind, name)
    finally:
        platform.close()


def lock_holder(db: Path) -> dict[str, Any] | None:
    """Who holds the platform's apply lock now (None: nobody)."""
    platform = Platform(db)
    try:
        return platform.lock_holder()
    finally:
        platform.close()


def write_behind_learnops(db: Path, kind: str, name: str, **spec_changes: Any) -> None:
    """Someone edits a resource in the platform's UI: same marks, other content."""
    platform = Platform(db)
    try:
        live = platform.get_resource(kind, name)
        metadata = live["metadata"]
        body = {
            "metadata": {"labels": metadata.get("labels", {}),
                         "annotations": metadata.get("annotations", {})},
            "spec": {**live["spec"], **spec_changes},
        }
        platform.put_resource(kind, name, body, if_match=metadata["version"], actor="someone")
    finally:
        platform.close()
