"""How an apply looks: a progress bar on a terminal, one line per change otherwise,
and the result as a summary line or a JSON document."""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping
from types import TracebackType
from typing import TextIO, assert_never

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)

from reconciler.apply.events import (
    AppliedChange,
    ApplyEvent,
    ApplyResult,
    ChangeDone,
    ChangeRetrying,
    ChangeStarted,
    FailedChange,
    SkippedChange,
)
from reconciler.cli import console
from reconciler.model import JSON

_PAST: dict[str, str] = {
    "create": "created",
    "update": "updated",
    "adopt": "adopted",
    "inactivate": "inactivated",
    "delete": "deleted",
}


def outcome_line(outcome: AppliedChange | FailedChange | SkippedChange, stream: TextIO) -> str:
    match outcome:
        case AppliedChange():
            note = " (confirmed after a lost response)" if outcome.recovered else ""
            done = _PAST.get(outcome.action, outcome.action)
            return f"{console.paint(done, '32', stream)} {outcome.address}{note}"
        case FailedChange():
            failed = console.paint("failed", "1;31", stream)
            return f"{failed} {outcome.address} ({outcome.action}): {outcome.error}"
        case SkippedChange():
            skipped = console.paint("skipped", "33", stream)
            return f"{skipped} {outcome.address} ({outcome.action}): {outcome.cause}"
        case _:
            assert_never(outcome)


class LineProgress:
    """Not a terminal (CI logs): one line per finished change, nothing redrawn."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stdout

    def __enter__(self) -> Callable[[ApplyEvent], None]:
        return self.handle

    def __exit__(
        self, t: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stream.flush()

    def handle(self, event: ApplyEvent) -> None:
        match event:
            case ChangeDone():
                print(outcome_line(event.outcome, self.stream), file=self.stream, flush=True)
            case ChangeStarted() | ChangeRetrying():
                pass  # a log gets the outcome, not the attempts
            case _:
                assert_never(event)


class BarProgress:
    """A terminal: a bar over the changes; failures and skips printed above it."""

    def __init__(self, total: int, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stdout
        self.console = Console(
            file=self.stream, no_color=not console.colour_enabled(self.stream)
        )
        self.progress = Progress(
            SpinnerColumn(),
            TextColumn("[progress.description]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=self.console,
        )
        self.task = self.progress.add_task("applying", total=total)
        self.retries = 0

    def __enter__(self) -> Callable[[ApplyEvent], None]:
        self.progress.start()
        return self.handle

    def __exit__(
        self, t: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.progress.stop()

    def handle(self, event: ApplyEvent) -> None:
        match event:
            case ChangeStarted():
                self.progress.update(self.task, description=f"applying {event.address}")
            case ChangeRetrying():
                self.retries += 1
                self.progress.update(
                    self.task, description=f"retrying {event.address} ({self.retries} retries)"
                )
            case ChangeDone():
                if not isinstance(event.outcome, AppliedChange):
                    self.progress.console.print(
                        outcome_line(event.outcome, self.stream), markup=False, highlight=False
                    )
                self.progress.advance(self.task)
            case _:
                assert_never(event)


class NoProgress:
    """``--output json``: stdout is for the document alone."""

    def __enter__(self) -> Callable[[ApplyEvent], None]:
        return lambda event: None

    def __exit__(
        self, t: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        return None


def summary_line(result: ApplyResult, stream: TextIO | None = None) -> str:
    """``Apply complete: ...`` or ``Apply failed: ...``: what was applied, failed and
    never attempted; when the apply stopped early, why, on a second line."""
    stream = stream or sys.stdout
    counts = (
        f"{len(result.applied)} applied, {len(result.failed)} failed, "
        f"{len(result.skipped)} not attempted, {result.unchanged} unchanged "
        f"({_written(result)})"
    )
    if result.ok:
        return f"{console.paint('Apply complete', '1;32', stream)}: {counts}."
    line = f"{console.paint('Apply failed', '1;31', stream)}: {counts}."
    if result.stopped is not None:
        line += f"\nStopped early: {result.stopped}. Run apply again to finish."
    return line


def _written(result: ApplyResult) -> str:
    """Changes written and, when retries or failures made more, the write calls sent:
    "3 changes written, 24 attempts"."""
    written = f"{result.writes} change{'s' if result.writes != 1 else ''} written"
    if result.attempts == result.writes:
        return written
    return f"{written}, {result.attempts} attempt{'s' if result.attempts != 1 else ''}"


def result_to_json(result: ApplyResult, *, plan_summary: Mapping[str, int]) -> dict[str, JSON]:
    return {
        "result": "applied" if result.ok else "failed",
        "plan": {"summary": dict(plan_summary)},
        "writes": result.writes,
        "attempts": result.attempts,
        "unchanged": result.unchanged,
        "stopped": result.stopped,
        "applied": [
            {"address": str(a.address), "action": a.action, "recovered": a.recovered}
            for a in result.applied
        ],
        "failed": [
            {"address": str(f.address), "action": f.action, "code": f.code, "error": f.error}
            for f in result.failed
        ],
        "skipped": [
            {"address": str(s.address), "action": s.action, "cause": s.cause}
            for s in result.skipped
        ],
    }
