"""The apply lease on a real sandbox platform, shared by two clients."""

from __future__ import annotations

import os
import threading

import pytest
from reconciler_sandbox.engine import Platform
from reconciler_sandbox.provider import SandboxProvider

from reconciler.apply.lock import ApplyLease, default_holder
from reconciler.errors import LockHeldError
from reconciler.providers import Lock

from .stepped_clock import SteppedClock


@pytest.fixture
def clock(sandbox: SandboxProvider, other_sandbox: SandboxProvider) -> SteppedClock:
    """One time for the leases and the platform (its leases expire by it)."""
    stepped = SteppedClock()
    for client in (sandbox, other_sandbox):
        client.platform.close()
        client.platform = Platform(client.path, now=stepped.utc)
    return stepped


def test_a_second_apply_fails_naming_the_holder_and_lock(
    sandbox: SandboxProvider, other_sandbox: SandboxProvider, clock: SteppedClock
) -> None:
    heard: list[str] = []
    failed: list[LockHeldError] = []
    with ApplyLease(sandbox, holder="ana@ci-runner pid 41", clock=clock) as lock:
        waiting = ApplyLease(other_sandbox, wait=3, poll=1, clock=clock,
                             on_wait=lambda held: heard.append(held.holder))

        def attempt() -> None:
            with pytest.raises(LockHeldError) as raised:
                waiting.acquire()
            failed.append(raised.value)

        waiter = threading.Thread(target=attempt)
        waiter.start()
        for _ in range(3):  # polls at 0, 1, 2 and 3 s; the next would pass the 3 s
            clock.advance(1, sleepers=2)
        waiter.join()
    [error] = failed
    assert error.holder == "ana@ci-runner pid 41"
    assert "waited 3s" in str(error)
    assert lock.lock_id not in str(error)  # the holder's secret is the holder's
    assert f"learnops force-unlock {error.lock_id}" in str(error)
    assert error.lock_id.startswith("lease-")
    assert heard == ["ana@ci-runner pid 41"]  # told once, not every poll


def test_a_waiting_apply_gets_the_lease_when_the_first_lets_go(
    sandbox: SandboxProvider, other_sandbox: SandboxProvider, clock: SteppedClock
) -> None:
    first = ApplyLease(sandbox, holder="first", clock=clock)
    first.acquire()
    second = ApplyLease(other_sandbox, holder="second", wait=30, poll=1, clock=clock)
    got: list[Lock] = []
    waiter = threading.Thread(target=lambda: got.append(second.acquire()))
    waiter.start()
    clock.advance(1, sleepers=2)  # the first's renewer and the waiter, which polls again
    assert got == [] and waiter.is_alive()  # still held: it waits on
    first.release()
    clock.advance(1)
    waiter.join()
    assert [lock.holder for lock in got] == ["second"]
    second.release()


def test_the_lease_is_renewed_while_the_apply_runs(
    sandbox: SandboxProvider, other_sandbox: SandboxProvider, clock: SteppedClock
) -> None:
    with ApplyLease(sandbox, holder="long apply", ttl=30, clock=clock):
        for _ in range(6):  # a minute, twice the ttl: only renewal keeps the lease
            clock.advance(10)
        with pytest.raises(LockHeldError, match="long apply"):
            other_sandbox.acquire_lock("impatient", 5)
    assert other_sandbox.acquire_lock("impatient", 5).holder == "impatient"


def test_an_unrenewed_lease_expires_after_its_ttl(
    sandbox: SandboxProvider, other_sandbox: SandboxProvider, clock: SteppedClock
) -> None:
    """What renewal is for: an apply that died leaves a lease that frees itself."""
    sandbox.acquire_lock("crashed apply", 30)
    clock.now += 29
    with pytest.raises(LockHeldError, match="crashed apply"):
        other_sandbox.acquire_lock("next", 5)
    clock.now += 1
    assert other_sandbox.acquire_lock("next", 5).holder == "next"


def test_the_lease_is_released_when_the_apply_fails(
    sandbox: SandboxProvider, other_sandbox: SandboxProvider
) -> None:
    with pytest.raises(KeyboardInterrupt), ApplyLease(sandbox, holder="interrupted"):
        raise KeyboardInterrupt
    assert other_sandbox.acquire_lock("next", 5).holder == "next"


def test_a_forced_unlock_tells_the_running_apply(
    sandbox: SandboxProvider, other_sandbox: SandboxProvider, clock: SteppedClock
) -> None:
    reasons: list[str] = []
    with ApplyLease(sandbox, holder="presumed dead", ttl=30, on_lost=reasons.append,
                    clock=clock) as lock:
        other_sandbox.force_unlock(lock.lock_id)
        other_sandbox.acquire_lock("rescuer", 30)
        assert reasons == []
        clock.advance(10)  # the next renewal finds the lease gone
        assert len(reasons) == 1 and "the apply lock was lost" in reasons[0]
    with pytest.raises(LockHeldError, match="rescuer"):  # releasing did not free theirs
        other_sandbox.acquire_lock("third", 5)


def test_the_holder_names_user_host_and_process() -> None:
    holder = default_holder()
    assert "@" in holder and holder.endswith(f"pid {os.getpid()}")
