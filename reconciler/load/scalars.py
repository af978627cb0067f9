"""Scalars under the YAML 1.2 core schema: ``on``/``no``/``yes`` and dates stay strings."""

from __future__ import annotations

import re
from typing import Final

from reconciler.model import JSON

TAG: Final = "tag:yaml.org,2002:"
_BOOL = {"true": True, "True": True, "TRUE": True, "false": False, "False": False, "FALSE": False}
_NULL = frozenset({"", "~", "null", "Null", "NULL"})
_INT = re.compile(r"[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+")
_FLOAT = re.compile(r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?")
_SPECIAL_FLOAT = {
    ".inf": float("inf"),
    "+.inf": float("inf"),
    "-.inf": float("-inf"),
    ".nan": float("nan"),
}
_SPECIAL_SPELLINGS = frozenset(
    spelling
    for word in ("inf", "nan")
    for sign in ("", "+", "-")
    if not (word == "nan" and sign)
    for spelling in (f"{sign}.{word}", f"{sign}.{word.capitalize()}", f"{sign}.{word.upper()}")
)

INVALID: Final = object()
# Every plain scalar that is not a string starts with one of these (or is empty):
# most values of a spec (names, titles, URLs) are strings and skip the regexes.
_NOT_TEXT_STARTS = frozenset("0123456789+-.~nNtTfF")


def explicit(tag: str, text: str) -> JSON:
    match tag.removeprefix(TAG):
        case "int" if _INT.fullmatch(text):
            return _to_int(text)
        case "float" if _FLOAT.fullmatch(text) or text in _SPECIAL_SPELLINGS:
            return _SPECIAL_FLOAT[text.lower()] if text in _SPECIAL_SPELLINGS else float(text)
        case "bool" if text in _BOOL:
            return _BOOL[text]
        case "null" if text in _NULL:
            return None
    return INVALID


def resolve_plain(text: str) -> JSON:
    """A plain (unquoted) scalar under the YAML 1.2 core schema."""
    if text and text[0] not in _NOT_TEXT_STARTS:
        return text
    if text in _NULL:
        return None
    if text in _BOOL:
        return _BOOL[text]
    if _INT.fullmatch(text):
        return _to_int(text)
    if text in _SPECIAL_SPELLINGS:
        return _SPECIAL_FLOAT[text.lower()]
    if _FLOAT.fullmatch(text):
        return float(text)
    return text


def _to_int(text: str) -> int:
    if text.startswith("0o"):
        return int(text[2:], 8)
    if text.startswith("0x"):
        return int(text[2:], 16)
    return int(text)
