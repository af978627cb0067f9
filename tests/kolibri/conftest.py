"""One live Kolibri per test session (see :mod:`tests.kolibri.live`), and a clean
corner of it per test: every test gets a classroom of its own, so tests share the
server without seeing each other's groups and lessons."""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import pytest
import services

from .live import KolibriUnavailable, LiveKolibri, running_kolibri

# Installing Kolibri on a fresh machine takes a minute or two; only the test that
# happens to start the session pays it, so only that one gets the longer budget.
SETUP_TIMEOUT = 900

_classrooms = itertools.count(1)


@pytest.hookimpl(trylast=True)  # after -k/-m deselection: mark the test that really runs first
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "kolibri" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.timeout(SETUP_TIMEOUT))
            return


@pytest.fixture(scope="session")
def kolibri(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveKolibri]:
    try:
        with running_kolibri(
            services.cache_dir("kolibri"), tmp_path_factory.mktemp("kolibri"),
            services.free_port(), services.free_port(),
        ) as live:
            yield live
    except KolibriUnavailable as problem:
        services.unavailable(f"Kolibri {problem}")


@pytest.fixture
def classroom() -> str:
    """A classroom name no other test of this session uses."""
    return f"learnops-test-{next(_classrooms)}"
