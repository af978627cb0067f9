"""Export: live resources as minimal, readable, adoptable spec documents."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from reconciler.errors import UsageError
from reconciler.model import ADOPT_ANNOTATION, KINDS, Address, ProjectConfig, ProviderConfig
from reconciler.plan.export import (
    kind_file_text,
    minimal_spec,
    outside_references,
    parse_kinds,
    project_file_text,
    spec_document,
    write_export,
)
from reconciler.plan.normalize import normalize_spec
from reconciler.schemas import modeline, write_schemas

from .builders import assignment, cert_plan, live, lo


def test_defaults_are_left_out_and_what_differs_is_kept() -> None:
    full = cert_plan("a", "b", owner="x@example.com")
    minimal = minimal_spec("CertificationPlan", full)
    assert minimal == {
        "title": "A plan", "owner": "x@example.com",
        "steps": [{"name": "first", "items": ["a"]},
                  {"name": "second", "items": ["b"], "release": {"offset": "7d"}}],
    }
    assert normalize_spec("CertificationPlan", minimal) == normalize_spec("CertificationPlan", full)


def test_a_non_default_value_of_a_defaulted_key_is_kept() -> None:
    spec = assignment("all", ("plan", "p"), active=False, notify={"on_assign": False,
                                                                  "reminders": []})
    assert minimal_spec("Assignment", spec) == {
        "items": [{"plan": "p"}], "audience": "all", "notify": {"on_assign": False},
        "active": False,
    }


def test_unmanaged_resources_get_the_adopt_annotation_managed_and_existing_do_not() -> None:
    theirs = spec_document(live("LearningObject", "x", lo("x"), managed=False))
    ours = spec_document(live("LearningObject", "y", lo("y"), labels={"area": "a"}))
    catalog = spec_document(live("LearningObject", "z", lo("z", existing=True), managed=False))
    assert theirs["metadata"] == {"name": "x", "annotations": {ADOPT_ANNOTATION: "true"}}
    assert ours["metadata"] == {"name": "y", "labels": {"area": "a"}}
    assert catalog["metadata"] == {"name": "z"}
    assert catalog["spec"] == {"title": "Z", "type": "course", "existing": True}


def test_a_kind_file_is_multi_document_yaml_in_spec_order_under_a_schema_line() -> None:
    spec = {"url": "https://x", "type": "video", "title": "Video", "languages": ["en"]}
    header_line = modeline(Path("out/learning-objects.yaml"), Path("schema"),
                           "learning-object.schema.json")
    text = kind_file_text("LearningObject", [
        live("LearningObject", "b", spec, managed=False),
        live("LearningObject", "a", {**spec, "title": "2025-01-01"}, managed=False),
    ], header_line)
    header, _ = text.split("\n", 1)
    assert header.startswith("# yaml-language-server: $schema=")
    assert header.endswith("learning-object.schema.json")
    documents = list(yaml.safe_load_all(text))
    assert [d["metadata"]["name"] for d in documents] == ["a", "b"]
    assert list(documents[1]["spec"]) == ["title", "type", "languages", "url"]
    assert documents[0]["spec"]["title"] == "2025-01-01"  # a date-like string stays a string


def test_kinds_by_kind_or_collection_name_in_apply_order() -> None:
    assert parse_kinds(None) == KINDS
    assert parse_kinds(["assignments,LearningObject"]) == ("LearningObject", "Assignment")
    with pytest.raises(UsageError, match="unknown kind 'courses'"):
        parse_kinds(["courses"])


def test_the_exported_project_points_at_the_same_platform(tmp_path: Path) -> None:
    (tmp_path / "directory").mkdir()
    (tmp_path / "directory" / "users.csv").write_text("x", encoding="utf-8")
    project = ProjectConfig(
        "acme", tmp_path,
        ProviderConfig("sandbox", {"path": ".learnops/sandbox.db", "users": "directory/users.csv"}),
        {"prod": ProviderConfig("rest", {"url": "https://lms/api/v1", "token_env": "LMS_TOKEN"})},
    )
    body = yaml.safe_load(project_file_text(project, None, tmp_path / "exports" / "lms"))
    # Re-based onto the export folder, never absolute (that would tie it to one machine).
    assert body["provider"]["users"] == "../../directory/users.csv"
    assert body["provider"]["path"] == ".learnops/sandbox.db"  # not there yet: left as written
    assert body["targets"]["prod"] == {"type": "rest", "url": "https://lms/api/v1",
                                       "token_env": "LMS_TOKEN"}
    assert yaml.safe_load(project_file_text(project, "prod"))["provider"]["type"] == "rest"


def test_exported_files_name_a_schema_folder_by_a_relative_path(tmp_path: Path) -> None:
    # Exports live in other repositories: the schema line must resolve there, offline.
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    write_schemas(repo / "schema")
    resources = [live("Assignment", "a", assignment("x", ("plan", "p")))]
    project = ProjectConfig("acme", Path("/nowhere"), ProviderConfig("sandbox"))
    export = write_export(repo / "specs" / "lms", resources, ("Assignment",), project, None)
    assert (export.schema_folder, export.schemas_written) == (repo / "schema", False)
    written = (repo / "specs" / "lms" / "assignments.yaml").read_text(encoding="utf-8")
    assert written.splitlines()[0] == (
        "# yaml-language-server: $schema=../../schema/assignment.schema.json")
    first = (repo / "specs" / "lms" / "learnops.yaml").read_text(encoding="utf-8")
    assert first.splitlines()[0] == (
        "# yaml-language-server: $schema=../../schema/project.schema.json")
    # no schema folder above: the export carries its own
    alone = write_export(tmp_path / "alone", resources, ("Assignment",), project, None)
    assert alone.schemas_written and (tmp_path / "alone" / "schema" / "defs.schema.json").is_file()
    line = (tmp_path / "alone" / "assignments.yaml").read_text(encoding="utf-8").splitlines()[0]
    assert line == "# yaml-language-server: $schema=schema/assignment.schema.json"


def test_references_to_resources_left_out_of_the_export_are_found() -> None:
    exported = [
        live("Assignment", "go", assignment("nurses", ("plan", "p"), ("object", "video"))),
        live("CertificationPlan", "p", cert_plan("video")),
        live("LearningObject", "video", lo("video")),
    ]
    outside = outside_references(exported)
    assert [(str(r.source), str(r.target)) for r in outside] == [
        ("Assignment/go", "Audience/nurses"),
    ]
    assert outside_references(exported[:1])[0].target == Address("Audience", "nurses")
    assert len(outside_references(exported[:1])) == 3
