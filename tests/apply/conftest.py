"""Fixtures of the apply tests: a real sandbox platform in a temporary folder."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from reconciler_sandbox.provider import SandboxProvider

from reconciler.model import ProviderConfig


@pytest.fixture
def sandbox(tmp_path: Path) -> Iterator[SandboxProvider]:
    provider = SandboxProvider(ProviderConfig("sandbox", {"path": "sandbox.db"}), tmp_path)
    yield provider
    provider.close()


@pytest.fixture
def other_sandbox(tmp_path: Path, sandbox: SandboxProvider) -> Iterator[SandboxProvider]:
    """A second client of the same platform (another apply, another person)."""
    provider = SandboxProvider(ProviderConfig("sandbox", {"path": "sandbox.db"}), tmp_path)
    yield provider
    provider.close()
