"""The resource collections over HTTP (DESIGN §7), against a real uvicorn server:
pages, versions as ETags, preconditions, schema validation, idempotency, audit."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from reconciler_sandbox.engine import Platform
from reconciler_sandbox.server import running_server

from .api_client import Api

pytestmark = pytest.mark.slow


def course(title: str = "HIPAA Basics") -> dict[str, Any]:
    return {
        "metadata": {"labels": {"area": "compliance"}, "annotations": {},
                     "managed_by": "learnops", "spec_hash": "sha256:abc"},
        "spec": {"title": title, "type": "course", "languages": [],
                 "completion": {"type": "view"}, "prerequisites": [], "existing": False},
    }


def everyone() -> dict[str, Any]:
    return {"users": [], "groups": [], "include": [], "where": {}, "exclude": []}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, dict[str, str]]]:
    db = tmp_path_factory.mktemp("api") / "sandbox.db"
    platform = Platform(db)
    tokens = {
        "writer": platform.create_token("ci-bot", ["write"]),
        "reader": platform.create_token("dashboard", ["read"]),
    }
    with running_server(platform) as url:
        yield url, tokens
    platform.close()


@pytest.fixture
def api(server: tuple[str, dict[str, str]]) -> Api:
    url, tokens = server
    return Api(url, tokens["writer"])


def error_of(response: requests.Response) -> dict[str, Any]:
    assert response.headers["content-type"].startswith("application/json")
    error: dict[str, Any] = response.json()["error"]
    assert error["code"] and error["message"]
    return error


def test_create_read_update_delete_with_versions_as_etags(api: Api) -> None:
    created = api.create("learning-objects", "crud-course", course())
    assert created.status_code == 201
    assert created.headers["ETag"] == '"1"'
    assert created.json()["metadata"]["managed_by"] == "learnops"

    read = api("GET", "/learning-objects/crud-course")
    assert read.json()["spec"]["title"] == "HIPAA Basics"
    assert read.headers["ETag"] == '"1"'

    updated = api("PUT", "/learning-objects/crud-course", json=course("HIPAA 2"),
                  headers={"If-Match": '"1"'})
    assert updated.status_code == 200
    assert updated.headers["ETag"] == '"2"'

    assert api("DELETE", "/learning-objects/crud-course",
               headers={"If-Match": '"2"'}).status_code == 204
    assert error_of(api("GET", "/learning-objects/crud-course"))["code"] == "not_found"


def test_a_write_without_precondition_is_428_and_a_stale_one_412(api: Api) -> None:
    api.create("learning-objects", "guarded", course())

    missing = api("PUT", "/learning-objects/guarded", json=course("x"))
    assert missing.status_code == 428
    assert error_of(missing)["code"] == "precondition_required"
    assert api("DELETE", "/learning-objects/guarded").status_code == 428
    assert api("POST", "/assignments/guarded:inactivate").status_code in (404, 428)
    # Only assignments have an inactive state: no :inactivate for the other kinds.
    assert api("POST", "/learning-objects/guarded:inactivate").status_code == 405

    stale = api("PUT", "/learning-objects/guarded", json=course("x"), headers={"If-Match": '"7"'})
    assert stale.status_code == 412
    again = api.create("learning-objects", "guarded", course())
    assert again.status_code == 412
    assert api("GET", "/learning-objects/guarded").json()["spec"]["title"] == "HIPAA Basics"


def test_get_with_the_current_etag_is_304(api: Api) -> None:
    etag = api.create("learning-objects", "cached", course()).headers["ETag"]
    unchanged = api("GET", "/learning-objects/cached", headers={"If-None-Match": etag})
    assert unchanged.status_code == 304
    assert unchanged.content == b""
    changed = api("GET", "/learning-objects/cached", headers={"If-None-Match": '"0"'})
    assert changed.status_code == 200


def test_inactivating_an_assignment_keeps_it_with_active_false(api: Api) -> None:
    api.create("audiences", "everyone", {"spec": everyone()})
    api.create("learning-objects", "onboarding", course("Onboarding"))
    assignment = {"spec": {"items": [{"object": "onboarding"}], "audience": "everyone",
                           "start": "immediately", "notify": {"on_assign": True,
                                                              "reminders": []},
                           "active": True, "on_remove": "inactivate"}}
    etag = api.create("assignments", "onboard-all", assignment).headers["ETag"]
    inactive = api("POST", "/assignments/onboard-all:inactivate", headers={"If-Match": etag})
    assert inactive.status_code == 200
    assert inactive.json()["spec"]["active"] is False
    assert inactive.headers["ETag"] != etag
    assert api("GET", "/assignments/onboard-all").status_code == 200


def test_pages_follow_names_and_neither_skip_nor_repeat_under_writes(api: Api) -> None:
    names = [f"paged-{n:02d}" for n in range(7)]
    for name in names:
        api.create("audiences", name, {"spec": everyone()})
    seen: list[str] = []
    token: str | None = None
    while True:
        params: dict[str, Any] = {"limit": 3}
        if token:
            params["page_token"] = token
        page = api("GET", "/audiences", params=params).json()
        seen.extend(item["metadata"]["name"] for item in page["items"])
        if len(seen) == 3:
            # Others write meanwhile: one before the cursor, one after it.
            api.create("audiences", "paged-00a", {"spec": everyone()})
            api.create("audiences", "paged-99", {"spec": everyone()})
        token = page["next_page_token"]
        if token is None:
            break
    paged = [name for name in seen if name.startswith("paged-")]
    assert len(paged) == len(set(paged))
    assert set(names) | {"paged-99"} <= set(paged)
    assert paged == sorted(paged)


def test_a_listing_may_leave_the_status_blocks_out(api: Api) -> None:
    api.create("learning-objects", "status-less", course())
    full = api("GET", "/learning-objects", params={"limit": 1000}).json()["items"]
    bare = api("GET", "/learning-objects",
               params={"limit": 1000, "status": "omit"}).json()["items"]
    assert all("status" in item for item in full) and not any("status" in i for i in bare)
    assert bare == [{k: v for k, v in item.items() if k != "status"} for item in full]
    wrong = api("GET", "/learning-objects", params={"status": "some"})
    assert wrong.status_code == 400 and error_of(wrong)["code"] == "bad_request"


def test_a_page_token_of_another_collection_is_refused(api: Api) -> None:
    api.create("learning-objects", "tok-a", course())
    api.create("learning-objects", "tok-b", course())
    token = api("GET", "/learning-objects", params={"limit": 1}).json()["next_page_token"]
    assert token
    wrong = api("GET", "/audiences", params={"page_token": token})
    assert wrong.status_code == 400
    assert error_of(wrong)["code"] == "invalid_page_token"
    assert api("GET", "/audiences", params={"page_token": "garbage!"}).status_code == 400


def test_an_invalid_spec_is_422_pointing_at_the_field(api: Api) -> None:
    body = course()
    body["spec"]["type"] = "podcast"
    invalid = api.create("learning-objects", "bad-type", body)
    assert invalid.status_code == 422
    error = error_of(invalid)
    assert error["pointer"] == "/spec/type"
    assert "podcast" in error["message"]

    plan = {"spec": {"title": "Plan", "steps": [{"name": "one", "items": ["x"],
                                                 "release": {"offset": "7 days"}}]}}
    deep = error_of(api.create("certification-plans", "bad-plan", plan))
    assert deep["pointer"].startswith("/spec/steps/0/release")
    assert api("GET", "/learning-objects/bad-type").status_code == 404


def test_kind_and_name_must_match_the_path(api: Api) -> None:
    wrong_name = course()
    wrong_name["metadata"]["name"] = "other"
    assert error_of(api.create("learning-objects", "named", wrong_name))["pointer"] == (
        "/metadata/name"
    )
    wrong_kind = {**course(), "kind": "Audience"}
    assert error_of(api.create("learning-objects", "named", wrong_kind))["pointer"] == "/kind"
    bad = api.create("learning-objects", "Not_A_Name", course())
    assert bad.status_code == 422
    assert error_of(bad)["pointer"] == "/metadata/name"


def test_malformed_json_and_wrong_media_type_are_json_errors(api: Api) -> None:
    headers = {"If-None-Match": "*", "Content-Type": "application/json"}
    broken = api("PUT", "/learning-objects/broken", data=b"{nope", headers=headers)
    assert broken.status_code == 400
    assert error_of(broken)["code"] == "malformed_json"
    text = api("PUT", "/learning-objects/broken", data=json.dumps(course()),
               headers={"If-None-Match": "*", "Content-Type": "text/plain"})
    assert text.status_code == 415


def test_same_idempotency_key_replays_without_a_second_write(api: Api) -> None:
    headers = {"If-None-Match": "*", "Idempotency-Key": "key-replay-1"}
    first = api("PUT", "/learning-objects/replayed", json=course(), headers=headers)
    version = api("GET", "/state").json()["state_version"]
    second = api("PUT", "/learning-objects/replayed", json=course(), headers=headers)
    assert first.status_code == 201
    assert second.status_code == 201  # the first answer, not a 412
    assert second.json() == first.json()
    assert api("GET", "/state").json()["state_version"] == version
    entries = all_audit(api)
    assert sum(1 for e in entries if e["name"] == "replayed") == 1


def all_audit(api: Api) -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = []
    token = None
    while True:
        page = api("GET", "/audit", params={"limit": 50, **({"page_token": token} if token
                                                            else {})}).json()
        entries.extend(page["items"])
        token = page["next_page_token"]
        if token is None:
            return entries


def test_every_write_is_audited_with_the_token_as_actor(
    api: Api, server: tuple[str, dict[str, str]]
) -> None:
    etag = api.create("learning-objects", "audited", course()).headers["ETag"]
    api("PUT", "/learning-objects/audited", json=course("Changed"), headers={"If-Match": etag})
    entries = [e for e in all_audit(api) if e["kind"] == "LearningObject"
               and e["name"] == "audited"]
    actors = {e["actor"] for e in entries}
    assert len(entries) == 2
    assert actors == {"ci-bot"}
    assert entries[0]["before"] is None
    assert entries[1]["before"]["spec"]["title"] == "HIPAA Basics"
    assert entries[1]["after"]["spec"]["title"] == "Changed"


def test_state_version_rises_with_every_write(api: Api) -> None:
    before = api("GET", "/state").json()["state_version"]
    api.create("learning-objects", "state-raiser", course())
    assert api("GET", "/state").json()["state_version"] > before


def test_unknown_routes_and_methods_are_json_errors(api: Api) -> None:
    missing = api("GET", "/no-such-collection/x/y")
    assert missing.status_code == 404
    assert error_of(missing)["code"] == "not_found"
    wrong = api("PATCH", "/learning-objects/x", json={})
    assert wrong.status_code == 405
    assert error_of(wrong)["code"] == "method_not_allowed"
    assert api("GET", "/learning-objects", params={"limit": 0}).status_code == 400
    # Writes no resource route takes are answered by the routing, as any request.
    for path, status in (("/no-such-collection/x", 404), ("/learning-objects", 405),
                         ("/learning-objects/x/y", 404)):
        put = api("PUT", path, json={"spec": {}}, headers={"If-None-Match": "*"})
        assert (put.status_code, error_of(put)["code"]) == (
            status, "not_found" if status == 404 else "method_not_allowed")


def test_a_query_parameter_a_route_does_not_take_is_refused(api: Api) -> None:
    typo = api("GET", "/learning-objects", params={"limt": 5})
    assert typo.status_code == 400
    assert error_of(typo)["message"].startswith("query/limt: ")
    assert api("GET", "/learning-objects", params={"limit": 5}).status_code == 200
    view = api("GET", "/audit", params={"limit": 1, "as-of": "2027-01-01"})
    assert view.status_code == 400 and "query/as-of" in error_of(view)["message"]
    write = api("PUT", "/learning-objects/queried", json=course(),
                params={"force": "true"}, headers={"If-None-Match": "*"})
    assert (write.status_code, error_of(write)["code"]) == (400, "bad_request")
    assert api("GET", "/learning-objects/queried").status_code == 404  # nothing written


def test_openapi_describes_the_routes_and_resource_schemas(
    server: tuple[str, dict[str, str]],
) -> None:
    root = server[0].removesuffix("/api/v1")
    document = requests.get(root + "/openapi.json", timeout=10).json()
    paths = document["paths"]
    for collection in ("learning-objects", "audiences", "certification-plans", "assignments"):
        assert set(paths[f"/api/v1/{collection}/{{name}}"]) == {"get", "put", "delete"}
        inactivate = f"/api/v1/{collection}/{{name}}:inactivate"
        assert (inactivate in paths) == (collection == "assignments")  # the one that can
        item = paths[f"/api/v1/{collection}/{{name}}"]
        assert "ETag" in item["get"]["responses"]["200"]["headers"]
        assert {"401", "403", "404", "409", "412", "422", "428", "429"} <= set(
            item["put"]["responses"])
        assert any(p["name"] == "If-Match" and p["required"] for p in item["delete"]["parameters"])
        assert "get" in paths[f"/api/v1/{collection}"]
    for path in ("/api/v1/state", "/api/v1/users", "/api/v1/groups", "/api/v1/users:import",
                 "/api/v1/learners/{employee_id}/view", "/api/v1/audit",
                 "/api/v1/learners/{employee_id}/completions", "/api/v1/locks/apply",
                 "/api/v1/locks/apply:renew", "/api/v1/reports/enrollments.csv"):
        assert path in paths
    schemas = document["components"]["schemas"]
    assert schemas["LearningObjectSpec"]["$ref"] == (
        "#/components/schemas/file.learning-object/$defs/spec")
    assert schemas["file.learning-object"]["$defs"]["spec"]["required"] == ["title", "type"]
    assert "bearer" in json.dumps(document["components"]["securitySchemes"]).lower()


def test_reader_lists_but_cannot_write(server: tuple[str, dict[str, str]], tmp_path: Path) -> None:
    url, tokens = server
    reader = Api(url, tokens["reader"])
    assert reader("GET", "/learning-objects").status_code == 200
    refused = reader.create("learning-objects", "not-mine", course())
    assert refused.status_code == 403
    assert "write" in error_of(refused)["message"]


@pytest.mark.parametrize("opener", ["[", '{"a":'])
def test_deeply_nested_json_is_a_400_with_the_usual_body(api: Api, opener: str) -> None:
    levels = 100_000  # under 1 MiB, and far past the decoder's recursion limit
    closer = "]" if opener == "[" else "}"
    headers = {"If-None-Match": "*", "Content-Type": "application/json"}
    deep = api("PUT", "/learning-objects/deep", data=opener * levels + "1" + closer * levels,
               headers=headers)
    assert deep.status_code == 400
    error = error_of(deep)
    assert error["code"] == "too_deep"
    assert "nested more than 100 levels" in error["message"]
    # Brackets inside strings are text, not nesting; a real spec's depth is fine.
    body = course("[" * 5000)
    name = "brackets-" + ("array" if opener == "[" else "object")
    assert api.create("learning-objects", name, body).status_code == 201


@pytest.mark.parametrize(
    "if_match",
    ['"stale-0"', '"999"', 'W/"1"', "1", "garbage", '"1', "", '"0"', '"-1"', '"1"x'],
)
def test_an_if_match_that_matches_nothing_is_412_whatever_its_form(
    api: Api, if_match: str
) -> None:
    name = "matched-" + (if_match.encode().hex() or "empty")
    api.create("learning-objects", name, course())
    path = f"/learning-objects/{name}"
    changed = api("PUT", path, json=course("Changed"), headers={"If-Match": if_match})
    assert changed.status_code == 412, changed.text
    assert error_of(changed)["code"] == "precondition_failed"
    assert api("DELETE", path, headers={"If-Match": if_match}).status_code == 412
    assert api("GET", path).json()["spec"]["title"] == "HIPAA Basics"


def test_if_match_lists_and_star_follow_rfc_9110(api: Api) -> None:
    api.create("learning-objects", "listed", course())
    listed = api("PUT", "/learning-objects/listed", json=course("Two"),
                 headers={"If-Match": '"9", ,"1"'})  # RFC 9110 lists may hold empty items
    assert listed.status_code == 200
    star = api("PUT", "/learning-objects/listed", json=course("Three"), headers={"If-Match": "*"})
    assert star.status_code == 200
    assert star.headers["ETag"] == '"3"'
    missing = api("PUT", "/learning-objects/never-made", json=course(), headers={"If-Match": "*"})
    assert missing.status_code == 412
    gone = api("DELETE", "/learning-objects/never-made", headers={"If-Match": '"1"'})
    assert gone.status_code == 404  # RFC 9110 13.2.1: no precondition outranks a 404
