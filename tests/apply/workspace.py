"""A copy of specs/ wired to a real sandbox server, for the end-to-end apply tests."""

from __future__ import annotations

import shutil
from collections import Counter
from datetime import date
from pathlib import Path
from typing import Any

from reconciler_sandbox.engine import Platform

from reconciler.compiler import compile_dir
from reconciler.model import KINDS

SPECS = Path(__file__).resolve().parents[2] / "specs"
TOKEN_ENV = "LEARNOPS_APPLY_TEST_TOKEN"
TARGET = "lms"
WRITES = frozenset({"create", "update", "inactivate", "delete"})


def copy_specs(where: Path) -> Path:
    target = where / "specs"
    shutil.copytree(SPECS, target, ignore=shutil.ignore_patterns(".learnops"))
    return target


def prepare_platform(platform: Platform, spec_dir: Path) -> str:
    """Users imported, the ``existing: true`` objects authored by someone else; returns an
    admin token's secret."""
    users = spec_dir / "directory" / "users.csv"
    platform.import_users_csv(users.read_text(encoding="utf-8"), actor="hris")
    for resource in compile_dir(spec_dir).state.resources:
        if resource.spec.get("existing") is True:
            platform.put_resource(
                resource.kind, resource.name,
                {"metadata": {"labels": {}, "annotations": {}}, "spec": dict(resource.spec)},
                if_none_match=True, actor="lms-admin",
            )
    return platform.create_token("apply-tests", ["admin"])


def add_target(spec_dir: Path, url: str, *, retries: int | None = None) -> None:
    """``--target lms``: the served platform, over the rest provider (``retries``: the
    provider's option for reads, when not its default)."""
    config = spec_dir / "learnops.yaml"
    extra = "" if retries is None else f", retries: {retries}"
    config.write_text(
        config.read_text(encoding="utf-8")
        + f"targets:\n  {TARGET}: {{type: rest, url: '{url}', token_env: {TOKEN_ENV}{extra}}}\n",
        encoding="utf-8",
    )


def resource_writes(platform: Platform) -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = []
    while True:
        page = platform.audit(after=entries[-1]["id"] if entries else 0, limit=1000)
        entries.extend(page)
        if len(page) < 1000:
            return [e for e in entries if e["action"] in WRITES and e["kind"] in KINDS]


def duplicates(platform: Platform) -> dict[str, list[Any]]:
    """Whatever exists twice that must exist once: creates, enrollments, notifications."""
    creates = Counter((e["kind"], e["name"]) for e in resource_writes(platform)
                      if e["action"] == "create")
    report = platform.enrollments_report_csv(date.today()).splitlines()[1:]
    enrollments = Counter(tuple(row.split(",")[:4]) for row in report)
    notes = Counter(
        (n["recipient"], n["kind"], n["learner"], str(n["item"]), n["on"])
        for n in platform.notifications()
    )
    return {
        "creates": [k for k, n in creates.items() if n > 1],
        "enrollments": [k for k, n in enrollments.items() if n > 1],
        "notifications": [k for k, n in notes.items() if n > 1],
    }
