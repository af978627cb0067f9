"""One sync cycle: fetch, compile, plan, gate, apply, verify.

An idle cycle (the branch head and the platform's state version both as the last
settled cycle left them) costs one ``git ls-remote`` and one state-version read,
nothing more (plus one read of the directory source, when learnops.yaml names one:
a directory change is planned like any other). Otherwise the head is checked out and
compiled (once per commit); a revision that does not compile is never applied: the
last good revision stays and the failure names the file and line. While the head
is bad, the last good revision is still what the platform should equal: each time
the platform's state version moves, it is planned again to report drift (reverted
with ``self_heal``), and the status stays Failed with the head's error. A sync that
restarted (``sync --once`` is a process a cycle) knows the good revision by name (the
remembered status): it compiles it again from its commit when it needs it. A plan whose
errors stand (conflicts, refusals) is not applied either. With ``auto_apply`` the
gated plan is planned again under the platform's apply lock and executed; a last
plan, after the lock is released, says where the platform stands.

Between steps the cycle looks at its :class:`StopSignal`: a stopped cycle ends
before its next step; a stopped apply (a signal, or ``apply_timeout`` run out) starts
no further writes, lets those in flight finish (each write is whole), and releases
its lock.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Final

from reconciler.apply.executor import (
    ApplyResult,
    FailedChange,
    SkippedChange,
    StopSignal,
    execute,
)
from reconciler.apply.lock import ApplyLease, default_holder
from reconciler.apply.release import applied_state, releases
from reconciler.compiler import Compiled, compile_dir
from reconciler.diagnostics import Diagnostic
from reconciler.directory import read_snapshot
from reconciler.errors import GitError, PlanRefusedError, ReconcilerError, SpecError, UsageError
from reconciler.model import Address, ProjectConfig
from reconciler.plan.export import read_project
from reconciler.plan.model import Plan
from reconciler.plan.order import write_dependents
from reconciler.plan.planner import build_plan
from reconciler.rules.durations import local_date
from reconciler.state.target import Target, open_target
from reconciler.sync.gates import GateOptions, Selection, gated_plan, select
from reconciler.sync.git import WorkingCopy
from reconciler.sync.memory import Memory, recall, remember
from reconciler.sync.status import (
    AppliedSet,
    ChangeRecord,
    CycleReport,
    SyncFailure,
    SyncState,
    SyncStatus,
    stamp,
)

TargetOpener = Callable[[ProjectConfig, str | None], Target]
_DRIFT: Final = ("drift", "spec changed and drift")
# A cycle stopped (SIGTERM) or an apply that left changes unmade; LO800 is GitError.
NOT_FINISHED: Final = "LO801"


@dataclass(frozen=True)
class SyncOptions:
    path: str = "specs"  # the spec directory inside the repository
    target: str | None = None  # a target of learnops.yaml (None: its provider)
    auto_apply: bool = False
    self_heal: bool = False
    prune: bool = False
    allow_disruptive: bool = False
    parallelism: int = 10
    lock_timeout: float = 60.0
    # Seconds one cycle's apply may take; then it starts no further writes and the
    # cycle fails (retried by the next one). None: unbounded.
    apply_timeout: float | None = None

    @property
    def gates(self) -> GateOptions:
        return GateOptions(self_heal=self.self_heal, prune=self.prune)


@dataclass(frozen=True)
class _Settled:
    """Where the last settled cycle left things: nothing to do until one moves.
    ``mark`` (state lineage, serial, platform version) is ``None`` for a revision that
    does not compile while no good revision came before it (there is nothing to hold
    the platform to)."""

    commit: str
    mark: tuple[str, int, int | None] | None
    directory: str | None = None  # the directory source's digest, when there is one


def _directory(plan: Plan) -> str | None:
    return None if plan.directory is None else plan.directory.digest


def _mark(plan: Plan) -> tuple[str, int, int | None]:
    return plan.state_lineage or "", plan.state_serial or 0, plan.state_version


class _Stopped(Exception):
    """The cycle's stop signal was raised between two steps."""


