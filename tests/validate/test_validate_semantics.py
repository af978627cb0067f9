"""Semantic checks: references, names, steps, existing objects, cycles, unused resources."""

from __future__ import annotations

from pathlib import Path
from textwrap import dedent, indent

from reconciler.diagnostics import Diagnostic
from reconciler.load import load_dir
from reconciler.validate import inline_audience_name, validate_specs


def diagnostics(tmp_path: Path, files: dict[str, str]) -> tuple[Diagnostic, ...]:
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(dedent(text), encoding="utf-8")
    return validate_specs(load_dir(tmp_path)).diagnostics


def errors(tmp_path: Path, files: dict[str, str]) -> list[Diagnostic]:
    return [d for d in diagnostics(tmp_path, files) if d.is_error]


def obj(name: str, extra: str = "") -> str:
    return (
        f"apiVersion: learnops/v1\nkind: LearningObject\nmetadata: {{name: {name}}}\n"
        f"spec:\n  title: {name}\n  type: course\n{extra}"
    )


def audience(name: str, spec: str) -> str:
    return f"apiVersion: learnops/v1\nkind: Audience\nmetadata: {{name: {name}}}\nspec: {spec}\n"


def assignment(name: str, items: str, target: str) -> str:
    return (
        f"apiVersion: learnops/v1\nkind: Assignment\nmetadata: {{name: {name}}}\n"
        f"spec:\n  items: {items}\n  audience: {target}\n"
    )


def plan(steps: str, name: str = "annual") -> str:
    return (
        f"apiVersion: learnops/v1\nkind: CertificationPlan\nmetadata: {{name: {name}}}\n"
        f"spec:\n  title: Annual\n  steps:\n{indent(dedent(steps), '    ')}"
    )


def test_unknown_references_suggest_a_close_name(tmp_path: Path) -> None:
    found = errors(
        tmp_path,
        {
            "o.yaml": obj("privacy-101")
            + "---\n"
            + obj("hipaa-basics", "  prerequisites: [privacy-11]\n"),
            "a.yaml": assignment("a", "[{object: hipaa-basic}]", "clinical-staf"),
            "au.yaml": audience("clinical-staff", "{}"),
        },
    )
    assert [(d.code, d.location.file, d.location.line) for d in found if d.location] == [
        ("LO501", "a.yaml", 5),
        ("LO501", "a.yaml", 6),
        ("LO501", "o.yaml", 14),
    ]
    assert "did you mean 'hipaa-basics'?" in found[0].message
    assert "did you mean 'clinical-staff'?" in found[1].message
    assert "did you mean 'privacy-101'?" in found[2].message


def test_a_name_of_the_wrong_kind_is_explained(tmp_path: Path) -> None:
    found = errors(
        tmp_path, {"o.yaml": obj("intro"), "a.yaml": assignment("a", "[{plan: intro}]", "{}")}
    )
    assert "'intro' is a LearningObject, not a CertificationPlan" in found[0].message


def test_duplicate_names_name_both_places(tmp_path: Path) -> None:
    found = errors(tmp_path, {"a.yaml": obj("intro"), "sub/b.yaml": obj("intro")})
    assert [(d.code, str(d.location)) for d in found] == [("LO502", "sub/b.yaml:3:18")]
    assert "already defined at a.yaml:3:18" in found[0].message


def test_same_name_in_different_kinds_is_fine(tmp_path: Path) -> None:
    files = {"o.yaml": obj("intro"), "a.yaml": assignment("intro", "[{object: intro}]", "{}")}
    assert errors(tmp_path, files) == []


def test_steps_wait_only_for_earlier_steps_and_are_named_once(tmp_path: Path) -> None:
    steps = """\
        - name: one
          items: [x]
          release: {after_step: two}
        - name: two
          items: [x]
          release: {after_step: one}
        - name: two
          items: [x]
          release: {after_step: tow}
        - name: four
          items: [x]
    """
    found = errors(tmp_path, {"o.yaml": obj("x"), "p.yaml": plan(steps)})
    assert [d.code for d in found] == ["LO503", "LO504", "LO503", "LO505"]
    assert "'two' is step 2, not earlier than step 1" in found[0].message
    assert "already used by step 2" in found[1].message
    assert "no step 'tow' before step 3; did you mean 'two'?" in found[2].message
    assert "step 'four' needs a release" in found[3].message


