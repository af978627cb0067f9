"""Small spec directories and directories of users for the insight tests."""

from __future__ import annotations

from pathlib import Path

from reconciler.compiler import compile_dir
from reconciler.model import DesiredState
from reconciler.rules.audience import Directory
from reconciler.rules.directory import User

OBJECTS = """
apiVersion: learnops/v1
kind: LearningObject
metadata: {name: intro}
spec: {title: Intro, type: course}
---
apiVersion: learnops/v1
kind: LearningObject
metadata: {name: deep-dive}
spec: {title: Deep Dive, type: course}
---
apiVersion: learnops/v1
kind: LearningObject
metadata: {name: quiz}
spec: {title: Quiz, type: assessment}
"""


def state_of(tmp_path: Path, specs: str, *, objects: str = OBJECTS) -> DesiredState:
    """Compile ``specs`` (YAML documents) beside three learning objects."""
    spec_dir = tmp_path / "specs"
    spec_dir.mkdir(exist_ok=True)
    (spec_dir / "objects.yaml").write_text(objects, encoding="utf-8")
    (spec_dir / "program.yaml").write_text(specs, encoding="utf-8")
    return compile_dir(spec_dir).state


def user(employee_id: str, *groups: str, active: bool = True, **attributes: str) -> User:
    return User(employee_id, attributes, frozenset(groups), active)


def directory(*users: User) -> Directory:
    return Directory(users)


def _document(kind: str, name: str, body: str) -> str:
    return f"---\napiVersion: learnops/v1\nkind: {kind}\nmetadata: {{name: {name}}}\nspec: {body}\n"


def audience(name: str, body: str) -> str:
    return _document("Audience", name, body)


def assignment(name: str, body: str) -> str:
    return _document("Assignment", name, body)


def plan(name: str, body: str) -> str:
    return (f"---\napiVersion: learnops/v1\nkind: CertificationPlan\nmetadata: {{name: {name}}}\n"
            f"spec:\n{body}\n")
