"""The executor, the cases mutation testing found unchecked: deletes and inactivations
(whose answer may be lost too), the read-back after a lost answer, the give-up bounds,
Ctrl-C, the messages a failed or refused apply shows, what progress events carry."""

from __future__ import annotations

import dataclasses
import threading
import time
from collections.abc import Sequence

import pytest
from reconciler_sandbox.provider import SandboxProvider

from reconciler.apply.events import ApplyEvent, ChangeDone, ChangeRetrying, ChangeStarted
from reconciler.apply.executor import (
    RetryPolicy,
    StopSignal,
    execute,
    pending_changes,
    write_action,
    write_request,
)
from reconciler.errors import (
    PermanentError,
    PlanRefusedError,
    PreconditionFailed,
    TemporaryError,
    UsageError,
)
from reconciler.model import Address
from reconciler.plan.model import DirectoryPlan, Plan, Problem, UserChange
from reconciler.providers import LiveResource, WriteRequest
from reconciler.rules.directory import User

from .plans import AUDIENCE, OBJECT, assignment, change, create, depends, plan
from .test_executor import FAST, NO_DEPENDENTS, AlwaysBusy, LosesAnswers, three_resources

HANDWASHING = "LearningObject/handwashing"


def on_platform(sandbox: SandboxProvider) -> dict[Address, LiveResource]:
    return {r.address: r for r in sandbox.read_resources()}


def applied_three(sandbox: SandboxProvider) -> dict[Address, LiveResource]:
    the_plan, descendants = three_resources()
    assert execute(the_plan, sandbox, descendants=descendants).ok
    return on_platform(sandbox)


def removal(sandbox: SandboxProvider, address: str, action: str) -> Plan:
    """A plan that deletes or inactivates ``address`` as it is on the platform now."""
    live = on_platform(sandbox)[Address.parse(address)]
    gone = dataclasses.replace(change(address, action, None, version=live.version),  # type: ignore[arg-type]
                               reason="removed from code", spec_hash=live.spec_hash)
    return plan([gone], [[address]], sandbox.state_version())


class Wrapped:
    """A provider passing everything to the sandbox, with ``write`` replaceable."""

    def __init__(self, inner: SandboxProvider) -> None:
        self.inner = inner
        self.name = inner.name

    def __getattr__(self, name: str) -> object:
        return getattr(self.inner, name)


# -- the plan as writes ---------------------------------------------------------------


def test_each_action_asks_the_platform_for_the_right_write() -> None:
    the_plan = plan([], [])
    assert write_action(change(HANDWASHING, "adopt", OBJECT, version=2)) == "update"
    assert write_action(change(HANDWASHING, "delete", None, version=2)) == "delete"
    assert write_action(change(HANDWASHING, "inactivate", None, version=2)) == "inactivate"
    assert write_action(change(HANDWASHING, "no-op", OBJECT, version=2)) is None
    deleting = write_request(the_plan, change(HANDWASHING, "delete", None, version=2))
    assert (deleting.action, deleting.spec, deleting.precondition_version) == ("delete", None, 2)
    adopting = write_request(the_plan, change(HANDWASHING, "adopt", OBJECT, version=4))
    assert (adopting.action, adopting.spec) == ("update", OBJECT)
    with pytest.raises(UsageError, match=f"{HANDWASHING} needs no write$") as raised:
        write_request(the_plan, change(HANDWASHING, "no-op", OBJECT, version=2))
    assert raised.value.where == HANDWASHING


def test_pending_changes_are_the_writes_in_apply_order() -> None:
    the_plan = plan(
        [change("Assignment/a", "update", assignment("everyone", "handwashing"), version=1),
         change(HANDWASHING, "no-op", OBJECT, version=1),
         create("Audience/everyone", AUDIENCE)],
        [["Audience/everyone", HANDWASHING, "LearningObject/not-in-this-plan"],
         ["Assignment/a"]],
    )
    assert [str(c.address) for c in pending_changes(the_plan)] == [
        "Audience/everyone", "Assignment/a"]


