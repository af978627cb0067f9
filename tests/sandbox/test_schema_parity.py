"""One JSON Schema check for every way in: the in-process ``sandbox`` provider and the
``rest`` provider over a real server refuse the same bodies, with the same pointer."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from jsonschema import Draft202012Validator
from reconciler_rest.provider import RestProvider
from reconciler_sandbox import spec_schema
from reconciler_sandbox.engine import Platform
from reconciler_sandbox.provider import SandboxProvider
from reconciler_sandbox.server import running_server
from referencing import Registry, Resource

from reconciler.errors import InvalidRequest, SchemaViolation
from reconciler.model import Address, ProviderConfig
from reconciler.providers import WriteRequest
from reconciler.schemas import load_schema, schema_dir

TOKEN_ENV = "LEARNOPS_PARITY_TOKEN"
PODCAST = {"title": "Privacy talk", "type": "podcast", "completion": {"type": "view"}}


@pytest.fixture
def served(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[str, str]]:
    """A sandbox server on its own file: (base URL, admin token)."""
    db = tmp_path / "served.db"
    platform = Platform(db)
    token = platform.create_token("parity", ["admin"])
    platform.close()
    monkeypatch.setenv(TOKEN_ENV, token)
    with running_server(db) as url:
        yield url, token


def _refusal(provider: SandboxProvider | RestProvider, name: str,
             spec: dict[str, Any]) -> InvalidRequest:
    request = WriteRequest(address=Address("LearningObject", name), action="create",
                           idempotency_key=f"parity-{name}", spec=spec, spec_hash="sha256:x")
    with pytest.raises(InvalidRequest) as refused:
        provider.write(request)
    assert provider.read_resources(["LearningObject"]) == []  # nothing was written
    return refused.value


def test_sandbox_and_rest_providers_refuse_the_same_body_alike(
    tmp_path: Path, served: tuple[str, str]
) -> None:
    url, _ = served
    sandbox = SandboxProvider(ProviderConfig("sandbox", {}), tmp_path)
    rest = RestProvider(
        ProviderConfig("rest", {"url": url, "token_env": TOKEN_ENV, "retries": 0}), tmp_path)
    try:
        for spec, pointer in [
            (PODCAST, "/spec/type"),
            ({**PODCAST, "type": "course", "url": "ftp://old"}, "/spec/url"),
            ({"title": "No type"}, "/spec"),
        ]:
            in_process = _refusal(sandbox, "privacy-talk", spec)
            over_http = _refusal(rest, "privacy-talk", spec)
            assert in_process.pointer == over_http.pointer == pointer
            assert in_process.message in over_http.message  # plus "(HTTP 422, invalid)"
    finally:
        sandbox.close()
        rest.close()


def test_every_schema_problem_is_reported_in_process_and_over_http(
    tmp_path: Path, served: tuple[str, str]
) -> None:
    url, token = served
    body = {"metadata": {"labels": {"area": 7}},
            "spec": {**PODCAST, "duration": "an hour", "colour": "red"}}
    platform = Platform(tmp_path / "direct.db")
    try:
        with pytest.raises(SchemaViolation) as refused:
            platform.put_resource("LearningObject", "talk", body, if_none_match=True,
                                  actor="test")
    finally:
        platform.close()
    in_process = sorted(pointer for pointer, _ in refused.value.problems)
    assert in_process == ["/metadata/labels/area", "/spec", "/spec/duration", "/spec/type"]

    answer = requests.put(f"{url}/learning-objects/talk", json=body, timeout=10,
                          headers={"Authorization": f"Bearer {token}", "If-None-Match": "*"})
    assert answer.status_code == 422
    error = answer.json()["error"]
    assert sorted(problem["pointer"] for problem in error["errors"]) == in_process
    assert error["pointer"] == refused.value.pointer


def test_names_the_schema_refuses_are_refused_in_process_too(tmp_path: Path) -> None:
    platform = Platform(tmp_path / "names.db")
    try:
        with pytest.raises(InvalidRequest) as refused:
            platform.put_resource("LearningObject", "Not_A_Name",
                                  {"spec": {"title": "T", "type": "course"}},
                                  if_none_match=True, actor="test")
        assert refused.value.pointer == "/metadata/name"
        with pytest.raises(InvalidRequest) as mismatch:
            platform.put_resource("LearningObject", "one",
                                  {"metadata": {"name": "two"},
                                   "spec": {"title": "T", "type": "course"}},
                                  if_none_match=True, actor="test")
        assert mismatch.value.pointer == "/metadata/name"
    finally:
        platform.close()


def test_a_resource_read_back_whole_can_be_written_back(tmp_path: Path) -> None:
    platform = Platform(tmp_path / "roundtrip.db")
    try:
        created, _ = platform.put_resource(
            "LearningObject", "hipaa-basics",
            {"metadata": {"labels": {"area": "compliance"}},
             "spec": {"title": "HIPAA Basics", "type": "course"}},
            if_none_match=True, actor="test")
        again, was_created = platform.put_resource(
            "LearningObject", "hipaa-basics", created,
            if_match=created["metadata"]["version"], actor="test")
        assert not was_created
        assert again["metadata"]["version"] == created["metadata"]["version"]  # no change
        with pytest.raises(SchemaViolation) as refused:
            platform.put_resource("LearningObject", "hipaa-basics",
                                  {**created, "kind": "Audience"},
                                  if_match=created["metadata"]["version"], actor="test")
        assert refused.value.pointer == "/kind"
    finally:
        platform.close()


BROKEN_SPECS: dict[str, list[dict[str, Any]]] = {
    "LearningObject": [
        {"title": "", "type": "podcast", "duration": "1 hour", "languages": ["EN", "EN"],
         "completion": {"type": "min_score"}, "url": "ftp://x", "prerequisites": ["Bad"]},
        {"title": "T", "type": "course", "completion": {"type": "view", "min_score": 5}},
    ],
    "Audience": [
        {"users": "E1001", "where": {"hire_date": {"after": "yesterday"}, "x": {"not": {}}}},
    ],
    "CertificationPlan": [
        {"title": "P", "visibility": "some", "steps": [
            {"name": "a", "items": [], "release": {"offset": "7 days"}, "due": "soon"},
            {"name": "b", "items": ["x"], "release": {"after_step": "a", "delay": 3}}],
         "certificate": {"template": "t"}, "in_progress": "drop"},
    ],
    "Assignment": [
        {"items": [{"plan": "p", "object": "o"}, {}], "audience": {"users": 5},
         "start": "2027-13-01", "due": "later", "notify": {"reminders": ["1x"]}},
    ],
}


@pytest.mark.parametrize("kind", sorted(BROKEN_SPECS))
def test_inlined_schemas_judge_exactly_as_the_schema_files(kind: str) -> None:
    """The engine's validators have their references inlined for speed; the verdicts and
    messages must be those of the schema files as written."""
    registry: Registry[Any] = Registry().with_resources(
        (p.name, Resource.from_contents(load_schema(p.name)))  # refs are by file name
        for p in sorted(schema_dir().glob("*.schema.json"))
    )
    as_written = Draft202012Validator(load_schema(spec_schema.SCHEMA_FILES[kind]),
                                      registry=registry)
    for spec in BROKEN_SPECS[kind]:
        document = {"apiVersion": "learnops/v1", "kind": kind,
                    "metadata": {"name": "Not_Valid", "labels": {"a": 1}, "extra": True},
                    "spec": spec}
        expected = sorted((list(e.absolute_path), e.message)
                          for e in as_written.iter_errors(document))
        found = sorted((list(e.absolute_path), e.message)
                       for e in spec_schema.validator(kind).iter_errors(document))
        assert found == expected
        assert len(found) >= 3
