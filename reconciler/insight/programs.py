"""The parts of a desired state insight reads, by name, and the directory it reads them against."""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from reconciler.directory import read_snapshot
from reconciler.errors import UsageError
from reconciler.model import JSON, DesiredState, ProjectConfig
from reconciler.providers.registry import open_provider
from reconciler.rules.assignment import Item
from reconciler.rules.audience import Directory

Specs = Mapping[str, Mapping[str, JSON]]


@dataclass(frozen=True)
class Programs:
    """The specs of one kind each, by name (resolved: defaults filled, inline audiences named)."""

    objects: Specs
    audiences: Specs
    plans: Specs
    assignments: Specs

    @classmethod
    def of(cls, state: DesiredState) -> Programs:
        def specs(kind: str) -> dict[str, Mapping[str, JSON]]:
            return {r.name: r.spec for r in sorted(state.of_kind(kind), key=lambda r: r.name)}

        return cls(
            objects=specs("LearningObject"),
            audiences=specs("Audience"),
            plans=specs("CertificationPlan"),
            assignments=specs("Assignment"),
        )

    def title(self, item: Item) -> str:
        spec = (self.plans if item.kind == "plan" else self.objects).get(item.name, {})
        return str(spec.get("title") or item.name)


def unknown_name(what: str, name: str, known: Iterable[str]) -> UsageError:
    """An error for a name given on the command line that the specs do not define."""
    choices = sorted(known)
    close = [c for c in choices if c.startswith(name)] or difflib.get_close_matches(
        name, choices, n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    listed = ", ".join(choices) if choices else "none"
    return UsageError(f"no {what} {name!r} in the specs{hint}; defined: {listed}")


def read_directory(project: ProjectConfig, target: str | None = None) -> Directory:
    """The people audiences resolve against, indexed: the directory ``learnops.yaml``
    names (what the next apply gives the platform), else the platform's own users."""
    snapshot = read_snapshot(project, target)
    if snapshot is not None:
        return Directory(snapshot.users)
    provider = open_provider(project, target)
    try:
        return Directory(provider.read_users())
    finally:
        provider.close()
