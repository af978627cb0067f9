"""The apply lease and API tokens."""

from __future__ import annotations

from datetime import timedelta

import pytest
from reconciler_sandbox.engine import Platform

from reconciler.errors import InvalidRequest, LockHeldError, NotFoundError

from .conftest import Moment


def test_a_held_lease_keeps_a_second_apply_out(platform: Platform) -> None:
    version = platform.state_version()
    first = platform.acquire_lock("ci-run-1", 60)
    assert first["holder"] == "ci-run-1" and first["expires_at"].endswith("Z")
    with pytest.raises(LockHeldError) as held:
        platform.acquire_lock("ci-run-2", 60)
    assert held.value.holder == "ci-run-1" and held.value.lock_id == first["lease_id"]
    assert first["lock_id"] not in str(held.value)  # the secret stays with its holder
    renewed = platform.renew_lock(first["lock_id"], 120)
    assert renewed["expires_at"] > first["expires_at"]
    platform.release_lock(first["lock_id"])
    platform.release_lock(first["lock_id"])  # releasing twice is harmless
    second = platform.acquire_lock("ci-run-2", 60)
    assert second["lock_id"] != first["lock_id"]
    assert platform.state_version() == version  # a lease is not a change of state
    actions = [e["action"] for e in platform.audit(limit=1000) if e["kind"] == "Lock"]
    assert actions == ["lock", "unlock", "lock"]


def test_a_lease_expires_when_the_platform_clock_passes_its_expiry(
    platform: Platform, moment: Moment
) -> None:
    held = platform.acquire_lock("ci-run-1", 60)
    assert held["since"] == "2027-01-04T09:00:00.000Z"
    assert held["expires_at"] == "2027-01-04T09:01:00.000Z"
    moment.at += timedelta(seconds=59.999)
    assert platform.lock_holder() == {k: v for k, v in held.items() if k != "lock_id"}
    with pytest.raises(LockHeldError, match=r"until 2027-01-04T09:01:00\.000Z"):
        platform.acquire_lock("ci-run-2", 60)
    moment.at += timedelta(milliseconds=1)  # the expiry itself: free
    assert platform.lock_holder() is None
    taken = platform.acquire_lock("ci-run-2", 60)
    assert taken["since"] == "2027-01-04T09:01:00.000Z"
    renewed = platform.renew_lock(taken["lock_id"], 120)
    assert renewed["expires_at"] == "2027-01-04T09:03:00.000Z"  # counted from now
    audited = [(e["at"], e["action"], e["actor"])
               for e in platform.audit(limit=1000) if e["kind"] == "Lock"]
    assert audited == [("2027-01-04T09:00:00.000Z", "lock", "ci-run-1"),
                       ("2027-01-04T09:01:00.000Z", "lock", "ci-run-2")]


def test_an_expired_lease_can_be_taken_over(platform: Platform, moment: Moment) -> None:
    stale = platform.acquire_lock("crashed-apply", 0.05)
    moment.at += timedelta(seconds=0.1)
    fresh = platform.acquire_lock("next-apply", 60)
    assert fresh["holder"] == "next-apply"
    with pytest.raises(LockHeldError, match="lost"):
        platform.renew_lock(stale["lock_id"], 60)
    platform.release_lock(stale["lock_id"])  # must not release the new holder's lease
    with pytest.raises(LockHeldError):
        platform.acquire_lock("third", 60)


def test_force_unlock_breaks_a_live_lease(platform: Platform) -> None:
    held = platform.acquire_lock("stuck", 3600)
    with pytest.raises(NotFoundError):
        platform.force_unlock("not-a-lock")
    platform.force_unlock(held["lock_id"])
    assert platform.acquire_lock("operator", 60)["holder"] == "operator"
    with pytest.raises(InvalidRequest):
        platform.acquire_lock("x", 0)


def test_tokens_are_stored_hashed_and_scopes_imply_lesser_ones(platform: Platform) -> None:
    admin = platform.create_token("ops", ["admin"])
    reader = platform.create_token("dashboard", ["read"])
    assert platform.token_scopes(admin) == {"admin", "write", "read"}
    assert platform.token_scopes(reader) == {"read"}
    assert platform.token_scopes("lo_guess") is None
    stored = platform._db.connection().execute("SELECT secret_hash FROM tokens").fetchall()
    assert admin not in {row[0] for row in stored} and len(stored) == 2
    with pytest.raises(InvalidRequest):
        platform.create_token("bad", ["root"])
