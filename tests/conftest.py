"""Settings every test shares: hypothesis is reproducible in CI (a fixed seed, no example
database), and its examples stay bounded per test (each test's own ``max_examples``);
the session's real services (PostgreSQL, the live Kolibri) for every test folder."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
from hypothesis import settings
from kolibri.service import classroom, kolibri, pytest_collection_modifyitems, pytest_sessionstart

from tests.services import postgres_server

__all__ = ["classroom", "kolibri", "postgres_dsn", "postgres_schema",
           "pytest_cmdline_main", "pytest_collection_modifyitems", "pytest_sessionstart"]

settings.register_profile("ci", derandomize=True, database=None, print_blob=True)
settings.load_profile("ci" if os.environ.get("CI") == "true" else "default")

# The whole suite mostly waits (servers, subprocesses, retries): two workers finish it in
# about 60% of the time on two cores. Only when pytest runs its testpaths (README's
# command, CI); a run of named files stays in one process. ``-n N`` (``-n 0``) decides.
WORKERS = 2


@pytest.hookimpl(tryfirst=True)  # before pytest-xdist reads -n
def pytest_cmdline_main(config: pytest.Config) -> None:
    whole_suite = config.args_source is pytest.Config.ArgsSource.TESTPATHS
    if (whole_suite and config.pluginmanager.hasplugin("xdist")
            and config.option.numprocesses is None and not hasattr(config, "workerinput")
            and not config.option.collectonly and not config.option.usepdb):
        config.option.numprocesses = WORKERS


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
