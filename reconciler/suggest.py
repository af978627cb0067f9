""""Did you mean ...?": one way to guess what a user meant, for every message."""

from __future__ import annotations

import difflib
from collections.abc import Iterable


def closest(word: str, options: Iterable[str]) -> str | None:
    found = difflib.get_close_matches(word, sorted(set(options)), n=1, cutoff=0.6)
    return found[0] if found else None


def did_you_mean(word: str, options: Iterable[str]) -> str:
    """``"; did you mean 'x'?"`` or nothing, to end a message with."""
    guess = closest(word, options)
    return f"; did you mean {guess!r}?" if guess else ""
