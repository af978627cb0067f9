"""The canonical desired state: defaults filled, optional keys absent, inline audiences lifted."""

from __future__ import annotations

from pathlib import Path
from textwrap import dedent

import pytest

from reconciler.errors import SpecError
from reconciler.load import load_dir
from reconciler.model import Address, DesiredState, Location
from reconciler.resolve import resolve
from reconciler.validate import validate_specs

SPECS = """\
apiVersion: learnops/v1
kind: LearningObject
metadata: {name: intro, labels: {area: onboarding}, annotations: {learnops.io/adopt: "true"}}
spec: {title: Intro, type: video}
---
apiVersion: learnops/v1
kind: LearningObject
metadata: {name: quiz}
spec:
  title: Quiz
  type: assessment
  duration: 20m
  completion: {type: min_score, min_score: 80}
  prerequisites: [intro]
---
apiVersion: learnops/v1
kind: Audience
metadata: {name: everyone}
spec: {}
---
apiVersion: learnops/v1
kind: CertificationPlan
metadata: {name: path}
spec:
  title: Path
  steps:
    - {name: one, items: [intro]}
    - {name: two, items: [quiz], release: {after_step: one}, due: 7d, required: false}
---
apiVersion: learnops/v1
kind: Assignment
metadata: {name: by-name}
spec: {items: [{plan: path}], audience: everyone}
---
apiVersion: learnops/v1
kind: Assignment
metadata: {name: inline}
spec:
  items: [{object: intro}]
  audience: {groups: [it], where: {location: Boston}}
  due: 2027-01-31
  notify: {reminders: [1d]}
"""


def state_of(tmp_path: Path, text: str = SPECS) -> DesiredState:
    (tmp_path / "specs.yaml").write_text(dedent(text), encoding="utf-8")
    return resolve(validate_specs(load_dir(tmp_path)))


def test_defaults_are_filled_and_optional_keys_left_out(tmp_path: Path) -> None:
    specs = {str(r.address): r.spec for r in state_of(tmp_path).resources}
    assert specs["LearningObject/intro"] == {
        "title": "Intro",
        "type": "video",
        "languages": [],
        "completion": {"type": "view"},
        "prerequisites": [],
        "existing": False,
    }
    assert specs["Audience/everyone"] == {
        "users": [],
        "groups": [],
        "include": [],
        "where": {},
        "exclude": [],
    }
    assert specs["CertificationPlan/path"] == {
        "title": "Path",
        "visibility": "released",
        "steps": [
            {"name": "one", "items": ["intro"], "release": {"at": "enrollment"}, "required": True},
            {
                "name": "two",
                "items": ["quiz"],
                "release": {"after_step": "one", "delay": "0d"},
                "due": "7d",
                "required": False,
            },
        ],
        "notify": {"admins": [], "on": []},
        "in_progress": "keep",
    }
    assert specs["Assignment/by-name"] == {
        "items": [{"plan": "path"}],
        "audience": "everyone",
        "start": "immediately",
        "notify": {"on_assign": True, "reminders": []},
        "active": True,
        "on_remove": "inactivate",
    }


def test_inline_audiences_become_named_audiences(tmp_path: Path) -> None:
    state = state_of(tmp_path)
    by_address = state.by_address()
    assignment = by_address[Address("Assignment", "inline")]
    assert assignment.spec["audience"] == "inline-audience"
    assert assignment.spec["due"] == "2027-01-31"
    lifted = by_address[Address("Audience", "inline-audience")]
    assert lifted.spec == {
        "users": [],
        "groups": ["it"],
        "include": [],
        "where": {"location": "Boston"},
        "exclude": [],
    }
    assert lifted.location == Location("specs.yaml", 40, 13)


def test_resources_are_ordered_by_kind_then_name_with_metadata(tmp_path: Path) -> None:
    state = state_of(tmp_path)
    assert [str(r.address) for r in state.resources] == [
        "LearningObject/intro",
        "LearningObject/quiz",
        "Audience/everyone",
        "Audience/inline-audience",
        "CertificationPlan/path",
        "Assignment/by-name",
        "Assignment/inline",
    ]
    intro = state.resources[0]
    assert intro.labels == {"area": "onboarding"}
    assert intro.annotations == {"learnops.io/adopt": "true"}
    assert intro.location == Location("specs.yaml", 1, 1)
    assert state.digest.startswith("sha256:")


def test_equivalent_specs_hash_equally(tmp_path: Path) -> None:
    explicit = SPECS.replace(
        "spec: {title: Intro, type: video}",
        "spec: {title: Intro, type: video, languages: [],"
        " completion: {type: view}, existing: false}",
    )
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    first, second = state_of(tmp_path / "a"), state_of(tmp_path / "b", explicit)
    assert first.resources[0].spec_hash == second.resources[0].spec_hash
    assert first.resources[0].spec_hash != first.resources[1].spec_hash


def test_aliased_values_are_copied_not_shared(tmp_path: Path) -> None:
    text = SPECS.replace("{name: one, items: [intro]}", "{name: one, items: &items [intro]}")
    text = text.replace("{name: two, items: [quiz],", "{name: two, items: *items,")
    steps = (
        state_of(tmp_path, text).by_address()[Address("CertificationPlan", "path")].spec["steps"]
    )
    assert steps[0]["items"] == steps[1]["items"] == ["intro"]
    assert steps[0]["items"] is not steps[1]["items"]


def test_invalid_specs_are_not_resolved(tmp_path: Path) -> None:
    (tmp_path / "bad.yaml").write_text("kind: Nope\n")
    with pytest.raises(SpecError):
        resolve(validate_specs(load_dir(tmp_path)))
