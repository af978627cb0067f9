"""The essence: defaults applied, nulls and ordering noise gone, so nothing flaps."""

from __future__ import annotations

from reconciler.model import content_hash
from reconciler.plan.normalize import essence, matches_hash, normalize_spec

from .builders import assignment, audience, cert_plan, lo


def test_a_sparse_live_spec_gets_the_defaults_the_compiler_fills() -> None:
    assert normalize_spec("LearningObject", {"title": "T", "type": "course"}) == lo(
        "x", title="T"
    )
    assert normalize_spec("Audience", {}) == audience()
    sparse_assignment = {"items": [{"plan": "p"}], "audience": "a"}
    assert normalize_spec("Assignment", sparse_assignment) == assignment("a", ("plan", "p"))


def test_plan_steps_get_their_defaults() -> None:
    sparse = {
        "title": "A plan",
        "steps": [{"name": "first", "items": ["a"]},
                  {"name": "second", "items": ["b"], "release": {"after_step": "first"}}],
    }
    steps = normalize_spec("CertificationPlan", sparse)["steps"]
    assert steps[0]["release"] == {"at": "enrollment"} and steps[0]["required"] is True
    assert steps[1]["release"] == {"after_step": "first", "delay": "0d"}
    assert normalize_spec("CertificationPlan", cert_plan("a", "b")) == cert_plan("a", "b")


def test_nulls_are_absent_and_integral_floats_are_ints() -> None:
    spec = lo("x", url=None, completion={"type": "min_score", "min_score": 80.0})
    normal = normalize_spec("LearningObject", spec)
    assert "url" not in normal and normal["completion"]["min_score"] == 80
    assert isinstance(normal["completion"]["min_score"], int)


def test_set_like_lists_compare_regardless_of_order_but_steps_keep_theirs() -> None:
    one = audience(groups=["nursing", "it"], where={"job_role": ["Nurse", "Physician"],
                                                     "department": {"not": ["IT", "Admin"]}})
    two = audience(groups=["it", "nursing"], where={"job_role": ["Physician", "Nurse"],
                                                     "department": {"not": ["Admin", "IT"]}})
    assert essence("Audience", one) == essence("Audience", two)
    reordered = cert_plan("a", "b")
    reordered["steps"] = list(reversed(reordered["steps"]))
    assert normalize_spec("CertificationPlan", reordered) != cert_plan("a", "b")


def test_normalizing_does_not_touch_its_input() -> None:
    spec = {"title": "T", "type": "course", "languages": ["es", "en"]}
    normalize_spec("LearningObject", spec)
    assert spec == {"title": "T", "type": "course", "languages": ["es", "en"]}


def test_the_written_hash_matches_the_raw_spec_or_its_essence() -> None:
    full = lo("x")
    written = content_hash(full)
    assert matches_hash("LearningObject", full, written)
    assert matches_hash("LearningObject", {"title": "X", "type": "course"}, written)
    assert not matches_hash("LearningObject", {**full, "title": "Y"}, written)
    assert not matches_hash("LearningObject", full, None)
