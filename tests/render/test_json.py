"""``--output json`` is DESIGN §6 and valid against schema/plan.schema.json."""

from __future__ import annotations

import json

from jsonschema import Draft202012Validator

from reconciler.plan.serialize import plan_from_json
from reconciler.render.json import render_json
from reconciler.schemas import load_schema

from .sample import empty_plan, rich_plan


def test_the_json_output_validates_against_the_plan_schema() -> None:
    validator = Draft202012Validator(load_schema("plan.schema.json"))
    for plan in (rich_plan(), rich_plan(errors=True), empty_plan()):
        document = json.loads(render_json(plan))
        assert list(validator.iter_errors(document)) == []


def test_the_json_output_reads_back_as_the_same_plan() -> None:
    plan = rich_plan(errors=True)
    assert plan_from_json(json.loads(render_json(plan))) == plan


def test_the_summary_and_a_change_look_like_the_design() -> None:
    document = json.loads(render_json(rich_plan()))
    assert document["summary"] == {
        "create": 1, "update": 2, "inactivate": 1, "delete": 0, "adopt": 1, "no-op": 1,
    }
    change = next(c for c in document["changes"]
                  if c["address"] == "Assignment/hipaa-2027-clinical")
    assert change["action"] == "update" and change["reason"] == "spec changed"
    assert change["diff"][0] == {"op": "change", "path": "due", "old": "30d", "new": "45d"}
    assert change["precondition"] == {"version": 7}
    assert change["impact"]["learners_added"] == 37
    assert change["location"] == {"file": "assignments.yaml", "line": 4, "col": 1}
