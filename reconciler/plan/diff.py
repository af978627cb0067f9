"""Field-level differences between two essences, with paths a reviewer can read.

deepdiff finds the differences; this module only turns its tree view into
:class:`FieldDiff` values with paths like ``steps[1].release.offset`` (spec fields
bare, labels and annotations under ``metadata.``), in document order. Set-like lists
(``groups``, ``languages``...) are sorted in the essence, so an index into them would
point at the wrong element: their changes are members added or removed, path without
index (``+ groups: "front-desk"``). deepdiff is
imported on first use: it pulls in numpy (a few tenths of a second at start-up),
which every CLI command would pay and only a plan with changes needs.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping, Sequence
from typing import Final

from reconciler.model import JSON
from reconciler.plan.model import DiffOp, FieldDiff
from reconciler.plan.normalize import Essence
from reconciler.plan.step_diff import named_steps, step_diffs

_IDENTIFIER: Final = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")


def diff_essence(
    before: Essence, after: Essence, *, set_lists: Sequence[str] = ()
) -> tuple[FieldDiff, ...]:
    """What changes from ``before`` (live) to ``after`` (desired); ``set_lists``: the
    dot-separated paths of lists compared as sets."""
    old_steps = named_steps(before.spec.get("steps"))
    new_steps = named_steps(after.spec.get("steps"))
    if old_steps is None or new_steps is None:
        by_step: list[FieldDiff] = []
        old_spec, new_spec = before.spec, after.spec
    else:  # steps compared by name (reconciler.plan.step_diff)
        by_step = step_diffs(
            old_steps, new_steps,
            lambda old, new, prefix: diff_values(old, new, prefix=prefix), format_path,
        )
        old_spec = {k: v for k, v in before.spec.items() if k != "steps"}
        new_spec = {k: v for k, v in after.spec.items() if k != "steps"}
    spec = sorted(
        [*diff_values(old_spec, new_spec, set_lists=set_lists), *by_step],
        key=lambda diff: _top_field(diff.path),  # stable: steps stay in their order
    )
    return (
        *spec,
        *diff_values(before.labels, after.labels, prefix=("metadata", "labels")),
        *diff_values(before.annotations, after.annotations, prefix=("metadata", "annotations")),
    )


def diff_values(
    before: Mapping[str, JSON],
    after: Mapping[str, JSON],
    *,
    prefix: Sequence[str | int] = (),
    set_lists: Sequence[str] = (),
) -> tuple[FieldDiff, ...]:
    from deepdiff import DeepDiff
    from deepdiff.helper import NotPresent

    diffs: list[tuple[tuple[tuple[int, int, str], ...], FieldDiff]] = []
    old_side, new_side = dict(before), dict(after)
    if set_lists:
        old_side, new_side = copy.deepcopy(old_side), copy.deepcopy(new_side)
        for path in set_lists:
            steps = [*prefix, *path.split(".")]
            diffs += [
                (_sort_key(steps), diff)
                for diff in _membership(format_path(steps), old_side, new_side, path.split("."))
            ]
    found = DeepDiff(old_side, new_side, view="tree", verbose_level=2)
    for report in found:
        for level in found[report]:
            steps = [*prefix, *level.path(output_format="list")]
            old, new = level.t1, level.t2
            op: DiffOp
            if isinstance(old, NotPresent):
                op, old = "add", None
            elif isinstance(new, NotPresent):
                op, new = "remove", None
            else:
                op = "change"
            diffs.append((_sort_key(steps), FieldDiff(op, format_path(steps), old, new)))
    return tuple(diff for _, diff in sorted(diffs, key=lambda pair: pair[0]))


def _membership(
    path: str, before: dict[str, JSON], after: dict[str, JSON], keys: list[str]
) -> list[FieldDiff]:
    """Members removed from and added to the list at ``keys`` in both, which is then
    taken out of both so deepdiff does not report it again by index."""
    *parents, last = keys
    old_parent, new_parent = _dig(before, parents), _dig(after, parents)
    if old_parent is None or new_parent is None:
        return []
    old, new = old_parent.get(last), new_parent.get(last)
    if not (isinstance(old, list) and isinstance(new, list)):
        return []  # absent or not a list on one side: deepdiff says so as a whole
    del old_parent[last], new_parent[last]
    removed = [FieldDiff("remove", path, old=value) for value in old if value not in new]
    added = [FieldDiff("add", path, new=value) for value in new if value not in old]
    return removed + added


def _dig(mapping: dict[str, JSON], keys: list[str]) -> dict[str, JSON] | None:
    found: JSON = mapping
    for key in keys:
        if not isinstance(found, dict):
            return None
        found = found.get(key)
    return found if isinstance(found, dict) else None


def _top_field(path: str) -> str:
    return re.split(r"[.\[]", path, maxsplit=1)[0]


def format_path(steps: Sequence[str | int]) -> str:
    """``["steps", 1, "release", "offset"]`` -> ``steps[1].release.offset``."""
    text = ""
    for step in steps:
        if isinstance(step, int):
            text += f"[{step}]"
        elif _IDENTIFIER.match(step):
            text += f".{step}" if text else step
        else:
            text += f'["{step}"]'
    return text


def _sort_key(steps: Sequence[str | int]) -> tuple[tuple[int, int, str], ...]:
    # List indices sort numerically, keys alphabetically: document order for specs.
    return tuple((0, step, "") if isinstance(step, int) else (1, 0, step) for step in steps)
