"""Field-level differences between two essences, with paths a reviewer can read.

deepdiff finds the differences; this module only turns its tree view into
:class:`FieldDiff` values with paths like ``steps[1].release.offset`` (spec fields
bare, labels and annotations under ``metadata.``), in document order. deepdiff is
imported on first use: it pulls in numpy (a few tenths of a second at start-up),
which every CLI command would pay and only a plan with changes needs.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Final

from reconciler.model import JSON
from reconciler.plan.model import DiffOp, FieldDiff
from reconciler.plan.normalize import Essence

_IDENTIFIER: Final = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")


def diff_essence(before: Essence, after: Essence) -> tuple[FieldDiff, ...]:
    """What changes from ``before`` (live) to ``after`` (desired)."""
    return (
        *diff_values(before.spec, after.spec),
        *diff_values(before.labels, after.labels, prefix=("metadata", "labels")),
        *diff_values(before.annotations, after.annotations, prefix=("metadata", "annotations")),
    )


def diff_values(
    before: Mapping[str, JSON], after: Mapping[str, JSON], *, prefix: Sequence[str | int] = ()
) -> tuple[FieldDiff, ...]:
    from deepdiff import DeepDiff
    from deepdiff.helper import NotPresent

    found = DeepDiff(dict(before), dict(after), view="tree", verbose_level=2)
    diffs: list[tuple[tuple[tuple[int, int, str], ...], FieldDiff]] = []
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
