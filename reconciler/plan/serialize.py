"""Plans as JSON (DESIGN §6), both ways, so a saved plan is exactly the plan shown.

The document is ``schema/plan.schema.json``; reading one checks it against that
schema first, so a hand-edited or foreign file is refused with every problem
named instead of failing halfway through an apply.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, cast

from reconciler.errors import PlanFileError
from reconciler.model import JSON, Address, Location
from reconciler.plan.model import (
    ACTIONS,
    FORMAT_VERSION,
    Action,
    Change,
    DiffOp,
    DirectoryPlan,
    FieldDiff,
    Impact,
    Plan,
    Problem,
    Reason,
    Refusal,
    Settled,
    UserChange,
    UserChangeKind,
)
from reconciler.rules.directory import User
from reconciler.schemas import load_schema
from reconciler.state import Record

SCHEMA_FILE = "plan.schema.json"


def plan_to_json(plan: Plan) -> dict[str, JSON]:
    document: dict[str, JSON] = {
        "format_version": plan.format_version,
        "source": _without_none(
            {"dir": plan.source_dir, "root": plan.source_root, "digest": plan.source_digest}
        ),
        "target": _target_to_json(plan),
        "summary": dict(plan.summary()),
        "learners": {"added": plan.learners_added, "removed": plan.learners_removed},
        "changes": [_change_to_json(change) for change in plan.changes],
        "order": [[str(address) for address in generation] for generation in plan.order],
        "warnings": [_problem_to_json(problem) for problem in plan.warnings],
        "errors": [_problem_to_json(problem) for problem in plan.errors],
    }
    if plan.directory is not None:
        document["directory"] = _directory_to_json(plan.directory)
    if plan.releases_due:
        document["releases_due"] = list(plan.releases_due)
    return document


def plan_from_json(document: JSON) -> Plan:
    """A plan from its JSON form; :class:`PlanFileError` lists what is wrong."""
    # Imported here: only reading a saved plan needs it, and writing one (every
    # ``plan --out``) would otherwise pay its import (tens of milliseconds).
    from jsonschema import Draft202012Validator

    problems = sorted(
        Draft202012Validator(load_schema(SCHEMA_FILE)).iter_errors(document),
        key=lambda e: list(e.absolute_path),
    )
    if problems:
        listed = "; ".join(
            f"{'/'.join(str(p) for p in e.absolute_path) or '(top)'}: {e.message}"
            for e in problems[:5]
        )
        more = f" (and {len(problems) - 5} more)" if len(problems) > 5 else ""
        raise PlanFileError(f"not a learnops plan (format {FORMAT_VERSION}): {listed}{more}")
    data = cast(dict[str, Any], document)
    return Plan(
        format_version=data["format_version"],
        source_dir=data["source"]["dir"],
        source_digest=data["source"]["digest"],
        target_provider=data["target"]["provider"],
        state_version=data["target"]["state_version"],
        state_backend=data["target"].get("state", {}).get("backend"),
        state_lineage=data["target"].get("state", {}).get("lineage"),
        state_serial=data["target"].get("state", {}).get("serial"),
        settled=tuple(_settled_from_json(item)
                      for item in data["target"].get("state", {}).get("settled", [])),
        preconditions=data["target"].get("preconditions", True),
        changes=tuple(_change_from_json(item) for item in data["changes"]),
        order=tuple(
            tuple(Address.parse(text) for text in generation) for generation in data["order"]
        ),
        warnings=tuple(_problem_from_json(item) for item in data.get("warnings", [])),
        errors=tuple(_problem_from_json(item) for item in data.get("errors", [])),
        source_root=data["source"].get("root"),
        target_name=data["target"].get("name"),
        platform=data["target"].get("platform"),
        directory=_directory_from_json(data["directory"]) if "directory" in data else None,
        releases_due=tuple(str(line) for line in data.get("releases_due", ())),
        basis=data["target"].get("basis", {}).get("resources"),
        directory_basis=data["target"].get("basis", {}).get("directory"),
        learners_added=data.get("learners", {}).get("added", 0),
        learners_removed=data.get("learners", {}).get("removed", 0),
    )


def _change_to_json(change: Change) -> dict[str, JSON]:
    return {
        "address": str(change.address),
        "action": change.action,
        "reason": change.reason,
        "before": _plain(change.before),
        "after": _plain(change.after),
        "diff": [_diff_to_json(d) for d in change.diff],
        "precondition": {"version": change.precondition_version},
        "impact": _impact_to_json(change.impact),
        "disruptive": change.disruptive,
        "refusal": change.refusal,
        "spec_hash": change.spec_hash,
        "labels": dict(change.labels),
        "annotations": dict(change.annotations),
        "location": (
            None
            if change.location is None
            else {
                "file": change.location.file,
                "line": change.location.line,
                "col": change.location.col,
            }
        ),
        **({} if change.renamed_from is None else {"renamed_from": str(change.renamed_from)}),
    }


def _change_from_json(item: Mapping[str, Any]) -> Change:
    location = item.get("location")
    action: Action = item["action"]
    assert action in ACTIONS  # the schema's enum guarantees it
    return Change(
        address=Address.parse(item["address"]),
        action=action,
        reason=cast(Reason, item["reason"]),
        before=item.get("before"),
        after=item.get("after"),
        diff=tuple(_diff_from_json(d) for d in item.get("diff", [])),
        precondition_version=item["precondition"]["version"],
        impact=_impact_from_json(item["impact"]),
        disruptive=item.get("disruptive", False),
        refusal=cast("Refusal | None", item.get("refusal")),
        spec_hash=item.get("spec_hash"),
        labels=item.get("labels", {}),
        annotations=item.get("annotations", {}),
        location=(
            None
            if location is None
            else Location(location["file"], location["line"], location["col"])
        ),
        renamed_from=(Address.parse(item["renamed_from"]) if item.get("renamed_from")
                      else None),
    )


def _impact_to_json(impact: Impact) -> dict[str, JSON]:
    return {
        "learners_added": impact.learners_added,
        "learners_removed": impact.learners_removed,
        "in_progress": impact.in_progress,
        "enrolled": impact.enrolled,
        "new_version": impact.new_version,
        "migrated": impact.migrated,
        "sample_added": list(impact.sample_added),
        "sample_removed": list(impact.sample_removed),
        "learners": impact.learners,
        "newly_reached": impact.newly_reached,
        "no_longer_reached": impact.no_longer_reached,
        "items_gained": [{"item": n, "learners": c} for n, c in impact.items_gained],
        "items_lost": [{"item": n, "learners": c} for n, c in impact.items_lost],
        "may_include_in_progress": impact.may_include_in_progress,
    }


def _impact_from_json(impact: Mapping[str, Any]) -> Impact:
    return Impact(
        learners_added=impact["learners_added"],
        learners_removed=impact["learners_removed"],
        in_progress=impact["in_progress"],
        enrolled=impact.get("enrolled", 0),
        new_version=impact.get("new_version", False),
        migrated=impact.get("migrated", False),
        sample_added=tuple(impact.get("sample_added", ())),
        sample_removed=tuple(impact.get("sample_removed", ())),
        learners=impact.get("learners", 0),
        newly_reached=impact.get("newly_reached", 0),
        no_longer_reached=impact.get("no_longer_reached", 0),
        items_gained=tuple((i["item"], i["learners"]) for i in impact.get("items_gained", ())),
        items_lost=tuple((i["item"], i["learners"]) for i in impact.get("items_lost", ())),
        may_include_in_progress=impact.get("may_include_in_progress", False),
    )


def _diff_to_json(diff: FieldDiff) -> dict[str, JSON]:
    return {"op": diff.op, "path": diff.path, "old": _plain(diff.old), "new": _plain(diff.new)}


def _diff_from_json(item: Mapping[str, Any]) -> FieldDiff:
    return FieldDiff(cast(DiffOp, item["op"]), item["path"], item.get("old"), item.get("new"))


def _directory_to_json(directory: DirectoryPlan) -> dict[str, JSON]:
    return {
        "source": directory.source,
        "digest": directory.digest,
        "summary": dict(directory.counts()),
        "changes": [
            {
                "employee_id": change.employee_id,
                "change": change.kind,
                "user": {
                    "attributes": dict(change.user.attributes),
                    "groups": sorted(change.user.groups),
                    "active": change.user.active,
                },
                "diff": [_diff_to_json(diff) for diff in change.diff],
            }
            for change in directory.changes
        ],
        "impact": [
            {"assignment": name, "impact": _impact_to_json(impact)}
            for name, impact in directory.impact
        ],
    }


def _directory_from_json(item: Mapping[str, Any]) -> DirectoryPlan:
    return DirectoryPlan(
        source=item["source"],
        digest=item["digest"],
        changes=tuple(
            UserChange(
                employee_id=change["employee_id"],
                kind=cast(UserChangeKind, change["change"]),
                user=User(
                    change["employee_id"],
                    dict(change["user"]["attributes"]),
                    frozenset(change["user"]["groups"]),
                    change["user"]["active"],
                ),
                diff=tuple(_diff_from_json(diff) for diff in change["diff"]),
            )
            for change in item["changes"]
        ),
        impact=tuple(
            (entry["assignment"], _impact_from_json(entry["impact"])) for entry in item["impact"]
        ),
    )


def _problem_to_json(problem: Problem) -> dict[str, JSON]:
    return {"code": problem.code, "message": problem.message, "where": problem.where}


def _problem_from_json(item: Mapping[str, Any]) -> Problem:
    return Problem(item["code"], item["message"], item.get("where"))


def _target_to_json(plan: Plan) -> dict[str, JSON]:
    target = _without_none({
        "provider": plan.target_provider, "name": plan.target_name, "platform": plan.platform,
    })
    target["state_version"] = plan.state_version  # null: the platform counts no changes
    if not plan.preconditions:
        target["preconditions"] = False  # every write unconditional
    if plan.state_serial is not None:
        target["state"] = _without_none({
            "backend": plan.state_backend, "lineage": plan.state_lineage,
            "serial": plan.state_serial,
        })
        if plan.settled:
            target["state"]["settled"] = [_settled_to_json(s) for s in plan.settled]
    if plan.basis is not None:
        target["basis"] = _without_none(
            {"resources": plan.basis, "directory": plan.directory_basis}
        )
    return target


def _settled_to_json(settled: Settled) -> dict[str, JSON]:
    found: dict[str, JSON] = {"address": str(settled.address), "action": settled.action,
                              "landed": settled.landed}
    if settled.record is not None:
        found["record"] = settled.record.to_json()
    return found


def _settled_from_json(item: dict[str, Any]) -> Settled:
    record = item.get("record")
    return Settled(Address.parse(item["address"]), item["action"], item["landed"],
                   None if record is None else Record.from_json(record))


def _without_none(fields: dict[str, JSON]) -> dict[str, JSON]:
    """Where a plan may be applied is absent, not null, in plans made without a platform."""
    return {key: value for key, value in fields.items() if value is not None}


def _plain(value: JSON) -> JSON:
    """Mappings and tuples as plain dicts and lists (specs may arrive as read-only views)."""
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value
