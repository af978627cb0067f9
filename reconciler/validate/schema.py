"""JSON Schema checks against the files of ``schema/``, validators compiled once.

A document is checked in two parts: its envelope (apiVersion, kind, metadata,
spec present) and then, if the kind is known, its ``spec`` against that kind's
schema. Splitting them keeps each problem reported once and keeps the messages
about the envelope independent of the kind. Each part is first checked by a
predicate compiled from the same schema (:mod:`reconciler.validate.predicates`);
jsonschema only runs to explain a document that fails it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any, Final

from reconciler.diagnostics import Diagnostic, error
from reconciler.load import Document
from reconciler.model import KINDS
from reconciler.schemas import KIND_SCHEMAS, inline_refs, inlined_schema, load_schema
from reconciler.validate.predicates import Predicate, Unsupported, compile_predicate
from reconciler.validate.schema_errors import PatternCodes, diagnostics_for

SCHEMA_FILES: Final[Mapping[str, str]] = KIND_SCHEMAS


@dataclass(frozen=True)
class _Schemas:
    """Each schema with its references inlined: what both verdicts and explanations use."""

    envelope: dict[str, Any]
    specs: Mapping[str, dict[str, Any]]
    project: dict[str, Any]


@dataclass(frozen=True)
class _Verdicts:
    envelope_valid: Predicate
    spec_valid: Mapping[str, Predicate]
    project_valid: Predicate


@dataclass(frozen=True)
class _Explainers:
    envelope: Any  # Draft202012Validator (jsonschema ships no type hints)
    specs: Mapping[str, Any]
    project: Any
    patterns: PatternCodes


@cache
def _schemas() -> _Schemas:
    envelope = dict(load_schema("envelope.schema.json"))
    envelope.pop("allOf")  # the per-kind dispatch is for editors; specs are checked below
    return _Schemas(
        envelope=inline_refs(envelope, "envelope.schema.json"),
        specs={kind: inlined_schema(file, "/$defs/spec") for kind, file in SCHEMA_FILES.items()},
        project=inlined_schema("project.schema.json"),
    )


@cache
def _verdicts() -> _Verdicts:
    schemas = _schemas()
    return _Verdicts(
        envelope_valid=_predicate(schemas.envelope),
        spec_valid={kind: _predicate(schema) for kind, schema in schemas.specs.items()},
        project_valid=_predicate(schemas.project),
    )


@cache
def _explainers() -> _Explainers:
    """jsonschema's validators, imported and built only when a document fails: valid
    specs (every CI run on a good commit) never pay for them."""
    from jsonschema import Draft202012Validator

    schemas = _schemas()
    defs = load_schema("defs.schema.json")["$defs"]
    return _Explainers(
        envelope=Draft202012Validator(schemas.envelope),
        specs={kind: Draft202012Validator(schema) for kind, schema in schemas.specs.items()},
        project=Draft202012Validator(schemas.project),
        patterns={
            defs["name"]["pattern"]: "LO405",
            defs["duration"]["pattern"]: "LO406",
            defs["date"]["pattern"]: "LO407",
        },
    )


def _predicate(schema: dict[str, Any]) -> Predicate:
    """The fast verdict of ``schema``; jsonschema's own when it cannot compile."""
    try:
        return compile_predicate(schema)
    except Unsupported:
        from jsonschema import Draft202012Validator

        return Draft202012Validator(schema).is_valid  # type: ignore[no-any-return]


def check_resource(document: Document) -> list[Diagnostic]:
    """Schema problems of one resource document, each at its node's position."""
    verdicts = _verdicts()
    body = document.body
    if not isinstance(body, dict):
        message = "a document must be a mapping with apiVersion, kind, metadata and spec"
        return [error("LO403", message, document.location)]
    kind, spec = body.get("kind"), body.get("spec")
    # A valid envelope has a known kind and a mapping spec.
    if verdicts.envelope_valid(body) and verdicts.spec_valid[str(kind)](spec):
        return []
    validators = _explainers()
    problems = diagnostics_for(
        validators.envelope.iter_errors(body), document, (), validators.patterns
    )
    if kind in KINDS and isinstance(spec, dict):
        errors = validators.specs[kind].iter_errors(spec)
        problems += diagnostics_for(errors, document, ("spec",), validators.patterns)
    return problems


def check_project(document: Document) -> list[Diagnostic]:
    """Schema problems of ``learnops.yaml``."""
    if not isinstance(document.body, dict):
        return [
            error(
                "LO403",
                "learnops.yaml must be a mapping with project and provider",
                document.location,
            )
        ]
    if _verdicts().project_valid(document.body):
        return []
    validators = _explainers()
    errors = validators.project.iter_errors(document.body)
    return diagnostics_for(errors, document, (), validators.patterns)
