"""Finds the JSON Schemas of ``schema/`` from a source tree or an installed copy."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from reconciler.errors import ReconcilerError

_PACKAGED = Path(__file__).parent / "schema"  # inside a wheel (see pyproject force-include)
_SOURCE = Path(__file__).parent.parent / "schema"  # a checkout or editable install


def schema_dir() -> Path:
    for candidate in (_PACKAGED, _SOURCE):
        if candidate.is_dir():
            return candidate
    raise ReconcilerError(f"learnops is installed without its JSON Schemas (looked in {_PACKAGED})")


@cache
def load_schema(file_name: str) -> dict[str, Any]:
    """A schema by file name, e.g. ``assignment.schema.json``."""
    schema: dict[str, Any] = json.loads((schema_dir() / file_name).read_text(encoding="utf-8"))
    return schema
