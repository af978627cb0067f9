"""A clean corner of the session's live Kolibri (:mod:`kolibri.service`) per test:
every test gets a classroom of its own, so tests share the server without seeing
each other's groups and lessons."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from reconciler_kolibri.provider import KolibriProvider

from reconciler.model import JSON, ProviderConfig

from .live import (
    ADMIN_PASSWORD,
    ADMIN_USERNAME,
    CHANNEL_NAME,
    FACILITY,
    LiveKolibri,
)
from .program import USERS_CSV


@pytest.fixture
def activity(kolibri: LiveKolibri) -> Iterator[LiveKolibri]:
    """The live Kolibri for a test that records learners' progress: Kolibri keeps it per
    learner and content, across classrooms, so it is wiped when the test ends."""
    yield kolibri
    kolibri.shell("from kolibri.core.logger.models import ContentSummaryLog\n"
                  "ContentSummaryLog.objects.all().delete()")




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
