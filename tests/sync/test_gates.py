"""Which changes a sync makes on its own: drift waits for --self-heal, removals for --prune."""

from __future__ import annotations

from typing import Any

import pytest

from reconciler.model import Address
from reconciler.plan.model import Change, Plan, Problem
from reconciler.sync.gates import GateOptions, gated_plan, select

CREATE = Change(Address("LearningObject", "new"), "create", "new in code")
EDIT = Change(Address("Assignment", "edited"), "update", "spec changed")
DRIFT = Change(Address("Assignment", "drifted"), "update", "drift")
BOTH = Change(Address("Assignment", "both"), "update", "spec changed and drift")
GONE = Change(Address("Assignment", "gone"), "inactivate", "removed from code")
DELETED = Change(Address("Audience", "old"), "delete", "removed from code",
                 refusal="delete-not-allowed")
SAME = Change(Address("Audience", "same"), "no-op", "unchanged")
# ``active: false`` written in the branch: asked for by the commit, not a removal.
PAUSED = Change(Address("Assignment", "paused"), "inactivate", "inactivated in code",
                after={"active": False})


def plan_of(*changes: Change, errors: tuple[Problem, ...] = ()) -> Plan:
    return Plan(
        source_dir="specs", source_digest="sha256:x", target_provider="sandbox",
        state_version=7, changes=changes, order=tuple((c.address,) for c in changes),
        errors=errors,
    )


def addresses(changes: tuple[Change, ...]) -> list[str]:
    return [str(change.address) for change in changes]


@pytest.mark.parametrize(("options", "applied"), [
    ({}, ["LearningObject/new", "Assignment/edited", "Assignment/both"]),
    ({"self_heal": True},
     ["LearningObject/new", "Assignment/edited", "Assignment/drifted", "Assignment/both"]),
    ({"prune": True},
     ["LearningObject/new", "Assignment/edited", "Assignment/both", "Assignment/gone"]),
])
def test_what_passes_the_gates(options: dict[str, Any], applied: list[str]) -> None:
    selection = select(plan_of(CREATE, EDIT, DRIFT, BOTH, GONE, SAME), GateOptions(**options))
    assert addresses(selection.to_apply) == applied


def test_an_assignment_inactivated_in_code_is_applied_without_prune() -> None:
    selection = select(plan_of(PAUSED, GONE), GateOptions())
    assert addresses(selection.to_apply) == ["Assignment/paused"]
    assert addresses(selection.held_removals) == ["Assignment/gone"]


def test_held_changes_and_the_errors_about_them_leave_the_plan() -> None:
    refused = Problem("LO704", "Audience/old was removed from the code", "Audience/old")
    other = Problem("LO701", "conflict", "specs/a.yaml:3:1")
    plan = plan_of(CREATE, DRIFT, DELETED, errors=(refused, other))

    selection = select(plan, GateOptions())
    runnable = gated_plan(plan, selection)

    assert addresses(selection.held_removals) == ["Audience/old"]
    assert addresses(selection.drifted) == ["Assignment/drifted"]
    assert selection.errors == (other,)
    assert [str(a) for generation in runnable.order for a in generation] == [
        "LearningObject/new"
    ]
    assert addresses(runnable.changes) == ["LearningObject/new"]
    assert not selection.in_sync
