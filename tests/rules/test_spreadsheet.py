"""Formula-safe CSV cells (OWASP, CSV injection)."""

from __future__ import annotations

import csv
import io

import pytest

from reconciler.rules.spreadsheet import csv_text, safe_cell


@pytest.mark.parametrize("text", ["=1+1", "+1", "-1", "@A1", "\tx", "\rx", "=cmd|' /C calc'!A0"])
def test_text_a_spreadsheet_would_evaluate_gets_a_quote(text: str) -> None:
    assert safe_cell(text) == "'" + text


@pytest.mark.parametrize("value", ["E1001", "Ana", "", "a=b", " =x", 3, -2, None])
def test_everything_else_is_left_as_it_is(value: object) -> None:
    assert safe_cell(value) == value  # numbers are numbers, even negative ones


def test_a_document_reads_back_with_every_cell_in_place() -> None:
    text = csv_text(["id", "name"], [["=1", 'say "hi", then, go'], [7, "-x"]])
    assert list(csv.reader(io.StringIO(text))) == [
        ["id", "name"], ["'=1", 'say "hi", then, go'], ["7", "'-x"]]
