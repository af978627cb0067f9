"""``state:`` in learnops.yaml end to end: the sandbox with its state in a local SQLite
file instead of on the platform, per project and per target."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

import pytest

from reconciler.cli.main import main

SPECS = Path(__file__).resolve().parents[2] / "specs"
Capture = pytest.CaptureFixture[str]


def with_yaml(tmp_path: Path, extra: str, provider: str | None = None) -> Path:
    project = tmp_path / "specs"
    shutil.copytree(SPECS, project, ignore=shutil.ignore_patterns(".learnops"))
    yaml = project / "learnops.yaml"
    text = yaml.read_text(encoding="utf-8")
    if provider is not None:
        text = "\n".join(
            provider if line.startswith("provider:") else line for line in text.splitlines()
        )
    yaml.write_text(text + "\n" + extra, encoding="utf-8")
    return project


def records(db: Path, workspace: str = "provider") -> dict[str, str]:
    with sqlite3.connect(db) as conn:
        return dict(conn.execute(
            "SELECT address, spec_hash FROM records WHERE workspace = ?", (workspace,)
        ).fetchall())


def serial(db: Path, workspace: str = "provider") -> int:
    with sqlite3.connect(db) as conn:
        row = conn.execute("SELECT serial FROM workspaces WHERE workspace = ?",
                           (workspace,)).fetchone()
    return int(row[0])


def test_local_state_records_what_apply_wrote_and_a_rerun_changes_nothing(
    tmp_path: Path, capsys: Capture
) -> None:
    project = with_yaml(tmp_path, "state: local\n")
    assert main(["apply", str(project), "--auto-approve"]) == 0
    db = project / ".learnops" / "state.db"
    kept = records(db)
    assert "Assignment/hipaa-2027-clinical" in kept
    assert all(value.startswith("sha256:") for value in kept.values())
    assert serial(db) == 1
    capsys.readouterr()

    assert main(["plan", str(project), "--detailed-exitcode"]) == 0
    assert "local state serial 1" in capsys.readouterr().out
    assert main(["apply", str(project), "--auto-approve"]) == 0
    assert serial(db) == 1  # nothing written, nothing raised


def test_a_saved_plan_is_refused_once_the_local_state_moved(
    tmp_path: Path, capsys: Capture
) -> None:
    project = with_yaml(tmp_path, "state: {type: local, path: .learnops/team-state.db}\n")
    saved = tmp_path / "plan.json"
    assert main(["plan", str(project), "--out", str(saved), "--output", "json"]) == 0
    document = json.loads(saved.read_text(encoding="utf-8"))
    assert document["target"]["state"]["backend"] == "local"
    assert document["target"]["state"]["serial"] == 0
    assert main(["apply", str(project), "--auto-approve"]) == 0  # another apply first
    capsys.readouterr()

    assert main(["apply", str(saved)]) == 1
    err = capsys.readouterr().err
    assert "stale" in err and "serial 0, now 1" in err


def test_a_targets_own_state_is_not_a_provider_option(tmp_path: Path, capsys: Capture) -> None:
    project = with_yaml(
        tmp_path,
        "targets:\n  local-copy: {type: sandbox, path: .learnops/copy.db, "
        "users: directory/users.csv, catalog: directory/catalog.csv, state: local}\n",
    )
    assert main(["apply", str(project), "--target", "local-copy", "--auto-approve"]) == 0
    db = project / ".learnops" / "state.db"
    assert records(db, "local-copy")  # the target's workspace, not the default's
    assert not records(db, "provider")
    capsys.readouterr()
    assert main(["validate", str(project)]) == 0


def test_an_unknown_state_backend_is_one_clear_line(tmp_path: Path, capsys: Capture) -> None:
    project = with_yaml(tmp_path, "state: etcd\n")
    assert main(["plan", str(project)]) != 0
    err = capsys.readouterr().err
    assert "unknown state backend type 'etcd'" in err and "local" in err
    assert "Traceback" not in err
