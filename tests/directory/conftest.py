from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.directory.scim_server import Scim, running_scim_server


@pytest.fixture(scope="session")
def scim_url() -> Iterator[str]:
    with running_scim_server() as url:
        yield url


@pytest.fixture
def scim(scim_url: str) -> Scim:
    """The session's SCIM server, emptied for this test."""
    server = Scim(scim_url)
    server.clear()
    return server
