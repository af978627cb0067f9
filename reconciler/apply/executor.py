"""Makes a plan real: the same generations the renderers walk, one write per change.

Each generation runs on a bounded thread pool; a generation starts when the one
before it has finished, so a resource is written only after everything it
depends on. Every write carries its precondition and an idempotency key derived
from the plan, so a retried write (or a rerun of the same saved plan) cannot
apply twice. Temporary failures are retried with exponential backoff and full
jitter; a permanent one fails that resource and skips what depends on it while
independent branches go on. With a state store, every write is bracketed: the
intent is recorded before the platform call (``begin``), the resource as it
landed after it (``record``, ``forget`` after a delete) or the intent dropped
(``fail``); the serial is raised once at the end. A platform that stays unreachable
(the circuit breaker of :mod:`reconciler.apply.breaker`), a ``timeout`` or a stop
signal end the apply early: writes in flight finish, changes waiting to retry are
abandoned, the rest is never attempted. Nothing here prints: progress goes to a callback.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import FIRST_EXCEPTION, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from typing import Final, assert_never

from reconciler.apply.bookkeeping import Bookkeeper
from reconciler.apply.breaker import CircuitBreaker, Deadline
from reconciler.apply.events import (
    AppliedChange,
    ApplyEvent,
    ApplyResult,
    ChangeDone,
    ChangeRetrying,
    ChangeStarted,
    EventSink,
    FailedChange,
    SkippedChange,
)
from reconciler.errors import (
    NotFoundError,
    PermanentError,
    PlanRefusedError,
    PreconditionFailed,
    ProviderError,
    TemporaryError,
    UnreachableError,
    UsageError,
)
from reconciler.model import MANAGED_BY, Address, DesiredResource, DesiredState, content_hash
from reconciler.plan.model import Change, Plan, UserChange
from reconciler.plan.normalize import matches_hash
from reconciler.plan.settle import holds
from reconciler.providers import (
    DirectoryWriter,
    LiveResource,
    Lock,
    Provider,
    WriteAction,
    WriteRequest,
    held_by,
)
from reconciler.state import StateWriter

# The results travel with the executor: callers import them from here or from events.
__all__ = [
    "AppliedChange",
    "ApplyEvent",
    "ApplyResult",
    "ChangeDone",
    "ChangeRetrying",
    "ChangeStarted",
    "EventSink",
    "FailedChange",
    "RetryPolicy",
    "SkippedChange",
    "StopSignal",
    "execute",
    "idempotency_key",
    "pending_changes",
    "write_action",
    "write_request",
]


# How the directory part of a plan shows in progress and results (joiners, movers and
# leavers, as identity teams say): leavers go before every resource, the rest after.
LEAVERS: Final = Address("Directory", "leavers")
JOINERS_MOVERS: Final = Address("Directory", "joiners-and-movers")


# -- knobs -------------------------------------------------------------------------


@dataclass(frozen=True)
class RetryPolicy:
    """How long one change may keep trying: both bounds hold."""

    max_attempts: int = 8
    base_delay: float = 0.05
    max_delay: float = 10.0
    deadline: float = 120.0  # seconds from a change's first attempt
    # The whole apply: this many connection failures in a row, over at least this many
    # seconds, and the platform is taken to be down (no further writes).
    breaker_failures: int = 8
    breaker_window: float = 10.0

    def backoff(self, attempt: int, floor: float, rng: Callable[[], float]) -> float:
        """Full jitter over an exponential ceiling, never below what the platform asked."""
        ceiling = min(self.max_delay, self.base_delay * 2.0 ** (attempt - 1))
        return max(floor, rng() * ceiling)


class StopSignal:
    """Tells a running apply to start no further writes (interrupted, lease lost)."""

    def __init__(self) -> None:
        self._event = threading.Event()
        self._reason: str | None = None

    def stop(self, reason: str) -> None:
        if self._reason is None:
            self._reason = reason
        self._event.set()

    @property
    def reason(self) -> str | None:
        return self._reason if self._event.is_set() else None

    def sleep(self, seconds: float) -> bool:
        """Waits ``seconds`` unless stopped first; True when stopped."""
        return self._event.wait(seconds)


# -- the plan as writes ----------------------------------------------------------------


def write_action(change: Change) -> WriteAction | None:
    """What the platform is asked to do for a change; ``None``: nothing."""
    match change.action:
        case "create":
            return "create"
        case "update" | "adopt":  # adopting writes our spec and ownership over the live one
            return "update"
        case "inactivate":
            # ``active: false`` in code carries the spec to write: an update writes it
            # whole (labels, annotations, hash), which inactivates the assignment too.
            return "inactivate" if change.after is None else "update"
        case "delete":
            return "delete"
        case "no-op":
            return None
        case _:
            assert_never(change.action)


def idempotency_key(plan: Plan, change: Change) -> str:
    """Same plan, same change -> same key, so a replayed write is recognised."""
    return content_hash([
        plan.source_digest,
        plan.state_version,
        str(change.address),
        change.action,
        change.spec_hash,
        change.precondition_version,
    ])


def write_request(plan: Plan, change: Change) -> WriteRequest:
    action = write_action(change)
    if action is None:
        raise UsageError(f"{change.address} needs no write", where=str(change.address))
    return WriteRequest(
        address=change.address,
        action=action,
        idempotency_key=idempotency_key(plan, change),
        precondition_version=change.precondition_version,
        spec=change.after if action in ("create", "update") else None,
        spec_hash=change.spec_hash,
        labels=change.labels,
        annotations=change.annotations,
        renamed_from=change.renamed_from,
    )


def pending_changes(plan: Plan) -> list[Change]:
    """The changes that write, in apply order."""
    by_address = {change.address: change for change in plan.changes}
    return [
        by_address[address]
        for generation in plan.order
        for address in generation
        if address in by_address and write_action(by_address[address]) is not None
    ]


# -- the walk ----------------------------------------------------------------------


Descendants = Callable[[Address], Iterable[Address]]
Outcome = AppliedChange | FailedChange | SkippedChange


def execute(
    plan: Plan,
    provider: Provider,
    *,
    descendants: Descendants,
    parallelism: int = 10,
    retry: RetryPolicy = RetryPolicy(),
    on_event: EventSink | None = None,
    stop: StopSignal | None = None,
    rng: Callable[[], float] = random.random,
    state: StateWriter | None = None,
    lease: Lock | None = None,
    clock: Callable[[], float] = time.time,
    timeout: float | None = None,
    desired: DesiredState | None = None,
) -> ApplyResult:
    """Apply every change of ``plan``; ``descendants(address)`` names what depends on it.
    ``state`` (with the ``lease`` held on it) records every write; ``None``: the
    platform's own metadata is the record (``state: platform``). ``timeout`` (seconds)
    bounds the whole apply: then no further writes start. ``desired``: the specs the
    plan was made from, for a platform that holds only part of a spec (a write whose
    answer was lost landed when the platform holds its part of that spec).

    Refused changes must have been reported before: a plan holding one is an error.
    """
    if parallelism < 1:
        raise UsageError(f"parallelism must be at least 1, not {parallelism}")
    if state is not None and lease is None:
        raise UsageError("recording writes in the state store needs the apply lease")
    refused = [change for change in plan.changes if change.refused]
    if refused or not plan.ok:
        first = plan.errors[0].format("error") if plan.errors else (
            f"{refused[0].address}: refused ({refused[0].refusal})"
        )
        raise PlanRefusedError(
            f"the plan has {len(plan.errors) or len(refused)} error(s), nothing was written; "
            f"first: {first}"
        )
    if not provider.capabilities.concurrent_writes:
        parallelism = 1  # threads would only queue for the platform's one writer
    book = Bookkeeper(state, lease, clock) if state is not None and lease is not None else None
    stop = stop or StopSignal()
    run = _Run(plan, provider, retry, on_event, stop, rng, book, desired)
    serial = None if book is None else book.serial(plan)
    if book is not None:
        book.settle(plan.settled)  # what an interrupted apply left pending, as planned
    deadline = Deadline(timeout, stop.stop)
    try:
        return run.walk(descendants, parallelism)
    finally:
        deadline.cancel()
        if book is not None and serial is not None and (run.writes.value or plan.settled):
            try:
                book.persist(serial)
            except TemporaryError:
                if stop.reason is None:
                    raise
                # Stopped because the platform went away: the summary matters more, and
                # the rerun the summary asks for raises the serial.


@dataclass
class _Counter:
    value: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self) -> None:
        with self.lock:
            self.value += 1


class _Run:
    def __init__(
        self,
        plan: Plan,
        provider: Provider,
        retry: RetryPolicy,
        on_event: EventSink | None,
        stop: StopSignal,
        rng: Callable[[], float],
        book: Bookkeeper | None = None,
        desired: DesiredState | None = None,
    ) -> None:
        self.book = book
        self.held = None if desired is None else held_by(provider, desired)
        self.wanted: Mapping[Address, DesiredResource] = (
            {} if desired is None or self.held is None else desired.by_address())
        self.plan = plan
        self.provider = provider
        self.retry = retry
        self.stop = stop
        self.rng = rng
        self.breaker = CircuitBreaker(retry.breaker_failures, retry.breaker_window, stop.stop)
        self.attempts = _Counter()  # every write call, retries included
        self.writes = _Counter()  # writes that changed something (recovered ones too)
        self._on_event = on_event
        self._event_lock = threading.Lock()  # the sink sees one event at a time
        self._after: dict[Address, LiveResource] = {}
        self._after_lock = threading.Lock()

    def emit(self, event: ApplyEvent) -> None:
        if self._on_event is not None:
            with self._event_lock:
                self._on_event(event)

    def walk(self, descendants: Descendants, parallelism: int) -> ApplyResult:
        by_address = {change.address: change for change in self.plan.changes}
        _check_order(self.plan.order, by_address)
        blocked: dict[Address, str] = {}  # address -> why it cannot run
        outcomes: list[Outcome] = []
        directory = self.plan.directory
        with ThreadPoolExecutor(parallelism, thread_name_prefix="apply") as pool:
            try:
                if directory is not None and directory.deactivations:
                    outcomes.append(self._write_users(LEAVERS, directory.deactivations))
                for generation in self.plan.order:
                    runnable: list[Change] = []
                    for address in generation:
                        change = by_address[address]
                        if write_action(change) is None:
                            continue
                        if address in blocked:
                            skipped = SkippedChange(address, change.action, blocked[address])
                            outcomes.append(skipped)
                            self.emit(ChangeDone(skipped))
                        else:
                            runnable.append(change)
                    for outcome in self._run_generation(pool, runnable):
                        outcomes.append(outcome)
                        if isinstance(outcome, FailedChange):
                            cause = f"depends on {outcome.address}, which failed"
                            for dependent in descendants(outcome.address):
                                blocked.setdefault(dependent, cause)
                if directory is not None and directory.arrivals:
                    outcomes.append(self._arrivals(directory.arrivals, outcomes))
            except BaseException:
                # Ctrl-C or a bug: no new writes; the ones in flight finish first.
                self.stop.stop("apply interrupted")
                pool.shutdown(wait=True, cancel_futures=True)
                raise
        unchanged = sum(1 for change in self.plan.changes if write_action(change) is None)
        return ApplyResult(
            applied=tuple(o for o in outcomes if isinstance(o, AppliedChange)),
            failed=tuple(o for o in outcomes if isinstance(o, FailedChange)),
            skipped=tuple(o for o in outcomes if isinstance(o, SkippedChange)),
            writes=self.writes.value,
            unchanged=unchanged,
            attempts=self.attempts.value,
            stopped=self.stop.reason,
        )

    def _arrivals(self, people: Sequence[UserChange], so_far: Sequence[Outcome]) -> Outcome:
        """New hires and movers enter only under the resources the plan promised them."""
        held_back = next(
            (o for o in so_far if isinstance(o, FailedChange | SkippedChange)), None
        )
        if held_back is not None:
            why = f"{held_back.address} was not applied; the next plan shows them again"
            return self._done(SkippedChange(JOINERS_MOVERS, "update", why))
        return self._write_users(JOINERS_MOVERS, people)

    def _write_users(self, address: Address, people: Sequence[UserChange]) -> Outcome:
        """The directory part of a plan: one upsert of ``people``, safe to retry."""
        if self.stop.reason is not None:
            return self._done(SkippedChange(address, "update", self.stop.reason))
        writer = self.provider
        if not isinstance(writer, DirectoryWriter):
            return self._done(FailedChange(
                address, "update", f"{writer.name} cannot take directory changes",
                PermanentError.code,
            ))
        self.emit(ChangeStarted(address, "update"))

        def once(attempt: int, started: float) -> Outcome:
            try:
                writer.write_users([change.user for change in people])
            except TemporaryError:
                raise
            except ProviderError as problem:
                return FailedChange(address, "update", str(problem), problem.code)
            self.breaker.answered()
            return AppliedChange(address, "update")

        def gave_up(problem: TemporaryError, attempt: int) -> Outcome:
            return FailedChange(address, "update", f"{problem} (gave up after {attempt} "
                                "attempts; re-run apply)", problem.code)

        def stopped(problem: TemporaryError, attempt: int) -> Outcome:
            return SkippedChange(address, "update", self.stop.reason or "apply stopped")

        return self._done(self._retrying(address, "update", once, gave_up, stopped))

    def _run_generation(self, pool: ThreadPoolExecutor, changes: Sequence[Change]) -> list[Outcome]:
        futures: list[Future[Outcome]] = [pool.submit(self._apply_one, c) for c in changes]
        done, _ = wait(futures, return_when=FIRST_EXCEPTION)
        for future in done:
            future.result()  # a bug in a worker surfaces here, not as a silent failure
        wait(futures)
        return [future.result() for future in futures]

    def _apply_one(self, change: Change) -> Outcome:
        if self.stop.reason is not None:
            return self._done(SkippedChange(change.address, change.action, self.stop.reason))
        self.emit(ChangeStarted(change.address, change.action))
        request = write_request(self.plan, change)
        if not self.provider.capabilities.preconditions:
            moved = self._moved_since_planned(change)
            if moved is not None:
                return self._done(FailedChange(change.address, change.action, moved,
                                               PreconditionFailed.code))
        if self.book is not None:
            self.book.begin(request)
        outcome = self._write(change, request)
        if self.book is not None:
            if isinstance(outcome, AppliedChange):
                self.book.landed(request, self._after.pop(request.address, None))
            elif not (isinstance(outcome, FailedChange) and outcome.unknown):
                self.book.failed(request.address)
        return self._done(outcome)

    def _moved_since_planned(self, change: Change) -> str | None:
        """A platform without preconditions takes any write: learnops reads the resource
        back just before, and refuses to write over what moved since the plan."""
        try:
            live = _find(self.provider.read_resources([change.address.kind]),
                         change.renamed_from or change.address)
        except ProviderError as problem:
            return f"could not read it back before an unconditional write: {problem}"
        planned = None if change.before is None else content_hash(dict(change.before))
        now = None if live is None else content_hash(dict(live.spec))
        if planned == now:
            return None
        return ("changed on the platform since it was planned (read back before an "
                "unconditional write; nothing was written): plan again")

    def _write(self, change: Change, request: WriteRequest) -> Outcome:
        def once(attempt: int, started: float) -> Outcome:
            try:
                self._keep(request, self.provider.write(request))
            except TemporaryError:
                raise
            except (PreconditionFailed, NotFoundError) as problem:
                self.breaker.answered()
                # A retry that finds its precondition gone may be looking at its own
                # first attempt, committed before the answer was lost.
                if attempt > 1 and self._landed(request, started):
                    return AppliedChange(change.address, change.action, recovered=True)
                return self._failed(change, problem, "")
            except ProviderError as problem:
                self.breaker.answered()
                return self._failed(change, problem, "")
            self.breaker.answered()
            return AppliedChange(change.address, change.action)

        def gave_up(problem: TemporaryError, attempt: int) -> Outcome:
            return self._outcome_unknown(change, request, problem, attempt)

        def stopped(problem: TemporaryError, attempt: int) -> Outcome:
            return self._abandoned(change, problem, attempt)

        return self._retrying(change.address, change.action, once, gave_up, stopped)

    def _retrying(
        self, address: Address, action: str,
        once: Callable[[int, float], Outcome],
        gave_up: Callable[[TemporaryError, int], Outcome],
        stopped: Callable[[TemporaryError, int], Outcome],
    ) -> Outcome:
        """Calls ``once(attempt, started)`` until it answers. A temporary error is retried
        with backoff while the deadline and the stop signal allow; ``gave_up`` and
        ``stopped`` say what that means for this write."""
        started = time.monotonic()
        attempt = 0
        while True:
            attempt += 1
            self.attempts.add()
            try:
                return once(attempt, started)
            except TemporaryError as problem:
                self._heard(problem)
                delay = self._retry_delay(attempt, started, problem)
                if delay is None:
                    return gave_up(problem, attempt)
                self.emit(ChangeRetrying(address, action, attempt, delay, str(problem)))
                if self.stop.sleep(delay):
                    return stopped(problem, attempt)

    def _heard(self, problem: TemporaryError) -> None:
        """Feeds the circuit breaker: no answer at all, or an answer (429, 503)."""
        if isinstance(problem, UnreachableError):
            self.breaker.unreachable()
        else:
            self.breaker.answered()

    def _abandoned(self, change: Change, problem: TemporaryError, attempts: int) -> Outcome:
        """Stopped while waiting to retry: tried, so not "not attempted"; whether the
        last try landed is unknown (a reset may follow a commit): the rerun settles it."""
        reason = self.stop.reason or "apply stopped"
        return self._failed(
            change, problem, f" (abandoned after {attempts} attempt(s): {reason}; re-run apply)",
            unknown=True,
        )

    def _retry_delay(self, attempt: int, started: float, problem: TemporaryError) -> float | None:
        if attempt >= self.retry.max_attempts:
            return None
        delay = self.retry.backoff(attempt, problem.delay, self.rng)
        if time.monotonic() - started + delay > self.retry.deadline:
            return None
        return delay

    def _outcome_unknown(
        self, change: Change, request: WriteRequest, problem: TemporaryError, attempts: int
    ) -> Outcome:
        """Retries ran out on answers that never said whether the write happened (a
        503 or a reset may come after the commit): the platform itself tells."""
        if self._landed(request, time.monotonic()):  # the read gets its own retry bound
            return AppliedChange(change.address, change.action, recovered=True)
        return self._failed(
            change, problem, f" (gave up after {attempts} attempts; outcome unknown: re-run apply)"
        )

    def _landed(self, request: WriteRequest, started: float) -> bool:
        """Does the platform already hold what ``request`` would have written?"""
        attempt = 0
        while True:
            attempt += 1
            try:
                live = _find(self.provider.read_resources([request.address.kind]), request.address)
                break
            except TemporaryError as problem:
                self._heard(problem)  # a read that gets no answer counts as a write would
                delay = self._retry_delay(attempt, started, problem)
                if delay is None or self.stop.sleep(delay):
                    return False
            except PermanentError:
                return False
        self._keep(request, live)
        match request.action:
            case "create" | "update":
                # The stored hash alone is not proof (a platform keeps it across other
                # writers' edits): the content must be ours too, and the metadata where
                # the platform holds it.
                owned = not self.provider.capabilities.metadata or (
                    live is not None
                    and live.managed_by == MANAGED_BY
                    and live.spec_hash == request.spec_hash
                )
                return live is not None and owned and self._holds(request, live)
            case "inactivate":
                return live is not None and (
                    live.status.get("active") is False or live.spec.get("active") is False
                )
            case "delete":
                return live is None
            case _:
                assert_never(request.action)

    def _holds(self, request: WriteRequest, live: LiveResource) -> bool:
        """Does ``live`` hold what ``request`` wrote: its content (and labels and
        annotations), or on a platform holding part of a spec, its part of it (as
        settling a pending write judges it)."""
        kind = request.address.kind
        if self.held is not None:
            return holds(kind, request.spec_hash, live, self.wanted.get(request.address),
                         self.held)
        return (
            matches_hash(kind, live.spec, request.spec_hash)
            and dict(live.labels) == dict(request.labels)
            and dict(live.annotations) == dict(request.annotations)
        )

    def _keep(self, request: WriteRequest, live: LiveResource | None) -> None:
        """The resource as a write left it, for the state's record of it."""
        if self.book is not None and live is not None:
            with self._after_lock:
                self._after[request.address] = live

    def _failed(self, change: Change, problem: ProviderError, suffix: str, *,
                unknown: bool = False) -> Outcome:
        return FailedChange(change.address, change.action, f"{problem}{suffix}", problem.code,
                            unknown)

    def _done(self, outcome: Outcome) -> Outcome:
        if isinstance(outcome, AppliedChange):
            self.writes.add()
        self.emit(ChangeDone(outcome))
        return outcome


def _find(resources: Iterable[LiveResource], address: Address) -> LiveResource | None:
    return next((r for r in resources if r.address == address), None)


def _check_order(order: Sequence[Sequence[Address]], changes: Mapping[Address, Change]) -> None:
    """Every change that writes must have its place in the order, and only once."""
    seen: set[Address] = set()
    for generation in order:
        for address in generation:
            if address not in changes:
                raise UsageError(f"the plan orders {address} but has no change for it")
            if address in seen:
                raise UsageError(f"the plan orders {address} twice")
            seen.add(address)
    missing = [a for a, c in changes.items() if a not in seen and write_action(c) is not None]
    if missing:
        raise UsageError(f"the plan has a change for {missing[0]} but no place for it in its order")

