"""What the platform checks in a written resource beyond its JSON Schema
(:mod:`.spec_schema`, checked first): the parts of a spec its behaviour relies on
(durations, dates, earlier steps), and which other resources a spec names. This
keeps a bad write from ever reaching the learning engine."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

from reconciler.errors import InvalidRequest
from reconciler.model import JSON, KINDS
from reconciler.rules.durations import DurationError, is_duration, parse_date

# Keys a write may leave out: absent means "keep what the platform has", so an
# edit by another tool keeps learnops' ownership marks and shows up as drift.
_KEEP: Final = object()


@dataclass(frozen=True)
class WriteBody:
    spec: dict[str, JSON]
    labels: dict[str, str]
    annotations: dict[str, str]
    managed_by: object  # str | None | _KEEP
    spec_hash: object  # str | None | _KEEP


def keeps(value: object) -> bool:
    return value is _KEEP


def check_kind(kind: str) -> None:
    if kind not in KINDS:
        raise InvalidRequest(f"unknown kind {kind!r} (one of {', '.join(KINDS)})",
                             pointer="/kind")


def parse_body(kind: str, body: Mapping[str, JSON]) -> WriteBody:
    if not isinstance(body, Mapping):
        raise InvalidRequest("the body must be an object", pointer="")
    spec = body.get("spec")
    if not isinstance(spec, dict):
        raise InvalidRequest("spec must be an object", pointer="/spec")
    metadata = body.get("metadata", {})
    if not isinstance(metadata, dict):
        raise InvalidRequest("metadata must be an object", pointer="/metadata")
    labels = _string_map(metadata.get("labels", {}), "/metadata/labels")
    annotations = _string_map(metadata.get("annotations", {}), "/metadata/annotations")
    marks = {}
    for key in ("managed_by", "spec_hash"):
        value = metadata.get(key, _KEEP)
        if not (value is _KEEP or value is None or isinstance(value, str)):
            raise InvalidRequest(f"{key} must be a string or null", pointer=f"/metadata/{key}")
        marks[key] = value
    check_spec(kind, spec)
    return WriteBody(spec, labels, annotations, marks["managed_by"], marks["spec_hash"])


def references(kind: str, spec: Mapping[str, JSON]) -> set[tuple[str, str]]:
    """Every (kind, name) the spec names; the platform refuses dangling ones."""
    refs: set[tuple[str, str]] = set()
    match kind:
        case "LearningObject":
            refs |= {("LearningObject", n) for n in _names(spec.get("prerequisites"))}
        case "Audience":
            for key in ("include", "exclude"):
                refs |= {("Audience", n) for n in _names(spec.get(key))}
        case "CertificationPlan":
            for step in _list(spec.get("steps")):
                refs |= {("LearningObject", n) for n in _names(step.get("items"))}
        case "Assignment":
            audience = spec.get("audience")
            if isinstance(audience, str):
                refs.add(("Audience", audience))
            for item in _list(spec.get("items")):
                if isinstance(item.get("plan"), str):
                    refs.add(("CertificationPlan", item["plan"]))
                if isinstance(item.get("object"), str):
                    refs.add(("LearningObject", item["object"]))
    return refs


def check_spec(kind: str, spec: Mapping[str, JSON]) -> None:
    """Reject what the engine could not act on, pointing at the field."""
    match kind:
        case "CertificationPlan":
            _check_plan(spec)
        case "Assignment":
            _check_assignment(spec)
        case "LearningObject":
            completion = spec.get("completion", {"type": "view"})
            if not isinstance(completion, dict):
                raise InvalidRequest("completion must be an object", pointer="/spec/completion")
            if completion.get("type") == "min_score" and not isinstance(
                completion.get("min_score"), int
            ):
                raise InvalidRequest("min_score completion needs a min_score number",
                                     pointer="/spec/completion/min_score")
        case "Audience":
            for key in ("users", "groups", "include", "exclude"):
                if not isinstance(spec.get(key, []), list):
                    raise InvalidRequest(f"{key} must be a list", pointer=f"/spec/{key}")


def _check_plan(spec: Mapping[str, JSON]) -> None:
    steps = spec.get("steps")
    if not isinstance(steps, list) or not steps:
        raise InvalidRequest("a plan needs at least one step", pointer="/spec/steps")
    seen: set[str] = set()
    for index, step in enumerate(steps):
        where = f"/spec/steps/{index}"
        if not isinstance(step, dict) or not isinstance(step.get("name"), str):
            raise InvalidRequest("a step needs a name", pointer=where)
        if not isinstance(step.get("items"), list) or not step["items"]:
            raise InvalidRequest("a step needs items", pointer=f"{where}/items")
        release = step.get("release", {"at": "enrollment"})
        if not isinstance(release, dict):
            raise InvalidRequest("release must be an object", pointer=f"{where}/release")
        if "offset" in release:
            _duration(release["offset"], f"{where}/release/offset")
        if "date" in release:
            _date(release["date"], f"{where}/release/date")
        if "after_step" in release:
            if release["after_step"] not in seen:
                raise InvalidRequest(
                    f"after_step {release['after_step']!r} is not an earlier step",
                    pointer=f"{where}/release/after_step",
                )
            _duration(release.get("delay", "0d"), f"{where}/release/delay")
        if "due" in step:
            _duration(step["due"], f"{where}/due")
        seen.add(step["name"])
    certificate = spec.get("certificate")
    if certificate is not None:
        if not isinstance(certificate, dict) or "valid_for" not in certificate:
            raise InvalidRequest("a certificate needs valid_for", pointer="/spec/certificate")
        _duration(certificate["valid_for"], "/spec/certificate/valid_for")
        if "renew_before" in certificate:
            _duration(certificate["renew_before"], "/spec/certificate/renew_before")
    if spec.get("in_progress", "keep") not in ("keep", "migrate"):
        raise InvalidRequest("in_progress must be keep or migrate", pointer="/spec/in_progress")


def _check_assignment(spec: Mapping[str, JSON]) -> None:
    if not isinstance(spec.get("audience"), str):
        raise InvalidRequest("audience must name an Audience", pointer="/spec/audience")
    items = spec.get("items")
    if not isinstance(items, list) or not items:
        raise InvalidRequest("an assignment needs items", pointer="/spec/items")
    for index, item in enumerate(items):
        if not (isinstance(item, dict) and len(item) == 1
                and isinstance(item.get("plan", item.get("object")), str)):
            raise InvalidRequest("an item is {plan: NAME} or {object: NAME}",
                                 pointer=f"/spec/items/{index}")
    start = spec.get("start", "immediately")
    if start != "immediately":
        _date(start, "/spec/start")
    due = spec.get("due")
    if due is not None and not is_duration(due):
        _date(due, "/spec/due")
    if not isinstance(spec.get("active", True), bool):
        raise InvalidRequest("active must be true or false", pointer="/spec/active")


def _duration(value: JSON, pointer: str) -> None:
    if not is_duration(value):
        raise InvalidRequest(f"{value!r} is not a duration (e.g. 7d, 2w, 6mo, 1y)",
                             pointer=pointer)


def _date(value: JSON, pointer: str) -> None:
    try:
        if not isinstance(value, str):
            raise DurationError("not a string")
        parse_date(value)
    except DurationError:
        raise InvalidRequest(f"{value!r} is not a date (YYYY-MM-DD)", pointer=pointer) from None


def _string_map(value: JSON, pointer: str) -> dict[str, str]:
    if not isinstance(value, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in value.items()
    ):
        raise InvalidRequest("must map strings to strings", pointer=pointer)
    return dict(value)


def _names(value: JSON) -> list[str]:
    return [n for n in value if isinstance(n, str)] if isinstance(value, list) else []


def _list(value: JSON) -> list[dict[str, JSON]]:
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []
