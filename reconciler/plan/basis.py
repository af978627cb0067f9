"""What a plan depends on, as digests a saved plan is checked against at apply time.

A saved plan is stale when what it was planned against moved: a resource written
(its version and ownership marks), one added or removed, or, when the plan read the
directory (it does for assignment and audience changes), a person added, changed
or deactivated. Learner activity (completions, views, the scheduler's events)
moves none of these, so a plan saved on a pull request still applies on merge on a
platform in use; the per-write preconditions guard each resource as before.
"""

from __future__ import annotations

from collections.abc import Iterable

from reconciler.model import content_hash
from reconciler.providers import LiveResource
from reconciler.rules.directory import User


def resources_basis(live: Iterable[LiveResource]) -> str:
    return content_hash(sorted(
        [str(r.address), r.version, r.managed_by, r.spec_hash] for r in live
    ))


def directory_basis(users: Iterable[User]) -> str:
    return content_hash(sorted(
        [u.employee_id, dict(u.attributes), sorted(u.groups), u.active] for u in users
    ))
