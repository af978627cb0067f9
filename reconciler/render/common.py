"""What every renderer says the same way: symbols, verbs, values, impact, summary."""

from __future__ import annotations

import json
from typing import Final, assert_never

from reconciler.model import JSON
from reconciler.plan.model import ACTIONS, Action, Change, DiffOp, Impact, Plan, Refusal

VALUE_WIDTH: Final = 80


def symbol(change: Change) -> str:
    """``+`` create, ``~`` update or adopt, ``-`` inactivate or delete, ``!`` refused."""
    if change.refused:
        return "!"
    action: Action = change.action
    match action:
        case "create":
            return "+"
        case "update" | "adopt":
            return "~"
        case "inactivate" | "delete":
            return "-"
        case "no-op":
            return " "
        case _:
            assert_never(action)


def colour_of(change: Change) -> str:
    """ANSI SGR code for ``change`` (the CLI decides whether colour is used at all)."""
    if change.refused:
        return "1;31"
    action: Action = change.action
    match action:
        case "create":
            return "32"
        case "update" | "adopt":
            return "33"
        case "inactivate" | "delete":
            return "31"
        case "no-op":
            return "2"
        case _:
            assert_never(action)


def diff_mark(op: DiffOp) -> str:
    match op:
        case "add":
            return "+"
        case "remove":
            return "-"
        case "change":
            return "~"
        case _:
            assert_never(op)


def refusal_text(refusal: Refusal) -> str:
    match refusal:
        case "prevent-destroy":
            return 'refused: it carries learnops.io/prevent-destroy: "true"'
        case "delete-not-allowed":
            return "refused: deleting needs --allow-delete"
        case "disruptive-not-allowed":
            return "refused: moving learners in progress needs --allow-disruptive"
        case _:
            assert_never(refusal)


def value_text(value: JSON, width: int = VALUE_WIDTH) -> str:
    """A value as compact JSON, cut to ``width`` characters."""
    text = json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(", ", ": "))
    return text if len(text) <= width else text[: width - 1] + "…"


def impact_parts(impact: Impact) -> list[str]:
    """Human phrases for an impact, empty when it affects nobody."""
    parts: list[str] = []
    if impact.learners_added:
        parts.append(f"{impact.learners_added} learner{_s(impact.learners_added)} added")
    if impact.learners_removed:
        parts.append(f"{impact.learners_removed} learner{_s(impact.learners_removed)} removed")
    if impact.enrolled:
        parts.append(f"{impact.enrolled} enrolled")
    if impact.in_progress:
        parts.append(f"{impact.in_progress} in progress")
    if impact.new_version:
        parts.append("new version (enrolled learners keep theirs)")
    if impact.migrated:
        parts.append("learners in progress move to the new version")
    return parts


def summary_line(plan: Plan) -> str:
    counts = plan.summary()
    if not plan.has_changes:
        return f"No changes: the platform matches the specs ({counts['no-op']} resources)."
    listed = ", ".join(
        f"{counts[action]} to {action}" for action in ACTIONS if action != "no-op"
    )
    return f"Plan: {listed}, {counts['no-op']} unchanged."


def total_impact(plan: Plan) -> tuple[int, int, int]:
    """Learners added and removed by assignment changes, and learners in progress
    touched by any change (deduplicated across assignments by the planner)."""
    changes = [c for c in plan.changes if c.is_change]
    added = sum(c.impact.learners_added for c in changes if c.address.kind == "Assignment")
    removed = sum(c.impact.learners_removed for c in changes if c.address.kind == "Assignment")
    in_progress = sum(c.impact.in_progress for c in changes)
    return added, removed, in_progress


def _s(count: int) -> str:
    return "" if count == 1 else "s"
