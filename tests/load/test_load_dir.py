"""Reading a spec directory: which files, in which order, and what cannot be read."""

from __future__ import annotations

from pathlib import Path

import pytest

from reconciler.errors import UsageError
from reconciler.load import MAX_FILE_BYTES, load_dir
from reconciler.model import Location


def write(root: Path, files: dict[str, str | bytes]) -> Path:
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    return root


def test_files_are_read_in_sorted_order_skipping_hidden_and_non_yaml(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "b.yaml": "n: b\n",
            "a/z.yml": "n: az\n",
            "a.yaml": "n: a\n---\nn: a2\n",
            ".learnops/state.yaml": "n: hidden\n",
            "notes.txt": "n: text\n",
            "learnops.yaml": "project: demo\n",
        },
    )
    loaded = load_dir(tmp_path)
    assert loaded.files == ("a.yaml", "a/z.yml", "b.yaml")
    assert [d.body["n"] for d in loaded.documents] == ["a", "a2", "az", "b"]
    assert loaded.project_document is not None
    assert loaded.project_document.body == {"project": "demo"}


def test_the_digest_follows_the_content(tmp_path: Path) -> None:
    write(tmp_path, {"a.yaml": "n: 1\n"})
    first = load_dir(tmp_path).digest
    assert load_dir(tmp_path).digest == first
    write(tmp_path, {"a.yaml": "n: 2\n"})
    assert load_dir(tmp_path).digest != first
    assert first.startswith("sha256:")


def test_oversized_files_are_refused_unread(tmp_path: Path) -> None:
    write(tmp_path, {"big.yaml": "a: " + "x" * MAX_FILE_BYTES + "\n"})
    loaded = load_dir(tmp_path)
    assert [(d.code, d.location) for d in loaded.diagnostics] == [
        ("LO301", Location("big.yaml", 1, 1))
    ]
    assert loaded.documents == ()


def test_bytes_that_are_not_utf8_are_located(tmp_path: Path) -> None:
    write(tmp_path, {"latin1.yaml": "a: 1\nb: Se\xf1al\n".encode("latin-1")})
    (problem,) = load_dir(tmp_path).diagnostics
    assert (problem.code, problem.location) == ("LO302", Location("latin1.yaml", 2, 6))


def test_a_byte_order_mark_is_accepted(tmp_path: Path) -> None:
    write(tmp_path, {"bom.yaml": "\ufeffa: 1\n".encode()})
    loaded = load_dir(tmp_path)
    assert loaded.diagnostics == () and loaded.documents[0].body == {"a": 1}


def test_project_file_must_hold_one_document(tmp_path: Path) -> None:
    write(tmp_path, {"learnops.yaml": "project: a\n---\nproject: b\n"})
    assert [d.code for d in load_dir(tmp_path).diagnostics] == ["LO312"]


def test_a_missing_or_non_directory_root_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="does not exist"):
        load_dir(tmp_path / "nope")
    write(tmp_path, {"a.yaml": "a: 1\n"})
    with pytest.raises(UsageError, match="not a directory"):
        load_dir(tmp_path / "a.yaml")
