"""What ``learnops explain`` and audience errors say, word for word: the cases mutation
testing found unchecked (an audience with no users, groups or include, several
reasons at once, an error in a ``where`` naming its audience, cycles)."""

from __future__ import annotations

from typing import Any

import pytest

from reconciler.rules.audience import (
    AudienceCycleError,
    AudienceError,
    Directory,
    explain_membership,
    resolve_audience,
)
from reconciler.rules.directory import User


def nurse(uid: str = "E1", groups: frozenset[str] = frozenset({"nursing"}),
          active: bool = True, **attributes: str) -> User:
    return User(uid, {"job_role": "Nurse", "language": "es", **attributes}, groups, active)


def details(name: str, audiences: dict[str, Any], user: User) -> list[tuple[str, bool, str]]:
    return [(r.rule, r.holds, r.detail) for r in explain_membership(name, audiences, user)]


def test_an_audience_with_no_users_groups_or_include_is_every_active_user() -> None:
    assert details("all", {"all": {"where": {"language": "es"}}}, nurse()) == [
        ("active", True, "E1 is active"),
        ("base", True, "no users, groups or include: every active user"),
        ("where language", True, "language is 'es', equal to es"),
    ]


def test_several_reasons_to_be_in_the_base_are_all_named() -> None:
    audiences = {"nurses": {"groups": ["nursing"]},
                 "it": {"users": ["E1"], "groups": ["nursing", "icu"], "include": ["nurses"]}}
    [_, base] = details("it", audiences, nurse())
    assert base == ("base", True, "listed in users; in group nursing; "
                                  "member of included audience nurses")


def test_each_way_of_missing_the_base_is_named() -> None:
    audiences = {"physicians": {"groups": ["medicine"]},
                 "it": {"users": ["E9"], "groups": ["icu", "er"], "include": ["physicians"]}}
    [_, base] = details("it", audiences, nurse())
    assert base == ("base", False, "not listed in users, in none of the groups icu, er, "
                                   "a member of none of the included audiences physicians")
    [_, groups_only] = details("g", {"g": {"groups": ["icu"]}}, nurse())
    assert groups_only == ("base", False, "in none of the groups icu")
    [_, users_only] = details("u", {"u": {"users": ["E9"]}}, nurse())
    assert users_only == ("base", False, "not listed in users")


def test_an_excluded_audience_the_user_is_not_in_holds() -> None:
    audiences = {"it": {"exclude": ["contractors"]}, "contractors": {"groups": ["contract"]}}
    assert details("it", audiences, nurse())[-1] == (
        "exclude contractors", True, "not a member of excluded audience contractors")


def test_an_inactive_user_is_told_why() -> None:
    [active, *_] = details("all", {"all": {}}, nurse(active=False))
    assert active == ("active", False,
                      "E1 is inactive: inactive users belong to no audience")


@pytest.mark.parametrize("where", [{"hire_date": {"after": "soon"}}, {"job_role": None}])
def test_a_malformed_where_is_an_error_naming_its_audience(where: dict[str, Any]) -> None:
    audiences = {"it": {"where": where}}
    with pytest.raises(AudienceError) as explained:
        explain_membership("it", audiences, nurse())
    assert explained.value.where == "Audience/it"
    with pytest.raises(AudienceError) as resolved:
        resolve_audience("it", audiences, Directory([nurse()]))
    assert resolved.value.where == "Audience/it"


def test_a_cycle_is_reported_at_its_first_audience() -> None:
    audiences = {"a": {"include": ["b"]}, "b": {"exclude": ["a"]}}
    with pytest.raises(AudienceCycleError) as raised:
        resolve_audience("a", audiences, Directory([nurse()]))
    assert raised.value.where == "Audience/a"
    assert raised.value.cycle == ("a", "b", "a")
    assert raised.value.message == "audiences include or exclude each other in a cycle: a -> b -> a"


def test_the_directory_answers_for_attributes_and_values_nobody_has() -> None:
    directory = Directory([nurse()])
    assert directory.values("shift") == []
    assert directory.with_value("job_role", "Pilot") == frozenset()
    assert directory.with_value("shift", "night") == frozenset()
    assert directory.with_attribute("shift") == frozenset()
    assert directory.in_group("pilots") == frozenset()
    assert directory.dated("hire_date", None, None) == []


def test_an_undefined_audience_is_named_with_who_refers_to_it() -> None:
    with pytest.raises(AudienceError) as alone:
        resolve_audience("nobody", {}, Directory([nurse()]))
    assert (alone.value.message, alone.value.where) == (
        "audience 'nobody' is not defined", "Audience/nobody")
    with pytest.raises(AudienceError) as explained:
        explain_membership("it", {"it": {"include": ["ghost"]}}, nurse())
    assert (explained.value.message, explained.value.where) == (
        "audience 'ghost' is not defined (referenced by Audience/it)", "Audience/ghost")
