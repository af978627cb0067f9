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

from jsonschema import Draft202012Validator
from referencing import Registry, Resource

from reconciler.diagnostics import Diagnostic, error
from reconciler.load import Document
from reconciler.model import KINDS
from reconciler.schemas import load_schema
from reconciler.validate.predicates import Predicate, Unsupported, compile_predicate
from reconciler.validate.schema_errors import PatternCodes, diagnostics_for

SCHEMA_FILES: Final[Mapping[str, str]] = {
    "LearningObject": "learning-object.schema.json",
    "Audience": "audience.schema.json",
    "CertificationPlan": "certification-plan.schema.json",
    "Assignment": "assignment.schema.json",
}
_SHARED = ("defs.schema.json", "envelope.schema.json", "project.schema.json")


@dataclass(frozen=True)
class _Validators:
    envelope: Any  # Draft202012Validator (jsonschema ships no type hints)
    specs: Mapping[str, Any]
    project: Any
    patterns: PatternCodes
    envelope_valid: Predicate
    spec_valid: Mapping[str, Predicate]


@cache
def _validators() -> _Validators:
    schemas = [load_schema(name) for name in (*_SHARED, *SCHEMA_FILES.values())]
    registry: Registry[Any] = Registry().with_resources(
        (schema["$id"], Resource.from_contents(schema)) for schema in schemas
    )
    envelope = dict(load_schema("envelope.schema.json"))
    envelope.pop("allOf")  # the per-kind dispatch is for editors; specs are checked below

    def compile_schema(schema: Mapping[str, Any], base: str) -> Any:
        # Following $refs is most of jsonschema's time; our schemas are not recursive,
        # so they are inlined once here and each document is checked without lookups.
        inlined = _inline(schema, registry.resolver(base))
        return Draft202012Validator(inlined, registry=registry)

    specs = {
        kind: compile_schema(load_schema(file)["$defs"]["spec"], load_schema(file)["$id"])
        for kind, file in SCHEMA_FILES.items()
    }
    defs = load_schema("defs.schema.json")["$defs"]
    patterns = {
        defs["name"]["pattern"]: "LO405",
        defs["duration"]["pattern"]: "LO406",
        defs["date"]["pattern"]: "LO407",
    }
    project = load_schema("project.schema.json")
    envelope_validator = compile_schema(envelope, envelope["$id"])
    return _Validators(
        envelope=envelope_validator,
        specs=specs,
        project=compile_schema(project, project["$id"]),
        patterns=patterns,
        envelope_valid=_predicate(envelope_validator),
        spec_valid={kind: _predicate(validator) for kind, validator in specs.items()},
    )


def _predicate(validator: Any) -> Predicate:
    """The fast verdict of ``validator``'s schema; jsonschema's own when it cannot compile."""
    try:
        return compile_predicate(validator.schema)
    except Unsupported:
        return validator.is_valid  # type: ignore[no-any-return]


def _inline(node: Any, resolver: Any) -> Any:
    """``node`` with every ``$ref`` replaced by its target (siblings kept, they refine it)."""
    if isinstance(node, list):
        return [_inline(item, resolver) for item in node]
    if not isinstance(node, Mapping):
        return node
    if "$ref" in node:
        resolved = resolver.lookup(node["$ref"])
        target = _inline(resolved.contents, resolved.resolver)
        siblings = {key: _inline(value, resolver) for key, value in node.items() if key != "$ref"}
        return {**target, **siblings}
    return {key: _inline(value, resolver) for key, value in node.items()}


def check_resource(document: Document) -> list[Diagnostic]:
    """Schema problems of one resource document, each at its node's position."""
    validators = _validators()
    body = document.body
    if not isinstance(body, dict):
        message = "a document must be a mapping with apiVersion, kind, metadata and spec"
        return [error("LO403", message, document.location)]
    kind, spec = body.get("kind"), body.get("spec")
    # A valid envelope has a known kind and a mapping spec.
    if validators.envelope_valid(body) and validators.spec_valid[str(kind)](spec):
        return []
    problems = diagnostics_for(
        validators.envelope.iter_errors(body), document, (), validators.patterns
    )
    if kind in KINDS and isinstance(spec, dict):
        errors = validators.specs[kind].iter_errors(spec)
        problems += diagnostics_for(errors, document, ("spec",), validators.patterns)
    return problems


def check_project(document: Document) -> list[Diagnostic]:
    """Schema problems of ``learnops.yaml``."""
    validators = _validators()
    if not isinstance(document.body, dict):
        return [
            error(
                "LO403",
                "learnops.yaml must be a mapping with project and provider",
                document.location,
            )
        ]
    errors = validators.project.iter_errors(document.body)
    return diagnostics_for(errors, document, (), validators.patterns)
