"""Settings every test shares: hypothesis is reproducible in CI (a fixed seed, no example
database), and its examples stay bounded per test (each test's own ``max_examples``);
the session's real services (PostgreSQL, the live Kolibri) for every test folder."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
from hypothesis import settings
from kolibri.service import classroom, kolibri, pytest_collection_modifyitems

from tests.services import postgres_server

__all__ = ["classroom", "kolibri", "postgres_dsn", "postgres_schema",
           "pytest_collection_modifyitems"]

settings.register_profile("ci", derandomize=True, database=None, print_blob=True)
settings.load_profile("ci" if os.environ.get("CI") == "true" else "default")


@pytest.fixture(scope="session")
def postgres_dsn() -> Iterator[str]:
    """One real PostgreSQL server for the whole session, started in a temporary folder."""
    dsn, stop = postgres_server()
    yield dsn
    stop()


@pytest.fixture
def postgres_schema() -> str:
    """A schema of its own per test: tests share the server, never their tables."""
    return f"t_{uuid.uuid4().hex[:12]}"
