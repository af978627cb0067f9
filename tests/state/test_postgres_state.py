"""``state: postgres`` against a real PostgreSQL server (started once per session):
two applies from two runners take turns, a lock names its holder, the schema is
created and migrated by learnops, and a DSN's password is never shown."""

from __future__ import annotations

import contextlib
import os
import select
import shutil
import subprocess
import sys
import time
from pathlib import Path

import psycopg
import pytest

from reconciler.cli.main import main
from reconciler.errors import ConfigError, LockHeldError
from reconciler.state.postgres import PostgresState, redacted
from reconciler.state.sql import SCHEMA_VERSION

SPECS = Path(__file__).resolve().parents[2] / "specs"
Capture = pytest.CaptureFixture[str]


def project_on_postgres(tmp_path: Path, schema: str) -> Path:
    project = tmp_path / "specs"
    shutil.copytree(SPECS, project, ignore=shutil.ignore_patterns(".learnops"))
    yaml = project / "learnops.yaml"
    yaml.write_text(
        yaml.read_text(encoding="utf-8")
        + f"state: {{type: postgres, dsn_env: LEARNOPS_STATE_DSN, schema: {schema}}}\n",
        encoding="utf-8",
    )
    return project


def with_password(dsn: str, password: str) -> str:
    # The test server trusts local connections: a password is accepted and ignored.
    return dsn.replace("postgres:@", f"postgres:{password}@", 1)


def serial(dsn: str, schema: str) -> int:
    with psycopg.connect(dsn) as conn:
        row = conn.execute(f"SELECT serial FROM {schema}.workspaces WHERE workspace = 'provider'"
                           ).fetchone()
    assert row is not None
    return int(row[0])


def full_pipe() -> tuple[int, int, int]:
    """A pipe whose buffer is already full: ``(read_end, write_end, filler)``. A process
    writing to it blocks at its first write until the reader drains ``filler`` bytes."""
    read_end, write_end = os.pipe()
    os.set_blocking(write_end, False)
    filler = 0
    with contextlib.suppress(BlockingIOError):
        while True:  # PIPE_BUF-sized writes are whole or refused: never half a chunk
            filler += os.write(write_end, b"." * select.PIPE_BUF)
    os.set_blocking(write_end, True)
    return read_end, write_end, filler


def lock_holder(dsn: str, schema: str, first: subprocess.Popen[str]) -> str:
    """The holder the apply lock's row names, once ``first`` has taken the lock."""
    with psycopg.connect(dsn, autocommit=True) as conn:
        while first.poll() is None:  # a hang guard: pytest's own timeout ends the rest
            with contextlib.suppress(psycopg.errors.UndefinedTable):
                row = conn.execute(f"SELECT holder FROM {schema}.locks WHERE workspace = "
                                   "'provider'").fetchone()
                if row is not None:
                    return str(row[0])
            time.sleep(0.02)  # polling for an event, not a margin: nothing races it
    raise AssertionError(f"the first apply ended without taking the lock: {first.returncode}")


def test_two_concurrent_applies_take_turns(
    tmp_path: Path, postgres_dsn: str, postgres_schema: str
) -> None:
    """The second apply waits on the first's advisory lock, and plans after the first's
    writes. No timing: the first is held inside its lock (its stdout, where it prints
    the plan it made under the lock before any write, is a full pipe) until the second
    has said whose lock it waits for."""
    project = project_on_postgres(tmp_path, postgres_schema)
    env = {**os.environ, "LEARNOPS_STATE_DSN": postgres_dsn, "NO_COLOR": "1",
           "PYTHONUNBUFFERED": "1"}  # the plan reaches the pipe while the lock is held
    command = [str(Path(sys.executable).parent / "learnops"), "apply", str(project),
               "--auto-approve", "--lock-timeout", "300s"]
    read_end, write_end, filler = full_pipe()
    first = subprocess.Popen(command, env=env, stdout=write_end, stderr=subprocess.PIPE,
                             text=True)
    os.close(write_end)
    second: subprocess.Popen[str] | None = None
    try:
        holder = lock_holder(postgres_dsn, postgres_schema, first)
        assert holder.endswith(f" pid {first.pid}")
        second = subprocess.Popen(command, env=env, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True)
        assert second.stderr is not None
        waiting = ""
        while "for the apply lock held by" not in waiting:  # or it ends without waiting
            line = second.stderr.readline()
            if not line:
                break
            waiting += line
        # It found the lock taken, by the first apply (held there, writing nothing yet).
        assert f"for the apply lock held by {holder}" in waiting, waiting
        assert first.poll() is None
        with os.fdopen(read_end, "rb") as drained:  # the first apply goes on
            first_out = drained.read()[filler:].decode()
        first_err = first.communicate(timeout=240)[1]
        second_out, second_err = second.communicate(timeout=240)
    finally:
        for runner in (first, second):
            if runner is not None and runner.poll() is None:
                runner.kill()
                runner.wait()
    outputs = [(first_out, first_err), (second_out, waiting + second_err)]
    assert [first.returncode, second.returncode] == [0, 0], outputs
    # The first wrote everything; the second planned after it, under the lock, and
    # found nothing to do (had they overlapped, both would have planned creates).
    assert first_out.count("created ") > 10, outputs
    assert second_out.count("created ") == 0, outputs
    assert "No changes" in second_out, outputs
    assert serial(postgres_dsn, postgres_schema) == 1


