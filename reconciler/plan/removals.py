"""What a removal may do, given what stays on the platform after the plan.

An inline audience belongs to its assignment (``<assignment>-audience``, made by
the resolve stage): while the assignment stays on the platform and names it (an
inactivated assignment stays), it is kept, whatever the code says; it goes, without
a ``--allow-delete`` of its own, when its assignment is deleted or stops naming it.
Any other delete that something staying on the platform still names could never
be applied (the platform refuses it): it is a plan-time error naming who uses it.
"""

from __future__ import annotations

from collections.abc import Mapping

from reconciler.model import JSON, Address
from reconciler.plan.order import references
from reconciler.providers import LiveResource
from reconciler.validate import inline_audience_name

Specs = Mapping[Address, Mapping[str, JSON]]


def remaining_specs(
    desired: Specs, live: Mapping[Address, LiveResource], deleted: frozenset[Address]
) -> dict[Address, Mapping[str, JSON]]:
    """The spec of every resource on the platform once the plan is applied: the
    desired one where the code holds it, else the live one, unless it is deleted."""
    after: dict[Address, Mapping[str, JSON]] = {
        address: resource.spec for address, resource in live.items() if address not in deleted
    }
    after.update(desired)
    return after


def inline_owner(address: Address, live: Mapping[Address, LiveResource]) -> Address | None:
    """The assignment whose inline audience ``address`` was made from, if any."""
    if address.kind != "Audience":
        return None
    for candidate, resource in live.items():
        if (
            candidate.kind == "Assignment"
            and inline_audience_name(candidate.name) == address.name
            and resource.spec.get("audience") == address.name
        ):
            return candidate
    return None


def users_of(address: Address, remaining: Specs) -> list[Address]:
    """What, once the plan is applied, still names ``address``, by address."""
    return sorted(
        other
        for other, spec in remaining.items()
        if other != address and address in references(other.kind, spec)
    )
