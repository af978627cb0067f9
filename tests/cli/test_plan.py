"""``learnops plan`` end to end on a copy of specs/ against a fresh sandbox."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from jsonschema import Draft202012Validator
from plan_workspace import plan_now, platform, seed_catalog, spec_copy, write_plan

from reconciler.cli.main import main
from reconciler.compiler import compile_dir
from reconciler.plan.serialize import plan_from_json
from reconciler.schemas import load_schema

Capture = pytest.CaptureFixture[str]
HEADLINE = re.compile(r"^([+~!-]) (\S+) (\S+) \(([^)]*)\)")


def changed(out: str) -> list[tuple[str, str, str]]:
    """(action, address, reason) of every change line of the text output."""
    return [m.group(2, 3, 4) for line in out.splitlines() if (m := HEADLINE.match(line))]


@pytest.fixture
def specs(tmp_path: Path) -> Path:
    spec_dir = spec_copy(tmp_path)
    seed_catalog(spec_dir)
    return spec_dir


def test_a_fresh_platform_plans_every_resource_as_a_create(specs: Path, capsys: Capture) -> None:
    code = main(["plan", str(specs), "--detailed-exitcode"])
    out = capsys.readouterr().out
    assert code == 2
    state = compile_dir(specs).state
    expected = {str(r.address) for r in state.resources if r.spec.get("existing") is not True}
    lines = changed(out)
    assert {action for action, _, _ in lines} == {"create"}
    assert {address for _, address, _ in lines} == expected
    assert f"Plan: {len(expected)} to create, 0 to update" in out
    assert main(["plan", str(specs)]) == 0  # without the flag, changes are no failure


def test_an_existing_object_missing_from_the_platform_is_a_located_error(
    tmp_path: Path, capsys: Capture
) -> None:
    spec_dir = spec_copy(tmp_path)
    catalog = spec_dir / "directory" / "catalog.csv"  # the platform lacks one of them
    catalog.write_text("".join(
        line for line in catalog.read_text().splitlines(keepends=True)
        if not line.startswith("infection-control,")
    ))
    assert main(["plan", str(spec_dir), "--detailed-exitcode"]) == 1
    out = capsys.readouterr().out
    assert re.search(r"objects/safety\.yaml:\d+:\d+: error\[LO702\]: LearningObject/"
                     r"infection-control is "
                     r"marked existing: true", out)


def test_once_written_the_plan_is_empty_and_exits_0(specs: Path, capsys: Capture) -> None:
    write_plan(specs)
    assert main(["plan", str(specs), "--detailed-exitcode"]) == 0
    out = capsys.readouterr().out
    assert changed(out) == [] and "No changes" in out


def test_editing_one_spec_shows_exactly_that_field(specs: Path, capsys: Capture) -> None:
    write_plan(specs)
    compliance = specs / "assignments" / "compliance.yaml"
    text = compliance.read_text(encoding="utf-8")
    assert text.count("due: 30d") == 1
    compliance.write_text(text.replace("due: 30d", "due: 45d"), encoding="utf-8")
    assert main(["plan", str(specs), "--detailed-exitcode"]) == 2
    out = capsys.readouterr().out
    assert changed(out) == [("update", "Assignment/hipaa-2027-clinical", "spec changed")]
    assert '    ~ due: "30d" -> "45d"' in out.splitlines()


def test_a_change_behind_learnops_back_shows_as_drift(specs: Path, capsys: Capture) -> None:
    write_plan(specs)
    engine = platform(specs)
    try:
        live = engine.get_resource("LearningObject", "hipaa-basics")
        tampered = {**live["spec"], "duration": "5m"}
        body = {"metadata": {"labels": live["metadata"]["labels"],
                             "annotations": live["metadata"]["annotations"]},
                "spec": tampered}
        engine.put_resource("LearningObject", "hipaa-basics", body,
                            if_match=live["metadata"]["version"], actor="someone")
    finally:
        engine.close()
    assert main(["plan", str(specs), "--detailed-exitcode"]) == 2
    out = capsys.readouterr().out
    assert changed(out) == [("update", "LearningObject/hipaa-basics", "drift")]
    assert '    ~ duration: "5m" -> "45m"' in out.splitlines()


def test_removing_an_assignment_from_code_inactivates_it_and_then_converges(
    specs: Path, capsys: Capture
) -> None:
    write_plan(specs)
    compliance = specs / "assignments" / "compliance.yaml"
    documents = compliance.read_text(encoding="utf-8").split("\n---\n")
    kept = [doc for doc in documents if "hipaa-2027-nurses-es" not in doc]
    assert len(kept) == len(documents) - 1
    compliance.write_text("\n---\n".join(kept), encoding="utf-8")
    assert main(["plan", str(specs), "--detailed-exitcode"]) == 2
    out = capsys.readouterr().out
    assert changed(out) == [
        ("inactivate", "Assignment/hipaa-2027-nurses-es", "removed from code")
    ]
    write_plan(specs)
    assert main(["plan", str(specs), "--detailed-exitcode"]) == 0


def test_out_saves_a_schema_valid_plan_with_digest_and_state_version(
    specs: Path, tmp_path: Path, capsys: Capture
) -> None:
    saved = tmp_path / "plans" / "plan.json"
    assert main(["plan", str(specs), "--out", str(saved), "--output", "json"]) == 0
    printed = json.loads(capsys.readouterr().out)
    document = json.loads(saved.read_text(encoding="utf-8"))
    Draft202012Validator(load_schema("plan.schema.json")).validate(document)
    assert document["source"]["digest"] == compile_dir(specs).state.digest
    engine = platform(specs)
    try:
        where = str((specs / ".learnops" / "sandbox.db").resolve())
        basis = document["target"].pop("basis")
        printed["target"].pop("basis")
        assert document["target"] == {
            "provider": "sandbox", "name": "provider", "platform": where,
            "state_version": engine.state_version(),
            # The sandbox holds learnops' state itself: its version is the serial.
            "state": {"backend": "platform", "lineage": where,
                      "serial": engine.state_version()},
        }
        assert set(basis) == {"resources", "directory"}  # what staleness follows
    finally:
        engine.close()
    assert printed == document
    assert plan_from_json(document).summary() == plan_now(specs).summary()


def _defined_at(location: dict[str, Any], base: Path) -> tuple[str, str]:
    """The line ``location`` points at, read from ``base``, and the whole YAML document
    holding it."""
    lines = (base / location["file"]).read_text(encoding="utf-8").splitlines()
    at = location["line"] - 1
    start = max((n + 1 for n in range(at) if lines[n] == "---"), default=0)
    end = next((n for n in range(at, len(lines)) if lines[n] == "---"), len(lines))
    return lines[at][location["col"] - 1:], "\n".join(lines[start:end])


@pytest.mark.parametrize("named", ["../specs", "{absolute}", "."])
def test_every_location_of_the_json_plan_resolves_against_its_source(
    specs: Path, capsys: Capture, monkeypatch: pytest.MonkeyPatch, named: str
) -> None:
    # The plan made from another folder (a CI job's), from anywhere, or inside the specs.
    ran_in = specs if named == "." else specs.parent / "job"
    ran_in.mkdir(exist_ok=True)
    monkeypatch.chdir(ran_in)
    named = named.format(absolute=specs)
    assert main(["plan", named, "--output", "json"]) == 0
    document = json.loads(capsys.readouterr().out)
    source = document["source"]
    assert source["dir"] == named and Path(source["root"]) == specs.resolve()
    planned = {str(r.address) for r in compile_dir(specs).state.resources}
    located = {c["address"]: c["location"] for c in document["changes"] if c["location"]}
    assert set(located) == planned  # every change here is in the specs, so located
    for address, location in located.items():
        kind, name = address.split("/", 1)
        line, text = _defined_at(location, Path(source["root"]))
        assert (line, text) == _defined_at(location, Path(source["dir"]))  # from ran_in
        if line == "apiVersion: learnops/v1":  # a document of its own
            assert f"kind: {kind}\n" in text and f"name: {name}" in text
        else:  # an assignment's inline audience, at its own mapping in the assignment
            assert kind == "Audience" and "kind: Assignment\n" in text
            assert f"name: {name.removesuffix('-audience')}" in text
    # The problems print their place from the same base, as validate does.
    assert document["warnings"]
    for problem in document["warnings"]:
        file = problem["where"].rsplit(":", 2)[0]
        assert Path(file).is_file() and (ran_in / file).resolve().is_relative_to(specs)
        assert named == "." or file.startswith(f"{named}/")


def test_markdown_output_is_a_pr_comment(specs: Path, capsys: Capture) -> None:
    assert main(["plan", str(specs), "--output", "markdown"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("### learnops plan:")
    assert "**Plan:** " in out and "<details>" in out and len(out) < 65_000


def test_a_spec_error_is_reported_with_its_location_and_exits_1(
    specs: Path, capsys: Capture
) -> None:
    (specs / "broken.yaml").write_text(
        "apiVersion: learnops/v1\nkind: Audience\nmetadata: {name: x}\n"
        "spec: {include: [no-such-audience]}\n",
        encoding="utf-8",
    )
    assert main(["plan", str(specs)]) == 1
    err = capsys.readouterr().err
    assert re.search(r"broken\.yaml:\d+:\d+: error\[", err)


@pytest.mark.slow
def test_the_same_plan_over_rest_and_in_process(
    specs: Path, capsys: Capture, monkeypatch: pytest.MonkeyPatch
) -> None:
    from reconciler_sandbox.server import running_server

    write_plan(specs)
    compliance = specs / "assignments" / "compliance.yaml"
    text = compliance.read_text(encoding="utf-8")
    compliance.write_text(text.replace("due: 30d", "due: 45d"), encoding="utf-8")
    engine = platform(specs)
    monkeypatch.setenv("LEARNOPS_PLAN_TOKEN", engine.create_token("plan-test", ["read"]))
    engine.close()
    with running_server(specs / ".learnops" / "sandbox.db") as url:
        project_file = specs / "learnops.yaml"
        project = yaml.safe_load(project_file.read_text(encoding="utf-8"))
        project.setdefault("targets", {})["served"] = {
            "type": "rest", "url": url, "token_env": "LEARNOPS_PLAN_TOKEN"}
        project_file.write_text(yaml.safe_dump(project), encoding="utf-8")
        assert main(["plan", str(specs), "--output", "json"]) == 0
        in_process = json.loads(capsys.readouterr().out)
        assert main(["plan", str(specs), "--target", "served", "--output", "json"]) == 0
        over_http = json.loads(capsys.readouterr().out)
    assert in_process["summary"]["update"] == 1
    assert over_http["target"].pop("provider") == "rest"
    assert in_process["target"].pop("provider") == "sandbox"
    assert (over_http["target"].pop("name"), over_http["target"].pop("platform")) == (
        "served", url)
    assert in_process["target"].pop("name") == "provider"
    assert in_process["target"].pop("platform").endswith("sandbox.db")
    # The sandbox's users: file is the directory of that target alone: a rest target
    # feeds from a directory only when learnops.yaml names one for every target.
    assert in_process.pop("directory")["changes"] == []
    assert "directory" not in over_http
    # state: platform is the platform's own: its lineage is the platform's identity.
    assert over_http["target"]["state"].pop("lineage") == url
    assert in_process["target"]["state"].pop("lineage").endswith("sandbox.db")
    assert over_http == in_process
