"""Reading many rows by key in a few statements rather than one per key."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from typing import Final

# Values bound in one ``IN (...)``: far below SQLite's limit on variables.
CHUNK: Final = 500


def rows_in(conn: sqlite3.Connection, query: str, values: Sequence[object],
            before: Sequence[object] = ()) -> Iterator[sqlite3.Row]:
    """The rows of ``query`` (whose ``{marks}`` stands for the ``IN`` list, after the
    parameters ``before``) for every value of ``values``, a chunk of them per statement."""
    for start in range(0, len(values), CHUNK):
        chunk = values[start:start + CHUNK]
        yield from conn.execute(query.format(marks=",".join("?" * len(chunk))),
                                (*before, *chunk))
