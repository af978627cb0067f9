"""A private copy of specs/ on a fresh sandbox, for the plan and export CLI tests.

Until ``apply`` is used here, resources are written the way apply will write them:
one provider write per change of a plan, in the plan's order.
"""

from __future__ import annotations

import shutil
import uuid
from pathlib import Path

from reconciler_sandbox.engine import Platform

from reconciler.compiler import compile_dir
from reconciler.plan.model import Plan
from reconciler.plan.planner import build_plan
from reconciler.providers import WriteAction, WriteRequest
from reconciler.providers.registry import open_provider

SPECS = Path(__file__).resolve().parents[2] / "specs"
# Used only while specs/ has no directory of its own yet.
FALLBACK_USERS = (
    "employee_id,first_name,last_name,email,job_role,department,location,language,"
    "hire_date,groups,status\n"
    "E1001,Ana,Diaz,ana@example.com,Nurse,Nursing,Miami,es,2021-03-04,nursing,\n"
    "E1002,Bo,Li,bo@example.com,Physician,Medicine,Boston,en,2020-01-10,physicians,\n"
    "E1003,Cy,Ng,cy@example.com,Nurse,Nursing,Austin,es,2026-02-01,nursing;new-hires,\n"
    "E1004,Di,Fox,di@example.com,Manager,Administration,Boston,en,2019-05-01,managers,\n"
    "E1005,Ed,Ray,ed@example.com,Technician,Contractors,,en,2022-05-01,contractors,\n"
    "E1006,Flo,Kim,flo@example.com,Nurse,Nursing,Miami,es,2023-07-01,nursing,inactive\n"
)


def spec_copy(tmp_path: Path) -> Path:
    """specs/ copied under ``tmp_path`` (so ``.learnops/`` lands there too)."""
    target = tmp_path / "specs"
    shutil.copytree(SPECS, target, ignore=shutil.ignore_patterns(".learnops"))
    users = target / "directory" / "users.csv"
    if not users.exists():
        users.parent.mkdir(parents=True, exist_ok=True)
        users.write_text(FALLBACK_USERS, encoding="utf-8")
    return target


def platform(spec_dir: Path) -> Platform:
    path = spec_dir / ".learnops" / "sandbox.db"
    path.parent.mkdir(parents=True, exist_ok=True)
    return Platform(path)


def seed_catalog(spec_dir: Path) -> list[str]:
    """Put the objects the specs mark ``existing: true`` on the platform, unmanaged, as
    an organisation's catalog would have them. Returns their names."""
    state = compile_dir(spec_dir).state
    names: list[str] = []
    engine = platform(spec_dir)
    try:
        for resource in state.of_kind("LearningObject"):
            if resource.spec.get("existing") is True:
                body = {"metadata": {"labels": {}, "annotations": {}}, "spec": dict(resource.spec)}
                engine.put_resource("LearningObject", resource.name, body, if_none_match=True,
                                    actor="catalog")
                names.append(resource.name)
    finally:
        engine.close()
    return names


def plan_now(spec_dir: Path, **flags: bool) -> Plan:
    compiled = compile_dir(spec_dir)
    provider = open_provider(compiled.state.project)
    try:
        return build_plan(compiled, provider, source_dir="specs", **flags)
    finally:
        provider.close()


def write_plan(spec_dir: Path, **flags: bool) -> Plan:
    """Make the plan's changes, in its order, through the provider."""
    plan = plan_now(spec_dir, **flags)
    assert plan.ok, plan.errors
    compiled = compile_dir(spec_dir)
    provider = open_provider(compiled.state.project)
    try:
        for change in plan.to_write():
            action: WriteAction
            match change.action:
                case "create" | "update" | "inactivate" | "delete":
                    action = change.action
                case "adopt":
                    action = "update"
                case "no-op":
                    continue
            provider.write(WriteRequest(
                address=change.address, action=action, idempotency_key=str(uuid.uuid4()),
                precondition_version=change.precondition_version,
                spec=change.after if action in ("create", "update") else None,
                spec_hash=change.spec_hash, labels=change.labels,
                annotations=change.annotations,
            ))
    finally:
        provider.close()
    return plan