class Syncer:
    """Runs cycles one at a time (the loop serialises them) and keeps the status.
    ``clock`` is the caller's (an aware datetime): every timestamp of the status and
    of the applies' records, and the day releases are due (in the project's time
    zone), come from it."""

    def __init__(
        self,
        copy: WorkingCopy,
        options: SyncOptions,
        *,
        opener: TargetOpener = open_target,
        holder: str | None = None,
        clock: Callable[[], datetime],
    ) -> None:
        self.copy = copy
        self._clock = clock
        self.options = options
        self._open = opener
        self._holder = holder or f"learnops sync ({default_holder()})"
        self._settled: _Settled | None = None
        self._compiled: tuple[str, Compiled] | None = None
        # The newest revision that compiled and planned cleanly: held while the head is bad.
        self._good: tuple[str, Compiled] | None = None
        self._rejected: tuple[str, SpecError | UsageError] | None = None
        self._target: Target | None = None
        self._provider_config: tuple[ProjectConfig, str | None] | None = None
        self.status = SyncStatus(
            repo=copy.remote.location, branch=copy.remote.branch, path=options.path
        )
        # A run after another one (sync --once from cron) starts where it stopped.
        self._fingerprint = repr((copy.remote, options))
        memory = recall(copy.path, self._fingerprint, self.status)
        if memory is not None:
            self._settled = _Settled(memory.settled_commit, memory.mark, memory.directory)
            self.status = memory.status

    def close(self) -> None:
        if self._target is not None:
            self._target.close()
            self._target = None
            self._provider_config = None

    def _now(self) -> str:
        return stamp(self._clock())

    # -- the cycle -------------------------------------------------------------------

    def cycle(self, stop: StopSignal) -> CycleReport:
        report = self._cycle(stop)
        if self._settled is not None:
            remember(self.copy.path, self._fingerprint,
                     Memory(self._settled.commit, self._settled.mark, self.status,
                            self._settled.directory))
        return report

    def _cycle(self, stop: StopSignal) -> CycleReport:
        started = time.perf_counter()
        self.status = replace(self.status, cycles=self.status.cycles + 1,
                              last_attempt_at=self._now())
        try:
            head = self.copy.head()
            # A git failure (the branch deleted, the remote down) that healed is worth one
            # full cycle: an idle one would keep showing the old error in /status.
            git_failed = (self.status.last_error is not None
                          and self.status.last_error.code == GitError.code)
            if not git_failed and self._idle(head):
                if self.status.state != "Failed":
                    self.status = replace(self.status, last_success_at=self.status.last_attempt_at)
                return CycleReport(idle=True, status=self.status,
                                   duration=time.perf_counter() - started)
            return self._work(stop, started, head)
        except _Stopped:
            return self._fail(started, "stopped before the cycle finished; nothing half-done",
                              NOT_FINISHED, None, (), retryable=False)
        except ReconcilerError as problem:
            return self._fail(started, problem.message, problem.code, problem.where, (),
                              retryable=True)

    def _idle(self, head: str) -> bool:
        settled = self._settled
        if settled is None or settled.commit != head or head != self.copy.checked_out:
            return False
        if settled.mark is None:
            return True  # a bad revision stays bad until a new commit
        if self._target is None:
            self._recall_target()
        # Without a platform change counter only learnops' own writes are seen: such
        # a platform is planned every cycle (drift cannot be ruled out cheaply).
        return (
            self._target is not None
            and settled.mark[2] is not None
            and self._target.mark() == settled.mark
            and self._directory_unmoved(settled)
        )

    def _recall_target(self) -> None:
        """The platform of the checked-out revision's ``learnops.yaml`` alone (no
        compile): what an idle check needs after a restart. Should it not open,
        the cycle is not idle and the full work says why."""
        try:
            project = read_project(self.copy.files_at(self.options.path))
            self._target = self._open(project, self.options.target)
            self._provider_config = (project, self.options.target)
        except ReconcilerError:
            self._target = None

    def _directory_unmoved(self, settled: _Settled) -> bool:
        """A directory source is desired state too: a new hire in it is work to do."""
        if settled.directory is None:
            return True
        project = (
            self._compiled[1].state.project if self._compiled is not None
            else read_project(self.copy.files_at(self.options.path))
        )
        snapshot = read_snapshot(project, self.options.target)
        return snapshot is not None and snapshot.digest == settled.directory

    def _work(self, stop: StopSignal, started: float, head: str) -> CycleReport:
        rejected = self._rejected is not None and self._rejected[0] == head
        # Only the platform moved under a bad head: nothing to fetch, nothing to compile.
        commit = head if rejected and head == self.copy.checked_out else self.copy.update()
        self.status = replace(self.status, head=commit)
        _between(stop)
        try:
            compiled = self._compile(commit)
        except (SpecError, UsageError) as invalid:
            return self._hold_good(stop, started, commit, invalid)
        provider = self._provider_for(compiled)
        _between(stop)
        plan = self._plan(compiled, provider)
        selection = select(plan, self.options.gates)
        if selection.errors:
            self._settled = _Settled(commit, _mark(plan), _directory(plan))
            first = selection.errors[0]
            return self._fail(
                started, f"the plan has {len(selection.errors)} error(s), nothing was applied: "
                f"{first.message}", first.code, first.where,
                tuple(problem.format("error") for problem in selection.errors),
                retryable=False,
            )
        self.status = replace(self.status, revision=commit)
        self._good = (commit, compiled)
        result: ApplyResult | None = None
        # A plan that only settles an interrupted apply's pending writes still applies.
        if self.options.auto_apply and (selection.writes or plan.settled):
            _between(stop)
            result = self._apply(compiled, provider, stop)
            plan = self._plan(compiled, provider)  # where the platform stands now
            selection = select(plan, self.options.gates)
        released: tuple[str, ...] = ()
        if self.options.auto_apply and (result is None or result.ok):
            # A platform without a scheduler gets its due releases from every cycle.
            _between(stop)
            # By what was applied: a change the gates held back is not released either.
            applied = applied_state(compiled.state, provider.state.snapshot().records)
            today = local_date(self._clock(), compiled.state.project.timezone)
            report = releases(provider.provider, applied.state, today, dry_run=False)
            released = tuple(report.lines()) if report is not None else ()
        return self._settle(started, commit, plan, selection, result, released)

    # -- the steps -----------------------------------------------------------------------

    def _compile(self, commit: str) -> Compiled:
        if self._compiled is not None and self._compiled[0] == commit:
            return self._compiled[1]
        if self._rejected is not None and self._rejected[0] == commit:
            raise self._rejected[1]
        self._compiled = None
        try:
            compiled = compile_dir(self.copy.files_at(self.options.path))
        except (SpecError, UsageError) as invalid:
            self._rejected = (commit, invalid)
            raise
        self._compiled = (commit, compiled)
        return compiled

    def _provider_for(self, compiled: Compiled) -> Target:
        """The platform and state of the revision's ``learnops.yaml``, kept open across
        cycles (reopened only when that file changes what it points at)."""
        config = (compiled.state.project, self.options.target)
        if self._target is None or self._provider_config != config:
            self.close()
            self._target = self._open(compiled.state.project, self.options.target)
            self._provider_config = config
        return self._target

    def _plan(self, compiled: Compiled, target: Target) -> Plan:
        return build_plan(
            compiled, target.provider, state=target.state, allow_delete=self.options.prune,
            allow_disruptive=self.options.allow_disruptive, source_dir=self.options.path,
            directory=read_snapshot(compiled.state.project, self.options.target),
        )

    def _apply(
        self, compiled: Compiled, provider: Target, stop: StopSignal, *,
        drift_only: bool = False,
    ) -> ApplyResult:
        graph = compiled.graph

        def descendants(address: Address) -> Iterable[Address]:
            return graph.descendants(address) if address in graph else ()

        lease = ApplyLease(provider.state, holder=self._holder,
                           wait=self.options.lock_timeout, on_lost=stop.stop)
        with lease as lock:
            # Planned again under the lock: nobody moves the platform in between.
            plan = self._plan(compiled, provider)
            selection = select(plan, self.options.gates)
            if drift_only:
                selection = _drift_only(selection)
            if selection.errors:
                first = selection.errors[0]
                raise PlanRefusedError(f"the plan has errors, nothing was applied: "
                                       f"{first.message}", where=first.where)
            return execute(gated_plan(plan, selection), provider.provider,
                           descendants=write_dependents(plan.order, descendants),
                           parallelism=self.options.parallelism,
                           stop=stop, state=provider.state, lease=lock,
                           desired=compiled.state, timeout=self.options.apply_timeout,
                           clock=lambda: self._clock().timestamp())

    def _hold_good(
        self, stop: StopSignal, started: float, commit: str, invalid: SpecError | UsageError,
    ) -> CycleReport:
        """The head does not compile: plan the last good revision to report drift (and
        revert only drift, with ``self_heal``); the cycle fails with the head's error."""
        if self._good is None:
            self._good = self._recompile_good(commit)
        if self._good is None:
            self._settled = _Settled(commit, None)
            return self._invalid(started, commit, invalid)
        good_commit, good = self._good
        provider = self._provider_for(good)
        _between(stop)
        plan = self._plan(good, provider)
        selection = _drift_only(select(plan, self.options.gates))
        applied: tuple[ChangeRecord, ...] = ()
        failed: tuple[ChangeRecord, ...] = ()
        if self.options.auto_apply and selection.writes and not selection.errors:
            _between(stop)
            result = self._apply(good, provider, stop, drift_only=True)
            applied = tuple(sorted(ChangeRecord(str(c.address), c.action)
                                   for c in result.applied))
            not_applied: list[FailedChange | SkippedChange] = [*result.failed, *result.skipped]
            failed = tuple(sorted(ChangeRecord(str(c.address), c.action) for c in not_applied))
            plan = self._plan(good, provider)
            selection = select(plan, self.options.gates)
        now = self._now()
        self.status = replace(
            self.status, state_version=plan.state_version,
            drifted=tuple(str(c.address) for c in plan.changes if c.reason in _DRIFT),
            held_removals=tuple(str(c.address) for c in selection.held_removals),
            pending=tuple(str(c.address) for c in selection.to_apply),
            last_applied=(AppliedSet(good_commit, applied, now) if applied
                          else self.status.last_applied),
        )
        self._settled = _Settled(commit, _mark(plan), _directory(plan))
        report = self._invalid(started, commit, invalid)
        return replace(report, applied=applied, failed=failed)

    def _recompile_good(self, head: str) -> tuple[str, Compiled] | None:
        """The last good revision the status names, compiled again from its commit (the
        head is back on disk afterwards). None: there is none, or it cannot be had (its
        commit gone from the repository): the head's failure is all there is to say."""
        good = self.status.revision
        if good is None or good == head:
            return None
        try:
            with self.copy.checked_out_at(good):
                return good, compile_dir(self.copy.files_at(self.options.path))
        except (GitError, SpecError, UsageError):
            return None

    # -- outcomes --------------------------------------------------------------------------

    def _settle(
        self, started: float, commit: str, plan: Plan, selection: Selection,
        result: ApplyResult | None, released: tuple[str, ...] = (),
    ) -> CycleReport:
        applied = tuple(sorted(ChangeRecord(str(c.address), c.action)
                               for c in (result.applied if result else ())))
        not_applied: list[FailedChange | SkippedChange] = (
            [*result.failed, *result.skipped] if result else []
        )
        failed = tuple(sorted(ChangeRecord(str(c.address), c.action) for c in not_applied))
        state: SyncState = "Synced" if selection.in_sync else "OutOfSync"
        now = self._now()
        status = replace(
            self.status, state=state, state_version=plan.state_version,
            # Drift still on the platform: held (no --self-heal) or not applied yet.
            drifted=tuple(str(c.address) for c in plan.changes if c.reason in _DRIFT),
            held_removals=tuple(str(c.address) for c in selection.held_removals),
            pending=tuple(str(c.address) for c in selection.to_apply),
            last_applied=AppliedSet(commit, applied, now) if applied else self.status.last_applied,
        )
        if result is not None and not result.ok:
            self.status = status
            first = result.failed[0] if result.failed else None
            message = (
                f"stopped early ({result.stopped}): {len(applied)} applied, "
                f"{len(failed)} not applied; the next cycle finishes them" if result.stopped
                else f"{len(failed)} change(s) not applied; first: {first.error}" if first
                else f"{len(failed)} change(s) not applied: {result.skipped[0].cause}"
            )
            return self._fail(
                started, message, first.code if first else NOT_FINISHED,
                str(first.address) if first else None,
                tuple(f"{r.address}: {r.action} not applied" for r in failed),
                retryable=True, applied=applied, failed=failed,
            )
        self._settled = _Settled(commit, _mark(plan), _directory(plan))
        self.status = replace(status, last_error=None, last_success_at=now)
        return CycleReport(idle=False, status=self.status,
                           duration=time.perf_counter() - started, applied=applied,
                           released=released)

    def _invalid(self, started: float, commit: str, problem: SpecError | UsageError) -> CycleReport:
        diagnostics = [
            d for d in getattr(problem, "diagnostics", ())
            if isinstance(d, Diagnostic) and d.is_error
        ]
        if not diagnostics:
            return self._fail(started, f"revision {commit[:12]} is not valid: {problem}",
                              problem.code, problem.where, (), retryable=False)
        first = diagnostics[0]
        base = self.options.path
        where = first.path(base)
        if first.location is not None:
            where = f"{where}:{first.location.line}:{first.location.col}"
        return self._fail(
            started, f"revision {commit[:12]} is not valid: error[{first.code}]: {first.message}",
            first.code, where, tuple(d.format(base) for d in diagnostics), retryable=False,
        )

    def _fail(
        self, started: float, message: str, code: str, where: str | None,
        details: tuple[str, ...], *, retryable: bool,
        applied: tuple[ChangeRecord, ...] = (), failed: tuple[ChangeRecord, ...] = (),
    ) -> CycleReport:
        failure = SyncFailure(message=message, code=code, where=where, details=details,
                              revision=self.status.head, at=self._now())
        self.status = replace(self.status, state="Failed", last_error=failure)
        return CycleReport(idle=False, status=self.status,
                           duration=time.perf_counter() - started, applied=applied,
                           failed=failed, failure=failure, retryable=retryable)


def _drift_only(selection: Selection) -> Selection:
    """Under a bad head only drift is reverted: the rest of the good revision was
    already asked for when it was the head."""
    return replace(selection, people=0, to_apply=tuple(
        change for change in selection.to_apply if change.reason in _DRIFT))


def _between(stop: StopSignal) -> None:
    if stop.reason is not None:
        raise _Stopped(stop.reason)
