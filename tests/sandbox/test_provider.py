"""The sandbox provider's own promises (the shared ones are in tests/providers):
where its database goes and how its directory is seeded."""

from __future__ import annotations

from pathlib import Path

import pytest
from reconciler_sandbox.engine import Platform
from reconciler_sandbox.provider import SandboxProvider

from reconciler.errors import ConfigError
from reconciler.model import JSON, Address, ProviderConfig, content_hash
from reconciler.providers import WriteRequest
from reconciler.rules.directory import DirectoryError

HEADER = ("employee_id,first_name,last_name,email,job_role,department,location,language,"
          "hire_date,groups,status\n")
ANA = "E1001,Ana,Diaz,ana@example.com,Nurse,Nursing,Miami,es,2021-03-04,nursing,\n"
BEN = "E1002,Ben,Ng,ben@example.com,Physician,Medicine,Boston,en,2019-06-01,physicians,\n"


def sandbox(root: Path, **options: JSON) -> SandboxProvider:
    return SandboxProvider(ProviderConfig("sandbox", options), root)


def users_csv(root: Path, text: str) -> None:
    (root / "directory").mkdir(exist_ok=True)
    (root / "directory" / "users.csv").write_text(text, encoding="utf-8")


def test_without_options_the_database_is_created_under_the_project(tmp_path: Path) -> None:
    provider = sandbox(tmp_path)
    provider.close()
    assert (tmp_path / ".learnops" / "sandbox.db").is_file()


def test_a_relative_path_starts_at_the_project_root(tmp_path: Path) -> None:
    provider = sandbox(tmp_path, path="state/nested/platform.db")
    provider.close()
    assert (tmp_path / "state" / "nested" / "platform.db").is_file()


def test_the_first_use_seeds_the_directory_from_the_users_file(tmp_path: Path) -> None:
    users_csv(tmp_path, HEADER + ANA + BEN)
    provider = sandbox(tmp_path, users="directory/users.csv")
    try:
        assert sorted(u.employee_id for u in provider.read_users()) == ["E1001", "E1002"]
    finally:
        provider.close()


def test_a_seeded_directory_is_not_overwritten_by_the_file_later(tmp_path: Path) -> None:
    users_csv(tmp_path, HEADER + ANA)
    sandbox(tmp_path, users="directory/users.csv").close()
    users_csv(tmp_path, HEADER + BEN)  # the file moved on; the platform is the truth now
    provider = sandbox(tmp_path, users="directory/users.csv")
    try:
        assert [u.employee_id for u in provider.read_users()] == ["E1001"]
    finally:
        provider.close()


def test_seeding_records_learnops_as_the_actor(tmp_path: Path) -> None:
    users_csv(tmp_path, HEADER + ANA)
    sandbox(tmp_path, users="directory/users.csv").close()
    platform = Platform(tmp_path / ".learnops" / "sandbox.db")
    try:
        assert {entry["actor"] for entry in platform.audit()} == {"learnops"}
    finally:
        platform.close()


def test_a_missing_users_file_is_a_config_error_naming_it(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"users file .*directory/users\.csv does not exist"):
        sandbox(tmp_path, users="directory/users.csv")


def test_unknown_options_are_named(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="unknown option\\(s\\) url"):
        sandbox(tmp_path, url="http://x")


def test_a_database_path_that_cannot_be_made_is_a_config_error(tmp_path: Path) -> None:
    (tmp_path / "blocked").write_text("a file where the sandbox folder should be")
    config = ProviderConfig("sandbox", {"path": "blocked/sandbox.db"})
    with pytest.raises(ConfigError, match=r"cannot open .*blocked/sandbox.db"):
        SandboxProvider(config, tmp_path)


