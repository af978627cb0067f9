"""The facade ``learnops plan`` (and ``apply DIR``) call: compile, open the
target (provider and state store), plan, close. Kept apart from the planner so
the planner stays pure."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path

from reconciler.compiler import compile_dir
from reconciler.directory import read_snapshot
from reconciler.heap import cycle_collection_paused
from reconciler.plan.model import Plan
from reconciler.plan.planner import build_plan
from reconciler.providers.releases import Releaser
from reconciler.state.target import open_target


def plan_directory(
    spec_dir: Path,
    *,
    target: str | None = None,
    allow_delete: bool = False,
    allow_disruptive: bool = False,
    source_dir: str | None = None,
    today: date | None = None,
) -> Plan:
    """The facade of ``learnops plan``: compile ``spec_dir`` (``SpecError`` when it does
    not compile), open its provider for ``target``, plan, close the provider.
    ``today``: list the releases due that day on a platform without a scheduler."""
    with cycle_collection_paused():  # see reconciler.heap: a large plan is a large heap
        return _plan(spec_dir, target, allow_delete, allow_disruptive, source_dir, today)


def _plan(
    spec_dir: Path,
    target: str | None,
    allow_delete: bool,
    allow_disruptive: bool,
    source_dir: str | None,
    today: date | None,
) -> Plan:
    compiled = compile_dir(spec_dir)
    project = compiled.state.project
    # Read before the platform opens: an unreachable directory leaves nothing behind.
    # The default target's users file was read by compiling, moments ago.
    default_target = target in (None, "provider")
    snapshot = (compiled.directory if compiled.directory is not None and default_target
                else read_snapshot(project, target))
    opened = open_target(project, target)
    try:
        plan = build_plan(
            compiled,
            opened.provider,
            state=opened.state,
            allow_delete=allow_delete,
            allow_disruptive=allow_disruptive,
            source_dir=str(spec_dir) if source_dir is None else source_dir,
            target=target,
            directory=snapshot,
        )
        if today is not None and isinstance(opened.provider, Releaser):
            due = opened.provider.releases_due(compiled.state, today)
            plan = replace(plan, releases_due=tuple(due.lines()))
        return plan
    finally:
        opened.close()
