"""When a plan step is the same step renamed: the rule the plan's diff and a platform's
write share, so what ``plan`` calls a rename is what ``apply`` keeps (Kolibri renames
the step's lesson in place, and everyone it was released to keeps it).

A step gone from the plan and a step new to it are one step renamed when they hold the
same items, in the same order, and no other gone or new step holds those: a step that
changes its items as well as its name is a different step (removed, and one added).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence


def renamed_steps(gone: Mapping[str, Sequence[str]],
                  new: Mapping[str, Sequence[str]]) -> dict[str, str]:
    """Old name -> new name, of ``gone`` and ``new`` steps (name -> items) paired."""
    def unique(steps: Mapping[str, Sequence[str]]) -> dict[tuple[str, ...], str]:
        by_items: dict[tuple[str, ...], list[str]] = {}
        for name, items in steps.items():
            if items:
                by_items.setdefault(tuple(items), []).append(name)
        return {items: names[0] for items, names in by_items.items() if len(names) == 1}

    olds, news = unique(gone), unique(new)
    return {olds[items]: news[items] for items in olds.keys() & news.keys()}
