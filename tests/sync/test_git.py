"""The working copy the sync owns, driven through the real git command line."""

from __future__ import annotations

from pathlib import Path

import pytest

from reconciler.errors import GitError, UsageError
from reconciler.sync.git import Remote, WorkingCopy

from .repo import SpecRepo


def test_head_is_read_without_fetching_and_update_checks_it_out(
    repo: SpecRepo, workdir: Path
) -> None:
    copy = WorkingCopy(Remote.of(str(repo.root), "main"), workdir)
    assert copy.head() == repo.first
    assert not workdir.exists()  # ls-remote moved nothing

    assert copy.update() == repo.first
    assert (workdir / "specs" / "objects.yaml").read_text() == (
        repo.root / "specs" / "objects.yaml"
    ).read_text()
    assert copy.checked_out == repo.first


def test_update_follows_new_commits_and_keeps_untracked_state(
    repo: SpecRepo, workdir: Path
) -> None:
    copy = WorkingCopy(Remote.of(str(repo.root), "main"), workdir)
    copy.update()
    state = workdir / "specs" / ".learnops" / "sandbox.db"
    state.parent.mkdir(parents=True)
    state.write_bytes(b"platform state")
    repo.remove("specs/assignments/privacy.yaml")
    second = repo.commit("privacy ends")

    assert copy.head() == second
    assert copy.update() == second
    assert not (workdir / "specs" / "assignments" / "privacy.yaml").exists()
    assert state.read_bytes() == b"platform state"
    # A new WorkingCopy on the same folder knows where it stands.
    assert WorkingCopy(copy.remote, workdir).checked_out == second


def test_an_earlier_revision_is_on_disk_for_a_block_then_the_head_again(
    repo: SpecRepo, workdir: Path
) -> None:
    copy = WorkingCopy(Remote.of(str(repo.root), "main"), workdir)
    copy.update()
    repo.remove("specs/assignments/privacy.yaml")
    second = repo.commit("privacy ends")
    copy.update()
    privacy = workdir / "specs" / "assignments" / "privacy.yaml"

    with copy.checked_out_at(repo.first):
        assert privacy.exists() and copy.checked_out == repo.first

    assert not privacy.exists()
    assert copy.checked_out == second == WorkingCopy(copy.remote, workdir).checked_out
    gone = "0" * 40
    with pytest.raises(GitError, match="git checkout failed: reference is not a tree"), \
            copy.checked_out_at(gone):
        pass
    assert copy.checked_out == second


def test_a_missing_branch_is_named(repo: SpecRepo, workdir: Path) -> None:
    copy = WorkingCopy(Remote.of(str(repo.root), "release"), workdir)
    with pytest.raises(GitError, match="the branch 'release' does not exist"):
        copy.head()


def test_a_missing_repository_carries_gits_message(tmp_path: Path) -> None:
    copy = WorkingCopy(Remote.of(str(tmp_path / "nowhere"), "main"), tmp_path / "copy")
    with pytest.raises(GitError) as raised:
        copy.head()
    assert "git ls-remote failed" in str(raised.value)
    assert "nowhere" in str(raised.value)
    # git's reason, not the generic advice it prints after it
    assert "does not appear to be a git repository" in raised.value.message
    assert "repository exists" not in raised.value.message
    assert "fatal" not in raised.value.message


def test_a_folder_it_did_not_make_is_left_alone(repo: SpecRepo, tmp_path: Path) -> None:
    foreign = tmp_path / "someone-elses"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("mine")
    with pytest.raises(GitError, match="not a working copy learnops made"):
        WorkingCopy(Remote.of(str(repo.root), "main"), foreign).update()
    assert (foreign / "notes.txt").read_text() == "mine"


@pytest.mark.parametrize(("repo_arg", "branch"), [("--upload-pack=evil", "main"),
                                                  ("repo", "--force"), ("repo", "a..b")])
def test_option_like_names_are_refused(repo_arg: str, branch: str) -> None:
    with pytest.raises(UsageError):
        Remote.of(repo_arg, branch)
