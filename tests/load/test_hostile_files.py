"""Hostile spec directories: file names that are not UTF-8, and symbolic links that leave
the directory. Each gets one located line and exit 1; nothing outside the directory is read."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from reconciler.cli.main import main

ROOT = Path(__file__).resolve().parents[2]
SECRET = "apiVersion: learnops/v1\nkind: do-not-read\n"  # would be quoted in an error


@pytest.fixture
def specs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    target = tmp_path / "specs"
    shutil.copytree(ROOT / "specs", target, ignore=shutil.ignore_patterns(".learnops"))
    return target


def validate(specs: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    os.chdir(specs.parent)  # locations are then relative: specs/objects/...
    code = main(["validate", "specs"])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def link_out(inside: Path, outside: Path) -> None:
    """Moves a spec file out of the directory and leaves a link to it in its place."""
    shutil.move(inside, outside)
    inside.symlink_to(outside)


def test_a_file_name_that_is_not_utf8_is_a_located_error(
    specs: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    name = os.fsdecode(b"objects/caf\xe9.yaml")
    (specs / name).write_text("apiVersion: learnops/v1\n", encoding="utf-8")
    code, out, err = validate(specs, capsys)
    assert (code, err) == (1, "")
    errors = [line for line in out.splitlines() if "error[" in line]
    assert errors == [
        "specs/objects/caf\\xe9.yaml:1:1: error[LO313]: file name is not UTF-8 (byte 0xe9): "
        "rename the file"
    ]


def test_a_folder_name_that_is_not_utf8_is_a_located_error(
    specs: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = specs / os.fsdecode(b"\xff\xfe")
    folder.mkdir()
    shutil.move(specs / "objects" / "safety.yaml", folder / "safety.yaml")
    code, out, _ = validate(specs, capsys)
    assert code == 1
    assert "specs/\\xff\\xfe/safety.yaml:1:1: error[LO313]: file name is not UTF-8" in out


def test_a_file_linked_outside_the_directory_is_never_read(
    specs: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    outside = tmp_path / "passwd"
    outside.write_text(SECRET, encoding="utf-8")
    (specs / "objects" / "passwd.yaml").symlink_to(outside)
    code, out, err = validate(specs, capsys)
    assert (code, err) == (1, "")
    assert "do-not-read" not in out
    errors = [line for line in out.splitlines() if "error[" in line]
    assert errors == [
        f"specs/objects/passwd.yaml:1:1: error[LO314]: symbolic link leads outside the spec "
        f"directory (to {outside}): copy the file in instead"
    ]


def test_a_project_file_linked_outside_is_refused(
    specs: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    link_out(specs / "learnops.yaml", tmp_path / "learnops.yaml")
    code, out, _ = validate(specs, capsys)
    assert code == 1
    assert "specs/learnops.yaml:1:1: error[LO314]: symbolic link leads outside" in out


def test_a_relative_link_climbing_out_and_a_linked_folder_are_refused(
    specs: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "more.yaml").write_text(SECRET, encoding="utf-8")
    (specs / "objects" / "up.yaml").symlink_to(Path("..") / ".." / "elsewhere" / "more.yaml")
    (specs / "linked").symlink_to(elsewhere, target_is_directory=True)
    code, out, _ = validate(specs, capsys)
    assert code == 1
    assert "do-not-read" not in out
    assert "specs/objects/up.yaml:1:1: error[LO314]" in out
    assert "specs/linked:1:1: error[LO314]" in out


def test_a_link_inside_the_directory_is_read(
    specs: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    shutil.move(specs / "objects" / "safety.yaml", specs / "safety.txt")
    (specs / "objects" / "safety.yaml").symlink_to(Path("..") / "safety.txt")
    code, out, err = validate(specs, capsys)
    assert (code, err) == (0, ""), out


def test_a_users_file_linked_outside_the_directory_is_a_config_error(
    specs: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    link_out(specs / "directory" / "users.csv", tmp_path / "users.csv")
    os.chdir(tmp_path)
    code = main(["plan", "specs"])
    captured = capsys.readouterr()
    assert code == 1
    assert captured.err.count("\n") == 1, captured.err
    assert "specs/directory/users.csv is a symbolic link leading outside" in captured.err
    assert not (specs / ".learnops" / "sandbox.db").exists()
