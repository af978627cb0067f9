"""Resources found by platform id: a record moved to another address (``learnops state
mv``, after a rename in code) names a platform id the platform still shows under the
old address. The plan pairs the two, so the write renames the resource (its learners'
progress stays with it) instead of creating a second one next to it. Only records whose
own address holds nothing are paired, and only with a resource no record claims.
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
    by_id = {(address.kind, resource.platform_id): address
             for address, resource in live.items() if resource.platform_id}
    paired = dict(live)
    renamed: dict[Address, Address] = {}
    for address, record in records.items():
        if address in live:
            continue
        old = by_id.get((address.kind, record.platform_id))
        if old is None or old in records or old not in paired:
            continue
        paired[address] = replace(paired.pop(old), address=address)
        renamed[address] = old
    return paired, renamed
