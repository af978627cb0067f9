"""Request bodies, checked with the very JSON Schemas the compiler validates specs with.

A resource body is rebuilt as the document a spec file would hold (``apiVersion``,
``kind``, ``metadata``, ``spec``) and validated against the kind's schema, so a JSON
pointer in a 422 points into the request body exactly as sent.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from functools import cache
from typing import Any, Final

from fastapi import Request
from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError, best_match
from referencing import Registry, Resource

from reconciler.model import API_VERSION, JSON
from reconciler.schemas import load_schema, schema_dir

from .problems import ApiProblem

SCHEMA_FILES: Final[Mapping[str, str]] = {
    "LearningObject": "learning-object.schema.json",
    "Audience": "audience.schema.json",
    "CertificationPlan": "certification-plan.schema.json",
    "Assignment": "assignment.schema.json",
}

# Written by the platform, not by a client: a client may PUT back what it read.
_SERVER_METADATA: Final = frozenset({"version", "created_at", "updated_at"})
_OWNERSHIP: Final = ("managed_by", "spec_hash")


@cache
def _registry() -> Registry[Any]:
    """Every schema file by its ``$id``, so ``defs.schema.json#/...`` references resolve."""
    resources = []
    for path in sorted(schema_dir().glob("*.schema.json")):
        schema = load_schema(path.name)
        resources.append((str(schema["$id"]), Resource.from_contents(schema)))
    registry: Registry[Any] = Registry().with_resources(resources)
    return registry


@cache
def validator(kind: str) -> Draft202012Validator:
    return Draft202012Validator(load_schema(SCHEMA_FILES[kind]), registry=_registry())


def pointer(path: Iterable[str | int]) -> str:
    """RFC 6901: ``/spec/steps/0/release``, with ``~`` and ``/`` escaped."""
    return "".join(
        "/" + str(part).replace("~", "~0").replace("/", "~1") for part in path
    )


def invalid(at: str, message: str) -> ApiProblem:
    return ApiProblem(422, "invalid", f"{at or '/'}: {message}", pointer=at)


async def json_body(request: Request) -> JSON:
    """The body as JSON; the size limit was enforced before the route ran."""
    media_type = request.headers.get("content-type", "application/json").split(";")[0].strip()
    if media_type != "application/json" and not media_type.endswith("+json"):
        raise ApiProblem(
            415, "unsupported_media_type", f"expected application/json, not {media_type}"
        )
    raw = await request.body()
    try:
        return json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as problem:
        raise ApiProblem(400, "malformed_json", f"the body is not JSON: {problem}") from None


def resource_write(kind: str, name: str, body: JSON) -> dict[str, JSON]:
    """Check a ``PUT /{kind}/{name}`` body and turn it into what the engine takes."""
    if not isinstance(body, dict):
        raise invalid("", "the body must be a JSON object")
    metadata = body.get("metadata", {})
    if not isinstance(metadata, dict):
        raise invalid("/metadata", "must be an object")
    if metadata.get("name", name) != name:
        raise invalid("/metadata/name", f"'{metadata['name']}' does not match '{name}' in the path")
    for key in _OWNERSHIP:
        if metadata.get(key) is not None and not isinstance(metadata[key], str):
            raise invalid(f"/metadata/{key}", "must be a string or null")
    document = {
        "apiVersion": body.get("apiVersion", API_VERSION),
        "kind": body.get("kind", kind),
        "metadata": {
            key: value
            for key, value in {**metadata, "name": name}.items()
            if key not in _SERVER_METADATA and key not in _OWNERSHIP
        },
        "spec": body.get("spec"),
        **{key: value for key, value in body.items() if key not in _DOCUMENT_KEYS},
    }
    errors = sorted(validator(kind).iter_errors(document), key=_place)
    if errors:
        first = best_match(errors)
        raise ApiProblem(
            422,
            "invalid",
            f"{pointer(first.absolute_path) or '/'}: {first.message}",
            pointer=pointer(first.absolute_path),
            errors=[
                {"pointer": pointer(error.absolute_path), "message": error.message}
                for error in errors
            ],
        )
    written: dict[str, JSON] = {
        "labels": dict(metadata.get("labels", {})),
        "annotations": dict(metadata.get("annotations", {})),
    }
    # Absent ownership stays absent: a resource made by hand is nobody's to manage.
    written.update({key: metadata[key] for key in _OWNERSHIP if metadata.get(key) is not None})
    return {"metadata": written, "spec": body["spec"]}


# ``status`` is the platform's view; a body read back from a GET may carry it.
_DOCUMENT_KEYS: Final = frozenset({"apiVersion", "kind", "metadata", "spec", "status"})


def _place(error: ValidationError) -> str:
    return pointer(error.absolute_path)
