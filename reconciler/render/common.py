"""What every renderer says the same way: symbols, verbs, values, impact, summary."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Final, assert_never

from reconciler.model import JSON
from reconciler.plan.diff import format_path
from reconciler.plan.model import (
    ACTIONS,
    Action,
    Change,
    DiffOp,
    FieldDiff,
    Impact,
    Plan,
    Refusal,
)
from reconciler.plan.step_diff import step_phrase

NAMED_ITEMS: Final = 3  # more items gained or lost at once are counted, not named


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


def reason_text(change: Change) -> str:
    """Why the change is planned; a rename names where the resource comes from."""
    if change.renamed_from is None:
        return change.reason
    return f"{change.reason} from {change.renamed_from}"


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
        case "still-used":
            return "refused: something staying on the platform still uses it"
        case _:
            assert_never(refusal)


def value_text(value: JSON) -> str:
    """A value as compact JSON, whole: a cut value could hide the part that changed."""
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(", ", ": "))


def field_diffs(diff: FieldDiff) -> list[FieldDiff]:
    """``diff`` with a change between two mappings (or two lists) split into one diff
    per changed key (or element), so ``metadata.annotations: {} -> {...}`` reads as
    one added annotation a line."""
    if diff.op != "change" or step_phrase(diff) is not None:
        return [diff]
    return _split(diff.path, diff.old, diff.new)


def _split(path: str, old: JSON, new: JSON) -> list[FieldDiff]:
    if isinstance(old, Mapping) and isinstance(new, Mapping):
        found: list[FieldDiff] = []
        for key in sorted(set(old) | set(new)):
            inner = _child(path, key)
            if key not in new:
                found.append(FieldDiff("remove", inner, old=old[key]))
            elif key not in old:
                found.append(FieldDiff("add", inner, new=new[key]))
            elif old[key] != new[key]:
                found.extend(_split(inner, old[key], new[key]))
        return found
    if isinstance(old, list) and isinstance(new, list):
        found = []
        for index in range(max(len(old), len(new))):
            inner = _child(path, index)
            if index >= len(new):
                found.append(FieldDiff("remove", inner, old=old[index]))
            elif index >= len(old):
                found.append(FieldDiff("add", inner, new=new[index]))
            elif old[index] != new[index]:
                found.extend(_split(inner, old[index], new[index]))
        return found
    return [FieldDiff("change", path, old, new)]


def _child(path: str, step: str | int) -> str:
    tail = format_path([step])
    return f"{path}{tail}" if tail.startswith("[") or not path else f"{path}.{tail}"


def impact_parts(change: Change) -> list[str]:
    """Human phrases for a change's impact, empty when it affects nobody. People and
    enrollments (learner x item) are never mixed: "45 learners enrolled (90
    enrollments)", "45 learners gain hand-hygiene-video"."""
    return impact_phrases(change.impact, audience=change.address.kind == "Audience")


def impact_phrases(impact: Impact, *, audience: bool = False) -> list[str]:
    """:func:`impact_parts` of an impact alone (``audience``: its members join or leave)."""
    joins, leaves = (
        ("join the audience", "leave the audience")
        if audience
        else ("newly reached", "no longer reached")
    )
    parts: list[str] = []
    if impact.newly_reached:
        parts.append(f"{_learners(impact.newly_reached)} {joins}")
    if impact.no_longer_reached:
        parts.append(f"{_learners(impact.no_longer_reached)} {leaves}")
    parts += _item_phrases("gain", impact.items_gained)
    parts += _item_phrases("lose", impact.items_lost)
    # A plan saved without the per-item detail still says how many people it touches.
    if impact.learners_added and not (impact.items_gained or impact.newly_reached):
        parts.append(f"{_learners(impact.learners_added)} added")
    if impact.learners_removed and not (impact.items_lost or impact.no_longer_reached):
        parts.append(f"{_learners(impact.learners_removed)} removed")
    one_each = impact.learners == impact.enrolled  # one enrollment per person
    if impact.learners:
        enrollments = "" if one_each else f" ({_count(impact.enrolled, 'enrollment')})"
        parts.append(f"{_learners(impact.learners)} enrolled{enrollments}")
    elif impact.enrolled:
        parts.append(_count(impact.enrolled, "enrollment"))
    if impact.in_progress:
        unit = "learner" if impact.learners and one_each else "enrollment"
        parts.append(f"{_count(impact.in_progress, unit)} in progress")
    if impact.may_include_in_progress:
        parts.append("may include learners in progress")
    if impact.new_version:
        parts.append("new version (enrolled learners keep theirs)")
    if impact.migrated:
        parts.append("learners in progress move to the new version")
    return parts


