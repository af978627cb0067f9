"""The plan for a terminal: one line per changed resource, its field diffs and impact
under it, problems, then a summary line. Colour only when the caller says so.

Values are never cut (a cut could hide what changed): a change whose two values do
not fit one line shows them on two lines of their own, and wrapping is the
terminal's job."""

from __future__ import annotations

from typing import Final, assert_never

from reconciler.plan.model import Change, FieldDiff, Plan
from reconciler.plan.step_diff import step_phrase
from reconciler.render.common import (
    change_location,
    colour_of,
    diff_mark,
    field_diffs,
    impact_parts,
    reason_text,
    refusal_text,
    state_mark,
    summary_line,
    symbol,
    unconditional_note,
    value_text,
)
from reconciler.render.directory import directory_headline, people_lines, reach_lines

ONE_LINE: Final = 100  # a change wider than this shows old and new on lines of their own


def render_text(plan: Plan, *, colour: bool = False) -> str:
    def paint(text: str, style: str) -> str:
        return f"\033[{style}m{text}\033[0m" if colour else text

    lines = [
        f"Plan for {plan.source_dir or '.'} against {plan.target_provider} "
        f"({state_mark(plan)})",
        "",
    ]
    note = unconditional_note(plan)
    if note is not None:
        lines.extend([note, ""])
    if plan.settled:
        lines.append(paint(f"State: {len(plan.settled)} write(s) an interrupted apply left "
                           "pending, settled from the platform (apply records this):", "36"))
        lines.extend(f"    {settled.describe()}" for settled in plan.settled)
        lines.append("")
    for change in plan.changes:
        if not change.is_change:
            continue
        lines.append(paint(_headline(plan, change), colour_of(change)))
        for diff in change.diff:
            lines.extend(f"    {line}" for part in field_diffs(diff) for line in _diff_lines(part))
        parts = impact_parts(change)
        if parts:
            lines.append(f"    learners: {'; '.join(parts)}")
        if change.disruptive:
            lines.append(paint("    disruptive: learners in progress are affected", "1;33"))
        if change.refusal is not None:
            lines.append(paint(f"    {refusal_text(change.refusal)}", "1;31"))
    if plan.directory is not None and plan.directory.changes:
        lines.append(paint(directory_headline(plan.directory), "33"))
        lines.extend(f"    {line}" for line in people_lines(plan.directory))
        lines.extend(f"    learners: {line}" for line in reach_lines(plan.directory))
    if plan.has_changes:
        lines.append("")
    if plan.releases_due:
        lines.append(paint(f"Releases due ({len(plan.releases_due)}; learnops release or "
                           "sync performs them):", "36"))
        lines.extend(f"    {line}" for line in plan.releases_due)
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


def _headline(plan: Plan, change: Change) -> str:
    location = change_location(plan, change)
    where = f"  [{location}]" if location else ""
    return f"{symbol(change)} {change.action} {change.address} ({reason_text(change)}){where}"


def _diff_lines(diff: FieldDiff) -> list[str]:
    phrase = step_phrase(diff)
    if phrase is not None:  # a step, by name: "step z added", "step b: items +x -y"
        return [f"{diff_mark(diff.op)} {phrase}"]
    match diff.op:
        case "add":
            return [f"+ {diff.path}: {value_text(diff.new)}"]
        case "remove":
            return [f"- {diff.path}: {value_text(diff.old)}"]
        case "change":
            old, new = value_text(diff.old), value_text(diff.new)
            line = f"~ {diff.path}: {old} -> {new}"
            if len(line) <= ONE_LINE:
                return [line]
            return [f"~ {diff.path}:", f"    was: {old}", f"    now: {new}"]
        case _:
            assert_never(diff.op)
