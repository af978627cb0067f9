"""The apply lock over HTTP as a security boundary: the secret that renews or releases a
lease goes to its holder alone; others see who, since when and until when; breaking
another's lease needs admin; the TTL is bounded (hostile values are 422, never 500)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from reconciler_sandbox.engine import Platform
from reconciler_sandbox.locks import MAX_TTL_SECONDS
from reconciler_sandbox.server import running_server

from .api_client import Api

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def callers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Api]]:
    platform = Platform(tmp_path_factory.mktemp("locks") / "sandbox.db")
    tokens = {name: platform.create_token(name, [scope]) for name, scope in
              (("ci-one", "write"), ("ci-two", "write"), ("ops", "admin"), ("viewer", "read"))}
    with running_server(platform) as url:
        yield {name: Api(url, token) for name, token in tokens.items()}
    platform.close()


@pytest.fixture
def held(callers: dict[str, Api]) -> Iterator[dict[str, Any]]:
    taken = callers["ci-one"]("POST", "/locks/apply", json={"holder": "ci-one", "ttl_seconds": 60})
    assert taken.status_code == 201, taken.text
    lease: dict[str, Any] = taken.json()
    yield lease
    callers["ops"]("DELETE", "/locks/apply", params={"lock_id": lease["lease_id"], "force": "true"})


def test_the_holder_alone_gets_the_secret(callers: dict[str, Api],
                                          held: dict[str, Any]) -> None:
    assert held["lock_id"] and held["lease_id"] and held["lock_id"] != held["lease_id"]
    assert {"holder", "since", "expires_at"} <= set(held)
    refused = callers["ci-two"]("POST", "/locks/apply",
                                json={"holder": "ci-two", "ttl_seconds": 60})
    assert refused.status_code == 409
    error = refused.json()["error"]
    assert error["code"] == "lock_held"
    assert (error["holder"], error["lease_id"], error["expires_at"]) == (
        "ci-one", held["lease_id"], held["expires_at"])
    assert "since" in error
    assert held["lock_id"] not in refused.text
    seen = callers["viewer"]("GET", "/locks/apply")
    assert seen.status_code == 200
    assert seen.json() == {key: held[key] for key in ("holder", "since", "expires_at", "lease_id")}
    audit = callers["viewer"]("GET", "/audit", params={"limit": 1000})
    assert held["lock_id"] not in audit.text  # the log shows the lease, never its secret


def test_only_the_secret_releases_and_breaking_a_lease_needs_admin(
    callers: dict[str, Api], held: dict[str, Any]
) -> None:
    other = callers["ci-two"]
    for params in ({"lock_id": held["lease_id"]},
                   {"lock_id": held["lease_id"], "force": "true"},
                   {"lock_id": held["lock_id"], "force": "true"}):
        answer = other("DELETE", "/locks/apply", params=params)
        assert answer.status_code in (403, 404), (params, answer.text)
    renewed = other("POST", "/locks/apply:renew",
                    json={"lock_id": held["lease_id"], "ttl_seconds": 60})
    assert renewed.status_code in (404, 409)
    still = other("POST", "/locks/apply", json={"holder": "ci-two", "ttl_seconds": 60})
    assert still.status_code == 409  # nothing above freed it

    broken = callers["ops"]("DELETE", "/locks/apply",
                            params={"lock_id": held["lease_id"], "force": "true"})
    assert broken.status_code == 204
    taken = other("POST", "/locks/apply", json={"holder": "ci-two", "ttl_seconds": 60})
    assert taken.status_code == 201
    assert other("DELETE", "/locks/apply",
                 params={"lock_id": taken.json()["lock_id"]}).status_code == 204
    assert callers["viewer"]("GET", "/locks/apply").status_code == 404


@pytest.mark.parametrize("ttl", [0, -1, 1e9, 1e12, 1e308, MAX_TTL_SECONDS + 1, "60", True, None])
def test_a_ttl_out_of_bounds_is_422(callers: dict[str, Api], ttl: object) -> None:
    writer = callers["ci-one"]
    acquired = writer("POST", "/locks/apply", json={"holder": "ci-one", "ttl_seconds": ttl})
    assert acquired.status_code == 422, acquired.text
    assert acquired.json()["error"]["code"] == "invalid"
    renewed = writer("POST", "/locks/apply:renew", json={"lock_id": "x", "ttl_seconds": ttl})
    assert renewed.status_code == 422


@pytest.mark.parametrize("raw", ["NaN", "Infinity", "-Infinity", "1e999"])
def test_non_finite_ttls_are_422(callers: dict[str, Api], raw: str) -> None:
    body = '{"holder": "ci-one", "ttl_seconds": ' + raw + '}'
    answer = callers["ci-one"]("POST", "/locks/apply", data=body,
                               headers={"Content-Type": "application/json"})
    assert answer.status_code in (400, 422), answer.text
    json.loads(answer.text)  # the usual error body


def test_the_longest_ttl_is_accepted_and_renewal_keeps_a_long_apply(
    callers: dict[str, Api]
) -> None:
    writer = callers["ci-one"]
    taken = writer("POST", "/locks/apply",
                   json={"holder": "ci-one", "ttl_seconds": MAX_TTL_SECONDS})
    assert taken.status_code == 201
    secret = taken.json()["lock_id"]
    renewed = writer("POST", "/locks/apply:renew", json={"lock_id": secret, "ttl_seconds": 30})
    assert renewed.status_code == 200 and renewed.json()["lock_id"] == secret
    assert writer("DELETE", "/locks/apply", params={"lock_id": secret}).status_code == 204
