"""One live Kolibri per test session (see :mod:`tests.kolibri.live`), and a clean
corner of it per test: every test gets a classroom of its own, so tests share the
server without seeing each other's groups and lessons."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path

import pytest
import services
from reconciler_kolibri.provider import KolibriProvider

from reconciler.model import JSON, ProviderConfig

from .live import (
    ADMIN_PASSWORD,
    ADMIN_USERNAME,
    CHANNEL_NAME,
    FACILITY,
    KolibriUnavailable,
    LiveKolibri,
    running_kolibri,
)
from .program import USERS_CSV

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
def activity(kolibri: LiveKolibri) -> Iterator[LiveKolibri]:
    """The live Kolibri for a test that records learners' progress: Kolibri keeps it per
    learner and content, across classrooms, so it is wiped when the test ends."""
    yield kolibri
    kolibri.shell("from kolibri.core.logger.models import ContentSummaryLog\n"
                  "ContentSummaryLog.objects.all().delete()")


@pytest.fixture
def classroom() -> str:
    """A classroom name no other test of this session uses."""
    return f"learnops-test-{next(_classrooms)}"


USER_ENV = "LEARNOPS_KOLIBRI_USER"
PASSWORD_ENV = "LEARNOPS_KOLIBRI_PASSWORD"


@pytest.fixture
def target(kolibri: LiveKolibri, classroom: str, tmp_path: Path,
           monkeypatch: pytest.MonkeyPatch) -> dict[str, JSON]:
    """learnops.yaml's target for this test's classroom, its directory beside it."""
    users = tmp_path / "directory" / "users.csv"
    users.parent.mkdir(parents=True, exist_ok=True)
    users.write_text(USERS_CSV, encoding="utf-8")
    monkeypatch.setenv(USER_ENV, ADMIN_USERNAME)
    monkeypatch.setenv(PASSWORD_ENV, ADMIN_PASSWORD)
    return {"type": "kolibri", "url": kolibri.url, "facility": FACILITY,
            "classroom": classroom, "username_env": USER_ENV, "password_env": PASSWORD_ENV,
            "channel": CHANNEL_NAME, "users": "directory/users.csv", "manage_users": True}


def kolibri_config(target: dict[str, JSON]) -> ProviderConfig:
    return ProviderConfig("kolibri", {k: v for k, v in target.items() if k != "type"})


@pytest.fixture
def provider(target: dict[str, JSON], tmp_path: Path) -> Iterator[KolibriProvider]:
    opened = KolibriProvider(kolibri_config(target), tmp_path)
    yield opened
    opened.close()
