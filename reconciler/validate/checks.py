"""Semantic checks of one resource at a time: what a schema cannot say. They tolerate
any shape, so they also run on documents the schema rejected (one run shows all)."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Iterator
from datetime import date

from reconciler.diagnostics import Diagnostic, error
from reconciler.load import NodePath
from reconciler.model import JSON
from reconciler.rules.durations import DurationError, parse_date, parse_duration
from reconciler.validate.documents import SpecDocument
from reconciler.validate.schema_errors import dotted

_DATE_SHAPE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
# Fields an ``existing: true`` object would have to write to the platform.
_WRITTEN_FIELDS = ("duration", "languages", "url", "completion", "prerequisites")
_SOME_DAY = date(2000, 1, 1)  # to compare durations of different units


def check_dates(resource: SpecDocument) -> list[Diagnostic]:
    """Shape-tolerant, so it also runs on documents the schema rejected."""
    return list(_dates(resource))


def check_resource(resource: SpecDocument) -> list[Diagnostic]:
    """The checks of one resource's meaning (a node of the wrong shape is skipped:
    the schema already says what is wrong with it)."""
    found: list[Diagnostic] = []
    match resource.kind:
        case "LearningObject":
            found += _existing_object(resource)
        case "CertificationPlan":
            found += _plan(resource)
        case "Assignment":
            found += _assignment(resource)
    return found


def _dates(resource: SpecDocument) -> Iterator[Diagnostic]:
    """Every date-shaped string must be a real calendar date (2026-02-30 is not)."""
    found: list[tuple[NodePath, str]] = []
    _date_shaped(resource.spec, (), found)
    for path, value in found:
        try:
            parse_date(value)
        except DurationError:
            yield error(
                "LO407", f"{_field(path)}: {value!r} is not a calendar date", resource.at(path)
            )


def _date_shaped(value: JSON, path: NodePath, found: list[tuple[NodePath, str]]) -> None:
    """Collects the date-shaped strings under ``value``. It visits every node of
    every spec, so it appends instead of yielding, tests exact types (loaded values
    are plain dicts, lists and scalars), and the cheap length and dash test spares
    the regex for the strings that are plainly not dates."""
    items: Iterable[tuple[str | int, JSON]]
    if type(value) is dict:
        items = value.items()
    elif type(value) is list:
        items = enumerate(value)
    else:
        return
    for key, item in items:
        kind = type(item)
        if kind is str:
            if len(item) == 10 and item[4] == "-" and _DATE_SHAPE.fullmatch(item):
                found.append(((*path, key), item))
        elif kind is dict or kind is list:
            _date_shaped(item, (*path, key), found)


def _existing_object(resource: SpecDocument) -> Iterator[Diagnostic]:
    spec = resource.spec
    if spec.get("existing") is not True:
        return
    for key in _WRITTEN_FIELDS:
        if key in spec:
            yield error(
                "LO506",
                f"spec.{key}: an existing: true object is only checked, never written; "
                f"remove {key!r} (or drop existing: true to let learnops manage the object)",
                resource.key_at((key,)),
            )


def _plan(resource: SpecDocument) -> Iterator[Diagnostic]:
    listed = resource.spec.get("steps")
    steps = [step for step in listed if isinstance(step, dict)] if isinstance(listed, list) else []
    first_at: dict[str, int] = {}
    for index, step in enumerate(steps):
        name = str(step.get("name"))
        here: NodePath = ("steps", index)
        if name in first_at:
            yield error(
                "LO504",
                f"spec.steps[{index}]: step name {name!r} is already used by "
                f"step {first_at[name] + 1}",
                resource.at((*here, "name")),
            )
        else:
            first_at[name] = index
        release = step.get("release")
        if release is None and index > 0:
            yield error(
                "LO505",
                f"spec.steps[{index}]: step {name!r} needs a release "
                "(only the first step defaults to {at: enrollment})",
                resource.at(here),
            )
        if isinstance(release, dict) and "after_step" in release:
            yield from _after_step(resource, index, str(release["after_step"]), first_at, steps)
    certificate = resource.spec.get("certificate")
    if isinstance(certificate, dict) and "renew_before" in certificate:
        try:
            valid_for = parse_duration(str(certificate["valid_for"])).add_to(_SOME_DAY)
            renew_before = parse_duration(str(certificate["renew_before"])).add_to(_SOME_DAY)
        except (DurationError, KeyError):  # not durations: the schema said so
            return
        if renew_before >= valid_for:
            yield error(
                "LO507",
                f"spec.certificate.renew_before: {certificate['renew_before']} is not shorter than "
                f"valid_for {certificate['valid_for']}, "
                "so renewal would open before the certificate is issued",
                resource.at(("certificate", "renew_before")),
            )


def _after_step(
    resource: SpecDocument,
    index: int,
    target: str,
    earlier: dict[str, int],
    steps: list[dict[str, JSON]],
) -> Iterator[Diagnostic]:
    if target in earlier and earlier[target] < index:
        return
    where = resource.at(("steps", index, "release", "after_step"))
    field = f"spec.steps[{index}].release.after_step"
    names = [str(step.get("name")) for step in steps]
    if target == names[index]:
        yield error("LO503", f"{field}: step {target!r} cannot wait for itself", where)
    elif target in names:
        later = names.index(target) + 1
        yield error(
            "LO503",
            f"{field}: {target!r} is step {later}, not earlier than step {index + 1}; "
            "a step can only wait for an earlier step",
            where,
        )
    else:
        close = difflib.get_close_matches(target, names[:index], n=1, cutoff=0.6)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        yield error(
            "LO503",
            f"{field}: this plan has no step {target!r} before step {index + 1}{hint}",
            where,
        )


def _assignment(resource: SpecDocument) -> Iterator[Diagnostic]:
    start, due = resource.spec.get("start"), resource.spec.get("due")
    if not (isinstance(start, str) and isinstance(due, str)):
        return
    if _DATE_SHAPE.fullmatch(start) and _DATE_SHAPE.fullmatch(due):
        try:
            if parse_date(due) < parse_date(start):
                yield error(
                    "LO509",
                    f"spec.due: {due} is before the start date {start}",
                    resource.at(("due",)),
                )
        except DurationError:
            return  # reported by _dates


def _field(path: NodePath) -> str:
    return dotted(("spec", *path))
