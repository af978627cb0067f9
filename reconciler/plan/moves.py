"""Resources found by platform id: a record moved to another address (``learnops state
mv``, after a rename in code) names a platform id the platform still shows under the
old address. The plan pairs the two, so the write renames the resource (its learners'
progress stays with it) instead of creating a second one next to it. Only records whose
own address holds nothing are paired, and only with a resource no record claims.

A resource that is several platform objects names them all, comma-separated (a Kolibri
plan: one lesson per step). It is found by any one of them: its steps may have changed
since the record was written (a step added by an apply that stopped before recording
it, a step lesson a coach deleted), and it is still the same plan, with its learners.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from reconciler.model import Address
from reconciler.providers import LiveResource
from reconciler.state import Record


def found_by_id(
    live: Mapping[Address, LiveResource], records: Mapping[Address, Record]
) -> tuple[dict[Address, LiveResource], dict[Address, Address]]:
    """``live`` with each moved record's resource under the record's address, and the
    address it was found under, per record address."""
    paired = dict(live)
    renamed: dict[Address, Address] = {}
    missing = [(address, record) for address, record in records.items() if address not in live]
    if not missing:  # nothing was moved (most plans): no index of every id to build
        return paired, renamed
    by_id = {(address.kind, one): address
             for address, resource in live.items() for one in _ids(resource.platform_id)}
    for address, record in missing:
        old = next((by_id[(address.kind, one)] for one in _ids(record.platform_id)
                    if (address.kind, one) in by_id), None)
        if old is None or old in records or old not in paired:
            continue
        paired[address] = replace(paired.pop(old), address=address)
        renamed[address] = old
    return paired, renamed


def _ids(platform_id: str) -> list[str]:
    return [one for one in platform_id.split(",") if one]
