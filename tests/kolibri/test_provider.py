"""The kolibri provider against a live Kolibri: what learnops' resources become there,
read back through Kolibri's own API."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from pathlib import Path

import pytest
from reconciler_kolibri.provider import KolibriProvider

from reconciler.errors import AuthError, InvalidRequest, PermanentError
from reconciler.model import JSON, Address, content_hash
from reconciler.providers import LiveResource, WriteAction, WriteRequest

from .conftest import kolibri_config
from .live import LiveKolibri
from .program import HANDWASHING_CONTENT_ID, HIPAA_BASICS, compiled, write_program

NURSES: dict[str, JSON] = {"users": [], "groups": [], "include": [], "where": {"job_role": "Nurse"},
                           "exclude": []}
PLAN: dict[str, JSON] = {
    "title": "Annual HIPAA", "visibility": "released",
    "steps": [{"name": "basics", "items": ["hipaa-basics"], "release": {"at": "enrollment"}},
              {"name": "quiz", "items": ["hipaa-quiz"],
               "release": {"after_step": "basics", "delay": "2d"}}],
}
ASSIGNMENT: dict[str, JSON] = {
    "title": "HIPAA for nurses", "items": [{"plan": "hipaa-annual"}, {"object": "privacy-101"}],
    "audience": "nurses", "start": "immediately", "active": True, "on_remove": "inactivate",
}


def write(provider: KolibriProvider, action: WriteAction, kind: str, name: str,
          spec: Mapping[str, JSON] | None = None) -> LiveResource | None:
    return provider.write(WriteRequest(
        address=Address(kind, name), action=action, idempotency_key=f"test-{kind}-{name}",
        spec=spec, spec_hash=None if spec is None else content_hash(dict(spec))))


def live(provider: KolibriProvider, kind: str, name: str) -> LiveResource:
    found = provider.read_resource(Address(kind, name))
    assert found is not None, f"{kind}/{name} is not on Kolibri"
    return found


def test_content_nodes_are_existing_objects_by_title_and_by_content_id(
    provider: KolibriProvider,
) -> None:
    objects = {r.address.name: r for r in provider.read_resources(["LearningObject"])}
    assert objects["hipaa-basics"].spec["title"] == "HIPAA Basics"
    assert objects["hipaa-basics"].spec["existing"] is True
    assert objects["hipaa-basics"].platform_id == HIPAA_BASICS
    assert objects["hipaa-quiz"].spec["type"] == "assessment"
    # The video and its copy elsewhere in the tree are one resource, under its content id.
    assert objects[HANDWASHING_CONTENT_ID].spec["title"] == "Handwashing Video"
    assert "hipaa-module" not in objects  # topics are folders, not resources


def test_an_audience_is_a_learner_group_of_the_people_it_resolves_to(
    provider: KolibriProvider,
) -> None:
    created = write(provider, "create", "Audience", "nurses", NURSES)
    assert created is not None
    # E1003 is a nurse too, but inactive in the directory: never a member.
    assert created.spec["users"] == ["E1001", "E1004"]
    narrowed = write(provider, "update", "Audience", "nurses",
                     {**NURSES, "where": {"job_role": "Nurse", "location": "Boston"}})
    assert narrowed is not None and narrowed.spec["users"] == ["E1004"]
    assert live(provider, "Audience", "nurses").spec["users"] == ["E1004"]


def test_an_included_audience_counts_as_its_group_and_where_narrows_it(
    provider: KolibriProvider,
) -> None:
    write(provider, "create", "Audience", "nurses", NURSES)
    boston = write(provider, "create", "Audience", "boston-nurses",
                   {**NURSES, "where": {"location": "Boston"}, "include": ["nurses"]})
    assert boston is not None and boston.spec["users"] == ["E1004"]


def test_an_assignment_is_a_lesson_for_the_audience_group_and_inactivating_keeps_progress(
    provider: KolibriProvider, activity: LiveKolibri,
) -> None:
    write(provider, "create", "Audience", "nurses", NURSES)
    write(provider, "create", "CertificationPlan", "hipaa-annual", PLAN)
    lesson = write(provider, "create", "Assignment", "hipaa-nurses", ASSIGNMENT)
    assert lesson is not None
    assert lesson.spec["title"] == "HIPAA for nurses"
    # The plan is nowhere on Kolibri: it reads back as this write applied it.
    assert lesson.spec["items"] == [{"plan": "hipaa-annual"}, {"object": "privacy-101"}]
    assert lesson.spec["audience"] == "nurses"
    assert lesson.status["active"] is True
    activity.complete("E1001", "b391bfeec8a458f89f013cf1ca9cf33a", "2027-01-05")

    inactive = write(provider, "inactivate", "Assignment", "hipaa-nurses")
    assert inactive is not None and inactive.status["active"] is False
    # The lesson and what the learner did stay on Kolibri.
    progress = provider.platform.progress(provider.platform.classroom_id() or "")
    assert [(p.status) for p in progress if p.content_id == "f2332710c2fd483386cdeb5ecbdda81f"
            ] == ["Completed"]
    assert live(provider, "Assignment", "hipaa-nurses").status["active"] is False


def test_a_plan_is_a_lesson_per_step_and_a_removed_step_goes(provider: KolibriProvider) -> None:
    made = write(provider, "create", "CertificationPlan", "hipaa-annual", PLAN)
    assert made is not None
    assert made.spec["steps"] == [{"name": "basics", "items": ["hipaa-basics"]},
                                  {"name": "quiz", "items": ["hipaa-quiz"]}]
    shorter = write(provider, "update", "CertificationPlan", "hipaa-annual",
                    {**PLAN, "steps": PLAN["steps"][:1]})
    assert shorter is not None and [s["name"] for s in shorter.spec["steps"]] == ["basics"]
    write(provider, "delete", "CertificationPlan", "hipaa-annual")
    assert provider.read_resource(Address("CertificationPlan", "hipaa-annual")) is None


def test_the_fingerprint_moves_when_someone_edits_the_lesson_in_kolibri(
    provider: KolibriProvider,
) -> None:
    write(provider, "create", "Audience", "nurses", NURSES)
    write(provider, "create", "CertificationPlan", "hipaa-annual", PLAN)
    before = write(provider, "create", "Assignment", "hipaa-nurses", ASSIGNMENT)
    assert before is not None
    assert live(provider, "Assignment", "hipaa-nurses").status == before.status
    provider.client.send("PATCH", f"/api/lessons/lesson/{before.platform_id}/",
                         {"description": "Edited by a coach"})
    after = live(provider, "Assignment", "hipaa-nurses")
    assert after.spec["title"] == "Edited by a coach"
    assert after.status["fingerprint"] != before.status["fingerprint"]


def test_learnops_never_creates_content_and_refuses_unknown_objects(
    provider: KolibriProvider,
) -> None:
    with pytest.raises(PermanentError, match="never creates"):
        write(provider, "create", "LearningObject", "new-course",
              {"title": "New", "type": "course", "existing": False})
    write(provider, "create", "Audience", "nurses", NURSES)
    with pytest.raises(InvalidRequest, match="LearningObject/no-such-video"):
        write(provider, "create", "Assignment", "hipaa-nurses",
              {**ASSIGNMENT, "items": [{"object": "no-such-video"}]})


def test_wrong_credentials_are_one_clear_error_naming_the_variables(
    target: dict[str, JSON], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(str(target["password_env"]), "wrong")
    provider = KolibriProvider(kolibri_config(target), tmp_path)
    with pytest.raises(AuthError, match=str(target["password_env"])) as caught:
        provider.read_resources()
    assert "wrong" not in str(caught.value)


def test_release_hands_each_step_to_each_learner_on_its_day_once(
    provider: KolibriProvider, activity: LiveKolibri, target: dict[str, JSON], tmp_path: Path,
) -> None:
    program = compiled(write_program(tmp_path / "program", target))
    desired = program.state
    specs = desired.by_address()
    for generation in program.graph.generations():  # apply order: included audiences first
        for address in generation:
            if address.kind != "LearningObject":
                write(provider, "create", address.kind, address.name, specs[address].spec)

    due = provider.releases_due(desired, date(2027, 1, 4))
    assert [(r.step, r.learner) for r in due.releases] == [("basics", "E1001"),
                                                           ("basics", "E1004")]
    done = provider.release_due(desired, date(2027, 1, 4))
    assert done.releases == due.releases
    assert provider.releases_due(desired, date(2027, 1, 4)).releases == ()

    activity.complete("E1001", HIPAA_BASICS, "2027-01-05")
    assert provider.releases_due(desired, date(2027, 1, 6)).releases == ()  # 2d delay
    on_time = provider.release_due(desired, date(2027, 1, 7))
    assert [(r.step, r.learner, r.released_on) for r in on_time.releases] == [
        ("quiz", "E1001", "2027-01-07")]
    dated = provider.release_due(desired, date(2027, 6, 1))
    assert sorted((r.step, r.learner) for r in dated.releases) == [
        ("refresher", "E1001"), ("refresher", "E1004")]
    plan = live(provider, "CertificationPlan", "hipaa-annual")
    assert plan.status["released"] == {"basics": ["E1001", "E1004"], "quiz": ["E1001"],
                                       "refresher": ["E1001", "E1004"]}
