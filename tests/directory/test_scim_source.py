"""The SCIM kind of directory, read from a real SCIM 2.0 server on 127.0.0.1."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest

from reconciler.directory.scim import ENTERPRISE, ScimDirectory
from reconciler.errors import ConfigError, PermanentError, ReconcilerError, TemporaryError
from reconciler.rules.directory import User
from tests.directory.scim_server import TOKEN, Scim
from tests.services import free_port


@pytest.fixture(autouse=True)
def token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SCIM_TOKEN", TOKEN)


def read(url: str, **options: Any) -> dict[str, User]:
    source = ScimDirectory.configured({"url": url, "token_env": "SCIM_TOKEN", **options})
    return {user.employee_id: user for user in source.read().users}


def test_users_are_read_over_more_than_one_page(
    scim: Scim, monkeypatch: pytest.MonkeyPatch
) -> None:
    import requests

    for n in range(23):
        scim.user(f"user{n}", external_id=f"E{n:03}", title="Nurse")
    asked: list[object] = []
    get = requests.Session.get

    def counting(self: requests.Session, url: str, **kwargs: Any) -> requests.Response:
        asked.append(kwargs.get("params"))
        return get(self, url, **kwargs)

    monkeypatch.setattr(requests.Session, "get", counting)
    people = read(scim.url, page_size=10)
    assert sorted(people) == [f"E{n:03}" for n in range(23)]
    starts = [p["startIndex"] for p in asked if isinstance(p, dict) and "filter" not in p]
    assert starts[:3] == [1, 11, 21]  # three pages of Users (then the Groups)
    assert people["E007"].attributes == {"job_role": "Nurse"}


def test_core_and_enterprise_attributes_map_to_directory_attributes(scim: Scim) -> None:
    boss = scim.user("boss", external_id="E1", title="Manager")
    scim.user("ana", external_id="E2", title="Nurse", preferredLanguage="es",
              name={"givenName": "Ana", "familyName": "Diaz"},
              emails=[{"type": "home", "value": "ana@home.example"},
                      {"type": "work", "value": "ana@acme.example"}],
              addresses=[{"type": "home", "locality": "Doral"},
                         {"type": "work", "locality": "Miami"}],
              enterprise={"department": "ICU", "employeeNumber": "4711",
                          "manager": {"value": boss}})
    ana = read(scim.url)["E2"]
    assert ana.attributes == {
        "first_name": "Ana", "last_name": "Diaz", "email": "ana@acme.example",
        "job_role": "Nurse", "language": "es", "location": "Miami", "department": "ICU",
        "employee_number": "4711", "manager": "E1",  # the manager's employee id
    }


def test_configured_attributes_merge_over_the_defaults(scim: Scim) -> None:
    scim.user("ana", external_id="E2", title="Nurse", userType="Employee",
              addresses=[{"type": "work", "locality": "Miami", "country": "US"}],
              enterprise={"department": "ICU", "costCenter": "CC-9"})
    attributes: Mapping[str, str | None] = {
        "job_role": None,  # dropped
        "kind": "userType",
        "country": 'addresses[type eq "work"].country',
        "cost_center": f"{ENTERPRISE}:costCenter",
    }
    ana = read(scim.url, attributes=attributes)["E2"]
    assert ana.attributes == {"kind": "Employee", "country": "US", "cost_center": "CC-9",
                              "location": "Miami", "department": "ICU"}


def test_group_members_get_the_group_and_nested_groups_count(scim: Scim) -> None:
    for name in ("ana", "bo", "cy"):
        scim.user(name, external_id=name.upper())
    nursing = scim.group("nursing", ["ANA", "BO"])
    scim.group("clinical", [nursing, "CY"])
    people = read(scim.url)
    assert people["ANA"].groups == {"nursing", "clinical"}
    assert people["CY"].groups == {"clinical"}


def test_inactive_users_are_read_inactive(scim: Scim) -> None:
    scim.user("gone", external_id="E9", active=False)
    scim.user("here", external_id="E1")
    people = read(scim.url)
    assert people["E9"].active is False and people["E1"].active is True


def test_a_filter_narrows_the_users(scim: Scim) -> None:
    scim.user("ana", external_id="E1", title="Nurse")
    scim.user("bo", external_id="E2", title="Physician")
    assert sorted(read(scim.url, filter='title eq "Nurse"')) == ["E1"]


def test_the_employee_id_can_come_from_user_name(scim: Scim) -> None:
    scim.user("E77", title="Nurse")
    assert sorted(read(scim.url, id_attribute="userName")) == ["E77"]


def test_a_user_without_an_employee_id_is_a_located_error(scim: Scim) -> None:
    scim.user("nobody")
    with pytest.raises(PermanentError) as problem:
        read(scim.url)
    assert "SCIM user 'nobody'" in str(problem.value)
    assert "has no externalId" in str(problem.value)
    assert "/Users/" in (problem.value.where or "")


def test_a_wrong_token_names_the_variable_never_the_token(
    scim: Scim, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SCIM_TOKEN", "not-the-token-5d1")
    with pytest.raises(PermanentError) as problem:
        read(scim.url)
    message = str(problem.value)
    assert "refused the token in $SCIM_TOKEN (401)" in message
    assert "not-the-token-5d1" not in message and TOKEN not in message


def test_an_unset_token_variable_is_a_config_error(
    scim: Scim, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SCIM_TOKEN")
    with pytest.raises(ConfigError, match=r"environment variable SCIM_TOKEN .* is not set"):
        read(scim.url)


def test_an_unreachable_directory_says_so() -> None:
    url = f"http://127.0.0.1:{free_port()}/v2"
    with pytest.raises(TemporaryError) as problem:
        read(url, timeout=2)
    assert f"SCIM directory {url} is unreachable" in str(problem.value)


@pytest.mark.parametrize(("path", "why"), [
    ("titel", "does not exist"),
    (f"{ENTERPRISE}:dept", "does not exist"),
    ('addresses[typo eq "work"].locality', "is not valid"),
    ('addresses[type eq "work"', "is not valid"),
])
def test_an_attribute_path_that_does_not_exist_is_refused_up_front(path: str, why: str) -> None:
    with pytest.raises(ConfigError) as problem:
        ScimDirectory.configured({"url": "http://x/v2", "token_env": "T",
                                  "attributes": {"job_role": path}})
    assert f"directory.attributes.job_role: SCIM attribute path {path!r} {why}" in str(
        problem.value)
    assert isinstance(problem.value, ReconcilerError) and problem.value.where == "learnops.yaml"


def test_the_direct_walk_reads_what_scim2_models_reads() -> None:
    from scim2_models import Path

    from reconciler.directory.scim import Accessor, ScimUser

    users = [
        ScimUser.model_validate({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", ENTERPRISE],
            "userName": "ana", "title": "Nurse", "name": {"givenName": "Ana"},
            "emails": [{"type": "Work", "value": "a@w.example"},
                       {"type": "home", "value": "a@h.example"},
                       {"type": "work", "value": "a@w2.example"}],
            "addresses": [{"type": "home", "locality": "Doral"}],
            ENTERPRISE: {"department": "ICU", "manager": {"value": "m1"}},
        }),
        ScimUser(user_name="bare"),
    ]
    paths = ["title", "name.givenName", "name.familyName", 'emails[type eq "work"].value',
             'addresses[type eq "work"].locality', 'addresses[type eq "home"].locality',
             f"{ENTERPRISE}:department", f"{ENTERPRISE}:manager.value",
             f"{ENTERPRISE}:employeeNumber", 'emails[primary eq true].value', "active"]
    for text in paths:
        path = Path[ScimUser](text)
        accessor = Accessor.of(path)
        assert accessor.walk is not None, text
        for user in users:
            assert accessor.get(user) == path.get(user), (text, user.user_name)
