"""Turns jsonschema's errors into diagnostics a person can act on.

Each error is pinned to the line and column of the node it is about (the key,
for an unknown field), says what was expected in the words of the schema's
``title``s, and gets a stable code. For ``oneOf``/``anyOf`` the branch the user
evidently meant (its shape fits, a value inside it does not) is reported instead
of the generic "not valid under any of".
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # only annotations: jsonschema is imported when a document fails
    from jsonschema.exceptions import ValidationError

from reconciler.diagnostics import Diagnostic, error
from reconciler.load import Document, NodePath
from reconciler.model import JSON, KINDS

PatternCodes = Mapping[str, str]  # a defs pattern -> the code of a value not matching it

# Errors at a union branch's own node that say "this is not the branch you meant".
_SHAPE_MISMATCH = frozenset({"type", "required", "const", "enum"})
_JSON_TYPES = {
    dict: "a mapping",
    list: "a list",
    str: "a string",
    bool: "a boolean",
    int: "a number",
    float: "a number",
    type(None): "empty (null)",
}


def diagnostics_for(
    errors: Iterable[ValidationError], document: Document, prefix: NodePath, patterns: PatternCodes
) -> list[Diagnostic]:
    found: list[Diagnostic] = []
    for problem in errors:
        found.extend(_diagnose(problem, document, prefix, patterns))
    return found


def _diagnose(
    problem: ValidationError, document: Document, prefix: NodePath, patterns: PatternCodes
) -> list[Diagnostic]:
    path: NodePath = (*prefix, *problem.absolute_path)
    field = dotted(path)
    keyword = problem.validator
    value: Any = problem.validator_value
    schema: Mapping[str, Any] = problem.schema if isinstance(problem.schema, Mapping) else {}
    instance = problem.instance
    expected = schema.get("title")
    at = document.at(path)

    if "propertyNames" in problem.absolute_schema_path:
        where = document.key_at((*path, instance)) if isinstance(instance, str) else at
        return [
            error(
                "LO404",
                f"{_lead(field)}key {instance!r} is not {expected or 'allowed here'}",
                where,
            )
        ]
    match keyword:
        case "required":
            # jsonschema reports each missing property in its own error, named in the message.
            missing = [name for name in value if problem.message.startswith(repr(name))]
            return [
                error("LO401", f"{_lead(field)}missing required field {name!r}", at)
                for name in missing[:1]
            ]
        case "additionalProperties":
            allowed = sorted(schema.get("properties", {}))
            extras = (
                [key for key in instance if key not in allowed]
                if isinstance(instance, dict)
                else []
            )
            return [
                error(
                    "LO402",
                    f"{_lead(field)}unknown field {key!r}{_suggest(key, allowed)}",
                    document.key_at((*path, key)),
                )
                for key in extras
            ]
        case "type":
            want = expected or _type_words(value)
            return [error("LO403", f"{_lead(field)}expected {want}, got {_describe(instance)}", at)]
        case "oneOf" | "anyOf":
            meant = _meant_branch(problem)
            if meant is not None:
                return diagnostics_for(meant, document, prefix, patterns)
            want = expected or "a different value"
            return [error("LO404", f"{_lead(field)}expected {want}, got {_show(instance)}", at)]
        case "pattern":
            code = patterns.get(str(value), "LO404")
            want = expected or f"matching {value}"
            return [error(code, f"{_lead(field)}{_show(instance)} is not {want}", at)]
        case "const" | "enum":
            return [_choice(path, field, instance, value, expected, at)]
        case "not":
            banned = value.get("required", []) if isinstance(value, Mapping) else []
            what = f"field {banned[0]!r} is" if banned else "this value is"
            return [error("LO404", f"{_lead(field)}{what} not allowed here", at)]
        case "minItems":
            return [
                error("LO404", f"{_lead(field)}needs at least {value} item{'s' * (value != 1)}", at)
            ]
        case "uniqueItems":
            return [error("LO404", f"{_lead(field)}lists the same entry twice", at)]
        case "minLength":
            return [error("LO404", f"{_lead(field)}must not be empty", at)]
        case "minProperties":
            return [error("LO404", f"{_lead(field)}must not be empty", at)]
        case "minimum" | "maximum" | "exclusiveMinimum" | "exclusiveMaximum":
            return [
                error(
                    "LO404",
                    f"{_lead(field)}{_show(instance)} is out of range ({problem.message})",
                    at,
                )
            ]
    return [error("LO404", f"{_lead(field)}{problem.message}", at)]


def _choice(
    path: NodePath, field: str, instance: JSON, value: Any, expected: str | None, at: Any
) -> Diagnostic:
    options = [value] if not isinstance(value, list) else value
    if path == ("kind",):
        hint = _suggest(str(instance), list(KINDS))
        return error(
            "LO408", f"unknown kind {_show(instance)}: expected one of {', '.join(KINDS)}{hint}", at
        )
    if path == ("apiVersion",):
        return error("LO409", f"apiVersion must be {options[0]}, got {_show(instance)}", at)
    want = expected or " or ".join(str(option) for option in options)
    hint = (
        _suggest(str(instance), [str(option) for option in options])
        if isinstance(instance, str)
        else ""
    )
    return error("LO404", f"{_lead(field)}{_show(instance)} is not {want}{hint}", at)


def _meant_branch(problem: ValidationError) -> list[ValidationError] | None:
    """The errors of the one union branch whose shape fits the value, if exactly one does."""
    branches: dict[int, list[ValidationError]] = {}
    for sub in problem.context or []:
        index = sub.relative_schema_path[0] if sub.relative_schema_path else -1
        branches.setdefault(int(index), []).append(sub)
    fitting = [
        errors
        for errors in branches.values()
        if not any(
            len(sub.relative_path) == 0 and sub.validator in _SHAPE_MISMATCH for sub in errors
        )
    ]
    return fitting[0] if len(fitting) == 1 else None


def dotted(path: NodePath) -> str:
    """``("spec", "steps", 1, "release")`` -> ``spec.steps[1].release``."""
    text = ""
    for step in path:
        text += f"[{step}]" if isinstance(step, int) else (f".{step}" if text else str(step))
    return text


def _lead(field: str) -> str:
    return f"{field}: " if field else ""


def _suggest(word: str, options: list[str]) -> str:
    close = difflib.get_close_matches(word, options, n=1, cutoff=0.6)
    return f"; did you mean {close[0]!r}?" if close else ""


def _type_words(value: Any) -> str:
    names = {
        "object": "a mapping",
        "array": "a list",
        "string": "a string",
        "integer": "a whole number",
        "number": "a number",
        "boolean": "true or false",
        "null": "null",
    }
    types = value if isinstance(value, list) else [value]
    return " or ".join(names.get(str(kind), str(kind)) for kind in types)


def _describe(instance: JSON) -> str:
    kind = _JSON_TYPES.get(type(instance), type(instance).__name__)
    if isinstance(instance, str | int | float) and not isinstance(instance, bool):
        return f"{kind} {_show(instance)}"
    return kind


def _show(instance: JSON) -> str:
    if isinstance(instance, str):
        return repr(instance)
    if isinstance(instance, dict):
        return "a mapping"
    if isinstance(instance, list):
        return "a list"
    if instance is None:
        return "nothing (null)"
    return str(instance).lower() if isinstance(instance, bool) else str(instance)
