"""specs/ copied with a fixed directory of users, and golden files, for the insight CLI tests.

The directory is tests/golden/users.csv (whatever specs/directory holds), so the goldens
change only when the specs or learnops do. ``UPDATE_GOLDEN=1`` rewrites the goldens.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = ROOT / "tests" / "golden"


def specs_with_directory(tmp_path: Path) -> Path:
    """specs/ under ``tmp_path`` (so the sandbox lands there) with the golden users."""
    target = tmp_path / "specs"
    shutil.copytree(ROOT / "specs", target, ignore=shutil.ignore_patterns(".learnops"))
    users = target / "directory" / "users.csv"
    users.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(GOLDEN / "users.csv", users)
    return target


def check_golden(name: str, actual: str) -> None:
    """``actual`` must equal tests/golden/``name``; with UPDATE_GOLDEN=1 it replaces it."""
    path = GOLDEN / name
    if os.environ.get("UPDATE_GOLDEN") == "1":
        path.write_text(actual, encoding="utf-8")
        return
    assert path.exists(), f"no golden {path}: run with UPDATE_GOLDEN=1 to create it"
    expected = path.read_text(encoding="utf-8")
    assert actual == expected, f"output differs from {path} (UPDATE_GOLDEN=1 to accept)"
