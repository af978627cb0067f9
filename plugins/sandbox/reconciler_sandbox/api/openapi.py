"""The OpenAPI document: FastAPI's view of the routes plus the resource schemas.

The spec schemas are the files of ``schema/`` the compiler validates with, embedded
whole as ``file.<name>`` components. Their references are rewritten to point inside the
document (``#/components/schemas/file.defs/$defs/name``) and their ``$id`` dropped:
OpenAPI tools resolve local references, not one file's ``$id`` against another's.
"""

from __future__ import annotations

from typing import Any, Final

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from reconciler.schemas import load_schema, schema_dir
from reconciler_sandbox.spec_schema import SCHEMA_FILES

_SUFFIX: Final = ".schema.json"
# Keywords whose value is data, not a subschema: never rewritten.
_LITERALS: Final = frozenset({"enum", "const", "default", "examples"})

_ERROR = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message"],
            "properties": {
                "code": {"type": "string"},
                "message": {"type": "string"},
                "pointer": {"type": "string", "description": "JSON pointer of a 422"},
                "errors": {
                    "type": "array",
                    "description": "every JSON Schema problem of a 422, in document order",
                    "items": {
                        "type": "object",
                        "properties": {"pointer": {"type": "string"},
                                       "message": {"type": "string"}},
                    },
                },
                "holder": {"type": "string", "description": "who holds the lock (409)"},
                "lease_id": {"type": "string",
                             "description": "the lease's public name (409; force-unlock)"},
                "since": {"type": "string", "description": "held since (409)"},
                "expires_at": {"type": "string", "description": "held until (409)"},
            },
        }
    },
}

_METADATA = {
    "type": "object",
    "required": ["name", "version"],
    "properties": {
        "name": {"type": "string"},
        "version": {"type": "integer", "description": "Also the ETag."},
        "managed_by": {"type": ["string", "null"]},
        "spec_hash": {"type": ["string", "null"]},
        "labels": {"type": "object", "additionalProperties": {"type": "string"}},
        "annotations": {"type": "object", "additionalProperties": {"type": "string"}},
        "created_at": {"type": "string"},
        "updated_at": {"type": "string"},
    },
}


_WRITE_METADATA = {
    "type": "object",
    # The name comes from the path (one sent here must equal it, which no schema can say).
    "properties": {
        "labels": {"type": "object", "additionalProperties": {"type": "string"}},
        "annotations": {"type": "object", "additionalProperties": {"type": "string"}},
        "managed_by": {"type": ["string", "null"], "description": "e.g. learnops"},
        "spec_hash": {"type": ["string", "null"], "description": "The hash of the spec sent."},
    },
}


def document(app: FastAPI) -> dict[str, Any]:
    """Built once per app (FastAPI's own caching convention)."""
    if app.openapi_schema:
        return app.openapi_schema
    openapi = get_openapi(
        title=app.title,
        version=app.version,
        description=app.description,
        routes=app.routes,
    )
    schemas: dict[str, Any] = openapi.setdefault("components", {}).setdefault("schemas", {})
    for path in sorted(schema_dir().glob("*" + _SUFFIX)):
        schemas[_component(path.name)] = _localised(load_schema(path.name), path.name)
    schemas["Error"] = _ERROR
    schemas["ResourceMetadata"] = _METADATA
    for kind, file_name in SCHEMA_FILES.items():
        schemas[f"{kind}Spec"] = {"$ref": _local_ref(f"{file_name}#/$defs/spec", file_name)}
        resource: dict[str, Any] = {
            "type": "object",
            "required": ["apiVersion", "kind", "metadata", "spec", "status"],
            "properties": {
                "apiVersion": {"const": "learnops/v1"},
                "kind": {"const": kind},
                "metadata": {"$ref": "#/components/schemas/ResourceMetadata"},
                "spec": {"$ref": f"#/components/schemas/{kind}Spec"},
                "status": {"type": "object"},
            },
        }
        schemas[f"{kind}Resource"] = resource
        schemas[f"{kind}ListItem"] = {
            **resource, "required": [key for key in resource["required"] if key != "status"],
            "description": "A resource as listed: without status under status=omit."}
    schemas["WriteMetadata"] = _WRITE_METADATA
    error = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
    for operations in openapi.get("paths", {}).values():
        for operation in operations.values():
            _require_if_match(operation)
            _name_pattern(operation)
            responses = operation.setdefault("responses", {})
            _page_token_refusal(operation, responses, error)
            # Bodies are checked by JSON Schema and answered in the Error shape, and a bad
            # query value is a 400: FastAPI's own 422 shape never leaves this API.
            if "422" in responses:
                responses["422"] = {"description": "Invalid body (see pointer)", **error}
            responses["default"] = {"description": "{error: {code, message}}", **error}
    for unused in ("HTTPValidationError", "ValidationError"):
        schemas.pop(unused, None)
    app.openapi_schema = openapi
    return openapi


def _require_if_match(operation: dict[str, Any]) -> None:
    """If-Match is optional in Python (a missing one is our 428, not FastAPI's 422) but
    required in the document where it always is: a delete and an inactivation."""
    if not str(operation.get("operationId", "")).startswith(
            ("delete_resource", "inactivate_resource")):
        return
    for parameter in operation.get("parameters", []):
        if parameter.get("in") == "header" and parameter.get("name") == "If-Match":
            parameter["required"] = True
            parameter["schema"] = {"type": "string"}  # not FastAPI's anyOf with null


def _page_token_refusal(operation: dict[str, Any], responses: dict[str, Any],
                        error: dict[str, Any]) -> None:
    """A list route answers a page_token it never gave (made up, or another listing's)
    with a 400: any text fits the parameter's schema, so the document says so in words
    and declares the 400."""
    for parameter in operation.get("parameters", []):
        if parameter.get("in") == "query" and parameter.get("name") == "page_token":
            parameter["description"] = (
                "The next_page_token of the previous page of this listing; any other text"
                " is a 400 (invalid_page_token).")
            responses.setdefault("400", {
                "description": "A page_token this listing did not give, or a bad query value",
                **error})


def _name_pattern(operation: dict[str, Any]) -> None:
    """A resource name in a path follows the name rule (a 422 otherwise)."""
    pattern = load_schema("defs.schema.json")["$defs"]["name"]["pattern"]
    for parameter in operation.get("parameters", []):
        if parameter.get("in") == "path" and parameter.get("name") == "name":
            parameter["schema"] = {"type": "string", "pattern": pattern}


def _component(file_name: str) -> str:
    return "file." + file_name.removesuffix(_SUFFIX)


def _local_ref(ref: str, file_name: str) -> str:
    """``defs.schema.json#/$defs/name`` (or ``#/$defs/x`` within ``file_name``) as a
    pointer into the OpenAPI document."""
    target, _, fragment = ref.partition("#")
    return f"#/components/schemas/{_component(target or file_name)}{fragment}"


def _localised(node: Any, file_name: str) -> Any:
    """A schema file's node with its references local and without ``$id``/``$schema``."""
    if isinstance(node, list):
        return [_localised(item, file_name) for item in node]
    if not isinstance(node, dict):
        return node
    return {
        key: (value if key in _LITERALS
              else _local_ref(value, file_name) if key == "$ref"
              else _localised(value, file_name))
        for key, value in node.items()
        if key not in ("$id", "$schema")
    }