def test_an_order_that_does_not_match_the_changes_is_refused(sandbox: SandboxProvider) -> None:
    extra = plan([create(HANDWASHING, OBJECT)], [[HANDWASHING, "Audience/ghost"]])
    with pytest.raises(UsageError, match=r"^the plan orders Audience/ghost but has no change"):
        execute(extra, sandbox, descendants=NO_DEPENDENTS)
    missing = plan([create(HANDWASHING, OBJECT), create("Audience/everyone", AUDIENCE)],
                   [[HANDWASHING]])
    with pytest.raises(UsageError, match="has a change for Audience/everyone but no place"):
        execute(missing, sandbox, descendants=NO_DEPENDENTS)
    assert sandbox.read_resources() == []


def test_a_refused_plan_says_how_many_errors_and_shows_the_first(
    sandbox: SandboxProvider,
) -> None:
    errors = (Problem("LO704", "Audience/old was removed from the code", "Audience/old"),
              Problem("LO703", "Assignment/kept carries prevent-destroy", "Assignment/kept"))
    the_plan = dataclasses.replace(plan([create(HANDWASHING, OBJECT)], [[HANDWASHING]]),
                                   errors=errors)
    with pytest.raises(PlanRefusedError) as raised:
        execute(the_plan, sandbox, descendants=NO_DEPENDENTS)
    assert str(raised.value) == (
        "the plan has 2 error(s), nothing was written; "
        "first: Audience/old: error[LO704]: Audience/old was removed from the code")

    refused = dataclasses.replace(create(HANDWASHING, OBJECT), refusal="prevent-destroy")
    with pytest.raises(PlanRefusedError) as raised:
        execute(plan([refused], [[HANDWASHING]]), sandbox, descendants=NO_DEPENDENTS)
    assert str(raised.value) == (
        "the plan has 1 error(s), nothing was written; "
        f"first: {HANDWASHING}: refused (prevent-destroy)")
    assert sandbox.read_resources() == []


# -- deletes and inactivations ---------------------------------------------------------


def test_a_delete_removes_the_resource(sandbox: SandboxProvider) -> None:
    applied_three(sandbox)
    result = execute(removal(sandbox, "Assignment/handwashing-all", "delete"), sandbox,
                     descendants=NO_DEPENDENTS)
    assert result.ok and result.writes == 1
    assert [(str(a.address), a.action) for a in result.applied] == [
        ("Assignment/handwashing-all", "delete")]
    assert Address.parse("Assignment/handwashing-all") not in on_platform(sandbox)


@pytest.mark.parametrize("action", ["delete", "inactivate"])
def test_a_removal_whose_answer_was_lost_is_recovered_by_reading_back(
    sandbox: SandboxProvider, action: str
) -> None:
    applied_three(sandbox)
    target = Address.parse("Assignment/handwashing-all")
    lossy = LosesAnswers(sandbox, {target}, forget_keys=True)

    result = execute(removal(sandbox, str(target), action), lossy, descendants=NO_DEPENDENTS,
                     retry=FAST)

    assert result.ok, result.failed
    [done] = result.applied
    assert (done.address, done.action, done.recovered) == (target, action, True)
    live = on_platform(sandbox).get(target)
    if action == "delete":
        assert live is None
    else:
        assert live is not None and live.status.get("active") is False


@pytest.mark.parametrize("action", ["delete", "inactivate"])
def test_a_removal_that_never_landed_is_not_reported_applied(
    sandbox: SandboxProvider, action: str
) -> None:
    applied_three(sandbox)
    target = Address.parse("Assignment/handwashing-all")
    busy = AlwaysBusy(sandbox)

    result = execute(removal(sandbox, str(target), action), busy, descendants=NO_DEPENDENTS,
                     retry=FAST)

    [failed] = result.failed
    assert (failed.address, failed.action, failed.code) == (target, action, "LO101")
    assert failed.error == (
        "503 try again (gave up after 4 attempts; outcome unknown: re-run apply)")
    live = on_platform(sandbox)[target]
    assert live.status.get("active") is not False  # still there, still active


