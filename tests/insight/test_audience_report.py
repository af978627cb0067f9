"""The audience report: members, sample, breakdown over what the rule uses."""

from __future__ import annotations

from pathlib import Path

import pytest

from reconciler.errors import UsageError
from reconciler.insight.audience_report import Breakdown, ValueCount, audience_report

from .insight_kit import assignment, audience, directory, state_of, user

PEOPLE = directory(
    user("E3", "nursing", job_role="Nurse", language="es", location="Miami"),
    user("E1", "nursing", job_role="Nurse", language="es"),
    user("E2", "nursing", "physicians", job_role="Physician", language="en", location="Boston"),
    user("E4", "physicians", job_role="Physician", language="es", location="Boston"),
    user("E5", "nursing", job_role="Nurse", language="es", active=False),
)
SPECS = (audience("clinical", "{groups: [nursing, physicians]}")
         + audience("spanish-clinical", "{include: [clinical], where: {language: es, "
                    "location: {not: Austin}}}")
         + assignment("hipaa", "{items: [{object: intro}], audience: spanish-clinical}"))


def test_members_sample_and_breakdown_follow_the_rule_and_its_includes(tmp_path: Path) -> None:
    report = audience_report("spanish-clinical", state_of(tmp_path, SPECS), PEOPLE, sample=2)
    assert [u.employee_id for u in report.members] == ["E1", "E3", "E4"]
    assert [u.employee_id for u in report.sample] == ["E1", "E3"]
    assert report.assignments == ("hipaa",)
    assert report.breakdowns == (
        Breakdown("language", (ValueCount("es", 3),)),
        Breakdown("location", (ValueCount("Boston", 1), ValueCount("Miami", 1),
                               ValueCount(None, 1))),
        # The groups come from the included audience; a member may be in several.
        Breakdown("groups", (ValueCount("nursing", 2), ValueCount("physicians", 1))),
    )
    assert report.unknown_attributes == ()


def test_a_where_attribute_no_user_has_is_flagged_with_a_hint(tmp_path: Path) -> None:
    state = state_of(tmp_path, audience("typo", "{where: {jobrole: Nurse}}"))
    report = audience_report("typo", state, PEOPLE)
    assert report.count == 0
    assert report.unknown_attributes == (
        "no user has the attribute 'jobrole' (did you mean 'job_role'?)",)


def test_an_unknown_audience_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="did you mean 'clinical'"):
        audience_report("clinicl", state_of(tmp_path, SPECS), PEOPLE)
