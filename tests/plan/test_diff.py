"""Field diffs read like the spec: ``steps[1].release.offset``, in document order."""

from __future__ import annotations

from reconciler.model import JSON
from reconciler.plan.diff import diff_essence, diff_values, format_path
from reconciler.plan.model import FieldDiff
from reconciler.plan.normalize import essence
from reconciler.plan.step_diff import step_phrase


def test_nested_list_paths_read_like_the_spec() -> None:
    before = {"steps": [{"name": "a", "release": {"at": "enrollment"}},
                        {"name": "b", "release": {"offset": "7d"}}]}
    after = {"steps": [{"name": "a", "release": {"at": "enrollment"}},
                       {"name": "b", "release": {"offset": "14d"}}]}
    assert diff_values(before, after) == (
        FieldDiff("change", "steps[1].release.offset", "7d", "14d"),
    )


def test_added_and_removed_fields_and_list_items() -> None:
    before = {"due": "30d", "notify": {"reminders": ["7d"]}}
    after = {"notify": {"reminders": ["7d", "1d"]}, "title": "New"}
    assert diff_values(before, after) == (
        FieldDiff("remove", "due", "30d", None),
        FieldDiff("add", "notify.reminders[1]", None, "1d"),
        FieldDiff("add", "title", None, "New"),
    )


def test_a_type_change_is_a_change() -> None:
    assert diff_values({"due": "30d"}, {"due": "2027-01-01"}) == (
        FieldDiff("change", "due", "30d", "2027-01-01"),
    )
    assert diff_values({"x": {"a": 1}}, {"x": [1]}) == (FieldDiff("change", "x", {"a": 1}, [1]),)


def test_list_indices_sort_numerically() -> None:
    before = {"users": [str(i) for i in range(12)]}
    after = {"users": [f"{i}x" for i in range(12)]}
    paths = [d.path for d in diff_values(before, after)]
    assert paths == [f"users[{i}]" for i in range(12)]


def test_labels_and_annotations_sit_under_metadata_with_odd_keys_quoted() -> None:
    before = essence("Audience", {}, {"area": "a"}, {})
    after = essence("Audience", {}, {"area": "b"}, {"learnops.io/adopt": "true"})
    assert diff_essence(before, after) == (
        FieldDiff("change", "metadata.labels.area", "a", "b"),
        FieldDiff("add", 'metadata.annotations["learnops.io/adopt"]', None, "true"),
    )


def test_format_path() -> None:
    assert format_path(["steps", 0, "items", 2]) == "steps[0].items[2]"
    assert format_path(["where", "hire_date", "after"]) == "where.hire_date.after"
    assert format_path([0]) == "[0]"


def _plan(*steps: tuple[str, list[str]]) -> list[dict[str, JSON]]:
    return [{"name": name, "items": list(items)} for name, items in steps]


def _phrases(before: list[dict[str, JSON]], after: list[dict[str, JSON]]) -> list[str]:
    diffs = diff_essence(essence("CertificationPlan", {"steps": before}),
                         essence("CertificationPlan", {"steps": after}))
    return [step_phrase(d) or d.path for d in diffs]


def test_a_step_with_the_same_items_under_a_new_name_is_renamed() -> None:
    assert _phrases(_plan(("a", ["x"]), ("b", ["y"])), _plan(("a", ["x"]), ("c", ["y"]))) == [
        "step b renamed c"]
    # Renamed and moved: still the one step.
    moved = _phrases(_plan(("a", ["x"]), ("b", ["y"])), _plan(("c", ["y"]), ("a", ["x"])))
    assert moved[0] == "step b renamed c", moved
    assert not any(p.endswith(("removed", "added")) for p in moved), moved


def test_a_step_whose_items_changed_too_or_that_cannot_be_told_apart_is_not_renamed() -> None:
    assert _phrases(_plan(("a", ["x"]), ("b", ["y"])), _plan(("a", ["x"]), ("c", ["z"]))) == [
        "step b removed", "step c added"]
    # Two gone steps held the same items: which one became c cannot be told.
    assert sorted(_phrases(_plan(("a", ["x"]), ("b", ["x"])), _plan(("c", ["x"])))) == [
        "step a removed", "step b removed", "step c added"]
