"""The safe YAML reader: plain values, positions, and refusal of what is unsafe."""

from __future__ import annotations

from pathlib import Path

import pytest

from reconciler.load import read_yaml
from reconciler.model import Location


def codes(text: str) -> list[str]:
    return [d.code for d in read_yaml(text, "f.yaml")[1]]


def test_scalars_follow_yaml_1_2_so_dates_and_on_stay_strings() -> None:
    text = "on: [on, no, yes, 2026-01-01, 0x1f, 0o17, 010, 1.5, .inf, ~, true, 'true']\n"
    (document,), problems = read_yaml(text, "f.yaml")
    assert problems == []
    assert document.body == {
        "on": ["on", "no", "yes", "2026-01-01", 31, 15, 10, 1.5, float("inf"), None, True, "true"]
    }


def test_every_node_keeps_its_line_and_column() -> None:
    text = "spec:\n  steps:\n    - name: a\n      items: [x, y]\n"
    (document,), _ = read_yaml(text, "plans/p.yaml")
    assert document.at(("spec", "steps", 0, "items", 1)) == Location("plans/p.yaml", 4, 18)
    assert document.key_at(("spec", "steps", 0, "items")) == Location("plans/p.yaml", 4, 7)
    # A path the document lacks falls back to its nearest written ancestor.
    assert document.at(("spec", "steps", 0, "release")) == Location("plans/p.yaml", 3, 7)


def test_duplicate_keys_are_reported_at_the_second_with_the_first_line() -> None:
    (document,), problems = read_yaml("a: 1\nb: 2\na: 3\n", "f.yaml")
    assert [(p.code, p.location) for p in problems] == [("LO304", Location("f.yaml", 3, 1))]
    assert "first written at line 1" in problems[0].message
    assert document.body == {"a": 1, "b": 2}


def test_merge_keys_fill_in_without_counting_as_duplicates() -> None:
    text = "base: &b {type: course, title: T}\nobj: {<<: *b, title: Own}\n"
    (document,), problems = read_yaml(text, "f.yaml")
    assert problems == []
    assert document.body["obj"] == {"type": "course", "title": "Own"}


def test_python_tags_are_refused_and_never_run(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    text = f'a: !!python/object/apply:os.system ["touch {marker}"]\nb: !!python/name:os.system\n'
    _, problems = read_yaml(text, "f.yaml")
    assert [p.code for p in problems] == ["LO305", "LO305"]
    assert "!!python/object/apply:os.system" in problems[0].message
    assert not marker.exists()


@pytest.mark.parametrize("text", ["a: !custom 1\n", "a: !!set {x}\n", "a: !!binary aGVsbG8=\n"])
def test_unknown_tags_are_refused(text: str) -> None:
    assert codes(text) == ["LO305"]


def test_explicit_core_tags_are_allowed_when_the_value_fits() -> None:
    (document,), problems = read_yaml("a: !!str 12\nb: !!int '7'\n", "f.yaml")
    assert problems == [] and document.body == {"a": "12", "b": 7}
    assert codes("a: !!int seven\n") == ["LO305"]


@pytest.mark.timeout(5)
def test_a_billion_laughs_is_refused_without_expanding_it() -> None:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for previous, name in zip("abcdefgh", "bcdefghi", strict=True):
        lines.append(f"{name}: &{name} [{','.join(['*' + previous] * 9)}]")
    documents, problems = read_yaml("\n".join(lines) + "\n", "bomb.yaml")
    assert [p.code for p in problems] == ["LO306"]
    assert documents == []


def test_a_few_aliases_are_fine() -> None:
    (document,), problems = read_yaml("a: &x [1, 2]\nb: *x\nc: *x\n", "f.yaml")
    assert problems == [] and document.body["c"] == [1, 2]


def test_recursive_and_undefined_aliases_are_refused() -> None:
    assert codes("a: &a [*a]\n") == ["LO306"]
    assert codes("a: *nowhere\n") in (["LO306"], ["LO303"])


@pytest.mark.timeout(10)
def test_deep_nesting_is_refused_not_a_crash() -> None:
    assert codes("[" * 100_000 + "]" * 100_000) == ["LO310"]


def test_multi_document_files_skip_empty_documents() -> None:
    documents, problems = read_yaml("---\na: 1\n---\n---\nb: 2\n---\n", "f.yaml")
    assert problems == []
    assert [d.body for d in documents] == [{"a": 1}, {"b": 2}]
    assert [d.location.line for d in documents] == [2, 5]


def test_an_empty_file_is_an_error() -> None:
    assert codes("") == ["LO307"]
    assert codes("# only a comment\n---\n") == ["LO307"]


def test_syntax_errors_point_at_the_problem_and_explain_tabs() -> None:
    _, problems = read_yaml("a:\n\tb: 1\n", "f.yaml")
    assert problems[0].code == "LO303"
    assert problems[0].location == Location("f.yaml", 2, 1)
    assert "spaces, not tabs" in problems[0].message


def test_forbidden_characters_are_located() -> None:
    _, problems = read_yaml("a: 1\nb: x\x07\n", "f.yaml")
    assert [(p.code, p.location) for p in problems] == [("LO303", Location("f.yaml", 2, 5))]


def test_complex_keys_are_refused() -> None:
    assert codes("? [a, b]\n: 1\n") == ["LO309"]


def test_libyaml_does_the_parsing_when_pyyaml_has_it() -> None:
    import yaml

    from reconciler.load import yaml_reader

    assert (yaml_reader._FastParser is not None) == bool(yaml.__with_libyaml__)