def test_a_held_lock_names_its_holder_and_force_unlock_frees_it(
    tmp_path: Path, postgres_dsn: str, postgres_schema: str, capsys: Capture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    project = project_on_postgres(tmp_path, postgres_schema)
    monkeypatch.setenv("LEARNOPS_STATE_DSN", postgres_dsn)
    other = PostgresState(postgres_dsn, "provider", schema=postgres_schema)
    try:
        lock = other.acquire_lock("ana@runner-7 pid 4242", 600)
        with pytest.raises(LockHeldError, match="ana@runner-7"):
            PostgresState(postgres_dsn, "provider", schema=postgres_schema).acquire_lock("b", 5)
        assert main(["apply", str(project), "--auto-approve", "--lock-timeout", "0.3s"]) == 1
        err = capsys.readouterr().err
        assert "ana@runner-7 pid 4242" in err and lock.lock_id in err
        assert main(["force-unlock", lock.lock_id, str(project)]) == 0
        assert main(["apply", str(project), "--auto-approve", "--lock-timeout", "5s"]) == 0
    finally:
        other.close()


def test_the_schema_is_created_and_an_older_one_migrated(
    postgres_dsn: str, postgres_schema: str
) -> None:
    with psycopg.connect(postgres_dsn, autocommit=True) as conn:  # a version-1 state
        conn.execute(f"CREATE SCHEMA {postgres_schema}")
        conn.execute(f"SET search_path TO {postgres_schema}")
        conn.execute("CREATE TABLE schema_version (version INTEGER NOT NULL)")
        conn.execute("INSERT INTO schema_version VALUES (1)")
        conn.execute("CREATE TABLE workspaces (workspace TEXT PRIMARY KEY, lineage TEXT "
                     "NOT NULL, serial BIGINT NOT NULL)")
        conn.execute("INSERT INTO workspaces VALUES ('provider', 'kept-lineage', 7)")
        for table in (
            "records (workspace TEXT NOT NULL, address TEXT NOT NULL, platform_id TEXT "
            "NOT NULL, spec_hash TEXT, essence TEXT, fingerprint TEXT, applied_at TEXT NOT "
            "NULL, PRIMARY KEY (workspace, address))",
            "pending (workspace TEXT NOT NULL, address TEXT NOT NULL, action TEXT NOT NULL, "
            "idempotency_key TEXT NOT NULL, started_at TEXT NOT NULL, PRIMARY KEY "
            "(workspace, address))",
            "locks (workspace TEXT PRIMARY KEY, lock_id TEXT NOT NULL, holder TEXT NOT NULL, "
            "created TEXT NOT NULL, expires_at DOUBLE PRECISION NOT NULL)",
        ):
            conn.execute(f"CREATE TABLE {table}")
    state = PostgresState(postgres_dsn, "provider", schema=postgres_schema)
    try:
        assert state.serial() == ("kept-lineage", 7)
        lock = state.acquire_lock("ana", 30)  # uses the column migration 2 added
        state.release_lock(lock)
    finally:
        state.close()
    with psycopg.connect(postgres_dsn) as conn:
        row = conn.execute(f"SELECT version FROM {postgres_schema}.schema_version").fetchone()
    assert row == (SCHEMA_VERSION,)


def test_a_dsn_password_is_never_shown(
    tmp_path: Path, postgres_dsn: str, postgres_schema: str, capsys: Capture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    secret = "s3cret-Pa55"
    assert secret not in redacted(f"postgresql://ana:{secret}@db.example:5432/learnops")
    assert secret not in redacted(f"host=db.example user=ana password={secret} dbname=x")
    project = project_on_postgres(tmp_path, postgres_schema)
    monkeypatch.setenv("LEARNOPS_STATE_DSN", with_password(postgres_dsn, secret))
    assert main(["apply", str(project), "--auto-approve"]) == 0
    assert main(["plan", str(project)]) == 0
    # An unreachable server: one line naming where, without the password.
    monkeypatch.setenv("LEARNOPS_STATE_DSN",
                       f"postgresql://ana:{secret}@127.0.0.1:1/learnops?connect_timeout=2")
    assert main(["plan", str(project)]) != 0
    out, err = capsys.readouterr()
    assert secret not in out + err
    assert "cannot connect to postgresql://ana@127.0.0.1:1/learnops" in err
    assert "Traceback" not in err


def test_a_missing_dsn_variable_is_a_config_error(
    tmp_path: Path, postgres_schema: str, capsys: Capture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("LEARNOPS_STATE_DSN", raising=False)
    assert main(["plan", str(project_on_postgres(tmp_path, postgres_schema))]) != 0
    assert "LEARNOPS_STATE_DSN" in capsys.readouterr().err
    with pytest.raises(ConfigError, match="connect"):
        PostgresState("postgresql://nobody@127.0.0.1:1/x?connect_timeout=1", "provider")
