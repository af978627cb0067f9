"""JSON from untrusted bytes with its nesting bounded (reconciler/jsontext.py): the
limit itself passes, one level past it is refused where it happens, and brackets inside
strings count for nothing, whether or not there are more of them than the limit."""

from __future__ import annotations

import pytest

from reconciler import jsontext


def test_the_limit_passes_and_one_level_more_is_refused_at_its_bracket() -> None:
    assert jsontext.loads(b"[" * 5 + b"1" + b"]" * 5, limit=5) == [[[[[1]]]]]
    with pytest.raises(jsontext.TooDeep) as refused:
        jsontext.loads(b'{"a": ' * 6 + b"1" + b"}" * 6, limit=5)
    assert refused.value.position == 30  # the sixth "{"


@pytest.mark.parametrize("brackets", [3, 500])  # fewer and more than the limit
def test_brackets_inside_strings_do_not_count(brackets: int) -> None:
    text = "[" * brackets + "{" * brackets
    document = f'{{"title": "{text}", "tags": [["{text}"]]}}'.encode()
    assert jsontext.loads(document, limit=5) == {"title": text, "tags": [[text]]}


def test_a_shallow_document_with_many_siblings_passes() -> None:
    document = b"[" + b",".join(b"[1]" for _ in range(1000)) + b"]"
    assert len(jsontext.loads(document, limit=5)) == 1000