# -- the read-back after a lost answer ------------------------------------------------


class FlakyReads(Wrapped):
    """Loses the answer of every write (after committing it) and fails the first
    ``flaky`` reads with a temporary error, or every read with ``error``."""

    def __init__(self, inner: SandboxProvider, flaky: int = 0,
                 error: Exception | None = None) -> None:
        super().__init__(inner)
        self.flaky = flaky
        self.error = error
        self.reads = 0

    def write(self, request: WriteRequest) -> LiveResource | None:
        self.inner.write(request)
        raise TemporaryError("connection reset after the write", delay=0)

    def read_resources(self, kinds: object = None) -> list[LiveResource]:
        self.reads += 1
        if self.error is not None:
            raise self.error
        if self.reads <= self.flaky:
            raise TemporaryError("read timed out", delay=0)
        return list(self.inner.read_resources(kinds))  # type: ignore[arg-type]


def test_the_read_back_retries_a_temporary_error(sandbox: SandboxProvider) -> None:
    flaky = FlakyReads(sandbox, flaky=2)
    result = execute(plan([create(HANDWASHING, OBJECT)], [[HANDWASHING]]), flaky,
                     descendants=NO_DEPENDENTS, retry=FAST)
    assert result.ok, result.failed
    assert result.applied[0].recovered and result.applied[0].action == "create"
    assert flaky.reads == 3


def test_a_read_back_that_keeps_failing_gives_up_within_the_bound(
    sandbox: SandboxProvider,
) -> None:
    flaky = FlakyReads(sandbox, flaky=1000)
    result = execute(plan([create(HANDWASHING, OBJECT)], [[HANDWASHING]]), flaky,
                     descendants=NO_DEPENDENTS, retry=FAST)
    [failed] = result.failed
    assert "outcome unknown" in failed.error
    assert flaky.reads == FAST.max_attempts


def test_a_read_back_refused_for_good_is_a_failure(sandbox: SandboxProvider) -> None:
    denied = FlakyReads(sandbox, error=PermanentError("403 forbidden"))
    result = execute(plan([create(HANDWASHING, OBJECT)], [[HANDWASHING]]), denied,
                     descendants=NO_DEPENDENTS, retry=FAST)
    assert not result.ok and result.failed[0].code == "LO101"
    assert denied.reads == 1


def test_a_failed_precondition_on_the_first_attempt_is_not_taken_for_our_write(
    sandbox: SandboxProvider,
) -> None:
    # Someone wrote exactly our spec first: the platform says the precondition failed.
    class Raced(Wrapped):
        def write(self, request: WriteRequest) -> LiveResource | None:
            self.inner.write(request)
            raise PreconditionFailed("version moved: 1, expected none")

    result = execute(plan([create(HANDWASHING, OBJECT)], [[HANDWASHING]]), Raced(sandbox),
                     descendants=NO_DEPENDENTS, retry=FAST)
    [failed] = result.failed
    assert (failed.code, failed.error) == ("LO104", "version moved: 1, expected none")
    assert result.applied == ()


# -- bounds and progress ---------------------------------------------------------------


def test_backoff_doubles_up_to_its_ceiling_and_never_undercuts_the_platform() -> None:
    policy = RetryPolicy(base_delay=1.0, max_delay=10.0)
    assert [policy.backoff(n, 0.0, lambda: 1.0) for n in range(1, 6)] == [1, 2, 4, 8, 10]
    assert policy.backoff(3, 0.0, lambda: 0.5) == 2.0
    assert policy.backoff(1, 3.0, lambda: 1.0) == 3.0