def test_a_step_cannot_wait_for_itself(tmp_path: Path) -> None:
    steps = """\
        - name: one
          items: [x]
          release: {after_step: one}
    """
    found = errors(tmp_path, {"o.yaml": obj("x"), "p.yaml": plan(steps)})
    assert [d.code for d in found] == ["LO503"] and "cannot wait for itself" in found[0].message


def test_calendar_dates_and_renewal_windows_are_checked(tmp_path: Path) -> None:
    text = (
        plan("""\
        - name: one
          items: [x]
          release: {date: 2027-02-29}
    """)
        + "  certificate: {template: t, valid_for: 30d, renew_before: 2mo}\n"
    )
    found = errors(tmp_path, {"o.yaml": obj("x"), "p.yaml": text})
    assert [d.code for d in found] == ["LO407", "LO507"]


def test_due_before_start_is_refused(tmp_path: Path) -> None:
    text = assignment("a", "[{object: x}]", "{}") + "  start: 2027-03-01\n  due: 2027-02-01\n"
    assert [d.code for d in errors(tmp_path, {"o.yaml": obj("x"), "a.yaml": text})] == ["LO509"]


def test_existing_objects_carry_nothing_to_write(tmp_path: Path) -> None:
    text = obj("benefits", "  existing: true\n  duration: 1h\n  prerequisites: [x]\n")
    found = errors(tmp_path, {"o.yaml": text + "---\n" + obj("x")})
    assert [(d.code, d.location.line) for d in found if d.location] == [("LO506", 8), ("LO506", 9)]


def test_cycles_name_every_member_with_its_location(tmp_path: Path) -> None:
    found = errors(
        tmp_path,
        {
            "a.yaml": audience("a", "{include: [b]}") + "---\n" + audience("b", "{exclude: [c]}"),
            "c.yaml": audience("c", "{include: [a]}"),
            "x.yaml": assignment("x", "[{object: o}]", "a") + "---\n" + obj("o"),
        },
    )
    assert [d.code for d in found] == ["LO508"]
    assert found[0].message == (
        "audience cycle: Audience/a (a.yaml:3:18) includes Audience/b (a.yaml:8:18) "
        "excludes Audience/c (c.yaml:3:18) includes Audience/a (a.yaml:3:18)"
    )


def test_unused_resources_are_warnings_not_errors(tmp_path: Path) -> None:
    found = diagnostics(
        tmp_path,
        {
            "o.yaml": obj("used")
            + "---\n"
            + obj("lonely")
            + "---\n"
            + obj("kept", "  existing: true\n"),
            "au.yaml": audience("nobody", "{}"),
            "p.yaml": plan("- name: one\n  items: [used]\n", name="unassigned"),
        },
    )
    assert [(d.severity, d.code) for d in found] == [
        ("warning", "LO601"),
        ("warning", "LO602"),
        ("warning", "LO603"),
    ]


def test_inline_audiences_take_a_derived_name_that_must_be_free(tmp_path: Path) -> None:
    files = {
        "o.yaml": obj("x"),
        "a.yaml": assignment("drive", "[{object: x}]", "{groups: [it]}"),
        "au.yaml": audience("drive-audience", "{}")
        + "---\n"
        + audience("all", "{include: [drive-audience]}"),
    }
    assert [d.code for d in errors(tmp_path, files)] == ["LO510"]


def test_long_inline_audience_names_are_shortened_with_a_hash() -> None:
    long = "a" * 60
    name = inline_audience_name(long)
    assert len(name) == 63 and name != inline_audience_name("a" * 59 + "b")
    assert inline_audience_name("drive") == "drive-audience"


def test_load_errors_suppress_cross_file_checks(tmp_path: Path) -> None:
    # b.yaml cannot be read, so "x" must not be reported as unknown.
    found = errors(tmp_path, {"a.yaml": assignment("a", "[{object: x}]", "{}"), "b.yaml": "a: [\n"})
    assert [d.code for d in found] == ["LO303"]


def test_an_empty_directory_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "learnops.yaml").write_text("project: demo\n")
    assert [d.code for d in errors(tmp_path, {})] == ["LO311"]
