"""The OpenAPI document as a generic tool reads it: every reference resolves inside
the document, so clients and fuzzers (schemathesis) need neither the schema files
nor their ``$id`` URLs."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests
from jsonschema import Draft202012Validator
from reconciler_sandbox.engine import Platform
from reconciler_sandbox.server import running_server

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def document(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    platform = Platform(tmp_path_factory.mktemp("openapi") / "sandbox.db")
    with running_server(platform) as url:
        found: dict[str, Any] = requests.get(
            url.removesuffix("/api/v1") + "/openapi.json", timeout=10).json()
    platform.close()
    yield found


def references(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        if isinstance(node.get("$ref"), str):
            yield node["$ref"]
        for key, value in node.items():
            if key not in ("enum", "const", "default", "examples"):
                yield from references(value)
    elif isinstance(node, list):
        for item in node:
            yield from references(item)


def resolve(document: dict[str, Any], ref: str) -> Any:
    node: Any = document
    for part in ref.removeprefix("#/").split("/"):
        node = node[part.replace("~1", "/").replace("~0", "~")]
    return node


def test_every_reference_points_inside_the_document(document: dict[str, Any]) -> None:
    refs = set(references(document))
    assert "#/components/schemas/file.defs/$defs/duration" in refs
    outside = sorted(ref for ref in refs if not ref.startswith("#/"))
    assert outside == []
    for ref in refs:
        assert isinstance(resolve(document, ref), dict), ref
    # A base URI would make a local reference mean "inside that file" again.
    assert "$id" not in str(document["components"]["schemas"])


def test_resource_schema_judges_a_served_resource(document: dict[str, Any]) -> None:
    """The embedded schemas still work as schemas: a stored learning object validates,
    one with a malformed duration does not."""
    schema = {**document["components"]["schemas"]["LearningObjectResource"],
              "components": document["components"]}
    validator = Draft202012Validator(schema)
    resource = {
        "apiVersion": "learnops/v1", "kind": "LearningObject",
        "metadata": {"name": "hipaa", "version": 1},
        "spec": {"title": "HIPAA", "type": "course", "duration": "45m", "languages": [],
                 "completion": {"type": "view"}, "prerequisites": [], "existing": False},
        "status": {},
    }
    assert list(validator.iter_errors(resource)) == []
    broken = {**resource, "spec": {**resource["spec"], "duration": "45 minutes"}}
    assert [list(e.absolute_path) for e in validator.iter_errors(broken)] == [
        ["spec", "duration"]]


def test_every_list_route_declares_the_400_of_a_page_token_it_did_not_give(
    document: dict[str, Any],
) -> None:
    listed = []
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            token = [p for p in operation.get("parameters", []) if p["name"] == "page_token"]
            if token:
                listed.append(path)
                assert "400" in operation["responses"], (method, path)
                assert resolve(document, operation["responses"]["400"]["content"][
                    "application/json"]["schema"]["$ref"])["required"] == ["error"]
                assert "400" in token[0]["description"]
    assert {"/api/v1/users", "/api/v1/audit", "/api/v1/notifications",
            "/api/v1/assignments"} <= set(listed)
