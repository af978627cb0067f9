"""``state: postgres`` against a real PostgreSQL server (started once per session):
two applies from two runners take turns, a lock names its holder, the schema is
created and migrated by learnops, and a DSN's password is never shown."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
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


def test_two_concurrent_applies_take_turns(
    tmp_path: Path, postgres_dsn: str, postgres_schema: str
) -> None:
    project = project_on_postgres(tmp_path, postgres_schema)
    env = {**os.environ, "LEARNOPS_STATE_DSN": postgres_dsn, "NO_COLOR": "1"}
    command = [str(Path(sys.executable).parent / "learnops"), "apply", str(project),
               "--auto-approve", "--lock-timeout", "120s"]
    runners = [subprocess.Popen(command, env=env, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outputs = [runner.communicate(timeout=240) for runner in runners]
    assert [runner.returncode for runner in runners] == [0, 0], outputs
    created = [out.count("created ") for out, _ in outputs]
    # One apply wrote everything; the other planned after it, under the lock, and
    # found nothing to do (had they overlapped, both would have planned creates).
    assert sorted(created)[0] == 0 and sorted(created)[1] > 10, outputs
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
