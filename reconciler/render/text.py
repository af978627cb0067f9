"""The plan for a terminal: one line per changed resource, its field diffs and impact
under it, problems, then a summary line. Colour only when the caller says so."""

from __future__ import annotations

from typing import assert_never

from reconciler.plan.model import Change, FieldDiff, Plan
from reconciler.render.common import (
    colour_of,
    impact_parts,
    refusal_text,
    summary_line,
    symbol,
    value_text,
)


def render_text(plan: Plan, *, colour: bool = False) -> str:
    def paint(text: str, style: str) -> str:
        return f"\033[{style}m{text}\033[0m" if colour else text

    lines = [
        f"Plan for {plan.source_dir or '.'} against {plan.target_provider} "
        f"(state version {plan.state_version})",
        "",
    ]
    for change in plan.changes:
        if not change.is_change:
            continue
        lines.append(paint(_headline(change), colour_of(change)))
        lines.extend(f"    {_diff_line(diff)}" for diff in change.diff)
        parts = impact_parts(change.impact)
        if parts:
            lines.append(f"    learners: {', '.join(parts)}")
        if change.disruptive:
            lines.append(paint("    disruptive: learners in progress are affected", "1;33"))
        if change.refusal is not None:
            lines.append(paint(f"    {refusal_text(change.refusal)}", "1;31"))
    if plan.has_changes:
        lines.append("")
    lines.extend(paint(p.format("warning"), "1;33") for p in plan.warnings)
    lines.extend(paint(p.format("error"), "1;31") for p in plan.errors)
    if plan.warnings or plan.errors:
        lines.append("")
    summary = summary_line(plan)
    if plan.errors:
        count = len(plan.errors)
        summary += f" {count} error{'' if count == 1 else 's'}: this plan cannot be applied."
    lines.append(paint(summary, "1"))
    return "\n".join(lines) + "\n"


def _headline(change: Change) -> str:
    where = f"  [{change.location}]" if change.location else ""
    return f"{symbol(change)} {change.action} {change.address} ({change.reason}){where}"


def _diff_line(diff: FieldDiff) -> str:
    match diff.op:
        case "add":
            return f"+ {diff.path}: {value_text(diff.new)}"
        case "remove":
            return f"- {diff.path}: {value_text(diff.old)}"
        case "change":
            return f"~ {diff.path}: {value_text(diff.old, 38)} -> {value_text(diff.new, 38)}"
        case _:
            assert_never(diff.op)