def test_the_deadline_counts_the_next_wait_too(sandbox: SandboxProvider) -> None:
    # Waits of 0.1 and 0.2 s end before the 0.5 s deadline; a third, of 0.4 s, would
    # end past it: give up after 3 attempts instead of waiting in vain.
    policy = RetryPolicy(max_attempts=100, base_delay=0.1, max_delay=0.4, deadline=0.5)
    busy = AlwaysBusy(sandbox)
    started = time.monotonic()
    result = execute(plan([create(HANDWASHING, OBJECT)], [[HANDWASHING]]), busy,
                     descendants=NO_DEPENDENTS, retry=policy, rng=lambda: 1.0)
    assert busy.calls == 3
    assert result.failed[0].error.startswith("503 try again (gave up after 3 attempts")
    assert time.monotonic() - started < 5


def test_progress_events_name_the_change_and_the_wait(sandbox: SandboxProvider) -> None:
    class BusyOnce(Wrapped):
        calls = 0

        def write(self, request: WriteRequest) -> LiveResource | None:
            self.calls += 1
            if self.calls == 1:
                raise TemporaryError("429 slow down", delay=0.02)
            return self.inner.write(request)

    events: list[ApplyEvent] = []
    result = execute(plan([create(HANDWASHING, OBJECT)], [[HANDWASHING]]), BusyOnce(sandbox),
                     descendants=NO_DEPENDENTS, retry=FAST, on_event=events.append)
    assert result.ok and result.attempts == 2 and result.writes == 1
    started, retrying, done = events
    assert isinstance(started, ChangeStarted) and str(started.address) == HANDWASHING
    assert isinstance(retrying, ChangeRetrying)
    assert (str(retrying.address), retrying.action, retrying.attempt) == (HANDWASHING, "create", 1)
    assert retrying.delay >= 0.02 and retrying.reason == "429 slow down"
    assert isinstance(done, ChangeDone) and done.outcome == result.applied[0]


def test_dependents_of_a_failure_are_skipped_with_their_action_and_reported(
    sandbox: SandboxProvider,
) -> None:
    class RefusesObjects(Wrapped):
        def write(self, request: WriteRequest) -> LiveResource | None:
            if request.address.kind == "LearningObject":
                raise PermanentError("422 title too long")
            return self.inner.write(request)

    the_plan, descendants = three_resources()
    events: list[ApplyEvent] = []
    result = execute(the_plan, RefusesObjects(sandbox), descendants=descendants,
                     on_event=events.append)
    [failed] = result.failed
    assert (str(failed.address), failed.error, failed.code) == (
        HANDWASHING, "422 title too long", "LO102")
    [skipped] = result.skipped
    assert (str(skipped.address), skipped.action) == ("Assignment/handwashing-all", "create")
    assert skipped.cause == f"depends on {HANDWASHING}, which failed"
    reported = [e.outcome for e in events if isinstance(e, ChangeDone)]
    assert skipped in reported and failed in reported


def test_a_stopped_apply_reports_each_skip_with_its_action(sandbox: SandboxProvider) -> None:
    stop = StopSignal()
    stop.stop("the apply lock was lost")
    events: list[ApplyEvent] = []
    result = execute(plan([create(HANDWASHING, OBJECT)], [[HANDWASHING]]), sandbox,
                     descendants=NO_DEPENDENTS, stop=stop, on_event=events.append)
    [skipped] = result.skipped
    assert skipped.action == "create"
    assert [type(e) for e in events] == [ChangeDone]


def test_a_stop_during_a_retry_wait_abandons_the_change_with_the_stop_reason(
    sandbox: SandboxProvider,
) -> None:
    stop = StopSignal()

    def on_event(event: ApplyEvent) -> None:
        if isinstance(event, ChangeRetrying):
            stop.stop("lease lost")

    slow = RetryPolicy(max_attempts=5, base_delay=30, max_delay=30, deadline=600)
    started = time.monotonic()
    result = execute(plan([create(HANDWASHING, OBJECT)], [[HANDWASHING]]), AlwaysBusy(sandbox),
                     descendants=NO_DEPENDENTS, retry=slow, stop=stop, on_event=on_event,
                     rng=lambda: 1.0)
    # Tried, so not "not attempted"; whether the try landed is for the rerun to settle.
    [abandoned] = result.failed
    assert (abandoned.action, abandoned.code) == ("create", "LO101")
    assert abandoned.error == (
        "503 try again (abandoned after 1 attempt(s): lease lost; re-run apply)")
    assert time.monotonic() - started < 10  # the wait ended with the stop


