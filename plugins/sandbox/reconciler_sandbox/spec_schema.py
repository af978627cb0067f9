"""Every written resource is checked against the JSON Schemas the compiler validates
spec files with, here and only here, so the in-process ``sandbox`` provider and the
HTTP API (hence the ``rest`` provider) refuse exactly the same bodies.

A body is rebuilt as the document a spec file would hold (``apiVersion``, ``kind``,
``metadata``, ``spec``, and whatever else the caller sent), so a problem's JSON
pointer points into the body exactly as sent. Validators are compiled once per kind:
the compiler's fast predicate gives the verdict (a valid body, nearly every write,
costs microseconds), and jsonschema runs only to explain a body that fails it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import cache
from typing import TYPE_CHECKING, Any, Final

from reconciler.errors import InvalidRequest, SchemaViolation
from reconciler.model import API_VERSION, JSON
from reconciler.schemas import inlined_schema
from reconciler.validate.predicates import Predicate, Unsupported, compile_predicate

if TYPE_CHECKING:  # only annotations: jsonschema is imported when a body fails
    from jsonschema.exceptions import ValidationError

SCHEMA_FILES: Final[Mapping[str, str]] = {
    "LearningObject": "learning-object.schema.json",
    "Audience": "audience.schema.json",
    "CertificationPlan": "certification-plan.schema.json",
    "Assignment": "assignment.schema.json",
}

# Written by the platform, not by a client: a client may PUT back what it read.
_SERVER_METADATA: Final = frozenset({"version", "created_at", "updated_at"})
# Ownership marks are the platform's bookkeeping, not part of a spec document.
_OWNERSHIP: Final = frozenset({"managed_by", "spec_hash"})
# ``status`` is the platform's view; a body read back from a GET may carry it.
_DOCUMENT_KEYS: Final = frozenset({"apiVersion", "kind", "metadata", "spec", "status"})


@cache
def validator(kind: str) -> Any:  # a Draft202012Validator (jsonschema ships no type hints)
    """The kind's schema with every ``$ref`` inlined (:func:`inlined_schema`): the same
    verdicts and messages, without resolving references on each write. jsonschema is
    imported here, not with the platform: a plan, which writes nothing, never needs it."""
    from jsonschema import Draft202012Validator

    return Draft202012Validator(inlined_schema(SCHEMA_FILES[kind]))


@cache
def _verdict(kind: str) -> Predicate:
    """Whether a document passes ``kind``'s schema: the same answer as ``validator``,
    about twenty times faster (jsonschema interprets the schema on every call)."""
    try:
        return compile_predicate(inlined_schema(SCHEMA_FILES[kind]))
    except Unsupported:
        return validator(kind).is_valid  # type: ignore[no-any-return]


def pointer(path: Iterable[str | int]) -> str:
    """RFC 6901: ``/spec/steps/0/release``, with ``~`` and ``/`` escaped."""
    return "".join("/" + str(part).replace("~", "~0").replace("/", "~1") for part in path)


def check_document(kind: str, name: str, body: Mapping[str, JSON]) -> None:
    """Refuse a write body whose document fails ``kind``'s schema, reporting every
    problem (:class:`SchemaViolation`), or whose shape cannot even be rebuilt."""
    if not isinstance(body, Mapping):
        raise InvalidRequest("/: the body must be an object", pointer="")
    metadata = body.get("metadata", {})
    if not isinstance(metadata, Mapping):
        raise InvalidRequest("/metadata: must be an object", pointer="/metadata")
    if metadata.get("name", name) != name:
        raise InvalidRequest(
            f"/metadata/name: '{metadata['name']}' does not match '{name}' in the path",
            pointer="/metadata/name")
    document = {
        "apiVersion": body.get("apiVersion", API_VERSION),
        "kind": body.get("kind", kind),
        "metadata": {
            key: value for key, value in {**metadata, "name": name}.items()
            if key not in _SERVER_METADATA and key not in _OWNERSHIP
        },
        "spec": body.get("spec"),
        **{key: value for key, value in body.items() if key not in _DOCUMENT_KEYS},
    }
    if _verdict(kind)(document):
        return
    errors = sorted(validator(kind).iter_errors(document), key=_place)
    if errors:
        from jsonschema.exceptions import best_match

        first = best_match(errors)
        at = pointer(first.absolute_path)
        raise SchemaViolation(
            f"{at or '/'}: {first.message}", pointer=at,
            problems=tuple((_place(error), error.message) for error in errors),
        )


def _place(error: ValidationError) -> str:
    return pointer(error.absolute_path)
