"""Fixtures of the rest provider's tests: a scripted server and a provider factory."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from reconciler_rest.provider import RestProvider
from reconciler_sandbox.engine import Platform
from reconciler_sandbox.server import running_server

from reconciler.model import ProviderConfig

from .scripted import TOKEN, ScriptedServer, Sleeps


@pytest.fixture
def scripted() -> Iterator[ScriptedServer]:
    server = ScriptedServer()
    yield server
    server.stop()


@pytest.fixture
def token_env(monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("LEARNOPS_TEST_TOKEN", TOKEN)
    return "LEARNOPS_TEST_TOKEN"


MakeRest = Callable[..., RestProvider]


@pytest.fixture
def make_rest(tmp_path: Path, token_env: str) -> Iterator[MakeRest]:
    """``make_rest(url, sleeps=None, **options)``: a rest provider, closed after the test."""
    made: list[RestProvider] = []

    def make(url: str, sleeps: Sleeps | None = None, **options: Any) -> RestProvider:
        config = ProviderConfig("rest", {"url": url, "token_env": token_env, **options})
        provider = RestProvider(config, tmp_path, sleep=sleeps if sleeps is not None else Sleeps())
        made.append(provider)
        return provider

    yield make
    for provider in made:
        provider.close()


@dataclass(frozen=True)
class Served:
    """A real sandbox server and two of its tokens."""

    url: str
    admin_token: str
    read_token: str


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    platform = Platform(tmp_path / "served.db")
    admin = platform.create_token("admin", ["admin"])
    reader = platform.create_token("dashboard", ["read"])
    try:
        with running_server(platform) as url:
            yield Served(url, admin, reader)
    finally:
        platform.close()
