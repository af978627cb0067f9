"""Which changes of a plan a sync may make on its own, and which it only reports.

A sync follows the branch, but two kinds of change wait for an explicit yes:
drift (the platform changed behind learnops' back) is reverted only with
``--self-heal``, and removals (``inactivate``/``delete``) go through only with
``--prune``. Everything else the branch asks for is applied with ``--auto-apply``,
and so is the directory change (new hires, movers and leavers in the directory
source are what the organisation already decided).
Held changes leave the plan before it reaches the executor, and so do the plan
errors about them (a removal the planner refuses is moot while it is held).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import assert_never

from reconciler.plan.model import Change, Plan, Problem


@dataclass(frozen=True)
class GateOptions:
    self_heal: bool = False
    prune: bool = False


@dataclass(frozen=True)
class Selection:
    """A plan split by the gates. ``to_apply`` holds every change the sync may make;
    ``drifted`` and ``held_removals`` are reported and left alone; ``errors`` are the
    plan's problems that still stand in the way."""

    to_apply: tuple[Change, ...]
    drifted: tuple[Change, ...]
    held_removals: tuple[Change, ...]
    errors: tuple[Problem, ...]
    people: int = 0  # directory changes to apply (the directory source says so: no gate)

    @property
    def writes(self) -> bool:
        return bool(self.to_apply or self.people)

    @property
    def in_sync(self) -> bool:
        return not (self.to_apply or self.people or self.drifted or self.held_removals)


def gate(change: Change, options: GateOptions) -> bool:
    """May the sync make ``change`` without anyone asking?"""
    match change.action:
        case "inactivate" if change.after is not None:
            return True  # ``active: false`` written in the branch: asked for, not a removal
        case "inactivate" | "delete":
            return options.prune
        case "update":
            # Code changed as well: the commit asks for the new content anyway.
            return change.reason != "drift" or options.self_heal
        case "create" | "adopt" | "no-op":
            return True
        case _:
            assert_never(change.action)


def select(plan: Plan, options: GateOptions) -> Selection:
    held = {c.address for c in plan.changes if c.is_change and not gate(c, options)}
    held_names = {str(address) for address in held}
    return Selection(
        to_apply=tuple(c for c in plan.changes if c.is_change and c.address not in held),
        drifted=tuple(c for c in plan.changes if c.address in held and c.reason == "drift"),
        held_removals=tuple(
            c for c in plan.changes if c.address in held and c.action in ("inactivate", "delete")
            and c.after is None
        ),
        errors=tuple(problem for problem in plan.errors if problem.where not in held_names),
        people=plan.directory_changes,
    )


def gated_plan(plan: Plan, selection: Selection) -> Plan:
    """``plan`` without the held changes (nor the errors about them): what may run."""
    kept = {change.address for change in selection.to_apply}
    held = {c.address for c in (*selection.drifted, *selection.held_removals)}
    order = tuple(
        generation
        for generation in (tuple(a for a in gen if a in kept) for gen in plan.order)
        if generation
    )
    return replace(
        plan,
        changes=tuple(change for change in plan.changes if change.address not in held),
        order=order,
        errors=selection.errors,
        directory=plan.directory if selection.people else None,
    )
