"""The rest provider's pages are the ones the sandbox serves: a collection of N
rows costs ceil(N / 1000) requests with both sides on their defaults, not twice
that because the server cut each requested page in half."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from reconciler_sandbox.api import create_app
from reconciler_sandbox.engine import Platform

from .conftest import MakeRest
from .test_request_count import CountingApp, serve

PEOPLE = 2_100  # three pages of 1,000; six had the server capped pages at 500


@pytest.fixture
def counted(tmp_path: Path) -> Iterator[tuple[str, str, CountingApp]]:
    platform = Platform(tmp_path / "paged.db")
    rows = ["employee_id,first_name,job_role"]
    rows += [f"E{10_000 + n},P{n},Nurse" for n in range(PEOPLE)]
    platform.import_users_csv("\n".join(rows) + "\n", actor="test")
    token = platform.create_token("reader", ["read"])
    app = CountingApp(create_app(platform))
    try:
        with serve(app) as url:
            yield url, token, app
    finally:
        platform.close()


def test_default_pages_are_served_whole(
    counted: tuple[str, str, CountingApp], make_rest: MakeRest, token_env: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    url, token, app = counted
    monkeypatch.setenv(token_env, token)
    users = make_rest(url).read_users()
    assert len(users) == PEOPLE
    assert [path for _, path in app.requests] == ["/api/v1/users"] * 3
