"""The rest of the sandbox API over HTTP: tokens and scopes, the body limit, the rate
limit, the directory import, learners, reports and the apply lock."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from reconciler_sandbox.api import ApiOptions
from reconciler_sandbox.engine import Platform
from reconciler_sandbox.server import running_server

pytestmark = pytest.mark.slow

HEADER = ("employee_id,first_name,last_name,email,job_role,department,location,language,"
          "hire_date,groups,status\n")
USERS = (
    HEADER
    + "E1001,Ana,Diaz,ana@example.com,Nurse,Nursing,Miami,es,2021-03-04,nursing;new-hires,\n"
    + "E1002,Ben,Ng,ben@example.com,Physician,Medicine,Boston,en,2019-06-01,physicians,active\n"
    + "E1003,Cy,Moe,cy@example.com,Nurse,Nursing,,en,2020-01-15,nursing,inactive\n"
)


class Api:
    def __init__(self, url: str, token: str | None) -> None:
        self.url = url
        self.session = requests.Session()
        if token is not None:
            self.session.headers["Authorization"] = f"Bearer {token}"

    def __call__(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        return self.session.request(method, self.url + path, timeout=10, **kwargs)


Served = tuple[str, dict[str, str]]


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    db = tmp_path_factory.mktemp("platform") / "sandbox.db"
    platform = Platform(db)
    tokens = {scope: platform.create_token(f"{scope}-token", [scope])
              for scope in ("read", "write", "admin")}
    platform.close()
    with running_server(db, ApiOptions(max_body_bytes=64 * 1024)) as url:
        yield url, tokens


def as_(served: Served, scope: str | None) -> Api:
    url, tokens = served
    return Api(url, tokens[scope] if scope else None)


def error_of(response: requests.Response) -> dict[str, Any]:
    error: dict[str, Any] = response.json()["error"]
    assert set(error) >= {"code", "message"}
    return error


def test_no_token_or_an_unknown_one_is_401(served: Served) -> None:
    anonymous = as_(served, None)("GET", "/state")
    assert anonymous.status_code == 401
    assert anonymous.headers["WWW-Authenticate"].startswith("Bearer")
    assert error_of(anonymous)["code"] == "unauthorized"
    forged = Api(served[0], "lo_forged")("GET", "/state")
    assert forged.status_code == 401


@pytest.mark.parametrize(
    ("scope", "method", "path", "allowed"),
    [
        ("read", "GET", "/users", True),
        ("read", "POST", "/locks/apply", False),
        ("write", "POST", "/users:import", False),
        ("admin", "GET", "/audit", True),
    ],
)
def test_scopes_imply_lower_ones_and_fall_short_with_403(
    served: Served, scope: str, method: str, path: str, allowed: bool
) -> None:
    response = as_(served, scope)(method, path, data=b"", headers={"Content-Type": "text/csv"})
    if allowed:
        assert response.status_code == 200
    else:
        assert response.status_code == 403
        assert error_of(response)["code"] == "forbidden"


def test_a_body_over_the_limit_is_413_whether_declared_or_streamed(served: Served) -> None:
    api = as_(served, "admin")
    big = HEADER + "E9,x,y,e@x.io,Nurse,Nursing,Miami,en,2020-01-01,,\n" * 2000
    declared = api("POST", "/users:import", data=big.encode(), headers={"Content-Type": "text/csv"})
    assert declared.status_code == 413
    assert error_of(declared)["code"] == "payload_too_large"

    def chunks() -> Iterator[bytes]:
        for _ in range(100):
            yield b"x" * 1024

    streamed = api("POST", "/users:import", data=chunks(), headers={"Content-Type": "text/csv"})
    assert streamed.status_code == 413
    assert as_(served, "read")("GET", "/users").json()["items"] == []


def test_users_import_names_the_bad_line_and_imports_nothing(served: Served) -> None:
    api = as_(served, "admin")
    broken = USERS + "E1004,Dee,Ray,dee@example.com,Nurse,Nursing,Miami,en,not-a-date,,\n"
    refused = api("POST", "/users:import", data=broken.encode(),
                  headers={"Content-Type": "text/csv"})
    assert refused.status_code == 422
    assert error_of(refused)["message"].startswith("request body:5: hire_date")
    assert api("GET", "/users").json()["items"] == []

    imported = api("POST", "/users:import", data=USERS.encode(),
                   headers={"Content-Type": "text/csv"})
    assert imported.status_code == 200
    assert imported.json()["added"] == 3


def test_users_and_groups_are_listed_in_pages(served: Served) -> None:
    api = as_(served, "admin")
    api("POST", "/users:import", data=USERS.encode(), headers={"Content-Type": "text/csv"})
    reader = as_(served, "read")
    first = reader("GET", "/users", params={"limit": 2}).json()
    rest = reader("GET", "/users", params={"page_token": first["next_page_token"]}).json()
    ids = [u["employee_id"] for u in first["items"] + rest["items"]]
    assert ids == ["E1001", "E1002", "E1003"]
    assert rest["next_page_token"] is None
    assert first["items"][0]["attributes"]["job_role"] == "Nurse"
    groups = {g["name"]: g["members"] for g in reader("GET", "/groups").json()["items"]}
    assert groups["physicians"] == 1


def test_a_completion_shows_in_the_learner_view_and_the_report(served: Served) -> None:
    api = as_(served, "admin")
    api("POST", "/users:import", data=USERS.encode(), headers={"Content-Type": "text/csv"})
    everyone: dict[str, Any] = {
        "users": [], "groups": [], "include": [], "where": {}, "exclude": []
    }
    video = {"title": "Handwashing", "type": "video", "languages": [],
             "completion": {"type": "view"}, "prerequisites": [], "existing": False}
    create = {"If-None-Match": "*"}
    assert api("PUT", "/learning-objects/handwashing", json={"spec": video},
               headers=create).status_code == 201
    assert api("PUT", "/audiences/all-staff", json={"spec": everyone},
               headers=create).status_code == 201
    assignment = {"items": [{"object": "handwashing"}], "audience": "all-staff",
                  "start": "immediately", "notify": {"on_assign": True, "reminders": []},
                  "active": True, "on_remove": "inactivate"}
    assert api("PUT", "/assignments/wash", json={"spec": assignment},
               headers=create).status_code == 201

    done = api("POST", "/learners/E1001/completions",
               json={"object": "handwashing", "completed_on": "2030-01-02"})
    assert done.status_code == 201
    view = api("GET", "/learners/E1001/view", params={"as_of": "2030-01-03"})
    assert view.status_code == 200
    assert "handwashing" in view.text

    report = api("GET", "/reports/enrollments.csv", params={"as_of": "2030-01-03"})
    assert report.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(report.text)))
    assert any("E1001" in row.values() for row in rows)

    bad = api("POST", "/learners/E1001/completions", json={"object": "handwashing",
                                                           "completed_on": "soon"})
    assert bad.status_code == 422
    assert error_of(bad)["pointer"] == "/completed_on"
    assert api("GET", "/learners/E1001/view", params={"as_of": "someday"}).status_code == 400


def test_the_apply_lock_is_exclusive_and_names_its_holder(served: Served) -> None:
    api = as_(served, "write")
    taken = api("POST", "/locks/apply", json={"holder": "apply@ci-1", "ttl_seconds": 30})
    assert taken.status_code == 201
    lock = taken.json()
    held = api("POST", "/locks/apply", json={"holder": "apply@laptop", "ttl_seconds": 30})
    assert held.status_code == 409
    assert error_of(held)["holder"] == "apply@ci-1"
    assert "apply@ci-1" in error_of(held)["message"]

    renewed = api("POST", "/locks/apply:renew", json={"lock_id": lock["lock_id"],
                                                      "ttl_seconds": 60})
    assert renewed.status_code == 200
    assert renewed.json()["expires_at"] >= lock["expires_at"]
    assert api("DELETE", "/locks/apply", params={"lock_id": lock["lock_id"],
                                                 "force": "true"}).status_code == 403
    assert api("DELETE", "/locks/apply", params={"lock_id": lock["lock_id"]}).status_code == 204
    again = api("POST", "/locks/apply", json={"holder": "apply@laptop", "ttl_seconds": 30})
    assert again.status_code == 201
    admin = as_(served, "admin")
    assert admin("DELETE", "/locks/apply", params={"lock_id": again.json()["lock_id"],
                                                   "force": "true"}).status_code == 204


def test_a_rate_limited_server_answers_429_with_retry_after(tmp_path: Any) -> None:
    platform = Platform(tmp_path / "limited.db")
    token = platform.create_token("busy", ["read"])
    with running_server(platform, ApiOptions(rate_limit=2)) as url:
        api = Api(url, token)
        statuses = [api("GET", "/state") for _ in range(5)]
    platform.close()
    limited = [r for r in statuses if r.status_code == 429]
    assert limited, [r.status_code for r in statuses]
    assert int(limited[0].headers["Retry-After"]) >= 1
    assert error_of(limited[0])["code"] == "rate_limited"
    assert statuses[0].status_code == 200


def test_notifications_are_listed_filtered_and_paged(served: Served) -> None:
    api = as_(served, "admin")
    api("POST", "/users:import", data=USERS.encode(), headers={"Content-Type": "text/csv"})
    everyone: dict[str, Any] = {
        "users": [], "groups": [], "include": [], "where": {}, "exclude": []
    }
    video = {"title": "Fire safety", "type": "video", "languages": [],
             "completion": {"type": "view"}, "prerequisites": [], "existing": False}
    create = {"If-None-Match": "*"}
    api("PUT", "/learning-objects/fire", json={"spec": video}, headers=create)
    api("PUT", "/audiences/everyone", json={"spec": everyone}, headers=create)
    assignment = {"items": [{"object": "fire"}], "audience": "everyone",
                  "start": "immediately", "notify": {"on_assign": True, "reminders": []},
                  "active": True, "on_remove": "inactivate"}
    assert api("PUT", "/assignments/fire", json={"spec": assignment},
               headers=create).status_code == 201

    reader = as_(served, "read")
    mine = reader("GET", "/notifications", params={"employee_id": "E1002", "kind": "assigned"})
    assert mine.status_code == 200
    [notice] = [n for n in mine.json()["items"] if n["item"] == {"object": "fire"}]
    assert (notice["recipient"], notice["role"], notice["kind"]) == ("E1002", "learner",
                                                                      "assigned")
    assert notice["message"].startswith("You have been enrolled in Fire safety, starting ")
    every = reader("GET", "/notifications").json()["items"]
    first = reader("GET", "/notifications", params={"limit": 1}).json()
    rest = reader("GET", "/notifications", params={"page_token": first["next_page_token"]})
    assert [n["id"] for n in first["items"] + rest.json()["items"]] == [n["id"] for n in every]
    assert reader("GET", "/notifications", params={"since": "2999-01-01"}).json() == {
        "items": [], "next_page_token": None}
    assert reader("GET", "/notifications", params={"page_token": "nonsense"}).status_code == 400
    assert as_(served, None)("GET", "/notifications").status_code == 401


@pytest.mark.parametrize("day", ["0", "86400", "2030-01-03T00:00:00", "2030-01-03T00:00:00Z",
                                 "2030-02-30", "20300103", " 2030-01-03"])
def test_a_query_date_is_yyyy_mm_dd_as_the_document_says_or_a_json_400(
    served: Served, day: str
) -> None:
    reader = as_(served, "read")
    for path, name in (("/reports/enrollments.csv", "as_of"),
                       ("/learners/E1001/view", "as_of"), ("/notifications", "since")):
        refused = reader("GET", path, params={name: day})
        assert refused.status_code == 400, (path, day)
        assert refused.headers["content-type"] == "application/json"
        assert error_of(refused)["code"] == "bad_request"
        assert f"query/{name}" in error_of(refused)["message"]
    assert reader("GET", "/reports/enrollments.csv",
                  params={"as_of": "2030-01-03"}).status_code == 200


@pytest.mark.parametrize("day", ["20300102", "2030-W01-3", 20300102])
def test_a_completion_date_is_yyyy_mm_dd(served: Served, day: object) -> None:
    refused = as_(served, "write")("POST", "/learners/E1001/completions",
                                   json={"object": "handwashing", "completed_on": day})
    assert refused.status_code == 422 and error_of(refused)["pointer"] == "/completed_on"


@pytest.mark.parametrize("path", ["/users", "/audit", "/notifications", "/learning-objects"])
def test_a_page_token_the_listing_did_not_give_is_a_json_400(served: Served, path: str) -> None:
    reader = as_(served, "read")
    other_listing = "eyJ2IjoxLCJsIjoiZ3JvdXBzIiwiYSI6IngifQ"  # {"v":1,"l":"groups","a":"x"}
    for token in ("made-up", "0", other_listing):
        refused = reader("GET", path, params={"page_token": token})
        assert refused.status_code == 400, (path, token)
        assert error_of(refused)["code"] == "invalid_page_token"
