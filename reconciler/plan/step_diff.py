"""A plan's steps compared by name, not by index.

Inserting a step would otherwise read as every later step renamed
(``steps[1].name: "b" -> "z"``...). Steps are identified by their name, so the diff
says what a reviewer means: ``steps.z`` added or removed (the whole step),
``steps.c.position`` changed (the step moved: ``after a``, or ``first``),
``steps.b.items`` changed (old and new item lists, one entry per step), ``steps.d.name``
changed (a step renamed: same items, new name, :mod:`reconciler.rules.steps`), and any
other field of a step under its name (``steps.b.release.offset``). Moves are the
fewest that explain the new order: steps outside a longest common subsequence of
the two orders.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from typing import Final

from reconciler.model import JSON
from reconciler.plan.model import FieldDiff
from reconciler.rules.steps import renamed_steps

POSITION: Final = "position"
ITEMS: Final = "items"
NAME: Final = "name"
_STEP_PATH: Final = re.compile(
    r'^steps(?:\.([A-Za-z_][A-Za-z0-9_-]*)|\["([^"]+)"\])(?:\.(items|position|name))?$'
)

Step = Mapping[str, JSON]
DiffFields = Callable[[Mapping[str, JSON], Mapping[str, JSON], Sequence[str | int]],
                      Sequence[FieldDiff]]


def named_steps(value: JSON) -> list[Step] | None:
    """``value`` as a list of steps with distinct names, else None (diffed as is)."""
    if not isinstance(value, list):
        return None
    steps = [step for step in value if isinstance(step, Mapping)]
    names = [step.get("name") for step in steps]
    if len(steps) != len(value) or not all(isinstance(n, str) for n in names):
        return None
    return steps if len(set(names)) == len(names) else None


def step_diffs(
    before: Sequence[Step], after: Sequence[Step], fields: DiffFields,
    path: Callable[[Sequence[str | int]], str],
) -> list[FieldDiff]:
    """``fields(old, new, prefix)`` diffs the other fields of a step kept by name."""
    new = {str(step["name"]): step for step in after}
    before_names = {str(step["name"]): step for step in before}
    renamed = renamed_steps(
        {n: _items(s) for n, s in before_names.items() if n not in new},
        {n: _items(s) for n, s in new.items() if n not in before_names})
    # A step renamed (reconciler.rules.steps) is compared with itself under its new name.
    old = {renamed.get(n, n): s for n, s in before_names.items()}
    found: list[FieldDiff] = []
    found += [FieldDiff("remove", path(["steps", n]), old=dict(old[n])) for n in old
              if n not in new]
    found += [FieldDiff("add", path(["steps", n]), new=dict(new[n])) for n in new
              if n not in old]
    found += [FieldDiff("change", path(["steps", n, NAME]), old=o, new=n)
              for o, n in renamed.items()]
    kept_old = [n for n in old if n in new]
    kept_new = [n for n in new if n in old]
    steady = set(_longest_common(kept_old, kept_new))
    for name in kept_new:
        if name not in steady:
            found.append(FieldDiff("change", path(["steps", name, POSITION]),
                                   old=_place(kept_old, name), new=_place(list(new), name)))
        if old[name].get(ITEMS) != new[name].get(ITEMS):
            found.append(FieldDiff("change", path(["steps", name, ITEMS]),
                                   old=old[name].get(ITEMS), new=new[name].get(ITEMS)))
        rest_old = {k: v for k, v in old[name].items() if k not in ("name", ITEMS)}
        rest_new = {k: v for k, v in new[name].items() if k not in ("name", ITEMS)}
        found += fields(rest_old, rest_new, ["steps", name])
    return found


def _items(step: Step) -> list[str]:
    items = step.get(ITEMS)
    return [str(i) for i in items] if isinstance(items, list) else []


def _place(order: Sequence[str], name: str) -> str:
    index = list(order).index(name)
    return "first" if index == 0 else f"after {order[index - 1]}"


def _longest_common(a: Sequence[str], b: Sequence[str]) -> list[str]:
    lengths = [[0] * (len(b) + 1) for _ in range(len(a) + 1)]
    for i in range(len(a) - 1, -1, -1):
        for j in range(len(b) - 1, -1, -1):
            lengths[i][j] = (lengths[i + 1][j + 1] + 1 if a[i] == b[j]
                             else max(lengths[i + 1][j], lengths[i][j + 1]))
    common: list[str] = []
    i = j = 0
    while i < len(a) and j < len(b):
        if a[i] == b[j]:
            common.append(a[i])
            i, j = i + 1, j + 1
        elif lengths[i + 1][j] >= lengths[i][j + 1]:
            i += 1
        else:
            j += 1
    return common


def step_phrase(diff: FieldDiff) -> str | None:
    """What a step diff says in words (``step z added``, ``step c moved after a``,
    ``step b: items +x -y``); None for any other diff."""
    match = _STEP_PATH.match(diff.path)
    if match is None:
        return None
    name = match.group(1) or match.group(2)
    part = match.group(3)
    if part is None:
        return f"step {name} {'added' if diff.op == 'add' else 'removed'}" if diff.op != (
            "change") else None
    if part == NAME and diff.op == "change":
        return f"step {diff.old} renamed {name}"
    if part == POSITION and diff.op == "change":
        return f"step {name} moved {'first' if diff.new == 'first' else diff.new}"
    if part == ITEMS and diff.op == "change":
        old = diff.old if isinstance(diff.old, list) else []
        new = diff.new if isinstance(diff.new, list) else []
        changes = [f"+{item}" for item in new if item not in old]
        changes += [f"-{item}" for item in old if item not in new]
        return f"step {name}: items {' '.join(changes) if changes else 'reordered'}"
    return None
