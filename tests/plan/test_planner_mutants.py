"""The plan as a reviewer reads it, the cases mutation testing found unchecked: what a
plan records about its target and sources, where each error and warning points, what
a no-op on an ``existing`` object holds, the order removals are listed in."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from reconciler.cli.main import main
from reconciler.model import Address, Location
from reconciler.plan.planner import PlanOptions

from .builders import (
    Users,
    assignment,
    audience,
    cert_plan,
    desired,
    live,
    lo,
    make_plan,
    people,
)

SPECS = Path(__file__).resolve().parents[2] / "specs"
STAGING = (
    "targets:\n"
    "  staging: {type: sandbox, path: .learnops/staging.db, users: directory/users.csv,"
    " catalog: directory/catalog.csv}\n"
)
UNUSED = """\
apiVersion: learnops/v1
kind: Audience
metadata: {name: nobody}
spec: {users: [E404]}
"""


@pytest.fixture
def specs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    target = tmp_path / "specs"
    shutil.copytree(SPECS, target, ignore=shutil.ignore_patterns(".learnops"))
    with (target / "learnops.yaml").open("a", encoding="utf-8") as config:
        config.write(STAGING)
    (target / "unused.yaml").write_text(UNUSED, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    return target


def json_plan(capsys: pytest.CaptureFixture[str], *args: str) -> dict[str, object]:
    assert main(["plan", "specs", "--output", "json", *args]) == 0
    document: dict[str, object] = json.loads(capsys.readouterr().out)
    return document


def test_a_plan_records_its_target_platform_and_state_version(
    specs: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    plan = json_plan(capsys, "--target", "staging")
    target = plan["target"]
    assert isinstance(target, dict)
    assert target["provider"] == "sandbox"
    assert target["name"] == "staging"
    assert target["platform"] == str(specs / ".learnops" / "staging.db")
    assert isinstance(target["state_version"], int) and target["state_version"] > 0
    assert plan["source"] == {"dir": "specs", "root": str(specs),
                              "digest": plan["source"]["digest"]}  # type: ignore[index]
    default = json_plan(capsys)
    assert default["target"]["name"] == "provider"  # type: ignore[index]
    assert default["target"]["platform"] == str(specs / ".learnops" / "sandbox.db")  # type: ignore[index]


def test_a_plan_keeps_compile_warnings_and_adds_its_own_each_located(
    specs: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    plan = json_plan(capsys)
    warnings = plan["warnings"]
    assert isinstance(warnings, list)
    assert [(w["code"], w["where"]) for w in warnings] == [
        ("LO601", "specs/unused.yaml:3:18"),
        ("LO710", "specs/assignments/compliance.yaml:4:1"),
    ]
    assert warnings[0]["message"].startswith("Audience 'nobody' is unused")
    changes = plan["changes"]
    assert isinstance(changes, list)
    # Every resource is planned (the catalog's two existing objects are only checked),
    # and every write is in the apply order.
    assert plan["summary"]["create"] + plan["summary"]["no-op"] == len(changes)  # type: ignore[index]
    order = [address for generation in plan["order"] for address in generation]  # type: ignore[attr-defined]
    writes = [c["address"] for c in changes if c["action"] != "no-op"]
    assert sorted(order) == sorted(writes) and len(order) > 30
    existing = [c for c in changes if c["reason"] == "exists"]
    assert existing and all(c["before"] == c["after"] and c["precondition"]["version"] >= 1
                            for c in existing)


def test_a_disruptive_change_is_refused_at_its_location() -> None:
    old = cert_plan("privacy", "hipaa-quiz")
    new = {**old, "title": "HIPAA, 2027", "in_progress": "migrate"}
    plan = make_plan(
        [desired("CertificationPlan", "hipaa", new, line=12)],
        [live("CertificationPlan", "hipaa", old, status={"in_progress": 3})],
    )
    (error,) = plan.errors
    assert error.where == "specs/certificationplans.yaml:12:1"
    assert "moves 3 learner(s) in progress" in error.message


def test_an_audience_only_change_is_checked_for_unknown_attributes() -> None:
    wrong = audience(where={"langauge": "es"})
    plan = make_plan(
        [desired("Audience", "spanish", wrong, line=4),
         desired("Assignment", "a", assignment("spanish", ("plan", "hipaa")))],
        [live("Audience", "spanish", audience(where={"language": "es"})),
         live("Assignment", "a", assignment("spanish", ("plan", "hipaa")))],
        users=Users(people("E1", "E2", language="es")),
    )
    assert [c.action for c in plan.changes] == ["update", "no-op"]
    codes = [(w.code, w.where) for w in plan.warnings]
    assert ("LO711", "specs/audiences.yaml:4:1") in codes


def test_a_missing_existing_object_says_how_to_fix_it_at_its_location() -> None:
    plan = make_plan([desired("LearningObject", "catalog-course",
                              lo("catalog-course", existing=True), line=7)])
    (error,) = plan.errors
    assert error.where == "specs/learningobjects.yaml:7:1"
    assert error.message.endswith(
        "create it there, or drop existing: true to let learnops create it")


def test_an_existing_object_is_checked_against_the_platforms_copy() -> None:
    ours = lo("catalog-course", existing=True)
    theirs = lo("catalog-course", title="As the catalog has it", existing=True)
    plan = make_plan([desired("LearningObject", "catalog-course", ours)],
                     [live("LearningObject", "catalog-course", theirs, version=9,
                           managed=False)])
    change = plan.changes[0]
    assert (change.action, change.reason) == ("no-op", "exists")
    assert change.before == theirs and change.after == theirs
    assert change.precondition_version == 9


def test_a_change_carries_what_it_was_planned_against() -> None:
    old, new = lo("privacy"), lo("privacy", title="Privacy, revised")
    plan = make_plan([desired("LearningObject", "privacy", new, line=3)],
                     [live("LearningObject", "privacy", old, version=5)])
    change = plan.changes[0]
    assert change.before == old and change.after == new
    assert change.precondition_version == 5
    assert change.location == Location("learningobjects.yaml", 3, 1)
    assert [d.path for d in change.diff] == ["title"]


def test_an_unchanged_resource_has_an_empty_diff() -> None:
    spec = lo("privacy")
    plan = make_plan([desired("LearningObject", "privacy", spec)],
                     [live("LearningObject", "privacy", spec)])
    assert plan.changes[0].action == "no-op" and plan.changes[0].diff == ()


def test_an_annotation_change_alone_is_a_metadata_update() -> None:
    spec = lo("privacy")
    plan = make_plan(
        [desired("LearningObject", "privacy", spec, annotations={"owner": "compliance"})],
        [live("LearningObject", "privacy", spec, annotations={"owner": "hr"})],
    )
    change = plan.changes[0]
    assert (change.action, change.reason) == ("update", "metadata changed")
    assert [(d.path, d.old, d.new) for d in change.diff] == [
        ("metadata.annotations.owner", "hr", "compliance")]


def test_a_label_change_with_lists_in_another_order_is_only_metadata() -> None:
    plan = make_plan(
        [desired("LearningObject", "privacy", lo("privacy", languages=["es", "en"]),
                 labels={"area": "compliance"})],
        [live("LearningObject", "privacy", lo("privacy", languages=["en", "es"]))],
    )
    assert plan.changes[0].reason == "metadata changed"


def test_a_platform_that_omits_defaults_is_not_drift() -> None:
    # The platform hands back the spec without its defaults: same essence, hash of it.
    from reconciler.model import content_hash
    from reconciler.plan.normalize import normalize_spec

    written = assignment("nurses", ("plan", "hipaa"))
    sparse = {"items": written["items"], "audience": "nurses"}
    plan = make_plan(
        [desired("Assignment", "a", {**written, "notify": {"on_assign": False,
                                                            "reminders": []}})],
        [live("Assignment", "a", sparse,
              spec_hash=content_hash(normalize_spec("Assignment", written)))],
    )
    assert plan.changes[0].reason == "spec changed"


def test_someone_elses_resource_is_a_conflict_naming_the_owner_and_the_fix() -> None:
    spec = lo("privacy")
    plan = make_plan([desired("LearningObject", "privacy", spec, line=2)],
                     [live("LearningObject", "privacy", spec, managed=False)])
    (error,) = plan.errors
    assert error.code == "LO701"
    assert error.where == "specs/learningobjects.yaml:2:1"
    assert "is not managed by learnops" in error.message
    assert error.message.endswith('"true" to its metadata (or rename the resource)')


def test_removal_errors_name_the_resource_and_the_way_out() -> None:
    guarded = live("Assignment", "kept", assignment("all", ("plan", "p"), on_remove="delete"),
                   annotations={"learnops.io/prevent-destroy": "true"})
    plan = make_plan([], [guarded], allow_delete=True)
    (error,) = plan.errors
    assert (error.code, error.where) == ("LO703", "Assignment/kept")
    assert plan.changes[0].annotations == {"learnops.io/prevent-destroy": "true"}
    assert error.message.endswith("put its spec back, or apply it without the annotation first")

    refused = make_plan([], [live("Assignment", "gone",
                                  assignment("all", ("plan", "p"), on_remove="delete"))])
    (error,) = refused.errors
    assert error.where == "Assignment/gone"
    assert "or set on_remove: inactivate" in error.message


def test_an_assignment_the_platform_reports_inactive_is_not_inactivated_again() -> None:
    plan = make_plan([], [live("Assignment", "old", assignment("all", ("plan", "p")),
                               status={"active": False})])
    change = plan.changes[0]
    assert (change.action, change.reason) == ("no-op", "already inactive")


def test_removals_are_listed_last_dependents_first() -> None:
    plan = make_plan(
        [desired("LearningObject", "kept", lo("kept"))],
        [live("LearningObject", "kept", lo("kept")),
         live("LearningObject", "b-old", lo("b-old")),
         live("LearningObject", "a-old", lo("a-old")),
         live("Audience", "old-audience", audience()),
         live("CertificationPlan", "old-plan", cert_plan("a-old"))],
        allow_delete=True,
    )
    assert [str(c.address) for c in plan.changes] == [
        "LearningObject/kept",
        "CertificationPlan/old-plan", "Audience/old-audience",
        "LearningObject/a-old", "LearningObject/b-old",
    ]


@pytest.mark.parametrize(("source_dir", "shown"), [
    ("specs/", "specs/a.yaml:1:2"), (".", "a.yaml:1:2"), ("", "a.yaml:1:2"),
    ("/abs/specs", "/abs/specs/a.yaml:1:2"), ("SPECSX/", "SPECSX/a.yaml:1:2"),
])
def test_locations_are_prefixed_with_the_spec_directory_as_named(
    source_dir: str, shown: str
) -> None:
    from reconciler.plan.planner import plan_state

    from .builders import kind_generations, state

    resource = desired("LearningObject", "x", lo("x", existing=True))
    resource = type(resource)(address=resource.address, spec=resource.spec,
                              location=Location("a.yaml", 1, 2), labels={}, annotations={})
    plan = plan_state(state(resource), kind_generations([resource]), [], Users(),
                      target_provider="sandbox", state_version=1,
                      options=PlanOptions(source_dir=source_dir))
    assert plan.errors[0].where == shown
    assert Address("LearningObject", "x") not in plan.by_address()


def test_a_delete_something_staying_still_uses_is_refused_naming_it() -> None:
    # The assignment leaves the code too, but is only inactivated: it stays, and still
    # names the object, so deleting the object would fail at apply time every time.
    plan = make_plan(
        [],
        [live("LearningObject", "privacy", lo("privacy")),
         live("Assignment", "a", assignment("all", ("object", "privacy")))],
        allow_delete=True,
    )
    by = plan.by_address()
    assert by[Address("Assignment", "a")].action == "inactivate"
    refused = by[Address("LearningObject", "privacy")]
    assert (refused.action, refused.refusal) == ("delete", "still-used")
    [error] = plan.errors
    assert error.where == "LearningObject/privacy"
    assert error.message.startswith(
        "LearningObject/privacy cannot be deleted: Assignment/a still uses it and stays on "
        "the platform (an assignment removed from code is inactivated, not deleted)")
    assert not plan.ok

    both = make_plan(
        [],
        [live("LearningObject", "privacy", lo("privacy")),
         live("Assignment", "a", assignment("all", ("object", "privacy"), on_remove="delete"))],
        allow_delete=True,
    )
    assert both.ok and {c.action for c in both.changes} == {"delete"}


def test_the_inline_audience_of_an_inactivated_assignment_stays_with_it() -> None:
    inline = audience(groups=["nursing"])
    plan = make_plan(
        [],
        [live("Audience", "a-audience", inline, labels={"team": "ic"}),
         live("Assignment", "a", assignment("a-audience", ("object", "privacy")))],
    )
    by = plan.by_address()
    assert by[Address("Assignment", "a")].action == "inactivate"
    kept = by[Address("Audience", "a-audience")]
    assert (kept.action, kept.reason) == ("no-op", "kept for its assignment")
    assert kept.labels == {"team": "ic"} and kept.before == inline
    assert kept.spec_hash is not None
    assert plan.ok  # no --allow-delete needed for an audience that is not deleted


LOCAL_STATE = "state: local\ndirectory: {type: csv, path: directory/users.csv}\n"
EXTRA = """\
apiVersion: learnops/v1
kind: LearningObject
metadata: {name: extra-reading}
spec: {title: Extra reading, type: document}
"""


@pytest.fixture
def recorded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
             capsys: pytest.CaptureFixture[str]) -> Path:
    """specs/ with a local state store and a users CSV as the directory, applied."""
    target = tmp_path / "specs"
    shutil.copytree(SPECS, target, ignore=shutil.ignore_patterns(".learnops"))
    with (target / "learnops.yaml").open("a", encoding="utf-8") as config:
        config.write(LOCAL_STATE)
    (target / "extra.yaml").write_text(EXTRA, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("NO_COLOR", "1")
    assert main(["apply", "specs", "--auto-approve"]) == 0
    capsys.readouterr()
    return target


def test_a_plan_on_a_local_state_records_its_lineage_and_serial(
    recorded: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    plan = json_plan(capsys)
    state = plan["target"]["state"]  # type: ignore[index]
    assert state["backend"] == "local" and state["serial"] == 1
    assert len(state["lineage"]) == 32
    assert plan["summary"]["no-op"] == len(plan["changes"])  # type: ignore[arg-type,index]


def test_a_spec_edited_on_the_platform_is_drift_against_the_state_record(
    recorded: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from reconciler_sandbox.engine import Platform

    platform = Platform(recorded / ".learnops" / "sandbox.db")
    try:
        live = platform.get_resource("LearningObject", "extra-reading")
        platform.put_resource(
            "LearningObject", "extra-reading",
            {"metadata": live["metadata"], "spec": {**live["spec"], "title": "Edited"}},
            if_match=live["metadata"]["version"], actor="colleague")
    finally:
        platform.close()
    plan = json_plan(capsys)
    [drifted] = [c for c in plan["changes"] if c["action"] != "no-op"]  # type: ignore[union-attr]
    assert (drifted["address"], drifted["reason"]) == ("LearningObject/extra-reading", "drift")


def test_a_directory_change_is_planned_for_a_platform_that_takes_it(
    recorded: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    users = recorded / "directory" / "users.csv"
    lines = users.read_text(encoding="utf-8").splitlines()
    moved = [line.replace(",nursing,", ",it,", 1) if line.startswith("E1001,") else line
             for line in lines]
    users.write_text("\n".join(moved) + "\n", encoding="utf-8")
    plan = json_plan(capsys)
    directory = plan["directory"]
    assert plan["errors"] == []
    assert directory["source"] == "csv directory/users.csv"  # type: ignore[index]
    assert directory["summary"] == {"added": 0, "changed": 1, "deactivated": 0}  # type: ignore[index]
    assert plan["target"]["basis"]["directory"].startswith("sha256:")  # type: ignore[index]


def test_a_removed_object_is_deleted_only_with_allow_delete(
    recorded: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (recorded / "extra.yaml").unlink()
    assert main(["plan", "specs", "--output", "json"]) == 1
    refused = json.loads(capsys.readouterr().out)
    assert [e["code"] for e in refused["errors"]] == ["LO704"]
    allowed = json_plan(capsys, "--allow-delete")
    assert allowed["summary"]["delete"] == 1  # type: ignore[index]
