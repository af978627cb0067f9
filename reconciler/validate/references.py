"""Names one resource uses of another: every reference, in one place.

The validate stage checks them and the graph stage turns them into edges, so
both read them from :func:`spec_references`.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from typing import NamedTuple

from reconciler.diagnostics import Diagnostic, error
from reconciler.load import NodePath
from reconciler.model import JSON, Address
from reconciler.validate.documents import SpecDocument
from reconciler.validate.schema_errors import dotted


class Reference(NamedTuple):
    """``path`` (under ``spec``) names ``target``; ``relation`` is how the referring
    resource uses it, as a verb: "requires", "includes", "excludes", "releases",
    "assigns" or "targets". A named tuple: validate and the graph make one per
    reference of every spec, so it is made in C."""

    path: NodePath
    target: Address
    relation: str


def spec_references(kind: str, spec: Mapping[str, JSON]) -> list[Reference]:
    """Every name ``spec`` refers to, in document order. Works on a schema-valid
    spec as written (an inline audience is searched for its own references) and
    on a resolved one. Validate and the graph ask for every resource's, so the
    list is filled in place (no generators)."""
    found: list[Reference] = []
    match kind:
        case "LearningObject":
            _names(spec, ("prerequisites",), "LearningObject", "requires", found)
        case "Audience":
            _audience(spec, (), found)
        case "CertificationPlan":
            for index, step in enumerate(_list(spec.get("steps"))):
                if isinstance(step, dict):
                    _names(step, ("steps", index, "items"), "LearningObject", "releases", found)
        case "Assignment":
            for index, item in enumerate(_list(spec.get("items"))):
                if isinstance(item, dict) and isinstance(item.get("plan"), str):
                    found.append(Reference(
                        ("items", index, "plan"),
                        Address("CertificationPlan", item["plan"]),
                        "assigns",
                    ))
                elif isinstance(item, dict) and isinstance(item.get("object"), str):
                    found.append(Reference(
                        ("items", index, "object"),
                        Address("LearningObject", item["object"]),
                        "assigns",
                    ))
            audience = spec.get("audience")
            if isinstance(audience, str):
                found.append(Reference(("audience",), Address("Audience", audience), "targets"))
            elif isinstance(audience, dict):
                _audience(audience, ("audience",), found)
    return found


def _audience(spec: Mapping[str, JSON], at: NodePath, found: list[Reference]) -> None:
    _names(spec, (*at, "include"), "Audience", "includes", found)
    _names(spec, (*at, "exclude"), "Audience", "excludes", found)


def _names(
    holder: Mapping[str, JSON], path: NodePath, kind: str, relation: str,
    found: list[Reference],
) -> None:
    names = holder.get(str(path[-1]))
    if not isinstance(names, list):
        return
    for index, name in enumerate(names):
        if isinstance(name, str):
            found.append(Reference((*path, index), Address(kind, name), relation))


def _list(value: JSON) -> list[JSON]:
    return value if isinstance(value, list) else []


def check_references(
    uses: Iterable[tuple[SpecDocument, Iterable[Reference]]], known: Mapping[str, set[str]]
) -> list[Diagnostic]:
    """A diagnostic for every name that no resource of the expected kind has;
    ``uses`` pairs each resource with its :func:`spec_references`."""
    found: list[Diagnostic] = []
    for resource, references in uses:
        for reference in references:
            kind, name = reference.target.kind, reference.target.name
            if name in known.get(kind, set()):
                continue
            message = f"{_field(reference.path)} refers to unknown {kind} {name!r}"
            close = difflib.get_close_matches(name, sorted(known.get(kind, set())), n=1, cutoff=0.6)
            if close:
                message += f"; did you mean {close[0]!r}?"
            others = sorted(
                other for other, names in known.items() if other != kind and name in names
            )
            if others:
                message += f" ({name!r} is a {others[0]}, not a {kind})"
            found.append(error("LO501", message, resource.at(reference.path)))
    return found


def _field(path: NodePath) -> str:
    return dotted(("spec", *path))