class Counting(Wrapped):
    """Counts the writes in flight; ``together`` writes must all be in flight at once."""

    def __init__(self, inner: SandboxProvider, *, concurrent: bool, together: int = 1) -> None:
        super().__init__(inner)
        self.capabilities = dataclasses.replace(inner.capabilities, concurrent_writes=concurrent)
        self.lock = threading.Lock()
        self.in_flight = self.most = 0
        self.meet = threading.Barrier(together, timeout=10)

    def write(self, request: WriteRequest) -> LiveResource | None:
        with self.lock:
            self.in_flight += 1
            self.most = max(self.most, self.in_flight)
        try:
            self.meet.wait()
            time.sleep(0.02)
            return self.inner.write(request)
        finally:
            with self.lock:
                self.in_flight -= 1


def four_objects() -> Plan:
    objects = [create(f"LearningObject/o{i}", {**OBJECT, "title": f"O{i}"}) for i in range(4)]
    return plan(objects, [[str(c.address) for c in objects]])


def test_parallelism_bounds_the_writes_in_flight(sandbox: SandboxProvider) -> None:
    counting = Counting(sandbox, concurrent=True)
    result = execute(four_objects(), counting, descendants=NO_DEPENDENTS, parallelism=1)
    assert result.ok and counting.most == 1
    with pytest.raises(UsageError, match="parallelism must be at least 1, not 0"):
        execute(four_objects(), sandbox, descendants=NO_DEPENDENTS, parallelism=0)


def test_a_platform_taking_several_writes_at_once_gets_them_in_parallel(
    sandbox: SandboxProvider,
) -> None:
    counting = Counting(sandbox, concurrent=True, together=2)  # the barrier needs two
    result = execute(four_objects(), counting, descendants=NO_DEPENDENTS, parallelism=2)
    assert result.ok and counting.most == 2


def test_a_platform_taking_one_write_at_a_time_gets_one_whatever_the_parallelism(
    sandbox: SandboxProvider,
) -> None:
    # The in-process sandbox: one SQLite file, one writer; threads would only queue.
    assert sandbox.capabilities.concurrent_writes is False
    counting = Counting(sandbox, concurrent=False)
    result = execute(four_objects(), counting, descendants=NO_DEPENDENTS, parallelism=10)
    assert result.ok and counting.most == 1
    assert {r.address.name for r in sandbox.read_resources()} == {"o0", "o1", "o2", "o3"}


def test_ctrl_c_starts_no_new_write_and_lets_the_one_in_flight_finish(
    sandbox: SandboxProvider,
) -> None:
    class Interrupted(Wrapped):
        def __init__(self, inner: SandboxProvider) -> None:
            super().__init__(inner)
            self.capabilities = dataclasses.replace(inner.capabilities, concurrent_writes=True)
            self.written: list[str] = []

        def write(self, request: WriteRequest) -> LiveResource | None:
            if request.address.name == "o1":
                raise KeyboardInterrupt
            time.sleep(0.2)  # o0 is in flight when o1 is interrupted
            result = self.inner.write(request)
            self.written.append(request.address.name)
            return result

    objects = [create(f"LearningObject/o{i}", {**OBJECT, "title": f"O{i}"}) for i in range(2)]
    later = create("Assignment/later", assignment("everyone", "o0"))
    the_plan = plan([*objects, later], [[str(c.address) for c in objects], ["Assignment/later"]])
    stop = StopSignal()
    provider = Interrupted(sandbox)

    with pytest.raises(KeyboardInterrupt):
        execute(the_plan, provider, descendants=NO_DEPENDENTS, parallelism=2, stop=stop)

    assert stop.reason == "apply interrupted"
    assert provider.written == ["o0"]  # finished before execute returned
    assert {r.address.name for r in sandbox.read_resources()} == {"o0"}


