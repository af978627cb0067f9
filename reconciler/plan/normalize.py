"""The essence of a resource: what is compared, so nothing flaps.

Both sides go through the same function. Server-managed fields (version,
timestamps, ownership marks, status) never enter the essence; the spec gets the
spec language's defaults (a platform may omit them), loses ``null`` keys (optional
keys are absent, never null), integral floats become ints, and lists that are sets
in the domain (groups, languages, admins...) are sorted, so a platform that stores
them in another order does not look changed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final, Protocol

from reconciler.model import JSON, content_hash

# Per kind: the dot-separated paths of set-like lists, whose order means nothing (so
# they are sorted, and a diff reports members joining or leaving, never an index):
# - languages, prerequisites: every prerequisite must be done, in any order;
# - users, groups, include, exclude: audience membership is a union (minus exclusions);
# - notify.admins, notify.on: who is told and on which events;
# - notify.reminders: offsets before the due date, each sent on its own day.
# Step ``items`` and ``steps`` are NOT sets: their order is the learner's path.
_SET_LISTS: Final[Mapping[str, tuple[str, ...]]] = {
    "LearningObject": ("languages", "prerequisites"),
    "Audience": ("users", "groups", "include", "exclude"),
    "CertificationPlan": ("notify.admins", "notify.on"),
    "Assignment": ("notify.reminders",),
}


def set_list_paths(kind: str) -> tuple[str, ...]:
    """The dot-separated paths of ``kind``'s set-like lists."""
    return _SET_LISTS.get(kind, ())


class _Resource(Protocol):
    @property
    def spec(self) -> Mapping[str, JSON]: ...

    @property
    def labels(self) -> Mapping[str, str]: ...

    @property
    def annotations(self) -> Mapping[str, str]: ...


@dataclass(frozen=True)
class Essence:
    """What a resource is, as far as learnops compares it."""

    spec: Mapping[str, JSON]
    labels: Mapping[str, str]
    annotations: Mapping[str, str]


def essence(
    kind: str,
    spec: Mapping[str, JSON],
    labels: Mapping[str, str] | None = None,
    annotations: Mapping[str, str] | None = None,
) -> Essence:
    return Essence(
        spec=normalize_spec(kind, spec),
        labels={str(k): str(v) for k, v in sorted((labels or {}).items())},
        annotations={str(k): str(v) for k, v in sorted((annotations or {}).items())},
    )


def essence_json(kind: str, resource: _Resource) -> dict[str, JSON]:
    """A live resource's essence as the state store keeps it (what learnops applied)."""
    found = essence(kind, resource.spec, resource.labels, resource.annotations)
    return {"spec": dict(found.spec), "labels": dict(found.labels),
            "annotations": dict(found.annotations)}


def normalize_spec(kind: str, spec: Mapping[str, JSON]) -> dict[str, JSON]:
    """The canonical form of ``spec`` for ``kind`` (defaults filled, nulls dropped)."""
    cleaned = _clean(spec)
    assert isinstance(cleaned, dict)
    filled = _with_defaults(kind, cleaned)
    for path in _SET_LISTS.get(kind, ()):
        _sort_list_at(filled, path.split("."))
    if kind == "Audience" and isinstance(filled.get("where"), dict):
        filled["where"] = {key: _sorted_condition(value) for key, value in filled["where"].items()}
    return filled


def matches_hash(kind: str, spec: Mapping[str, JSON], spec_hash: str | None) -> bool:
    """Whether ``spec`` is still what was written with ``spec_hash``: the platform's
    bytes as they are, or their essence (a platform may omit defaults)."""
    if spec_hash is None:
        return False
    return spec_hash in (content_hash(dict(spec)), content_hash(normalize_spec(kind, spec)))


def _clean(value: JSON) -> JSON:
    if isinstance(value, Mapping):
        return {str(k): _clean(v) for k, v in value.items() if v is not None}
    if isinstance(value, list | tuple):
        return [_clean(item) for item in value]
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _with_defaults(kind: str, spec: dict[str, JSON]) -> dict[str, JSON]:
    match kind:
        case "LearningObject":
            _default(spec, "languages", [])
            _default(spec, "completion", {"type": "view"})
            _default(spec, "prerequisites", [])
            _default(spec, "existing", False)
        case "Audience":
            for key in ("users", "groups", "include", "exclude"):
                _default(spec, key, [])
            _default(spec, "where", {})
        case "CertificationPlan":
            _default(spec, "visibility", "released")
            _default(spec, "in_progress", "keep")
            notify = _default(spec, "notify", {})
            if isinstance(notify, dict):
                _default(notify, "admins", [])
                _default(notify, "on", [])
            steps = spec.get("steps")
            if isinstance(steps, list):
                for index, step in enumerate(steps):
                    if isinstance(step, dict):
                        _step_defaults(step, first=index == 0)
        case "Assignment":
            _default(spec, "start", "immediately")
            _default(spec, "active", True)
            _default(spec, "on_remove", "inactivate")
            notify = _default(spec, "notify", {})
            if isinstance(notify, dict):
                _default(notify, "on_assign", True)
                _default(notify, "reminders", [])
    return spec


def _step_defaults(step: dict[str, JSON], *, first: bool) -> None:
    _default(step, "required", True)
    if first:
        _default(step, "release", {"at": "enrollment"})
    release = step.get("release")
    if isinstance(release, dict) and "after_step" in release:
        _default(release, "delay", "0d")


def _default(mapping: dict[str, JSON], key: str, value: JSON) -> JSON:
    if key not in mapping:
        mapping[key] = value
    return mapping[key]


def _sort_list_at(mapping: dict[str, JSON], path: list[str]) -> None:
    head, *rest = path
    value = mapping.get(head)
    if rest:
        if isinstance(value, dict):
            _sort_list_at(value, rest)
    elif isinstance(value, list):
        mapping[head] = _sorted_if_list(value)


def _sorted_condition(value: JSON) -> JSON:
    # ``[a, b]`` and ``{not: [a, b]}`` are sets of accepted (or refused) values.
    if isinstance(value, dict):
        return {key: _sorted_if_list(inner) for key, inner in value.items()}
    return _sorted_if_list(value)


def _sorted_if_list(value: JSON) -> JSON:
    # Only lists of scalars are sets here; sort on a printable key so mixed types cannot raise.
    if isinstance(value, list) and all(not isinstance(v, dict | list) for v in value):
        return sorted(value, key=lambda v: (type(v).__name__, str(v)))
    return value
