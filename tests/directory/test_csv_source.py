"""Which directory a project reads, and the CSV kind of it."""

from __future__ import annotations

from pathlib import Path

import pytest

from reconciler.directory import open_directory, read_snapshot, snapshot_digest
from reconciler.errors import ConfigError
from reconciler.model import ProjectConfig, ProviderConfig
from reconciler.rules.directory import User, parse_users_csv, users_csv

USERS = "employee_id,job_role,groups,status\nE1,Nurse,nursing,\nE2,Physician,,inactive\n"


def project(root: Path, *, users: str | None = None,
            directory: ProviderConfig | None = None) -> ProjectConfig:
    options = {"path": ".learnops/sandbox.db"} | ({"users": users} if users else {})
    return ProjectConfig("p", root, ProviderConfig("sandbox", options),
                         targets={"lms": ProviderConfig("rest", {"url": "http://x"})},
                         directory=directory)


def test_without_a_users_file_or_directory_the_platform_is_the_directory(tmp_path: Path) -> None:
    assert open_directory(project(tmp_path)) is None
    assert read_snapshot(project(tmp_path)) is None


def test_the_providers_users_file_is_the_default_for_that_target_only(tmp_path: Path) -> None:
    (tmp_path / "users.csv").write_text(USERS, encoding="utf-8")
    config = project(tmp_path, users="users.csv")
    snapshot = read_snapshot(config)
    assert snapshot is not None and snapshot.source == "csv users.csv"
    assert [u.employee_id for u in snapshot.users] == ["E1", "E2"]
    assert open_directory(config, "lms") is None


def test_directory_names_the_source_for_every_target(tmp_path: Path) -> None:
    (tmp_path / "people.csv").write_text(USERS, encoding="utf-8")
    config = project(tmp_path, users="other.csv",
                     directory=ProviderConfig("csv", {"path": "people.csv"}))
    for target in (None, "lms"):
        source = open_directory(config, target)
        assert source is not None and source.description == "csv people.csv"


def test_the_digest_follows_content_not_order() -> None:
    a, b = User("E1", {"x": "1"}), User("E2")
    assert snapshot_digest([a, b]) == snapshot_digest([b, a])
    assert snapshot_digest([a, b]) != snapshot_digest([a, User("E2", active=False)])


def test_a_bad_users_file_names_its_line(tmp_path: Path) -> None:
    (tmp_path / "users.csv").write_text("employee_id,hire_date\nE1,soon\n", encoding="utf-8")
    with pytest.raises(Exception) as problem:
        read_snapshot(project(tmp_path, users="users.csv"))
    assert str(problem.value).startswith("users.csv:2: hire_date 'soon' is not a date")


def test_a_missing_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"users file users\.csv does not exist"):
        read_snapshot(project(tmp_path, users="users.csv"))


def test_users_written_as_csv_read_back_the_same() -> None:
    people = [User("E1", {"job_role": "Nurse", "city": "Oslo, Norway"}, frozenset({"a", "b"})),
              User("E2", {"language": "es"}, frozenset(), active=False)]
    assert parse_users_csv(users_csv(people)) == people
