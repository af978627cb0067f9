"""Audience rules, case by case; the indexed engine and the naive evaluator against an
independent reference (tests/rules/audience_reference.py) that shares no code with them."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import pytest
from hypothesis import given, settings, target
from hypothesis import strategies as st

from reconciler.rules.audience import (
    AudienceCycleError,
    AudienceError,
    Directory,
    explain_membership,
    naive_members,
    resolve_all,
    resolve_audience,
)
from reconciler.rules.directory import User

from .audience_reference import reference_members


def person(uid: str, groups: str = "", active: bool = True, **attributes: str) -> User:
    return User(uid, attributes, frozenset(g for g in groups.split(";") if g), active)


def make_staff() -> list[User]:
    """Six people: Spanish and English nurses, a physician, a contractor, an inactive
    nurse and a manager whose hire date is not a date."""
    return [
        person("E1", "nursing", job_role="Nurse", language="es", location="Miami",
               hire_date="2026-02-01", department="Nursing"),
        person("E2", "nursing", job_role="Nurse", language="en", location="Austin",
               hire_date="2019-05-20", department="Nursing"),
        person("E3", "physicians", job_role="Physician", language="es", hire_date="2023-07-01",
               department="Medicine"),
        person("E4", "contractors", job_role="Technician", language="es", location="Miami",
               hire_date="2026-01-01", department="Contractors"),
        person("E5", "nursing", active=False, job_role="Nurse", language="es", location="Miami"),
        person("E6", "it;managers", job_role="Manager", location="Boston", hire_date="not a date"),
    ]


Members = Callable[..., list[str]]


@pytest.fixture
def staff() -> list[User]:
    return make_staff()


@pytest.fixture
def directory(staff: list[User]) -> Directory:
    return Directory(staff)


@pytest.fixture
def members(staff: list[User], directory: Directory) -> Members:
    def members(spec: Mapping[str, Any], **others: Mapping[str, Any]) -> list[str]:
        """Members of audience ``it`` (sorted); the indexed engine, the naive evaluator
        and the independent reference must agree."""
        audiences = {"it": spec, **others}
        indexed = resolve_audience("it", audiences, directory)
        assert indexed == naive_members("it", audiences, staff)
        assert indexed == reference_members("it", audiences, staff)
        return sorted(indexed)

    return members


def test_a_rule_with_only_where_starts_from_every_active_user(members: Members) -> None:
    assert members({"where": {"language": "es"}}) == ["E1", "E3", "E4"]


def test_an_empty_audience_is_every_active_user(members: Members) -> None:
    assert members({}) == ["E1", "E2", "E3", "E4", "E6"]
    assert members({"users": [], "groups": [], "include": [], "where": {}, "exclude": []}) == [
        "E1", "E2", "E3", "E4", "E6"]


def test_listed_users_and_groups_are_united_and_inactive_users_never_count(
    members: Members,
) -> None:
    assert members({"users": ["E3", "E5", "E404"], "groups": ["nursing"]}) == ["E1", "E2", "E3"]


def test_an_unknown_group_adds_nobody(members: Members) -> None:
    assert members({"groups": ["no-such-group"]}) == []


def test_list_condition_is_any_of(members: Members) -> None:
    assert members({"where": {"job_role": ["Physician", "Manager"]}}) == ["E3", "E6"]


def test_scalar_condition_is_equals_compared_as_strings(members: Members) -> None:
    assert members({"where": {"location": "Miami"}}) == ["E1", "E4"]
    assert members({"where": {"location": "miami"}}) == []


def test_numbers_and_booleans_compare_as_their_text() -> None:
    directory = [person("E1", badge="7", remote="true"), person("E2", badge="8")]
    audiences = {"it": {"where": {"badge": 7, "remote": True}}}
    assert resolve_audience("it", audiences, Directory(directory)) == {"E1"}


def test_not_keeps_users_without_the_attribute(members: Members) -> None:
    assert members({"where": {"location": {"not": "Miami"}}}) == ["E2", "E3", "E6"]
    assert members({"where": {"department": {"not": ["Contractors", "Medicine"]}}}) == [
        "E1", "E2", "E6"]


def test_exists_true_and_false(members: Members) -> None:
    assert members({"where": {"location": {"exists": True}}}) == ["E1", "E2", "E4", "E6"]
    assert members({"where": {"location": {"exists": False}}}) == ["E3"]


def test_a_missing_attribute_fails_equals_lists_and_dates(members: Members) -> None:
    assert members({"where": {"language": ["en", "es"]}}) == ["E1", "E2", "E3", "E4"]
    assert members({"where": {"shift": "night"}}) == []


def test_after_and_before_are_strict_date_comparisons(members: Members) -> None:
    assert members({"where": {"hire_date": {"after": "2026-01-01"}}}) == ["E1"]
    assert members({"where": {"hire_date": {"before": "2023-07-01"}}}) == ["E2"]
    assert members({"where": {"hire_date": {"after": "2019-05-20", "before": "2026-02-01"}}}) == [
        "E3", "E4"]


def test_a_value_that_is_not_a_date_matches_no_date_condition(members: Members) -> None:
    assert "E6" not in members({"where": {"hire_date": {"before": "2099-01-01"}}})


def test_all_where_conditions_must_hold(members: Members) -> None:
    spec = {"groups": ["nursing", "physicians"],
            "where": {"language": "es", "job_role": ["Nurse", "Physician"],
                      "location": {"exists": True}}}
    assert members(spec) == ["E1"]


def test_include_chains_bring_in_the_included_audiences_members(members: Members) -> None:
    others: dict[str, Any] = {"nurses": {"groups": ["nursing"]},
              "clinical": {"include": ["nurses"], "users": ["E3"]}}
    assert members({"include": ["clinical"], "where": {"language": "es"}}, **others) == [
        "E1", "E3"]


def test_an_included_audience_keeps_its_own_where_and_exclude(members: Members) -> None:
    others: dict[str, Any] = {"spanish": {"where": {"language": "es"}, "exclude": ["contract"]},
              "contract": {"groups": ["contractors"]}}
    assert members({"include": ["spanish"]}, **others) == ["E1", "E3"]


def test_exclude_chains_remove_the_excluded_audiences_members(members: Members) -> None:
    others: dict[str, Any] = {
        "contract": {"groups": ["contractors"]},
        "outsiders": {"include": ["contract"], "users": ["E2"]},
    }
    assert members({"exclude": ["outsiders"]}, **others) == ["E1", "E3", "E6"]


def test_excluding_an_audience_that_itself_excludes(members: Members) -> None:
    # everyone minus (nurses minus Spanish speakers) = everyone but the English nurse
    others: dict[str, Any] = {"english-nurses": {"groups": ["nursing"], "exclude": ["spanish"]},
              "spanish": {"where": {"language": "es"}}}
    assert members({"exclude": ["english-nurses"]}, **others) == ["E1", "E3", "E4", "E6"]


@pytest.mark.parametrize(
    "audiences",
    [
        {"it": {"include": ["it"]}},
        {"it": {"include": ["b"]}, "b": {"include": ["c"]}, "c": {"include": ["it"]}},
        {"it": {"exclude": ["b"]}, "b": {"include": ["it"]}},
    ],
)
def test_include_and_exclude_cycles_are_named(
    audiences: Mapping[str, Any], directory: Directory, staff: list[User]
) -> None:
    with pytest.raises(AudienceCycleError) as raised:
        resolve_all(audiences, directory)
    cycle = raised.value.cycle
    assert cycle[0] == cycle[-1] and "it" in cycle
    assert " -> ".join(cycle) in str(raised.value)
    with pytest.raises(AudienceCycleError):
        naive_members("it", audiences, staff)


def test_a_reference_to_an_undefined_audience_is_an_error(directory: Directory) -> None:
    with pytest.raises(AudienceError, match=r"'ghost' is not defined.*Audience/it"):
        resolve_audience("it", {"it": {"include": ["ghost"]}}, directory)
    with pytest.raises(AudienceError, match="'nobody' is not defined"):
        resolve_audience("nobody", {}, directory)


@pytest.mark.parametrize(
    "condition",
    [{"between": "a"}, {}, {"exists": "yes"}, {"after": "last year"}, {"after": None},
     [["nested"]], None],
)
def test_a_malformed_condition_is_an_error(condition: Any, directory: Directory) -> None:
    with pytest.raises(AudienceError, match=r"where\.hire_date"):
        resolve_audience("it", {"it": {"where": {"hire_date": condition}}}, directory)


def test_a_long_include_chain_resolves_without_recursion_limits(directory: Directory) -> None:
    audiences: dict[str, Any] = {"a0": {"groups": ["nursing"]}}
    for i in range(1, 3000):
        audiences[f"a{i}"] = {"include": [f"a{i - 1}"]}
    assert resolve_all(audiences, directory)["a2999"] == {"E1", "E2"}


def test_resolve_all_memoises_a_shared_include(directory: Directory) -> None:
    audiences: dict[str, Any] = {"base": {"groups": ["nursing"]}, "x": {"include": ["base"]},
                 "y": {"include": ["base"], "where": {"language": "en"}}}
    resolved = resolve_all(audiences, directory)
    assert resolved == {"base": {"E1", "E2"}, "x": {"E1", "E2"}, "y": {"E2"}}
    assert resolved["x"] is resolved["base"]


def test_directory_sorted_access(directory: Directory, staff: list[User]) -> None:
    assert [u.employee_id for u in directory.users] == ["E1", "E2", "E3", "E4", "E5", "E6"]
    assert directory.get("E5") is staff[4] and directory.get("E9") is None
    assert "job_role" in directory.attributes()
    assert directory.values("location") == ["Austin", "Boston", "Miami"]
    assert directory.groups() == ["contractors", "it", "managers", "nursing", "physicians"]
    assert directory.in_group("nursing") == {"E1", "E2"}  # E5 is inactive


def test_explain_names_the_rule_that_matched_and_the_one_that_failed(staff: list[User]) -> None:
    audiences: dict[str, Any] = {"it": {"groups": ["nursing"], "where": {"language": "es"},
                        "exclude": ["contract"]},
                 "contract": {"groups": ["contractors"]}}
    nurse_es = explain_membership("it", audiences, staff[0])
    assert [(r.rule, r.holds) for r in nurse_es] == [
        ("active", True), ("base", True), ("where language", True), ("exclude contract", True)]
    assert nurse_es[1].detail == "in group nursing"
    nurse_en = explain_membership("it", audiences, staff[1])
    assert nurse_en[2].holds is False
    assert nurse_en[2].detail == "language is 'en', not equal to es"
    contractor = explain_membership("it", audiences, staff[3])
    assert contractor[1].detail == "in none of the groups nursing"
    assert contractor[3].detail == "member of excluded audience contract"
    inactive = explain_membership("it", audiences, staff[4])
    assert inactive[0].holds is False and "inactive" in inactive[0].detail


# --- Property: both evaluators equal the independent reference. ------------------------

ROLES = ["Nurse", "Physician", "Engineer"]
DATES = ["2019-01-01", "2023-06-30", "2026-01-01", "2026-03-15", "not-a-date"]
ATTRIBUTE_VALUES = {"job_role": ROLES, "language": ["en", "es"], "hire_date": DATES,
                    "badge": ["1", "2", "true"]}
GROUPS = ["nursing", "physicians", "contractors"]


@st.composite
def directories(draw: st.DrawFn) -> list[User]:
    count = draw(st.integers(0, 25))
    users = []
    for i in range(count):
        attributes = {
            name: draw(st.sampled_from(values))
            for name, values in ATTRIBUTE_VALUES.items()
            if draw(st.booleans())
        }
        groups = frozenset(draw(st.lists(st.sampled_from(GROUPS), max_size=2)))
        users.append(User(f"E{i}", attributes, groups, draw(st.booleans())))
    return users


def date_ranges() -> st.SearchStrategy[Any]:
    day = st.sampled_from(DATES[:-1])  # bounds equal to users' dates test strictness
    # after, before or both; drawn directly (a filter of empty ranges wasted a draw in
    # ten and aborted one example in twenty)
    return (st.fixed_dictionaries({"after": day}, optional={"before": day})
            | st.fixed_dictionaries({"before": day}))


def conditions(attribute: str) -> st.SearchStrategy[Any]:
    values = ATTRIBUTE_VALUES.get(attribute, ["x"])
    scalar = st.sampled_from(values) | st.sampled_from([1, True])
    return st.one_of(
        scalar,
        st.lists(scalar, max_size=3),
        st.fixed_dictionaries({"not": scalar | st.lists(scalar, max_size=2)}),
        st.fixed_dictionaries({"exists": st.booleans()}),
        date_ranges(),
        st.fixed_dictionaries({"not": scalar, "exists": st.booleans()}),
    )


@st.composite
def audience_graphs(draw: st.DrawFn) -> dict[str, dict[str, Any]]:
    """Acyclic graphs: an audience includes or excludes only audiences defined before it."""
    audiences: dict[str, dict[str, Any]] = {}
    for i in range(draw(st.integers(1, 8))):
        earlier = list(audiences)
        # Each line is empty half the time, so "everyone" bases are common too.

        def pick(xs: list[str]) -> st.SearchStrategy[list[str]]:
            if not xs:
                return st.just([])
            return st.just([]) | st.lists(st.sampled_from(xs), min_size=1, max_size=2,
                                          unique=True)

        where = draw(st.dictionaries(
            st.sampled_from([*ATTRIBUTE_VALUES, "shift"]), st.just(None), max_size=2))
        audiences[f"a{i}"] = {
            "users": draw(pick([f"E{n}" for n in range(12)] + ["E404"])),
            "groups": draw(pick([*GROUPS, "ghosts"])),
            "include": draw(pick(earlier)),
            "where": {name: draw(conditions(name)) for name in where},
            "exclude": draw(pick(earlier)),
        }
    return audiences


# 150 examples (was 300: 23 s, past the timeout on a loaded machine); CI derandomizes.
@settings(max_examples=150, deadline=None)
@given(directories(), audience_graphs())
def test_indexed_resolution_equals_the_naive_evaluator_and_explain_agrees(
    users: list[User], audiences: dict[str, dict[str, Any]]
) -> None:
    directory = Directory(users)
    resolved = resolve_all(audiences, directory)
    target(float(sum(map(len, resolved.values()))))  # steer away from all-empty answers
    for name in audiences:
        expected = reference_members(name, audiences, users)
        assert resolved[name] == expected, name
        assert resolve_audience(name, audiences, directory) == expected
        assert naive_members(name, audiences, users) == expected
    # explain agrees with membership, on the same examples (drawing them is most of
    # the cost: a test of its own drew 100 more)
    last = list(audiences)[-1]
    for user in users:
        reasons = explain_membership(last, audiences, user)
        assert all(r.holds for r in reasons) == (user.employee_id in resolved[last]), user


# 150 examples (was 300: 35 s under load, drawing directories); every example of the
# test above also meets conditions, up to two per audience.
@settings(max_examples=150, deadline=None)
@given(directories(), st.one_of(
    st.sampled_from([*ATTRIBUTE_VALUES, "shift"]).flatmap(
        lambda name: st.tuples(st.just(name), conditions(name))),
    st.tuples(st.just("hire_date"), date_ranges()),
))
def test_each_condition_alone_equals_the_naive_evaluator(
    users: list[User], condition: tuple[str, Any]
) -> None:
    # One condition on an "everyone" base: every operator meets every kind of cell.
    audiences = {"it": {"where": dict([condition])}}
    expected = reference_members("it", audiences, users)
    target(float(len(expected)))
    assert resolve_audience("it", audiences, Directory(users)) == expected
    assert naive_members("it", audiences, users) == expected
