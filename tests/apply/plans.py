"""Small hand-made plans over real resource specs, for the executor's own tests."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence

from reconciler.model import JSON, Address, content_hash
from reconciler.plan.model import Action, Change, Plan

OBJECT: Mapping[str, JSON] = {
    "title": "Handwashing", "type": "video", "languages": [], "completion": {"type": "view"},
    "prerequisites": [], "existing": False,
}
AUDIENCE: Mapping[str, JSON] = {"users": [], "groups": [], "include": [], "where": {},
                                "exclude": []}


def assignment(audience: str, obj: str) -> Mapping[str, JSON]:
    return {
        "items": [{"object": obj}], "audience": audience, "start": "immediately",
        "notify": {"on_assign": True, "reminders": []}, "active": True,
        "on_remove": "inactivate",
    }


def create(address: str, spec: Mapping[str, JSON]) -> Change:
    return change(address, "create", spec)


def change(
    address: str, action: Action, spec: Mapping[str, JSON] | None, version: int | None = None
) -> Change:
    return Change(
        address=Address.parse(address),
        action=action,
        reason="new in code" if action == "create" else "spec changed",
        after=spec,
        precondition_version=version,
        spec_hash=content_hash(dict(spec)) if spec is not None else None,
    )


def plan(changes: Iterable[Change], order: Sequence[Sequence[str]], state_version: int = 0) -> Plan:
    return Plan(
        source_dir="specs",
        source_digest="sha256:test",
        target_provider="sandbox",
        state_version=state_version,
        changes=tuple(changes),
        order=tuple(tuple(Address.parse(a) for a in generation) for generation in order),
    )


def depends(edges: Mapping[str, Iterable[str]]) -> Callable[[Address], list[Address]]:
    """``descendants`` for the executor from ``{address: [its dependents...]}``."""
    table = {Address.parse(a): [Address.parse(d) for d in ds] for a, ds in edges.items()}
    return lambda address: table.get(address, [])
