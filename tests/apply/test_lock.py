"""The apply lease on a real sandbox platform, shared by two clients."""

from __future__ import annotations

import os
import threading
import time

import pytest
from reconciler_sandbox.provider import SandboxProvider

from reconciler.apply.lock import ApplyLease, default_holder
from reconciler.errors import LockHeldError


def test_a_second_apply_fails_naming_the_holder_and_lock(
    sandbox: SandboxProvider, other_sandbox: SandboxProvider
) -> None:
    heard: list[str] = []
    with ApplyLease(sandbox, holder="ana@ci-runner pid 41") as lock:
        waiting = ApplyLease(other_sandbox, wait=0.3, poll=0.05,
                             on_wait=lambda held: heard.append(held.holder))
        with pytest.raises(LockHeldError) as raised:
            waiting.acquire()
    assert raised.value.holder == "ana@ci-runner pid 41"
    assert lock.lock_id not in str(raised.value)  # the holder's secret is the holder's
    assert f"learnops force-unlock {raised.value.lock_id}" in str(raised.value)
    assert raised.value.lock_id.startswith("lease-")
    assert heard == ["ana@ci-runner pid 41"]  # told once, not every poll


def test_a_waiting_apply_gets_the_lease_when_the_first_lets_go(
    sandbox: SandboxProvider, other_sandbox: SandboxProvider
) -> None:
    first = ApplyLease(sandbox, holder="first")
    first.acquire()
    threading.Timer(0.3, first.release).start()

    with ApplyLease(other_sandbox, holder="second", wait=30, poll=0.05) as lock:
        assert lock.holder == "second"


def test_the_lease_is_renewed_while_the_apply_runs(
    sandbox: SandboxProvider, other_sandbox: SandboxProvider
) -> None:
    with ApplyLease(sandbox, holder="long apply", ttl=0.6):
        time.sleep(1.5)  # well past the ttl: only renewal keeps the lease
        with pytest.raises(LockHeldError, match="long apply"):
            other_sandbox.acquire_lock("impatient", 5)
    assert other_sandbox.acquire_lock("impatient", 5).holder == "impatient"


def test_the_lease_is_released_when_the_apply_fails(
    sandbox: SandboxProvider, other_sandbox: SandboxProvider
) -> None:
    with pytest.raises(KeyboardInterrupt), ApplyLease(sandbox, holder="interrupted"):
        raise KeyboardInterrupt
    assert other_sandbox.acquire_lock("next", 5).holder == "next"


def test_a_forced_unlock_tells_the_running_apply(
    sandbox: SandboxProvider, other_sandbox: SandboxProvider
) -> None:
    lost = threading.Event()
    reasons: list[str] = []

    def on_lost(reason: str) -> None:
        reasons.append(reason)
        lost.set()

    with ApplyLease(sandbox, holder="presumed dead", ttl=0.3, on_lost=on_lost) as lock:
        other_sandbox.force_unlock(lock.lock_id)
        other_sandbox.acquire_lock("rescuer", 30)
        assert lost.wait(10)
    assert "the apply lock was lost" in reasons[0]
    with pytest.raises(LockHeldError, match="rescuer"):  # releasing did not free theirs
        other_sandbox.acquire_lock("third", 5)


def test_the_holder_names_user_host_and_process() -> None:
    holder = default_holder()
    assert "@" in holder and holder.endswith(f"pid {os.getpid()}")
