"""Stage 3, resolve: validated documents become the canonical desired state.

Inline audiences are lifted into Audience resources of their own (named by
:func:`reconciler.validate.inline_audience_name`), so every later stage sees
references by name only.
"""

from __future__ import annotations

from reconciler.errors import SpecError
from reconciler.model import JSON, KINDS, Address, DesiredResource, DesiredState
from reconciler.resolve import canonical
from reconciler.validate import SpecDocument, ValidatedSpecs, inline_audience_name

__all__ = ["resolve"]


def resolve(validated: ValidatedSpecs) -> DesiredState:
    """The desired state of valid specs, resources ordered by kind then name."""
    if not validated.ok:
        raise SpecError("the specs are not valid; validate them first", validated.diagnostics)
    resources: list[DesiredResource] = []
    for document in validated.resources:
        resources.extend(_resolve(document))
    resources.sort(key=lambda resource: (KINDS.index(resource.kind), resource.name))
    return DesiredState(
        project=validated.project, resources=tuple(resources), digest=validated.digest
    )


def _resolve(document: SpecDocument) -> list[DesiredResource]:
    spec = document.spec
    metadata = document.metadata
    labels = _strings(metadata.get("labels"))
    annotations = _strings(metadata.get("annotations"))

    def desired(kind: str, name: str, body: dict[str, JSON]) -> DesiredResource:
        return DesiredResource(Address(kind, name), body, document.location, labels, annotations)

    match document.kind:
        case "LearningObject":
            return [desired("LearningObject", document.name, canonical.learning_object(spec))]
        case "Audience":
            return [desired("Audience", document.name, canonical.audience(spec))]
        case "CertificationPlan":
            return [desired("CertificationPlan", document.name, canonical.certification_plan(spec))]
        case "Assignment":
            audience = spec["audience"]
            if isinstance(audience, str):
                return [desired("Assignment", document.name, canonical.assignment(spec, audience))]
            lifted = inline_audience_name(document.name)
            return [
                desired("Assignment", document.name, canonical.assignment(spec, lifted)),
                DesiredResource(
                    Address("Audience", lifted),
                    canonical.audience(audience),
                    document.at(("audience",)),
                ),
            ]
    raise SpecError(f"unknown kind {document.kind!r}")


def _strings(value: JSON) -> dict[str, str]:
    return {str(key): str(item) for key, item in value.items()} if isinstance(value, dict) else {}
