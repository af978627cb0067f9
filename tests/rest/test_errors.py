"""How the rest provider turns HTTP failures into errors an apply can act on.

Scripted answers (429, 5xx, stalls, resets, proxies' HTML) come from a real local
server (see conftest); auth and outages are checked against the real sandbox server.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest
from reconciler_rest.provider import RestProvider
from reconciler_sandbox.engine import Platform
from reconciler_sandbox.server import running_server

from reconciler.errors import (
    AuthError,
    ConfigError,
    InvalidRequest,
    LockHeldError,
    NotFoundError,
    PermanentError,
    PreconditionFailed,
    PreconditionRequired,
    TemporaryError,
)
from reconciler.model import Address, ProviderConfig
from reconciler.providers import WriteRequest

from .conftest import MakeRest, Served
from .scripted import TOKEN, Reply, ScriptedServer, Sleeps


def resource(name: str, version: int = 1) -> dict[str, Any]:
    return {
        "apiVersion": "learnops/v1", "kind": "LearningObject",
        "metadata": {"name": name, "version": version, "managed_by": "learnops",
                     "spec_hash": "sha256:x", "labels": {}, "annotations": {},
                     "created_at": "2026-01-01T00:00:00Z", "updated_at": "2026-01-01T00:00:00Z"},
        "spec": {"title": name, "type": "course"},
        "status": {},
    }


def error(code: str, message: str, **details: Any) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, **details}}


def update(name: str = "hipaa-basics", version: int | None = 3) -> WriteRequest:
    return WriteRequest(
        address=Address("LearningObject", name), action="update", idempotency_key="key-1",
        precondition_version=version, spec={"title": "HIPAA", "type": "course"},
        spec_hash="sha256:abc",
    )


# -- temporary failures ---------------------------------------------------------------


def test_429_on_a_read_waits_retry_after_then_succeeds(
    scripted: ScriptedServer, make_rest: MakeRest
) -> None:
    sleeps = Sleeps()
    scripted.script(
        Reply(429, error("rate_limited", "slow down"), {"Retry-After": "7"}),
        Reply(200, {"state_version": 42}),
    )
    assert make_rest(scripted.url, sleeps).state_version() == 42
    assert len(scripted.seen) == 2
    assert len(sleeps) == 1 and sleeps[0] >= 7


def test_429_on_a_write_is_temporary_with_the_delay_and_not_retried(
    scripted: ScriptedServer, make_rest: MakeRest
) -> None:
    scripted.script(Reply(429, error("rate_limited", "slow down"), {"Retry-After": "12"}))
    with pytest.raises(TemporaryError) as caught:
        make_rest(scripted.url).write(update())
    assert caught.value.delay == 12
    assert "slow down" in str(caught.value)
    assert len(scripted.seen) == 1


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_server_errors_on_reads_are_retried_then_reported_as_temporary(
    scripted: ScriptedServer, make_rest: MakeRest, status: int
) -> None:
    sleeps = Sleeps()
    scripted.default = Reply(status, error("unavailable", "down for maintenance"))
    with pytest.raises(TemporaryError, match="down for maintenance"):
        make_rest(scripted.url, sleeps, retries=2).read_resources(["LearningObject"])
    assert len(scripted.seen) == 3  # the first try and two retries
    assert len(sleeps) == 2 and sleeps[1] > sleeps[0]  # backing off


def test_a_5xx_on_a_write_is_temporary_and_sent_once(
    scripted: ScriptedServer, make_rest: MakeRest
) -> None:
    scripted.script(Reply(500, error("internal", "boom")))
    with pytest.raises(TemporaryError):
        make_rest(scripted.url).write(update())
    assert len(scripted.seen) == 1


def test_a_proxy_error_page_that_is_not_json_is_still_temporary(
    scripted: ScriptedServer, make_rest: MakeRest
) -> None:
    scripted.default = Reply(502, b"<html>Bad Gateway</html>", {"Content-Type": "text/html"})
    with pytest.raises(TemporaryError, match="HTTP 502"):
        make_rest(scripted.url, retries=0).state_version()


def test_a_read_that_stalls_past_the_timeout_is_temporary(
    scripted: ScriptedServer, make_rest: MakeRest
) -> None:
    scripted.script(Reply(200, {"state_version": 1}, stall=1.0))
    provider = make_rest(scripted.url, retries=0, timeout={"connect": 1, "read": 0.2})
    with pytest.raises(TemporaryError, match=r"no answer within 0\.2s"):
        provider.state_version()


def test_a_reset_connection_is_temporary_and_a_read_recovers_from_it(
    scripted: ScriptedServer, make_rest: MakeRest
) -> None:
    scripted.script(Reply(reset=True), Reply(200, {"state_version": 5}))
    assert make_rest(scripted.url).state_version() == 5
    scripted.script(Reply(reset=True))
    with pytest.raises(TemporaryError, match="connection"):
        make_rest(scripted.url).write(update())


# -- permanent failures ---------------------------------------------------------------


@pytest.mark.parametrize("status", [200, 409])
def test_a_platform_answering_deeply_nested_json_is_an_error_not_a_crash(
    scripted: ScriptedServer, make_rest: MakeRest, status: int
) -> None:
    deep = b'{"error":' * 100_000 + b"1" + b"}" * 100_000
    scripted.default = Reply(status, deep, {"Content-Type": "application/json"})
    with pytest.raises(PermanentError):
        make_rest(scripted.url, retries=0).read_resources(["LearningObject"])


@pytest.mark.parametrize(
    ("status", "expected"),
    [(404, NotFoundError), (412, PreconditionFailed), (428, PreconditionRequired),
     (401, AuthError), (403, AuthError), (400, PermanentError), (409, PermanentError)],
)
def test_client_errors_are_permanent_and_never_retried(
    scripted: ScriptedServer, make_rest: MakeRest, status: int, expected: type[Exception]
) -> None:
    scripted.default = Reply(status, error("refused", f"refused with {status}"))
    with pytest.raises(expected, match=f"refused with {status}") as caught:
        make_rest(scripted.url).read_resources(["LearningObject"])
    assert not isinstance(caught.value, TemporaryError)
    assert len(scripted.seen) == 1


def test_422_carries_the_json_pointer_of_the_bad_field(
    scripted: ScriptedServer, make_rest: MakeRest
) -> None:
    scripted.script(Reply(422, error("invalid", "/spec/type: not a type", pointer="/spec/type")))
    with pytest.raises(InvalidRequest) as caught:
        make_rest(scripted.url).write(update())
    assert caught.value.pointer == "/spec/type"
    assert caught.value.where == "PUT /learning-objects/hipaa-basics"


def test_409_lock_held_names_the_holder(scripted: ScriptedServer, make_rest: MakeRest) -> None:
    scripted.script(Reply(409, error("lock_held", "locked by ci-42", holder="ci-42",
                                     lock_id="abc")))
    with pytest.raises(LockHeldError) as caught:
        make_rest(scripted.url).acquire_lock("me", 60)
    assert (caught.value.holder, caught.value.lock_id) == ("ci-42", "abc")


# -- what goes on the wire ------------------------------------------------------------


def test_writes_carry_preconditions_idempotency_key_and_bearer_token(
    scripted: ScriptedServer, make_rest: MakeRest
) -> None:
    provider = make_rest(scripted.url)
    scripted.script(Reply(200, resource("hipaa-basics", 4)), Reply(201, resource("new-one")))
    provider.write(update(version=3))
    provider.write(WriteRequest(Address("LearningObject", "new-one"), "create", "key-2",
                                spec={"title": "New", "type": "video"}))
    updated, created = scripted.seen
    assert (updated.method, updated.path) == ("PUT", "/api/v1/learning-objects/hipaa-basics")
    assert updated.headers["If-Match"] == '"3"'
    assert "If-None-Match" not in updated.headers
    assert updated.headers["Idempotency-Key"] == "key-1"
    assert updated.headers["Authorization"] == f"Bearer {TOKEN}"
    assert created.headers["If-None-Match"] == "*"
    assert "If-Match" not in created.headers
    assert created.headers["Idempotency-Key"] == "key-2"


def test_pages_are_followed_with_the_platform_token(
    scripted: ScriptedServer, make_rest: MakeRest
) -> None:
    scripted.script(
        Reply(200, {"items": [resource("a"), resource("b")], "next_page_token": "t1"}),
        Reply(200, {"items": [resource("c")], "next_page_token": None}),
    )
    live = make_rest(scripted.url, page_size=2).read_resources(["LearningObject"])
    assert [r.address.name for r in live] == ["a", "b", "c"]
    assert scripted.seen[0].path == "/api/v1/learning-objects?limit=2&status=omit"
    assert scripted.seen[1].path == "/api/v1/learning-objects?limit=2&status=omit&page_token=t1"


def test_statuses_left_out_are_read_for_the_whole_kind_when_first_wanted(
    scripted: ScriptedServer, make_rest: MakeRest
) -> None:
    bare = [{key: value for key, value in resource(name).items() if key != "status"}
            for name in ("a", "b")]
    counted = [{**resource(name), "status": {"enrolled": n}} for n, name in ((3, "a"),)]
    scripted.script(Reply(200, {"items": bare, "next_page_token": None}),
                    Reply(200, {"items": counted, "next_page_token": None}))
    a, b = make_rest(scripted.url).read_resources(["LearningObject"])
    assert len(scripted.seen) == 1  # the counts are not read until wanted ...
    assert a.status["enrolled"] == 3 and dict(b.status) == {}  # b: gone meanwhile
    assert len(scripted.seen) == 2  # ... then once for the kind, with them
    assert scripted.seen[1].path.endswith("/learning-objects?limit=1000")


def test_a_platform_repeating_a_page_token_is_an_error_not_a_hang(
    scripted: ScriptedServer, make_rest: MakeRest
) -> None:
    scripted.default = Reply(200, {"items": [resource("a")], "next_page_token": "same"})
    with pytest.raises(PermanentError, match="repeated a page token"):
        make_rest(scripted.url).read_resources(["LearningObject"])


def test_parallel_callers_reuse_pooled_connections_instead_of_one_per_request(
    scripted: ScriptedServer, make_rest: MakeRest
) -> None:
    # Each answer takes a moment, so the callers really overlap.
    scripted.default = Reply(200, {"state_version": 1}, stall=0.02)
    provider = make_rest(scripted.url, pool_size=16)

    def work() -> None:
        for _ in range(5):
            provider.state_version()

    threads = [threading.Thread(target=work) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(scripted.seen) == 80
    assert scripted.connections <= 16


# -- configuration --------------------------------------------------------------------


def test_an_unset_token_variable_is_a_config_error_naming_the_variable(
    make_rest: MakeRest, monkeypatch: pytest.MonkeyPatch, token_env: str
) -> None:
    monkeypatch.delenv(token_env)
    with pytest.raises(ConfigError, match=f"environment variable {token_env} is not set"):
        make_rest("http://127.0.0.1:9/api/v1")


def test_an_empty_token_variable_is_reported_as_empty_not_unset(
    make_rest: MakeRest, monkeypatch: pytest.MonkeyPatch, token_env: str
) -> None:
    monkeypatch.setenv(token_env, "")
    with pytest.raises(ConfigError, match=f"environment variable {token_env} is empty") as caught:
        make_rest("http://127.0.0.1:9/api/v1")
    assert "http://127.0.0.1:9/api/v1" in str(caught.value)


@pytest.mark.parametrize(
    ("options", "message"),
    [({"url": "ftp://x"}, "'url' must be an http"),
     ({"timeout": 0}, "'timeout' must be seconds"),
     ({"retries": -1}, "'retries' must be an integer >= 0"),
     ({"token": "x"}, "unknown option\\(s\\) token")],
)
def test_bad_options_are_config_errors(
    make_rest: MakeRest, options: dict[str, Any], message: str
) -> None:
    url = options.pop("url", "http://127.0.0.1:9/api/v1")
    with pytest.raises(ConfigError, match=message):
        make_rest(url, **options)


# -- against the real sandbox server --------------------------------------------------


def test_a_wrong_token_is_an_auth_error_that_never_shows_the_token(
    served: Served, make_rest: MakeRest, monkeypatch: pytest.MonkeyPatch, token_env: str
) -> None:
    monkeypatch.setenv(token_env, TOKEN)  # not a token this platform issued
    provider = make_rest(served.url)
    with pytest.raises(AuthError) as caught:
        provider.read_resources()
    assert "401" in str(caught.value)
    # What main prints: which platform, which variable, which request.
    assert str(caught.value).startswith(
        f"{served.url}: the token in ${token_env} was refused (HTTP 401")
    assert "GET /" in str(caught.value)
    for shown in (str(caught.value), repr(caught.value), repr(provider), repr(provider.api)):
        assert TOKEN not in shown


def test_a_token_short_of_scope_may_read_but_not_write(
    served: Served, make_rest: MakeRest, monkeypatch: pytest.MonkeyPatch, token_env: str
) -> None:
    monkeypatch.setenv(token_env, served.read_token)
    provider = make_rest(served.url)
    assert provider.read_resources() == []
    with pytest.raises(AuthError, match="403") as caught:
        provider.write(WriteRequest(Address("LearningObject", "x"), "create", "k",
                                    spec={"title": "X", "type": "course"}))
    assert served.read_token not in str(caught.value)
    assert str(caught.value).startswith(f"{served.url}: the token in ${token_env} may not ")


def test_a_stopped_server_is_temporary_after_the_read_retries(
    tmp_path: Path, make_rest: MakeRest, monkeypatch: pytest.MonkeyPatch, token_env: str
) -> None:
    platform = Platform(tmp_path / "stopped.db")
    monkeypatch.setenv(token_env, platform.create_token("admin", ["admin"]))
    with running_server(platform) as url:
        sleeps = Sleeps()
        provider = make_rest(url, sleeps, retries=2)
        assert provider.state_version() >= 0
    platform.close()
    with pytest.raises(TemporaryError, match="connection refused") as caught:
        provider.state_version()
    assert len(sleeps) == 2
    assert caught.value.where == "GET /state"
    assert str(caught.value).count("\n") == 0


def test_a_missing_token_env_is_reported_before_any_request(
    served: Served, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("LMS_TOKEN", raising=False)
    config = ProviderConfig("rest", {"url": served.url, "token_env": "LMS_TOKEN"})
    with pytest.raises(ConfigError, match="LMS_TOKEN is not set"):
        RestProvider(config, tmp_path)
