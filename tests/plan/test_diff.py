"""Field diffs read like the spec: ``steps[1].release.offset``, in document order."""

from __future__ import annotations

from reconciler.plan.diff import diff_essence, diff_values, format_path
from reconciler.plan.model import FieldDiff
from reconciler.plan.normalize import essence


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
