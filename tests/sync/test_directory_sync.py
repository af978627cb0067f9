"""A directory outside the repository is desired state for sync too: a new hire in it
ends an idle spell, is planned and (with auto-apply) applied."""

from __future__ import annotations

from pathlib import Path

from reconciler_sandbox.engine import Platform

from .repo import USERS, SpecRepo, cycle, make_syncer


def platform_users(db: Path) -> set[str]:
    platform = Platform(db)
    try:
        return {user.employee_id for user in platform.directory()}
    finally:
        platform.close()


def directory_from_hr(repo: SpecRepo, tmp_path: Path) -> Path:
    """HR's users file, outside the repository, committed as the project's directory."""
    people = tmp_path / "hr" / "users.csv"
    people.parent.mkdir()
    people.write_text(USERS, encoding="utf-8")
    learnops_yaml = (repo.root / "specs" / "learnops.yaml").read_text(encoding="utf-8")
    repo.commit("directory from HR", {
        "specs/learnops.yaml": learnops_yaml + f"directory: {{type: csv, path: '{people}'}}\n"})
    return people


def test_a_directory_change_ends_an_idle_spell(repo: SpecRepo, workdir: Path,
                                                tmp_path: Path) -> None:
    people = directory_from_hr(repo, tmp_path)
    syncer = make_syncer(repo, workdir, auto_apply=True)
    assert cycle(syncer).failure is None
    assert cycle(syncer).idle
    assert "E1009" not in platform_users(repo.db)

    people.write_text(USERS + "E1009,Di,Ok,di@example.com,Nurse,Nursing,Miami,es,"
                      "2026-06-01,nursing,\n", encoding="utf-8")
    moved = cycle(syncer)
    assert not moved.idle and moved.failure is None
    assert "E1009" in platform_users(repo.db)
    assert cycle(syncer).idle
    syncer.close()


def test_a_restarted_sync_still_sees_the_directory_move(repo: SpecRepo, workdir: Path,
                                                         tmp_path: Path) -> None:
    people = directory_from_hr(repo, tmp_path)
    first = make_syncer(repo, workdir, auto_apply=True)
    assert cycle(first).failure is None
    first.close()
    again = make_syncer(repo, workdir, auto_apply=True)  # sync --once from cron
    assert cycle(again).idle
    people.write_text(USERS.replace("Physician", "Nurse"), encoding="utf-8")
    assert not cycle(again).idle
    again.close()
