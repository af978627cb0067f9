"""Warnings about resources nothing uses: valid, but probably not what was meant."""

from __future__ import annotations

from collections.abc import Iterable

from reconciler.diagnostics import Diagnostic, warning
from reconciler.model import Address
from reconciler.validate.documents import SpecDocument
from reconciler.validate.references import Reference

_UNUSED = {
    "Audience": ("LO601", "no assignment targets it and no audience includes or excludes it"),
    "LearningObject": ("LO602", "no plan or assignment releases it and no object requires it"),
    "CertificationPlan": ("LO603", "no assignment assigns it, so nobody will be enrolled"),
}


def unused(resources: Iterable[SpecDocument], used: Iterable[Reference]) -> list[Diagnostic]:
    targets: set[Address] = {reference.target for reference in used}
    found: list[Diagnostic] = []
    for resource in resources:
        if resource.kind not in _UNUSED or resource.address in targets:
            continue
        if resource.kind == "LearningObject" and resource.spec.get("existing") is True:
            continue  # an existing object may be declared only to check it is there
        code, why = _UNUSED[resource.kind]
        found.append(
            warning(
                code, f"{resource.kind} {resource.name!r} is unused: {why}", resource.name_location
            )
        )
    return found
