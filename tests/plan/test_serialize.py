"""Saved plans round-trip and are checked against schema/plan.schema.json."""

from __future__ import annotations

import copy
import dataclasses
import json

import pytest
from jsonschema import Draft202012Validator

from reconciler.errors import PlanFileError
from reconciler.model import ADOPT_ANNOTATION, Address
from reconciler.plan.model import Plan
from reconciler.plan.serialize import plan_from_json, plan_to_json
from reconciler.schemas import load_schema

from .builders import Users, assignment, audience, cert_plan, desired, live, lo, make_plan, people


def varied_plan() -> Plan:
    return make_plan(
        [
            desired("LearningObject", "a", lo("a"), labels={"area": "x"}),
            desired("LearningObject", "b", lo("b", duration="5m"),
                    annotations={ADOPT_ANNOTATION: "true"}),
            desired("Audience", "all", audience()),
            desired("CertificationPlan", "p", cert_plan("a", "b", in_progress="migrate")),
            desired("Assignment", "go", assignment("all", ("plan", "p"))),
        ],
        [
            live("LearningObject", "b", lo("b"), managed=False),
            live("CertificationPlan", "p", cert_plan("a", "b", in_progress="migrate", title="T"),
                 status={"in_progress": 2}),
            live("Assignment", "old", assignment("all", ("object", "a"), on_remove="delete")),
        ],
        users=Users(people("E1", "E2")),
    )


def test_a_plan_survives_the_round_trip_through_json_text() -> None:
    plan = varied_plan()
    assert {c.action for c in plan.changes} >= {"create", "adopt", "update", "delete"}
    text = json.dumps(plan_to_json(plan))
    assert plan_from_json(json.loads(text)) == plan


def test_the_json_is_design_section_6_and_valid_against_its_schema() -> None:
    document = plan_to_json(varied_plan())
    Draft202012Validator(load_schema("plan.schema.json")).validate(document)
    assert document["format_version"] == "1"
    assert document["target"]["state_version"] == 42
    assert document["source"] == {"dir": "specs", "digest": "sha256:" + "ab" * 32}
    assert document["summary"]["create"] == 3
    update = next(c for c in document["changes"] if c["address"] == "CertificationPlan/p")
    assert update["precondition"] == {"version": 3}
    assert update["diff"] == [{"op": "change", "path": "title", "old": "T", "new": "A plan"}]
    assert update["impact"]["in_progress"] == 2 and update["disruptive"] is True
    assert update["refusal"] == "disruptive-not-allowed"
    assert document["order"][0] == ["LearningObject/a", "LearningObject/b"]


def test_a_tampered_plan_file_is_refused_naming_every_problem() -> None:
    document = plan_to_json(varied_plan())
    broken = copy.deepcopy(document)
    broken["changes"][0]["action"] = "destroy"
    del broken["target"]["state_version"]
    with pytest.raises(PlanFileError) as raised:
        plan_from_json(broken)
    assert "state_version" in raised.value.message and "destroy" in raised.value.message
    with pytest.raises(PlanFileError):
        plan_from_json(["not", "a", "plan"])


def test_order_addresses_parse_back() -> None:
    plan = plan_from_json(plan_to_json(varied_plan()))
    assert plan.order[0] == (Address("LearningObject", "a"), Address("LearningObject", "b"))


def test_the_json_records_where_the_plan_may_be_applied() -> None:
    plan = dataclasses.replace(
        varied_plan(), source_root="/home/ana/specs", target_name="staging",
        platform="https://staging-lms.example.com/api/v1",
    )
    document = plan_to_json(plan)
    Draft202012Validator(load_schema("plan.schema.json")).validate(document)
    assert document["source"] == {
        "dir": "specs", "root": "/home/ana/specs", "digest": "sha256:" + "ab" * 32
    }
    assert document["target"] == {
        "provider": "sandbox", "name": "staging",
        "platform": "https://staging-lms.example.com/api/v1", "state_version": 42,
    }
    read = plan_from_json(json.loads(json.dumps(document)))
    assert (read.source_root, read.target_name, read.platform) == (
        "/home/ana/specs", "staging", "https://staging-lms.example.com/api/v1"
    )


def test_a_plan_without_its_place_still_reads_but_says_so() -> None:
    document = plan_to_json(varied_plan())
    assert "root" not in document["source"] and "name" not in document["target"]
    read = plan_from_json(document)
    assert (read.source_root, read.target_name, read.platform) == (None, None, None)
