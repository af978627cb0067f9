"""Real services the tests start themselves (PostgreSQL, SCIM, Kolibri).

A test that cannot get its service skips with the reason; under ``CI=true`` the
same situation fails, because CI is where the service must be there.
Installs are cached under ``.cache/services/`` (ignored by git), so a fresh
machine pays for them once.
"""

from __future__ import annotations

import os
import socket
from pathlib import Path
from typing import NoReturn

import pytest

REPO = Path(__file__).resolve().parent.parent


def unavailable(reason: str) -> NoReturn:
    """Skip (locally) or fail (under CI=true) a test whose real service is missing."""
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"real service unavailable under CI=true: {reason}", pytrace=False)
    pytest.skip(reason)


def cache_dir(name: str) -> Path:
    """A folder under .cache/services/ that survives between test runs."""
    path = REPO / ".cache" / "services" / name
    path.mkdir(parents=True, exist_ok=True)
    return path


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port
