"""CSV that is safe to open in a spreadsheet (reports, audience members).

A cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is read as
a formula by Excel, LibreOffice and Google Sheets (``=HYPERLINK(...)`` in a user's name
runs when an admin opens the report). As OWASP recommends against CSV injection, such
a cell is prefixed with a single quote, which the spreadsheet shows as text and does
not display; quotes inside cells are doubled by the ``csv`` module as usual.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from typing import Final

FORMULA_STARTS: Final = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> object:
    """``value`` as written to a cell; only text can carry a formula (numbers stay)."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def csv_text(header: Iterable[str], rows: Iterable[Iterable[object]]) -> str:
    """A whole CSV document, ``\\n``-terminated, every text cell made formula-safe."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([safe_cell(name) for name in header])
    writer.writerows([safe_cell(cell) for cell in row] for row in rows)
    return out.getvalue()
