"""The plan as a pull-request comment, in the order a reviewer reads it: the summary
(only the actions that happen), learner impact, errors, warnings folded into one
``<details>`` with a count per code, then the changes grouped by kind, each in a
collapsible section. Every place reads from the same base (the spec directory as
given, e.g. ``specs/objects/x.yaml:3:1``), as in the text plan and ``validate``.

GitHub refuses comments over 65,536 characters, so a large plan is summarised:
first the sections lose their bodies (one line per change), then only as many
lines as fit are kept and the rest counted, with a line saying where the full
plan is. The result always fits ``limit``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from datetime import date
from itertools import chain
from typing import Final, Literal, TypeVar

import yaml

from reconciler.insight.gantt import gantt
from reconciler.model import JSON, KINDS
from reconciler.plan.model import ACTIONS, Change, FieldDiff, Plan, Problem
from reconciler.plan.step_diff import step_phrase
from reconciler.render.common import (
    change_location,
    diff_mark,
    field_diffs,
    impact_parts,
    reason_text,
    refusal_text,
    state_mark,
    summary_line,
    symbol,
    total_impact,
    unconditional_note,
    value_text,
)
from reconciler.render.directory import directory_headline, people_lines, reach_lines

T = TypeVar("T")
LIMIT: Final = 65_000  # GitHub's 65,536 less room for a CI job's marker and footer
MAX_PROBLEMS: Final = 50  # more than this and the JSON plan is the place to read them
# A reviewer reads the comment on the pull request, where `--output json` is out of
# reach: point at what CI keeps (examples/github/learnops.yml uploads the JSON plan
# as the run's `learnops-plan` artifact).
FULL_PLAN: Final = (
    "the full plan (JSON) is the CI run's `learnops-plan` artifact; "
    "locally: `learnops plan --output json`"
)


def render_markdown(plan: Plan, *, limit: int = LIMIT, schedule_start: date | None = None) -> str:
    """``schedule_start``: draw each changed certification plan's schedule (before and
    after) for a learner enrolling that day; ``None`` leaves the charts out."""
    head = _head(plan) + _directory(plan) + _releases(plan) + _settled(plan)
    groups = _by_kind([change for change in plan.changes if change.is_change])
    full = _full(plan, head, groups, limit, schedule_start)
    if full is not None:
        return full
    note = f"\n_This plan is large: changes are listed without their field diffs; {FULL_PLAN}._\n\n"
    compact = [line for kind, changes in groups
               for line in (_group_heading(kind, changes), *map(_bullet, changes))]
    if len(head) + len(note) + sum(map(len, compact)) <= limit:
        return head + note + "".join(compact)
    kept: list[str] = []
    size = len(head) + len(note)
    reserve = 40 + len(FULL_PLAN)  # the closing "... and N more" line
    for line in compact:
        if size + len(line) + reserve > limit:
            break
        kept.append(line)
        size += len(line)
    left = sum(1 for line in compact[len(kept):] if line.startswith("- "))
    more = f"\n… and {left} more changes: {FULL_PLAN}.\n"
    return (head + note + "".join(kept) + more)[:limit]


def _full(
    plan: Plan, head: str, groups: list[tuple[str, list[Change]]], limit: int,
    schedule_start: date | None,
) -> str | None:
    """Every change with its field diffs, or None as soon as that passes ``limit``:
    a plan of 10,000 changes is not rendered in full only to be summarised."""
    pieces, size = [head], len(head)
    for kind, changes in groups:
        for piece in chain([_group_heading(kind, changes)],
                           (_section(plan, change, schedule_start) for change in changes)):
            size += len(piece)
            if size > limit:
                return None
            pieces.append(piece)
    return "".join(pieces)


def _by_kind(changes: Sequence[Change]) -> list[tuple[str, list[Change]]]:
    """Changes grouped by kind (objects, audiences, plans, assignments), each group in
    apply order: a reviewer reads what changes, not the order it is written in."""
    order = {kind: index for index, kind in enumerate(KINDS)}
    groups: dict[str, list[Change]] = {}
    for change in changes:
        groups.setdefault(change.address.kind, []).append(change)
    return sorted(groups.items(), key=lambda group: order.get(group[0], len(order)))


def _group_heading(kind: str, changes: Sequence[Change]) -> str:
    counts = Counter(change.action for change in changes)
    actions = ", ".join(f"{counts[a]} {a}" for a in ACTIONS if counts[a])
    return f"#### {kind} ({actions})\n\n"


def _head(plan: Plan) -> str:
    counts = plan.summary()
    happening = [action for action in ACTIONS if counts[action] and action != "no-op"]
    lines = [
        f"### learnops plan: `{plan.source_dir or '.'}` → {plan.target_provider} "
        f"({state_mark(plan)})",
        "",
        summary_line(plan) if not happening else "**Plan:** " + ", ".join(
            f"{counts[action]} to {action}" for action in happening
        ) + f" · {counts['no-op']} unchanged.",
        *(["", f"> {note}"] if (note := unconditional_note(plan)) else []),
        "",
    ]
    added, removed, in_progress, maybe = total_impact(plan)
    disruptive = sum(1 for c in plan.changes if c.disruptive)
    if added or removed or in_progress or maybe or disruptive:
        lines += [
            "**Learner impact:** "
            f"{added} learner{_s(added)} gain and {removed} lose at least one item "
            "through assignment and audience changes (each person counted once); "
            f"{in_progress} enrollment{_s(in_progress)} in progress in changed resources"
            + ("; those losing items may include learners in progress" if maybe else "")
            + (f"; **{disruptive} disruptive change(s)**" if disruptive else "")
            + ".",
            "",
        ]
    lines += _problems("Errors", plan.errors) + _folded_warnings(plan.warnings)
    return "\n".join(lines) + "\n"


def _folded_warnings(warnings: tuple[Problem, ...]) -> list[str]:
    """Warnings inform, they do not block: one line with a count per code, the list
    folded under it."""
    if not warnings:
        return []
    by_code = Counter(problem.code for problem in warnings)
    counts = ", ".join(f"{code} × {count}" for code, count in sorted(by_code.items()))
    lines = ["<details>", f"<summary><b>Warnings</b> ({len(warnings)}: {counts})</summary>",
             ""]
    lines += _problem_lines(warnings, "warning")
    return [*lines, "", "</details>", ""]


def _releases(plan: Plan) -> str:
    """What ``learnops release`` performs today on a platform without a scheduler."""
    if not plan.releases_due:
        return ""
    lines = [f"**Releases due** ({len(plan.releases_due)}; `learnops release` or sync "
             "performs them)", ""]
    lines += _capped(plan.releases_due)
    return "\n".join(lines) + "\n\n"


def _settled(plan: Plan) -> str:
    """Writes an interrupted apply left pending, and what the platform says of each:
    part of the head, so a reviewer sees every state change even in a large plan."""
    if not plan.settled:
        return ""
    lines = [f"**State** — {len(plan.settled)} write(s) an interrupted apply left pending, "
             "settled from the platform (apply records this):", ""]
    lines += _capped(plan.settled, lambda settled: settled.describe(), f": {FULL_PLAN}")
    return "\n".join(lines) + "\n\n"


def _directory(plan: Plan) -> str:
    """Who joins, moves and leaves: part of the head, so a large plan keeps it."""
    if plan.directory is None or not plan.directory.changes:
        return ""
    lines = [f"**Directory** — {directory_headline(plan.directory).removeprefix('~ ')}", ""]
    lines += [f"- `{_cell(line)}`" for line in people_lines(plan.directory)]
    reach = reach_lines(plan.directory)
    if reach:
        lines += ["", "Through assignments:", ""]
        lines += [f"- {_cell(line)}" for line in reach]
    return "\n".join(lines) + "\n\n"


def _problems(title: str, problems: tuple[Problem, ...]) -> list[str]:
    if not problems:
        return []
    severity: Literal["error", "warning"] = "error" if title == "Errors" else "warning"
    return [f"**{title}** ({len(problems)}):", "", *_problem_lines(problems, severity), ""]


def _problem_lines(problems: tuple[Problem, ...], severity: Literal["error", "warning"]
                   ) -> list[str]:
    return _capped(problems, lambda problem: problem.format(severity), f": {FULL_PLAN}")


def _capped(items: Sequence[T], text: Callable[[T], str] = str, after_more: str = "",
            ) -> list[str]:
    """The first ``MAX_PROBLEMS`` of ``items`` as code bullets, and a count of the rest."""
    lines = [f"- `{_cell(text(item))}`" for item in items[:MAX_PROBLEMS]]
    if len(items) > MAX_PROBLEMS:
        lines.append(f"- … and {len(items) - MAX_PROBLEMS} more{after_more}")
    return lines


def _title(change: Change) -> str:
    parts = impact_parts(change)
    impact = f" · {'; '.join(parts)}" if parts else ""
    flag = " · ⚠️ disruptive" if change.disruptive else ""
    refused = f" · ⛔ {refusal_text(change.refusal)}" if change.refusal else ""
    return (
        f"<code>{symbol(change)} {change.action}</code> <b>{change.address}</b> "
        f"— {reason_text(change)}{impact}{flag}{refused}"
    )


def _section(plan: Plan, change: Change, schedule_start: date | None) -> str:
    lines = ["<details>", f"<summary>{_title(change)}</summary>", ""]
    location = change_location(plan, change)
    if location is not None:
        lines += [f"Defined at `{location}`.", ""]
    if change.diff:
        lines += ["| | field | before | after |", "| --- | --- | --- | --- |"]
        lines += [_diff_row(part) for diff in change.diff for part in field_diffs(diff)]
        lines.append("")
    elif change.action == "create" and change.after is not None:
        lines += ["```yaml", _yaml(change.after).rstrip(), "```", ""]
    sample = change.impact.sample_added or change.impact.sample_removed
    if sample:
        lines += [_samples(change), ""]
    if schedule_start is not None and change.address.kind == "CertificationPlan":
        lines += _schedules(change, schedule_start)
    lines += ["</details>", ""]
    return "\n".join(lines) + "\n"


def _yaml(spec: Mapping[str, JSON]) -> str:
    return yaml.safe_dump(
        dict(spec), sort_keys=False, allow_unicode=True, width=88, default_flow_style=None
    )


def _schedules(change: Change, start: date) -> list[str]:
    """The plan's release schedule as mermaid gantt charts, before and after the change
    (GitHub renders ``mermaid`` code blocks as diagrams)."""
    sides = [("before", change.before), ("after", change.after)]
    charts = [(side, spec) for side, spec in sides if spec is not None]
    if change.action == "update" and change.before == change.after:
        charts = charts[-1:]
    lines = [f"Schedule for a learner enrolling on {start.isoformat()}:", ""]
    for side, spec in charts:
        title = f"{change.address.name} ({side})" if len(charts) > 1 else change.address.name
        lines += ["```mermaid", gantt(spec, start, title).rstrip(), "```", ""]
    return lines


def _bullet(change: Change) -> str:
    return f"- {_title(change)}\n"


def _diff_row(diff: FieldDiff) -> str:
    phrase = step_phrase(diff)
    if phrase is not None:  # a step, by name: "step z added", "step b: items +x -y"
        return f"| {diff_mark(diff.op)} | {_cell(phrase)} | | |"
    old = "" if diff.op == "add" else f"`{_cell(value_text(diff.old))}`"
    new = "" if diff.op == "remove" else f"`{_cell(value_text(diff.new))}`"
    return f"| {diff_mark(diff.op)} | `{_cell(diff.path)}` | {old} | {new} |"


def _samples(change: Change) -> str:
    impact = change.impact
    joins, leaves = (
        ("join", "leave") if change.address.kind == "Audience" else ("gain an item", "lose an item")
    )
    parts = []
    if impact.sample_added:
        parts.append(f"who {joins}, e.g. " + ", ".join(impact.sample_added))
    if impact.sample_removed:
        parts.append(f"who {leaves}, e.g. " + ", ".join(impact.sample_removed))
    return "Learners " + "; ".join(parts) + "."


def _s(count: int) -> str:
    return "" if count == 1 else "s"


def _cell(text: str) -> str:
    # A pipe ends a table cell and a backtick ends inline code, even inside one.
    return text.replace("|", "\\|").replace("`", "'").replace("\n", " ")
