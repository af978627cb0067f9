"""Small builders for planner tests: desired resources, live resources, users."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from reconciler.model import (
    KINDS,
    MANAGED_BY,
    Address,
    DesiredResource,
    DesiredState,
    Location,
    ProjectConfig,
    ProviderConfig,
    content_hash,
)
from reconciler.plan.model import Plan
from reconciler.plan.planner import PlanOptions, plan_state
from reconciler.providers import LiveResource
from reconciler.rules.directory import User

DIGEST = "sha256:" + "ab" * 32


def lo(name: str, **spec: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "title": name.replace("-", " ").title(), "type": "course", "languages": [],
        "completion": {"type": "view"}, "prerequisites": [], "existing": False,
    }
    return {**base, **spec}


def audience(**spec: Any) -> dict[str, Any]:
    return {"users": [], "groups": [], "include": [], "where": {}, "exclude": [], **spec}


def cert_plan(*items: str, **spec: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "title": "A plan", "visibility": "released",
        "steps": [
            {"name": "first", "items": list(items[:1]), "release": {"at": "enrollment"},
             "required": True},
            {"name": "second", "items": list(items[1:]), "release": {"offset": "7d"},
             "required": True},
        ],
        "notify": {"admins": [], "on": []}, "in_progress": "keep",
    }
    return {**base, **spec}


def assignment(audience_name: str, *items: tuple[str, str], **spec: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "items": [{kind: name} for kind, name in items], "audience": audience_name,
        "start": "immediately", "notify": {"on_assign": True, "reminders": []},
        "active": True, "on_remove": "inactivate",
    }
    return {**base, **spec}


def desired(kind: str, name: str, spec: Mapping[str, Any], *, line: int = 1,
            labels: Mapping[str, str] | None = None,
            annotations: Mapping[str, str] | None = None) -> DesiredResource:
    return DesiredResource(
        address=Address(kind, name), spec=spec,
        location=Location(f"{kind.lower()}s.yaml", line, 1),
        labels=dict(labels or {}), annotations=dict(annotations or {}),
    )


def live(kind: str, name: str, spec: Mapping[str, Any], *, version: int = 3,
         managed: bool = True, spec_hash: str | None = "auto",
         labels: Mapping[str, str] | None = None, annotations: Mapping[str, str] | None = None,
         status: Mapping[str, Any] | None = None) -> LiveResource:
    """A live resource; ``spec_hash="auto"`` means "as learnops wrote this very spec"."""
    return LiveResource(
        address=Address(kind, name), spec=spec, version=version,
        managed_by=MANAGED_BY if managed else None,
        spec_hash=(content_hash(dict(spec)) if spec_hash == "auto" else spec_hash)
        if managed else None,
        labels=dict(labels or {}), annotations=dict(annotations or {}),
        status=dict(status or {}),
    )


def state(*resources: DesiredResource) -> DesiredState:
    project = ProjectConfig("test", Path("/nowhere"), ProviderConfig("sandbox"))
    return DesiredState(project=project, resources=tuple(resources), digest=DIGEST)


def kind_generations(resources: Iterable[DesiredResource]) -> list[list[Address]]:
    """Apply order by kind only: enough when tests have no same-kind references."""
    found = list(resources)
    return [
        sorted(r.address for r in found if r.kind == kind)
        for kind in KINDS
        if any(r.kind == kind for r in found)
    ]


class Users:
    """A directory that remembers whether the planner asked for it."""

    def __init__(self, users: Iterable[User] = ()) -> None:
        self.users = list(users)
        self.calls = 0

    def __call__(self) -> list[User]:
        self.calls += 1
        return self.users


def make_plan(wanted: Iterable[DesiredResource], on_platform: Iterable[LiveResource] = (), *,
              users: Users | None = None, allow_delete: bool = False,
              allow_disruptive: bool = False, state_version: int = 42,
              plan_versions: bool = True) -> Plan:
    resources = list(wanted)
    return plan_state(
        state(*resources), kind_generations(resources), list(on_platform),
        users or Users(),
        target_provider="sandbox", state_version=state_version,
        options=PlanOptions(allow_delete=allow_delete, allow_disruptive=allow_disruptive,
                            source_dir="specs"),
        plan_versions=plan_versions,
    )


def people(*ids: str, **attributes: str) -> list[User]:
    return [User(employee_id, dict(attributes)) for employee_id in ids]
