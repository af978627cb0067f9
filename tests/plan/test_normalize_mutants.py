"""Canonical forms, the cases mutation testing found unchecked: the essence the state
store keeps of a live resource, kinds without set-like lists, mixed-type value lists."""

from __future__ import annotations

from reconciler.plan.normalize import essence_json, normalize_spec, set_list_paths

from .builders import audience, live, lo


def test_the_state_keeps_a_live_resources_essence_normalised() -> None:
    resource = live("LearningObject", "privacy", lo("privacy", languages=["es", "en"],
                                                   duration=None),
                    labels={"b": "2", "a": "1"}, annotations={"owner": "hr"})
    kept = essence_json("LearningObject", resource)
    assert kept == {"spec": normalize_spec("LearningObject", resource.spec),
                    "labels": {"a": "1", "b": "2"}, "annotations": {"owner": "hr"}}
    assert kept["spec"]["languages"] == ["en", "es"] and "duration" not in kept["spec"]  # type: ignore[index,operator]
    assert list(kept["labels"]) == ["a", "b"]  # type: ignore[arg-type]


def test_a_kind_without_set_like_lists_is_only_cleaned() -> None:
    assert set_list_paths("Widget") == ()
    assert normalize_spec("Widget", {"b": ["z", "a"], "c": None, "d": 2.0}) == {
        "b": ["z", "a"], "d": 2}


def test_values_of_several_types_in_a_condition_sort_by_type_then_text() -> None:
    spec = normalize_spec("Audience", audience(where={"badge": ["b", 2, True, "a", 10]}))
    assert spec["where"] == {"badge": [True, 10, 2, "a", "b"]}
