"""The executor against a real sandbox platform: order, idempotency, retries, failures."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import pytest
from reconciler_sandbox.provider import SandboxProvider

from reconciler.apply.events import ApplyEvent, ChangeDone, ChangeRetrying, ChangeStarted
from reconciler.apply.executor import RetryPolicy, StopSignal, execute
from reconciler.cli.apply_output import summary_line
from reconciler.errors import PlanRefusedError, TemporaryError
from reconciler.model import MANAGED_BY, Address
from reconciler.plan.model import Plan
from reconciler.providers import LiveResource, WriteRequest

from .plans import AUDIENCE, OBJECT, assignment, change, create, depends, plan

FAST = RetryPolicy(max_attempts=4, base_delay=0.001, max_delay=0.01, deadline=30)
NO_DEPENDENTS = depends({})


def three_resources() -> tuple[Plan, Callable[[Address], list[Address]]]:
    changes = [
        create("LearningObject/handwashing", OBJECT),
        create("Audience/everyone", AUDIENCE),
        create("Assignment/handwashing-all", assignment("everyone", "handwashing")),
    ]
    order = [["LearningObject/handwashing", "Audience/everyone"], ["Assignment/handwashing-all"]]
    edges = {
        "LearningObject/handwashing": ["Assignment/handwashing-all"],
        "Audience/everyone": ["Assignment/handwashing-all"],
    }
    return plan(changes, order), depends(edges)


class LosesAnswers:
    """The platform commits the write but the answer never arrives (first attempt only).
    With ``forget_keys`` the platform also keeps no idempotency record, so the retry
    meets its own committed write as a failed precondition."""

    def __init__(self, inner: SandboxProvider, lose: set[Address], forget_keys: bool) -> None:
        self.inner = inner
        self.name = inner.name
        self.lose = lose
        self.forget_keys = forget_keys
        self.attempts: dict[Address, int] = {}

    def __getattr__(self, name: str) -> object:
        return getattr(self.inner, name)

    def write(self, request: WriteRequest) -> LiveResource | None:
        attempt = self.attempts[request.address] = self.attempts.get(request.address, 0) + 1
        if self.forget_keys:
            request = dataclasses.replace(
                request, idempotency_key=f"{request.idempotency_key}-{attempt}"
            )
        result = self.inner.write(request)
        if request.address in self.lose and attempt == 1:
            raise TemporaryError("connection reset after the write", delay=0)
        return result


class ColleagueInterferes:
    """The first attempt never reaches the platform; meanwhile a colleague edits the
    resource by hand (the platform keeps learnops' old spec hash on it)."""

    def __init__(self, inner: SandboxProvider) -> None:
        self.inner = inner
        self.name = inner.name
        self.interfered = False

    def __getattr__(self, name: str) -> object:
        return getattr(self.inner, name)

    def write(self, request: WriteRequest) -> LiveResource | None:
        if not self.interfered:
            self.interfered = True
            live = self.inner.platform.get_resource(request.address.kind, request.address.name)
            edited = {**live["spec"], "title": "Edited by hand"}
            self.inner.platform.put_resource(
                request.address.kind, request.address.name,
                {"metadata": {"labels": {}, "annotations": {}}, "spec": edited},
                if_match=live["metadata"]["version"], actor="colleague",
            )
            raise TemporaryError("connection reset before the write", delay=0)
        return self.inner.write(request)


class AlwaysBusy:
    def __init__(self, inner: SandboxProvider) -> None:
        self.inner = inner
        self.name = inner.name
        self.calls = 0

    def __getattr__(self, name: str) -> object:
        return getattr(self.inner, name)

    def write(self, request: WriteRequest) -> LiveResource | None:
        self.calls += 1
        raise TemporaryError("503 try again", delay=0)


def test_applies_every_change_in_dependency_order(sandbox: SandboxProvider) -> None:
    the_plan, descendants = three_resources()
    events: list[ApplyEvent] = []

    result = execute(the_plan, sandbox, descendants=descendants, on_event=events.append)

    assert result.ok and result.writes == result.attempts == 3
    assert summary_line(result).endswith("(3 changes written).")
    assert [str(a.address) for a in result.applied][-1] == "Assignment/handwashing-all"
    live = {r.address: r for r in sandbox.read_resources()}
    assert len(live) == 3
    assert all(r.managed_by == MANAGED_BY for r in live.values())
    wanted = {c.address: c.spec_hash for c in the_plan.changes}
    assert {a: r.spec_hash for a, r in live.items()} == wanted
    assert sum(isinstance(e, ChangeStarted) for e in events) == 3
    assert sum(isinstance(e, ChangeDone) for e in events) == 3


def test_applying_the_same_plan_twice_writes_once(sandbox: SandboxProvider) -> None:
    the_plan, descendants = three_resources()
    execute(the_plan, sandbox, descendants=descendants)
    version, audit = sandbox.state_version(), sandbox.platform.audit(limit=1000)

    again = execute(the_plan, sandbox, descendants=descendants)

    assert again.ok, again.failed  # the platform replays each write's first answer
    assert sandbox.state_version() == version
    assert sandbox.platform.audit(limit=1000) == audit


@pytest.mark.parametrize("forget_keys", [False, True], ids=["replayed", "precondition-failed"])
def test_a_lost_answer_is_not_a_failure_nor_a_second_write(
    sandbox: SandboxProvider, forget_keys: bool
) -> None:
    the_plan, descendants = three_resources()
    lossy = LosesAnswers(sandbox, {a.address for a in the_plan.changes}, forget_keys)

    result = execute(the_plan, lossy, descendants=descendants, retry=FAST)

    assert result.ok, result.failed
    assert len(result.applied) == 3
    assert all(a.recovered for a in result.applied) is forget_keys
    creates = [e for e in sandbox.platform.audit(limit=1000) if e["action"] == "create"]
    assert sorted(f"{e['kind']}/{e['name']}" for e in creates) == sorted(
        str(c.address) for c in the_plan.changes
    )


def test_a_retry_meeting_someone_elses_edit_fails_instead_of_claiming_success(
    sandbox: SandboxProvider,
) -> None:
    first = create("LearningObject/handwashing", OBJECT)
    execute(plan([first], [["LearningObject/handwashing"]]), sandbox, descendants=NO_DEPENDENTS)
    # Same spec, new labels: the spec hash does not change with this update.
    relabel = dataclasses.replace(
        change("LearningObject/handwashing", "update", OBJECT, version=1),
        labels={"area": "safety"},
    )
    the_plan = plan([relabel], [["LearningObject/handwashing"]], state_version=1)

    result = execute(the_plan, ColleagueInterferes(sandbox), descendants=NO_DEPENDENTS,
                     retry=FAST)

    assert [f.code for f in result.failed] == ["LO104"]  # precondition failed: plan again
    live = sandbox.platform.get_resource("LearningObject", "handwashing")
    assert live["spec"]["title"] == "Edited by hand" and live["metadata"]["labels"] == {}


def test_a_permanent_failure_skips_dependents_and_spares_other_branches(
    sandbox: SandboxProvider,
) -> None:
    changes = [
        # An update of something that is not there: refused, whatever the retries.
        change("Audience/ghosts", "update", AUDIENCE, version=4),
        create("LearningObject/handwashing", OBJECT),
        create("Assignment/ghost-training", assignment("ghosts", "handwashing")),
        create("Audience/everyone", AUDIENCE),
        create("Assignment/handwashing-all", assignment("everyone", "handwashing")),
    ]
    order = [
        ["Audience/ghosts", "LearningObject/handwashing", "Audience/everyone"],
        ["Assignment/ghost-training", "Assignment/handwashing-all"],
    ]
    edges = {
        "Audience/ghosts": ["Assignment/ghost-training"],
        "LearningObject/handwashing": ["Assignment/ghost-training", "Assignment/handwashing-all"],
        "Audience/everyone": ["Assignment/handwashing-all"],
    }

    result = execute(plan(changes, order), sandbox, descendants=depends(edges), retry=FAST)

    assert not result.ok
    assert [str(f.address) for f in result.failed] == ["Audience/ghosts"]
    assert [(str(s.address), s.cause) for s in result.skipped] == [
        ("Assignment/ghost-training", "depends on Audience/ghosts, which failed")
    ]
    assert {str(a.address) for a in result.applied} == {
        "LearningObject/handwashing", "Audience/everyone", "Assignment/handwashing-all"
    }
    assert result.writes == 3 and result.attempts == 4  # a failed write cannot succeed: no retry


def test_temporary_failures_are_retried_within_the_bound(sandbox: SandboxProvider) -> None:
    busy = AlwaysBusy(sandbox)
    events: list[ApplyEvent] = []
    the_plan = plan(
        [create("LearningObject/handwashing", OBJECT)], [["LearningObject/handwashing"]]
    )

    result = execute(the_plan, busy, descendants=NO_DEPENDENTS, retry=FAST, on_event=events.append)

    assert busy.calls == FAST.max_attempts == result.attempts
    assert result.writes == 0
    assert "gave up after 4 attempts" in result.failed[0].error
    assert summary_line(result).endswith(
        "0 applied, 1 failed, 0 not attempted, 0 unchanged (0 changes written, 4 attempts)."
    )
    assert sum(isinstance(e, ChangeRetrying) for e in events) == FAST.max_attempts - 1
    assert sandbox.read_resources() == []


def test_backoff_honours_the_delay_the_platform_asks_for() -> None:
    policy = RetryPolicy(base_delay=0.1, max_delay=5)
    assert policy.backoff(1, floor=2.0, rng=lambda: 1.0) == 2.0  # Retry-After wins
    assert policy.backoff(3, floor=0.0, rng=lambda: 1.0) == pytest.approx(0.4)
    assert policy.backoff(30, floor=0.0, rng=lambda: 1.0) == 5  # capped
    assert policy.backoff(3, floor=0.0, rng=lambda: 0.25) == pytest.approx(0.1)  # jittered


def test_a_plan_with_a_refused_change_writes_nothing(sandbox: SandboxProvider) -> None:
    refused = dataclasses.replace(create("LearningObject/handwashing", OBJECT),
                                  refusal="prevent-destroy")
    the_plan = plan([refused, create("Audience/everyone", AUDIENCE)],
                    [["LearningObject/handwashing", "Audience/everyone"]])

    with pytest.raises(PlanRefusedError, match="nothing was written"):
        execute(the_plan, sandbox, descendants=NO_DEPENDENTS)
    assert sandbox.state_version() == 0


def test_a_stopped_apply_starts_no_further_writes(sandbox: SandboxProvider) -> None:
    the_plan, descendants = three_resources()
    stop = StopSignal()
    stop.stop("the apply lock was lost")

    result = execute(the_plan, sandbox, descendants=descendants, stop=stop)

    assert result.writes == 0 and len(result.skipped) == 3
    assert {s.cause for s in result.skipped} == {"the apply lock was lost"}
    assert sandbox.read_resources() == []


def test_no_op_changes_are_counted_not_written(sandbox: SandboxProvider) -> None:
    the_plan = plan([change("LearningObject/handwashing", "no-op", OBJECT, version=1)], [])

    result = execute(the_plan, sandbox, descendants=NO_DEPENDENTS)

    assert result.ok and result.writes == 0 and result.unchanged == 1


def test_inactivating_in_code_writes_the_whole_desired_spec(sandbox: SandboxProvider) -> None:
    the_plan, descendants = three_resources()
    execute(the_plan, sandbox, descendants=descendants)
    address = Address.parse("Assignment/handwashing-all")
    version = {r.address: r.version for r in sandbox.read_resources()}[address]
    inactive = {**assignment("everyone", "handwashing"), "active": False}
    off = dataclasses.replace(
        change(str(address), "inactivate", inactive, version=version),
        reason="inactivated in code", labels={"team": "infection-control"},
    )

    result = execute(
        plan([off], [[str(address)]], sandbox.state_version()), sandbox, descendants=descendants
    )

    assert result.ok and result.writes == 1
    live = {r.address: r for r in sandbox.read_resources()}[address]
    assert live.spec.get("active") is False and live.status.get("active") is False
    assert dict(live.labels) == {"team": "infection-control"}
    assert live.spec_hash == off.spec_hash
