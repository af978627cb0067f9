"""Each kind's spec in its canonical form (CONTRACTS "Canonical resolved spec").

Defaults are filled in and optional keys left out when not given (never null),
so the same intent always hashes the same and a plan never shows noise.
"""

from __future__ import annotations

from collections.abc import Mapping

from reconciler.model import JSON

Spec = dict[str, JSON]


def learning_object(spec: Mapping[str, JSON]) -> Spec:
    canonical: Spec = {"title": spec["title"], "type": spec["type"]}
    _copy_if_given(spec, canonical, "duration")
    canonical["languages"] = _list(spec, "languages")
    _copy_if_given(spec, canonical, "url")
    canonical["completion"] = _plain(spec.get("completion") or {"type": "view"})
    canonical["prerequisites"] = _list(spec, "prerequisites")
    canonical["existing"] = spec.get("existing") is True
    return canonical


def audience(spec: Mapping[str, JSON]) -> Spec:
    return {
        "users": _list(spec, "users"),
        "groups": _list(spec, "groups"),
        "include": _list(spec, "include"),
        "where": _plain(spec.get("where") or {}),
        "exclude": _list(spec, "exclude"),
    }


def certification_plan(spec: Mapping[str, JSON]) -> Spec:
    canonical: Spec = {"title": spec["title"]}
    _copy_if_given(spec, canonical, "owner")
    canonical["visibility"] = spec.get("visibility", "released")
    canonical["steps"] = [
        _step(step, first=index == 0) for index, step in enumerate(_list(spec, "steps"))
    ]
    certificate = spec.get("certificate")
    if isinstance(certificate, Mapping):
        canonical["certificate"] = {
            "template": certificate["template"],
            "valid_for": certificate["valid_for"],
        }
        _copy_if_given(certificate, canonical["certificate"], "renew_before")
        if certificate.get("renew_from") == "expiry":  # completion is the default
            canonical["certificate"]["renew_from"] = "expiry"
    notify = spec.get("notify") if isinstance(spec.get("notify"), Mapping) else {}
    assert isinstance(notify, Mapping)
    canonical["notify"] = {"admins": _list(notify, "admins"), "on": _list(notify, "on")}
    canonical["in_progress"] = spec.get("in_progress", "keep")
    return canonical


def _step(step: JSON, *, first: bool) -> Spec:
    assert isinstance(step, Mapping)
    release = step.get("release")
    if release is None and first:
        release = {"at": "enrollment"}
    release = _plain(release)
    if isinstance(release, dict) and "after_step" in release:
        release.setdefault("delay", "0d")
    canonical: Spec = {
        "name": step["name"],
        "items": _list(step, "items"),
        "release": release,
    }
    _copy_if_given(step, canonical, "due")
    canonical["required"] = step.get("required", True) is not False
    return canonical


def assignment(spec: Mapping[str, JSON], audience_name: str) -> Spec:
    canonical: Spec = {}
    _copy_if_given(spec, canonical, "title")
    canonical["items"] = [_plain(item) for item in _list(spec, "items")]
    canonical["audience"] = audience_name
    canonical["start"] = spec.get("start", "immediately")
    _copy_if_given(spec, canonical, "due")
    notify = spec.get("notify") if isinstance(spec.get("notify"), Mapping) else {}
    assert isinstance(notify, Mapping)
    canonical["notify"] = {
        "on_assign": notify.get("on_assign", True) is not False,
        "reminders": _list(notify, "reminders"),
    }
    canonical["active"] = spec.get("active", True) is not False
    canonical["on_remove"] = spec.get("on_remove", "inactivate")
    return canonical


def _copy_if_given(source: Mapping[str, JSON], target: Spec, key: str) -> None:
    if key in source and source[key] is not None:
        target[key] = _plain(source[key])


def _list(source: Mapping[str, JSON], key: str) -> list[JSON]:
    value = source.get(key)
    return _plain(value) if isinstance(value, list) else []


def _plain(value: JSON) -> JSON:
    """A private copy: YAML aliases may share one value between documents. Loaded
    values are JSON (dicts, lists and immutable scalars), so copying the containers
    is a deep copy, without ``copy.deepcopy``'s memo and dispatch."""
    # Strings, most of the leaves, skip the call.
    if isinstance(value, dict):
        return {key: item if type(item) is str else _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [item if type(item) is str else _plain(item) for item in value]
    return value
