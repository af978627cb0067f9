"""Which files make up a spec directory, and reading them safely."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Final

from reconciler.diagnostics import Diagnostic, error
from reconciler.model import Location

MAX_FILE_BYTES: Final = 1024 * 1024  # a spec file is hand-written; 1 MiB is far beyond one
PROJECT_FILE: Final = "learnops.yaml"
SPEC_SUFFIXES: Final = (".yaml", ".yml")


def spec_files(root: Path) -> list[str]:
    """Spec files under ``root`` as sorted POSIX paths relative to it: every
    ``*.yaml``/``*.yml`` but ``learnops.yaml``, skipping hidden files and folders
    (``.learnops/``, ``.git/``) so state and tooling never count as specs."""
    found: list[str] = []
    for folder, subfolders, names in os.walk(root):
        subfolders[:] = [name for name in subfolders if not name.startswith(".")]
        relative_folder = Path(folder).relative_to(root)
        for name in names:
            if name.startswith(".") or not name.endswith(SPEC_SUFFIXES):
                continue
            relative = (relative_folder / name).as_posix()
            if relative != PROJECT_FILE:
                found.append(relative)
    return sorted(found)


def read_text(root: Path, relative: str) -> tuple[str | None, bytes, list[Diagnostic]]:
    """The file's text (``None`` when it cannot be used), its bytes, and why not."""
    path = root / relative
    start = Location(relative, 1, 1)
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            message = (
                f"file is {size} bytes, over the {MAX_FILE_BYTES} byte limit: "
                "split it into smaller files"
            )
            return None, b"", [error("LO301", message, start)]
        data = path.read_bytes()
    except OSError as problem:
        return None, b"", [error("LO308", f"cannot read file: {problem.strerror}", start)]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as problem:
        return None, data, [_not_utf8(data, problem, relative)]
    return text.removeprefix("\ufeff"), data, []


def _not_utf8(data: bytes, problem: UnicodeDecodeError, relative: str) -> Diagnostic:
    before = data[: problem.start]
    line_start = before.rfind(b"\n") + 1
    column = len(before[line_start:].decode("utf-8", errors="replace")) + 1
    location = Location(relative, before.count(b"\n") + 1, column)
    byte = data[problem.start]
    return error(
        "LO302",
        f"file is not UTF-8: byte 0x{byte:02x} cannot start or continue a character",
        location,
    )


def digest(contents: Iterable[tuple[str, bytes]]) -> str:
    """One hash over the spec files' names and bytes: a saved plan records it."""
    hasher = hashlib.sha256()
    for relative, data in sorted(contents):
        hasher.update(relative.encode())
        hasher.update(b"\0%d\0" % len(data))
        hasher.update(data)
    return "sha256:" + hasher.hexdigest()
