"""Hostile commits reaching the sync loop: a file name that is not UTF-8, a link out of
the working copy (a file, or the spec folder itself). Each is a located failure in
``/status``; nothing is applied and nothing outside the working copy is read."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from .repo import OBJECTS, SpecRepo, audit_after, cycle, last_audit_id, make_syncer

SECRET = OBJECTS.replace("privacy-101", "read-from-outside")


def test_a_file_name_that_is_not_utf8_fails_the_revision_with_its_place(
    repo: SpecRepo, workdir: Path
) -> None:
    syncer = make_syncer(repo, workdir, auto_apply=True)
    assert cycle(syncer).failure is None
    mark = last_audit_id(repo.db)
    name = os.fsdecode(b"specs/caf\xe9.yaml")
    (repo.root / name).write_text(OBJECTS, encoding="utf-8")
    bad = repo.commit("a file name in Latin-1")

    report = cycle(syncer)

    assert report.failure is not None
    assert syncer.status.head == bad
    assert report.failure.code == "LO313"
    assert report.failure.where == "specs/caf\\xe9.yaml:1:1"
    assert "file name is not UTF-8" in report.failure.message
    assert audit_after(repo.db, mark) == []
    json.dumps(syncer.status.to_json()).encode("utf-8")  # /status can serve it
    syncer.close()


def test_a_linked_file_out_of_the_working_copy_is_never_read(
    repo: SpecRepo, workdir: Path, tmp_path: Path
) -> None:
    outside = tmp_path / "outside.yaml"
    outside.write_text(SECRET, encoding="utf-8")
    (repo.root / "specs" / "stolen.yaml").symlink_to(outside)
    repo.commit("a link to a file elsewhere")
    syncer = make_syncer(repo, workdir, auto_apply=True)

    report = cycle(syncer)

    assert report.failure is not None
    assert report.failure.code == "LO314"
    assert report.failure.where == "specs/stolen.yaml:1:1"
    assert "read-from-outside" not in json.dumps(report.failure.details)
    assert audit_after(repo.db, 0) == []
    syncer.close()


@pytest.mark.parametrize("target", ["/etc", "../.."])
def test_a_spec_folder_that_is_a_link_out_of_the_working_copy_is_refused(
    repo: SpecRepo, workdir: Path, target: str
) -> None:
    subprocess.run(["git", "mv", "specs", "real-specs"], cwd=repo.root, check=True)
    (repo.root / "specs").symlink_to(target, target_is_directory=True)
    repo.commit("specs is a link now")
    syncer = make_syncer(repo, workdir, auto_apply=True)

    report = cycle(syncer)

    assert report.failure is not None
    assert report.failure.where == "specs"
    assert "is a symbolic link leading outside the working copy" in report.failure.message
    assert audit_after(repo.db, 0) == []
    syncer.close()