def test_the_total_counts_only_writes_not_no_ops(sandbox: SandboxProvider) -> None:
    the_plan = plan([create(HANDWASHING, OBJECT),
                     change("Audience/everyone", "no-op", AUDIENCE, version=1)],
                    [[HANDWASHING]])
    result = execute(the_plan, sandbox, descendants=depends({}))
    assert (result.writes, result.unchanged, len(pending_changes(the_plan))) == (1, 1, 1)


# -- the directory part of a plan -----------------------------------------------------

LEAVER = User("E1", {"job_role": "Nurse"}, frozenset({"nursing"}), active=False)
JOINER = User("E2", {"job_role": "Nurse"}, frozenset({"nursing"}))


def with_directory(the_plan: Plan, *people: UserChange) -> Plan:
    return dataclasses.replace(
        the_plan, directory=DirectoryPlan(source="users.csv", digest="sha256:d", changes=people))


def people_plan() -> Plan:
    return with_directory(plan([create(HANDWASHING, OBJECT)], [[HANDWASHING]]),
                          UserChange("E1", "deactivated", LEAVER),
                          UserChange("E2", "added", JOINER))


class RecordsOrder(Wrapped):
    """Writes go through; what was written, in order, is kept."""

    def __init__(self, inner: SandboxProvider, busy_users: int = 0,
                 users_error: Exception | None = None) -> None:
        super().__init__(inner)
        self.log: list[str] = []
        self.busy_users = busy_users
        self.users_error = users_error

    def write(self, request: WriteRequest) -> LiveResource | None:
        self.log.append(str(request.address))
        return self.inner.write(request)

    def write_users(self, users: Sequence[User]) -> None:
        self.log.append("users " + ",".join(u.employee_id for u in users))
        if self.users_error is not None:
            raise self.users_error
        if self.busy_users > 0:
            self.busy_users -= 1
            raise TemporaryError("database is busy", delay=0)
        self.inner.write_users(users)


def test_leavers_go_before_every_resource_and_joiners_after(sandbox: SandboxProvider) -> None:
    provider = RecordsOrder(sandbox)
    events: list[ApplyEvent] = []
    result = execute(people_plan(), provider, descendants=NO_DEPENDENTS,
                     on_event=events.append)
    assert result.ok, result.failed
    assert provider.log == ["users E1", HANDWASHING, "users E2"]
    assert [(str(a.address), a.action) for a in result.applied] == [
        ("Directory/leavers", "update"), (HANDWASHING, "create"),
        ("Directory/joiners-and-movers", "update")]
    assert result.writes == 3 and result.attempts == 3
    started = [str(e.address) for e in events if isinstance(e, ChangeStarted)]
    assert started == ["Directory/leavers", HANDWASHING, "Directory/joiners-and-movers"]
    users = {u.employee_id: u for u in sandbox.platform.directory()}
    assert users["E2"].active and ("E1" not in users or not users["E1"].active)


def test_a_busy_directory_write_is_retried(sandbox: SandboxProvider) -> None:
    provider = RecordsOrder(sandbox, busy_users=2)
    events: list[ApplyEvent] = []
    result = execute(people_plan(), provider, descendants=NO_DEPENDENTS, retry=FAST,
                     on_event=events.append)
    assert result.ok and result.attempts == 5
    retries = [e for e in events if isinstance(e, ChangeRetrying)]
    assert [(str(e.address), e.action, e.attempt, e.reason) for e in retries] == [
        ("Directory/leavers", "update", 1, "database is busy"),
        ("Directory/leavers", "update", 2, "database is busy")]


