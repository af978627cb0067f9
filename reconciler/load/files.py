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


def spec_files(root: Path) -> tuple[list[str], list[Diagnostic]]:
    """Spec files under ``root`` as sorted POSIX paths relative to it: every
    ``*.yaml``/``*.yml`` but ``learnops.yaml``, skipping hidden files and folders
    (``.learnops/``, ``.git/``) so state and tooling never count as specs. A name that
    is not UTF-8, or a linked folder leading out of ``root``, is a diagnostic instead."""
    found: list[str] = []
    problems: list[Diagnostic] = []
    for folder, subfolders, names in os.walk(root):
        subfolders[:] = [name for name in subfolders if not name.startswith(".")]
        relative_folder = Path(folder).relative_to(root)
        for name in subfolders:  # os.walk never follows them: say so when they leave
            escape = _escaping_link(root, relative_folder / name)
            if escape is not None:
                problems.append(escape)
        for name in names:
            if name.startswith(".") or not name.endswith(SPEC_SUFFIXES):
                continue
            relative = (relative_folder / name).as_posix()
            if not _is_utf8(relative):
                problems.append(_name_not_utf8(relative))
            elif relative != PROJECT_FILE:
                found.append(relative)
    return sorted(found), problems


def _is_utf8(name: str) -> bool:
    try:
        name.encode("utf-8")  # os.walk keeps undecodable bytes as lone surrogates
    except UnicodeEncodeError:
        return False
    return True


def _name_not_utf8(relative: str) -> Diagnostic:
    raw = os.fsencode(relative)
    try:
        raw.decode("utf-8")
        bad = 0
    except UnicodeDecodeError as problem:
        bad = raw[problem.start]
    shown = raw.decode("utf-8", errors="backslashreplace")  # printable, and still locates it
    message = f"file name is not UTF-8 (byte 0x{bad:02x}): rename the file"
    return error("LO313", message, Location(shown, 1, 1))


def _escaping_link(root: Path, relative: Path) -> Diagnostic | None:
    """A symbolic link (of a file or a folder) whose target lies outside ``root``: the
    spec directory never reads outside itself (``objects/x.yaml -> /etc/passwd``)."""
    path = root / relative
    if not path.is_symlink():
        return None
    target = path.resolve()  # ``root`` is resolved already, so both sides compare as real paths
    if target.is_relative_to(root):
        return None
    return error(
        "LO314",
        f"symbolic link leads outside the spec directory (to {target}): copy the file in instead",
        Location(relative.as_posix(), 1, 1),
    )


def read_text(root: Path, relative: str) -> tuple[str | None, bytes, list[Diagnostic]]:
    """The file's text (``None`` when it cannot be used), its bytes, and why not."""
    path = root / relative
    start = Location(relative, 1, 1)
    escape = _escaping_link(root, Path(relative))
    if escape is not None:
        return None, b"", [escape]
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
