"""JSON from untrusted bytes (request bodies, webhook payloads, platform answers) with
its nesting bounded: the standard decoder recurses once per level, so 100,000 ``[``
in well under a megabyte end in a ``RecursionError`` instead of a refusal."""

from __future__ import annotations

import json
import re
from typing import Any, Final

MAX_DEPTH: Final = 100  # a spec document nests at most 64 levels (LO310); room to spare

_STRING_OR_BRACKET: Final = re.compile(rb'"(?:[^"\\]|\\.)*"|[\[\]{}]')


class TooDeep(ValueError):
    """The document nests deeper than allowed (a ``ValueError``, as a decode error is)."""

    def __init__(self, limit: int, position: int) -> None:
        super().__init__(f"nested more than {limit} levels deep (at byte {position})")
        self.limit = limit
        self.position = position


def nesting_depth_ok(data: bytes, limit: int = MAX_DEPTH) -> None:
    """Raises :class:`TooDeep` at the first bracket past ``limit``; strings are skipped
    whole, so brackets inside them do not count. Malformed input is left to the decoder."""
    if data.count(b"[") + data.count(b"{") <= limit:
        return  # no more openers than the limit (counted in C): most documents end here
    depth = 0
    for match in _STRING_OR_BRACKET.finditer(data):
        token = match.group()
        if token in (b"[", b"{"):
            depth += 1
            if depth > limit:
                raise TooDeep(limit, match.start())
        elif token in (b"]", b"}"):
            depth -= 1


def loads(data: bytes | str, limit: int = MAX_DEPTH) -> Any:
    """``json.loads`` that refuses documents nested deeper than ``limit``."""
    raw = data.encode("utf-8", errors="surrogatepass") if isinstance(data, str) else data
    nesting_depth_ok(raw, limit)
    return json.loads(data)
