"""The session's live Kolibri (see :mod:`kolibri.live`) as a pytest fixture, visible to
every test folder (``tests/conftest.py`` imports it): the Kolibri tests and the
provider contract suite share one server."""

from __future__ import annotations

import contextlib
import itertools
from collections.abc import Iterator

import pytest

from tests import services

from .live import KolibriUnavailable, LiveKolibri, installed, running_kolibri, template

# Installing Kolibri on a fresh machine takes a minute or two; only the test that
# happens to start the session pays it, so only that one gets the longer budget.
SETUP_TIMEOUT = 900

_classrooms = itertools.count(1)


@pytest.hookimpl(trylast=True)  # after -k/-m deselection: mark the test that really runs first
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        callspec = getattr(item, "callspec", None)
        params = callspec.params.values() if callspec is not None else ()
        if "kolibri" in getattr(item, "fixturenames", ()) or "kolibri" in params:
            item.add_marker(pytest.mark.timeout(SETUP_TIMEOUT))
            return


def pytest_sessionstart(session: pytest.Session) -> None:
    """With workers (``-n``), the controller installs Kolibri first: a worker that would
    otherwise wait on another's install (minutes on a fresh machine) inside a test of
    the ordinary timeout finds it ready. A failure here is the workers' to report."""
    config = session.config
    if getattr(config.option, "numprocesses", None) and not hasattr(config, "workerinput"):
        cache = services.cache_dir("kolibri")
        with contextlib.suppress(KolibriUnavailable):
            template(cache, installed(cache, {}), {})


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
