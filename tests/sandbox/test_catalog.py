"""The sandbox's content catalog: what `existing: true` objects are checked against."""

from __future__ import annotations

from pathlib import Path

import pytest
from reconciler_sandbox.provider import SandboxProvider

from reconciler.errors import ConfigError
from reconciler.model import ProviderConfig

CATALOG = """\
name,title,type,duration,url,languages
benefits-overview,Benefits Overview,document,20m,https://lms.example/benefits,en;es
infection-control,Infection Control,scorm,,,
"""


def open_sandbox(root: Path, catalog: str) -> SandboxProvider:
    (root / "catalog.csv").write_text(catalog)
    config = ProviderConfig("sandbox", {"path": "sandbox.db", "catalog": "catalog.csv"})
    return SandboxProvider(config, root)


def test_an_empty_sandbox_starts_with_the_catalog_unmanaged(tmp_path: Path) -> None:
    provider = open_sandbox(tmp_path, CATALOG)
    live = {r.address.name: r for r in provider.read_resources(["LearningObject"])}
    assert sorted(live) == ["benefits-overview", "infection-control"]
    assert live["benefits-overview"].managed_by is None
    assert live["benefits-overview"].spec["languages"] == ["en", "es"]
    assert "duration" not in live["infection-control"].spec
    provider.close()


def test_the_catalog_is_seeded_once(tmp_path: Path) -> None:
    open_sandbox(tmp_path, CATALOG).close()
    provider = open_sandbox(tmp_path, CATALOG + "fire-drill,Fire Drill,event,,,\n")
    names = [r.address.name for r in provider.read_resources(["LearningObject"])]
    assert names == ["benefits-overview", "infection-control"]
    provider.close()


def test_a_bad_row_names_its_line_and_seeds_nothing(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"catalog.csv:3: type 'podcast' is not one of"):
        open_sandbox(tmp_path, CATALOG.replace("scorm", "podcast"))
    config = ProviderConfig("sandbox", {"path": "sandbox.db"})
    provider = SandboxProvider(config, tmp_path)
    assert provider.read_resources(["LearningObject"]) == []
    provider.close()