def _item_phrases(verb: str, items: tuple[tuple[str, int], ...]) -> list[str]:
    """``45 learners gain a and b``: items reaching the same number of people together."""
    by_count: dict[int, list[str]] = {}
    for name, count in items:
        by_count.setdefault(count, []).append(name)
    phrases = []
    for count, names in by_count.items():
        said = verb + ("s" if count == 1 else "")
        phrases.append(f"{_learners(count)} {said} {_names(names)}")
    return phrases


def _names(names: list[str]) -> str:
    if len(names) > NAMED_ITEMS:
        return f"{len(names)} items"
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def _learners(count: int) -> str:
    return _count(count, "learner")


def _count(count: int, noun: str) -> str:
    return f"{count} {noun}{_s(count)}"


def change_location(plan: Plan, change: Change) -> str | None:
    """Where a change is defined, from the same base as the plan's problems and
    ``validate``'s messages: the spec directory as given (``specs/objects/x.yaml:3:1``),
    so every place in one plan reads from the repository root."""
    if change.location is None:
        return None
    base = plan.source_dir.rstrip("/")
    return f"{base}/{change.location}" if base and base != "." else str(change.location)


def summary_line(plan: Plan) -> str:
    counts = plan.summary()
    if not plan.has_changes:
        also = "" if plan.directory is None else " and the directory"
        return (
            f"No changes: the platform matches the specs{also} ({counts['no-op']} resources)."
        )
    listed = ", ".join(
        f"{counts[action]} to {action}" for action in ACTIONS if action != "no-op"
    )
    directory = ""
    if plan.directory is not None and plan.directory.changes:
        who = plan.directory.counts()
        directory = (
            f" Directory: {who['added']} added, {who['changed']} changed, "
            f"{who['deactivated']} deactivated."
        )
    settled = f" State: {len(plan.settled)} pending write(s) settled." if plan.settled else ""
    return f"Plan: {listed}, {counts['no-op']} unchanged.{directory}{settled}"


def total_impact(plan: Plan) -> tuple[int, int, int, bool]:
    """Distinct learners who gain and who lose an item through assignment and audience
    changes (the plan's totals, not a sum of changes), enrollments in progress in any
    changed resource, and whether those losing items may include learners in progress
    the status cannot name."""
    changes = [c for c in plan.changes if c.is_change]
    added, removed = plan.learners_added, plan.learners_removed
    in_progress = sum(c.impact.in_progress for c in changes)
    maybe = any(c.impact.may_include_in_progress for c in changes)
    return added, removed, in_progress, maybe


def _s(count: int) -> str:
    return "" if count == 1 else "s"


def state_mark(plan: Plan) -> str:
    """What the plan was made against, as its heading says it."""
    if plan.state_backend in (None, "platform"):
        return f"state version {plan.state_version}"
    mark = f"{plan.state_backend} state serial {plan.state_serial}"
    if plan.state_version is not None:
        mark += f", platform version {plan.state_version}"
    return mark


def unconditional_note(plan: Plan) -> str | None:
    """What a reviewer must know when the platform takes no preconditions."""
    if plan.preconditions or not plan.has_changes:
        return None
    return (
        f"Every write is unconditional: {plan.target_provider} takes no preconditions, so "
        "each resource is read back just before it is written, and the write is refused "
        "if it moved since this plan."
    )
