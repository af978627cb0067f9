"""Schema errors come out at the offending node, in words and with a stable code."""

from __future__ import annotations

from pathlib import Path
from textwrap import dedent

from reconciler.diagnostics import Diagnostic
from reconciler.load import load_dir
from reconciler.validate import validate_specs


def problems(tmp_path: Path, files: dict[str, str]) -> list[Diagnostic]:
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(dedent(text), encoding="utf-8")
    return [d for d in validate_specs(load_dir(tmp_path)).diagnostics if d.is_error]


def where(found: list[Diagnostic]) -> list[tuple[str, str, int, int]]:
    return [(d.code, d.location.file, d.location.line, d.location.col) for d in found if d.location]


OBJECT = """\
apiVersion: learnops/v1
kind: LearningObject
metadata: {name: hipaa-basics}
spec:
  title: HIPAA Basics
  type: course
"""


def test_a_valid_object_has_no_errors(tmp_path: Path) -> None:
    assert problems(tmp_path, {"o.yaml": OBJECT}) == []


def test_unknown_fields_point_at_the_key_and_suggest(tmp_path: Path) -> None:
    found = problems(tmp_path, {"o.yaml": OBJECT + "  langauges: [en]\n"})
    assert where(found) == [("LO402", "o.yaml", 7, 3)]
    assert "did you mean 'languages'?" in found[0].message


def test_wrong_values_point_at_the_value(tmp_path: Path) -> None:
    text = OBJECT.replace("type: course", "type: webinar") + "  duration: 45 min\n"
    found = problems(tmp_path, {"o.yaml": text})
    assert where(found) == [("LO404", "o.yaml", 6, 9), ("LO406", "o.yaml", 7, 13)]


def test_a_bad_name_and_api_version_have_their_own_codes(tmp_path: Path) -> None:
    text = OBJECT.replace("learnops/v1", "learnops/v2").replace("hipaa-basics", "Hipaa Basics")
    found = problems(tmp_path, {"o.yaml": text})
    assert [d.code for d in found] == ["LO409", "LO405"]


def test_missing_envelope_fields_and_non_mappings(tmp_path: Path) -> None:
    found = problems(tmp_path, {"a.yaml": "kind: Audience\nspec: {}\n", "b.yaml": "- 1\n"})
    assert where(found) == [
        ("LO401", "a.yaml", 1, 1),
        ("LO401", "a.yaml", 1, 1),
        ("LO403", "b.yaml", 1, 1),
    ]
    assert {"apiVersion", "metadata"} == {d.message.split("'")[1] for d in found[:2]}


def test_the_release_meant_is_reported_not_every_alternative(tmp_path: Path) -> None:
    plan = """\
    apiVersion: learnops/v1
    kind: CertificationPlan
    metadata: {name: p}
    spec:
      title: P
      steps:
        - name: one
          items: [hipaa-basics]
          release: {offset: 7days}
        - name: two
          items: [hipaa-basics]
          release: {after: one}
    """
    found = problems(tmp_path, {"o.yaml": OBJECT, "p.yaml": plan})
    assert where(found) == [("LO406", "p.yaml", 9, 25), ("LO404", "p.yaml", 12, 16)]
    assert "{after_step: STEP" in found[1].message


def test_an_inline_audience_typo_is_an_unknown_field(tmp_path: Path) -> None:
    assignment = """\
    apiVersion: learnops/v1
    kind: Assignment
    metadata: {name: a}
    spec:
      items: [{object: hipaa-basics}]
      audience: {grups: [nursing]}
    """
    found = problems(tmp_path, {"o.yaml": OBJECT, "a.yaml": assignment})
    assert where(found) == [("LO402", "a.yaml", 6, 14)]


def test_project_file_is_checked_and_secrets_refused(tmp_path: Path) -> None:
    project = """\
    project: demo
    provider: {type: rest, url: https://lms.example.com/api/v1, token: abc123}
    targets:
      other: {type: custom, password: hunter2}
    """
    found = problems(tmp_path, {"learnops.yaml": project, "o.yaml": OBJECT})
    assert where(found) == [
        ("LO401", "learnops.yaml", 2, 11),  # a rest target names its token's variable
        ("LO402", "learnops.yaml", 2, 61),
        ("LO410", "learnops.yaml", 2, 61),
        ("LO410", "learnops.yaml", 4, 25),
    ]


def test_learnops_yaml_becomes_the_project_config(tmp_path: Path) -> None:
    (tmp_path / "o.yaml").write_text(OBJECT)
    (tmp_path / "learnops.yaml").write_text(
        "project: demo\nprovider: {type: sandbox, path: x.db}\n"
        "targets: {prod: {type: rest, url: 'https://lms.example.com', token_env: LMS_TOKEN}}\n"
    )
    project = validate_specs(load_dir(tmp_path)).project
    assert project.project == "demo"
    assert project.root == tmp_path.resolve()
    assert (project.provider.type, dict(project.provider.options)) == ("sandbox", {"path": "x.db"})
    assert project.target("prod").options["token_env"] == "LMS_TOKEN"


def test_without_learnops_yaml_the_sandbox_is_the_provider(tmp_path: Path) -> None:
    (tmp_path / "o.yaml").write_text(OBJECT)
    project = validate_specs(load_dir(tmp_path)).project
    assert project.provider.type == "sandbox"
    assert project.provider.options["path"] == ".learnops/sandbox.db"
