"""The content library a sandbox starts with: learning objects authored in the
platform itself (the ones specs mark ``existing: true``), read from a CSV export.

Columns: ``name,title,type,duration,url,languages`` (``languages`` is ``;``-separated;
``duration`` and ``url`` may be empty). Every row is checked before anything is
seeded, so a bad file leaves the platform untouched.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Final

from reconciler.errors import ConfigError
from reconciler.model import JSON
from reconciler.rules.durations import is_duration

if TYPE_CHECKING:
    from reconciler_sandbox.engine import Platform

SEED_ACTOR: Final = "catalog-import"

TYPES: Final = frozenset(
    {"course", "video", "document", "assessment", "scorm", "event", "external"}
)
_NAME = re.compile(r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")


def parse_catalog_csv(text: str, source: str) -> dict[str, dict[str, JSON]]:
    """Learning object specs by name, in file order."""
    reader = csv.DictReader(io.StringIO(text))
    missing = [c for c in ("name", "title", "type") if c not in (reader.fieldnames or [])]
    if missing:
        raise ConfigError(f"{source}:1: missing column(s) {', '.join(missing)}")
    objects: dict[str, dict[str, JSON]] = {}
    for row in reader:
        where = f"{source}:{reader.line_num}"
        name, kind = (row.get("name") or "").strip(), (row.get("type") or "").strip()
        if not _NAME.match(name):
            raise ConfigError(f"{where}: {name!r} is not a valid name")
        if name in objects:
            raise ConfigError(f"{where}: {name!r} is listed twice")
        if kind not in TYPES:
            raise ConfigError(f"{where}: type {kind!r} is not one of {', '.join(sorted(TYPES))}")
        spec: dict[str, JSON] = {
            "title": (row.get("title") or "").strip() or name,
            "type": kind,
            "languages": [x for x in (row.get("languages") or "").split(";") if x.strip()],
            "completion": {"type": "view"},
            "prerequisites": [],
            "existing": False,
        }
        duration = (row.get("duration") or "").strip()
        if duration:
            if not is_duration(duration):
                raise ConfigError(f"{where}: {duration!r} is not a duration")
            spec["duration"] = duration
        url = (row.get("url") or "").strip()
        if url:
            spec["url"] = url
        objects[name] = spec
    return objects


def seed_catalog(platform: Platform, objects: Mapping[str, Mapping[str, JSON]]) -> int:
    """Put ``objects`` into a platform that has no learning objects yet (one that
    has any is left alone: the catalogue is the platform's from then on). Returns
    how many were seeded."""
    if not objects or platform.list_resources("LearningObject", limit=1):
        return 0
    for name, spec in objects.items():
        # Unmanaged: authored in the platform, so learnops never changes them.
        platform.put_resource(
            "LearningObject", name, {"metadata": {"managed_by": None}, "spec": dict(spec)},
            if_none_match=True, actor=SEED_ACTOR, idempotency_key=f"catalog-seed:{name}",
        )
    return len(objects)
