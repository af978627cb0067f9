"""``learnops.yaml`` read by commands that do not compile the specs (the sandbox
commands): its body, and the project's time zone."""

from __future__ import annotations

from pathlib import Path
from typing import Final

from reconciler.errors import ConfigError
from reconciler.load import read_yaml
from reconciler.load.project import is_time_zone
from reconciler.model import JSON

PROJECT_FILE: Final = Path("learnops.yaml")


def project_body(root: Path) -> dict[str, JSON] | None:
    """The mapping ``learnops.yaml`` in ``root`` holds, or None without one."""
    project = root / PROJECT_FILE
    if not project.is_file():
        return None
    documents, diagnostics = read_yaml(project.read_text(encoding="utf-8"), str(project))
    problems = [d for d in diagnostics if d.severity == "error"]
    if problems:
        raise ConfigError(problems[0].format())
    body = documents[0].body if documents else None
    return body if isinstance(body, dict) else None


def project_zone(root: Path) -> str:
    """The project's time zone (``timezone:``, default UTC)."""
    zone = (project_body(root) or {}).get("timezone") or "UTC"
    if not isinstance(zone, str) or not is_time_zone(zone):
        raise ConfigError(f"{root / PROJECT_FILE}: timezone: {zone!r} is not an IANA time"
                          " zone name (such as UTC, Europe/Berlin, America/New_York)")
    return zone
