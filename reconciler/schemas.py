"""Finds the JSON Schemas of ``schema/`` from a source tree or an installed copy."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Final

from reconciler.errors import ReconcilerError

_PACKAGED = Path(__file__).parent / "schema"  # inside a wheel (see pyproject force-include)
_SOURCE = Path(__file__).parent.parent / "schema"  # a checkout or editable install


def schema_dir() -> Path:
    for candidate in (_PACKAGED, _SOURCE):
        if candidate.is_dir():
            return candidate
    raise ReconcilerError(f"learnops is installed without its JSON Schemas (looked in {_PACKAGED})")


# The schema an editor should use for a spec file, by kind (learnops.yaml: the project).
KIND_SCHEMAS: Final = {
    "LearningObject": "learning-object.schema.json",
    "Audience": "audience.schema.json",
    "CertificationPlan": "certification-plan.schema.json",
    "Assignment": "assignment.schema.json",
}
PROJECT_SCHEMA: Final = "project.schema.json"
ANY_KIND_SCHEMA: Final = "envelope.schema.json"  # dispatches on kind (mixed files)


def schema_files() -> list[Path]:
    """Every schema of the installed learnops, sorted by name."""
    return sorted(schema_dir().glob("*.schema.json"))


@dataclass(frozen=True)
class WrittenSchema:
    path: Path
    changed: bool  # False: the file already held this version's schema


def write_schemas(out: Path) -> list[WrittenSchema]:
    """Copies the installed schemas into ``out`` (made when missing). They refer to each
    other by relative file name, so the folder is complete on its own: editors and
    validators resolve every ``$ref`` offline. Existing schema files are replaced, so
    rerunning after an upgrade brings the folder to the new version."""
    if out.exists() and not out.is_dir():
        raise ReconcilerError(f"{out}: exists and is not a folder")
    out.mkdir(parents=True, exist_ok=True)
    written: list[WrittenSchema] = []
    for source in schema_files():
        text = source.read_text(encoding="utf-8")
        target = out / source.name
        changed = not target.is_file() or target.read_text(encoding="utf-8") != text
        if changed:
            target.write_text(text, encoding="utf-8")
        written.append(WrittenSchema(target, changed))
    return written


def find_schema_folder(start: Path) -> Path | None:
    """The nearest ``schema/`` folder holding learnops schemas in ``start`` or above it,
    up to the enclosing git repository's root (a user's repo keeps one, written by
    ``learnops init`` or ``learnops schema``)."""
    for folder in (start, *start.parents):
        if (folder / "schema" / ANY_KIND_SCHEMA).is_file():
            return folder / "schema"
        if (folder / ".git").exists():
            return None
    return None


def modeline(file: Path, schema_folder: Path, schema_name: str) -> str:
    """The yaml-language-server line that associates ``file`` with a schema of
    ``schema_folder``, by a relative path (resolves offline, on any machine)."""
    relative = os.path.relpath(schema_folder.resolve() / schema_name, file.parent.resolve())
    return f"# yaml-language-server: $schema={Path(relative).as_posix()}\n"


@cache
def load_schema(file_name: str) -> dict[str, Any]:
    """A schema by file name, e.g. ``assignment.schema.json``."""
    schema: dict[str, Any] = json.loads((schema_dir() / file_name).read_text(encoding="utf-8"))
    return schema


# Keywords whose value is data, not a subschema: never searched for references.
_LITERALS = frozenset({"enum", "const", "default", "examples"})
_MAX_DEPTH = 32  # our schemas hold no recursive reference; deeper means one slipped in


def inlined_schema(file_name: str, pointer: str = "") -> dict[str, Any]:
    """The schema of ``file_name`` (or its node at the JSON ``pointer``) with every
    ``$ref`` replaced by what it points to, so a validator never resolves references
    while it checks (following them was over half of jsonschema's time). References
    name a file of ``schema/`` and/or a pointer in it (``defs.schema.json#/$defs/name``).
    """
    return inline_refs(_at(load_schema(file_name), pointer), file_name)


def inline_refs(schema: dict[str, Any], file_name: str) -> dict[str, Any]:
    """``schema``, a node of ``file_name``, with its references inlined (see above)."""
    inlined: dict[str, Any] = _inline(schema, file_name, 0)
    return inlined


def _inline(node: Any, file_name: str, depth: int) -> Any:
    if isinstance(node, list):
        return [_inline(item, file_name, depth) for item in node]
    if not isinstance(node, dict):
        return node
    own = {
        key: value if key in _LITERALS else _inline(value, file_name, depth)
        for key, value in node.items()
        if key not in ("$ref", "$defs", "$id", "$schema")
    }
    if "$ref" not in node:
        return own
    if depth >= _MAX_DEPTH:
        raise ReconcilerError(f"schema reference {node['$ref']} is recursive; cannot inline it")
    target_file, _, fragment = str(node["$ref"]).partition("#")
    target_file = target_file or file_name
    target = _inline(_at(load_schema(target_file), fragment), target_file, depth + 1)
    if not set(own) & set(target):
        return {**target, **own}  # disjoint keywords: the same as both applying
    # Keywords on both sides may interact, so both stay whole schemas, as $ref keeps them.
    return {**own, "allOf": [*own.get("allOf", []), target]}


def _at(document: Any, pointer: str) -> Any:
    """RFC 6901: the node at ``pointer`` (``/$defs/name``) of ``document``."""
    node = document
    for part in pointer.split("/")[1:] if pointer else []:
        key = part.replace("~1", "/").replace("~0", "~")
        node = node[int(key)] if isinstance(node, list) else node[key]
    return node
