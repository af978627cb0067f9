"""Every code the compiler can emit is documented, with an example."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_every_emitted_code_is_documented_with_an_example() -> None:
    emitted: set[str] = set()
    for folder in ("load", "validate", "graph"):
        for source in (ROOT / "reconciler" / folder).rglob("*.py"):
            emitted |= set(re.findall(r'"(LO[3-6][0-9]{2})"', source.read_text()))
    documented = re.findall(
        r"^\| (LO\d{3}) \|.*\| `[^`]*\[(LO\d{3})\]",
        (ROOT / "docs" / "diagnostics.md").read_text(),
        re.MULTILINE,
    )
    rows = {code for code, example in documented if code == example}
    assert emitted and emitted <= rows, sorted(emitted - rows)