def test_a_file_that_is_not_a_database_is_a_config_error(tmp_path: Path) -> None:
    (tmp_path / "sandbox.db").write_text("not sqlite " * 200)
    config = ProviderConfig("sandbox", {"path": "sandbox.db"})
    with pytest.raises(ConfigError, match=r"cannot open .*sandbox.db"):
        SandboxProvider(config, tmp_path)


def test_a_malformed_users_file_is_named_as_written_and_leaves_no_database(
    tmp_path: Path,
) -> None:
    (tmp_path / "directory").mkdir()
    (tmp_path / "directory" / "people.csv").write_text("id,name\nE1001,Ana\n", encoding="utf-8")
    with pytest.raises(DirectoryError) as raised:
        sandbox(tmp_path, users="directory/people.csv")
    assert str(raised.value) == "directory/people.csv:1: header has no employee_id column"
    assert not (tmp_path / ".learnops").exists()


def test_a_users_file_that_is_not_utf8_is_a_config_error_and_leaves_no_database(
    tmp_path: Path,
) -> None:
    (tmp_path / "directory").mkdir()
    (tmp_path / "directory" / "users.csv").write_bytes((HEADER + ANA).replace(
        "Diaz", "D\xeda").encode("latin-1"))
    with pytest.raises(ConfigError, match=r"users file .*users\.csv is not UTF-8 text"):
        sandbox(tmp_path, users="directory/users.csv")
    assert not (tmp_path / ".learnops").exists()


def _write(provider: SandboxProvider, kind: str, name: str, spec: dict[str, JSON]) -> None:
    provider.write(WriteRequest(
        address=Address(kind, name), action="create", idempotency_key=f"{kind}-{name}",
        spec=spec, spec_hash=content_hash(spec),
    ))


def test_status_is_read_when_looked_at_and_says_what_a_full_read_says(tmp_path: Path) -> None:
    users_csv(tmp_path, HEADER + ANA + BEN)
    provider = sandbox(tmp_path, users="directory/users.csv")
    try:
        _write(provider, "LearningObject", "hand-hygiene", {"title": "Hand hygiene",
                                                            "type": "course"})
        _write(provider, "Audience", "nurses", {"groups": ["nursing"]})
        _write(provider, "Assignment", "nurses-hygiene", {
            "audience": "nurses", "items": [{"object": "hand-hygiene"}]})
        reads: list[tuple[str, str]] = []
        counted = provider.platform.resource_status

        def spy(kind: str, name: str) -> dict[str, JSON]:
            reads.append((kind, name))
            return counted(kind, name)

        provider.platform.resource_status = spy  # type: ignore[method-assign]
        live = {r.address: r for r in provider.read_resources()}
        assert reads == []  # a read that looks at no status counts nothing
        full = {
            Address(kind, item["metadata"]["name"]): item["status"]
            for kind in ("LearningObject", "Audience", "Assignment")
            for item in provider.platform.list_resources(kind)
        }
        assert {address: dict(r.status) for address, r in live.items()} == full
        assert live[Address("Audience", "nurses")].status["members"] == 1
        assert live[Address("Assignment", "nurses-hygiene")].status["enrolled"] == 1
        assert len(reads) == 3  # each resource's status once, however often it is read
        assert live[Address("Assignment", "nurses-hygiene")].status["active"] is True
        assert len(reads) == 3
    finally:
        provider.close()


def test_a_malformed_users_file_for_an_unseeded_database_is_named_and_seeds_nothing(
    tmp_path: Path,
) -> None:
    sandbox(tmp_path).close()  # the database is there, with nobody in it
    (tmp_path / "directory").mkdir()
    (tmp_path / "directory" / "people.csv").write_text("id,name\nE1001,Ana\n", encoding="utf-8")
    with pytest.raises(DirectoryError) as raised:
        sandbox(tmp_path, users="directory/people.csv")
    assert str(raised.value) == "directory/people.csv:1: header has no employee_id column"
    provider = sandbox(tmp_path)
    try:
        assert provider.read_users() == []
    finally:
        provider.close()