def test_a_directory_write_that_keeps_failing_gives_up_and_holds_joiners_back(
    sandbox: SandboxProvider,
) -> None:
    provider = RecordsOrder(sandbox, busy_users=1000)
    result = execute(people_plan(), provider, descendants=NO_DEPENDENTS, retry=FAST)
    [failed] = result.failed
    assert (str(failed.address), failed.action, failed.code) == (
        "Directory/leavers", "update", "LO101")
    assert failed.error == "database is busy (gave up after 4 attempts; re-run apply)"
    [skipped] = result.skipped
    assert (str(skipped.address), skipped.action) == ("Directory/joiners-and-movers", "update")
    assert skipped.cause == (
        "Directory/leavers was not applied; the next plan shows them again")


def test_a_refused_directory_write_fails_with_the_platforms_reason(
    sandbox: SandboxProvider,
) -> None:
    provider = RecordsOrder(sandbox, users_error=PermanentError("422 bad employee id"))
    result = execute(people_plan(), provider, descendants=NO_DEPENDENTS, retry=FAST)
    assert [(str(f.address), f.action, f.error, f.code) for f in result.failed] == [
        ("Directory/leavers", "update", "422 bad employee id", "LO102")]
    assert provider.log == ["users E1", HANDWASHING]  # the resource still goes


def test_joiners_wait_for_every_resource(sandbox: SandboxProvider) -> None:
    class RefusesObjects(RecordsOrder):
        def write(self, request: WriteRequest) -> LiveResource | None:
            raise PermanentError("422 title too long")

    provider = RefusesObjects(sandbox)
    result = execute(people_plan(), provider, descendants=NO_DEPENDENTS)
    assert provider.log == ["users E1"]
    assert [str(s.address) for s in result.skipped] == ["Directory/joiners-and-movers"]
    assert result.skipped[0].cause == (
        f"{HANDWASHING} was not applied; the next plan shows them again")


def test_a_platform_without_a_directory_cannot_take_directory_changes(
    sandbox: SandboxProvider,
) -> None:
    class NoDirectory:
        def __init__(self, inner: SandboxProvider) -> None:
            self.inner = inner
            self.name = "plain"

        def __getattr__(self, name: str) -> object:
            if name == "write_users":
                raise AttributeError(name)
            return getattr(self.inner, name)

    result = execute(people_plan(), NoDirectory(sandbox), descendants=NO_DEPENDENTS)  # type: ignore[arg-type]
    [failed, *_] = result.failed
    assert (str(failed.address), failed.action, failed.error, failed.code) == (
        "Directory/leavers", "update", "plain cannot take directory changes", "LO102")


def test_a_stopped_apply_writes_no_directory_change(sandbox: SandboxProvider) -> None:
    stop = StopSignal()
    stop.stop("interrupted")
    provider = RecordsOrder(sandbox)
    result = execute(people_plan(), provider, descendants=NO_DEPENDENTS, stop=stop)
    assert provider.log == []
    first = result.skipped[0]
    assert (str(first.address), first.action, first.cause) == (
        "Directory/leavers", "update", "interrupted")


def test_a_stop_while_a_directory_write_waits_skips_it(sandbox: SandboxProvider) -> None:
    stop = StopSignal()

    def on_event(event: ApplyEvent) -> None:
        if isinstance(event, ChangeRetrying):
            stop.stop("lease lost")

    slow = RetryPolicy(max_attempts=5, base_delay=30, max_delay=30, deadline=600)
    result = execute(people_plan(), RecordsOrder(sandbox, busy_users=1), retry=slow,
                     descendants=NO_DEPENDENTS, stop=stop, on_event=on_event, rng=lambda: 1.0)
    first = result.skipped[0]
    assert (str(first.address), first.action, first.cause) == (
        "Directory/leavers", "update", "lease lost")


def test_a_no_op_listed_in_a_generation_does_not_hold_back_the_rest(
    sandbox: SandboxProvider,
) -> None:
    the_plan = plan([change("Audience/everyone", "no-op", AUDIENCE, version=1),
                     create(HANDWASHING, OBJECT)],
                    [["Audience/everyone", HANDWASHING]])
    result = execute(the_plan, sandbox, descendants=NO_DEPENDENTS)
    assert [str(a.address) for a in result.applied] == [HANDWASHING]
