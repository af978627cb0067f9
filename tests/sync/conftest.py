"""Fixtures of the sync tests: a spec repository and a stable sandbox beside it."""

from __future__ import annotations

from pathlib import Path

import pytest

from .repo import SpecRepo


@pytest.fixture
def repo(tmp_path: Path) -> SpecRepo:
    return SpecRepo(tmp_path / "specs-repo", tmp_path / "platform" / "sandbox.db")


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    return tmp_path / "working-copy"
