"""``learnops apply [DIR|PLANFILE]``: make the platform equal the specs.

``DIR`` plans under the apply lock, shows the plan and asks for ``yes`` on a
terminal (``--auto-approve`` for CI; without either it refuses). ``PLANFILE``
applies a saved plan exactly, or refuses it as stale when the specs or the
platform moved since it was made (Terraform's saved-plan rule). Exit 0 when
everything applied, 1 otherwise. An unreachable platform or ``--timeout`` ends the
apply early with its summary (exit 1); SIGINT/SIGTERM do the same, then exit 130/143.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any, Final

from reconciler.apply.events import ApplyResult
from reconciler.apply.executor import StopSignal, execute, pending_changes
from reconciler.apply.lock import ApplyLease
from reconciler.apply.saved import (
    check_directory_unmoved,
    check_platform_unmoved,
    check_target,
    open_saved_plan,
    saved_target,
)
from reconciler.cli import console
from reconciler.cli.apply_output import (
    BarProgress,
    LineProgress,
    NoProgress,
    result_to_json,
    summary_line,
)
from reconciler.cli.arguments import add_target, positive, seconds
from reconciler.cli.signals import SignalGate, signal_gate
from reconciler.compiler import Compiled, compile_dir
from reconciler.directory import read_snapshot
from reconciler.errors import LockHeldError, PlanRefusedError, UsageError
from reconciler.model import Address
from reconciler.plan.model import Plan
from reconciler.plan.order import write_dependents
from reconciler.plan.planner import build_plan
from reconciler.providers import Lock
from reconciler.render.text import render_text
from reconciler.state.target import Target, open_target

DEFAULT_PARALLELISM: Final = 10


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("apply", help="make the changes of a plan on the platform")
    parser.add_argument("source", nargs="?", default=".", metavar="DIR|PLANFILE",
                        help="a spec directory (planned now) or a plan saved with plan --out")
    add_target(parser)
    parser.add_argument("--auto-approve", action="store_true",
                        help="apply without asking (CI); needed when not on a terminal")
    parser.add_argument("--parallelism", type=positive, default=DEFAULT_PARALLELISM, metavar="N",
                        help=f"writes in flight at once, on a platform taking several "
                             f"(default: {DEFAULT_PARALLELISM})")
    parser.add_argument("--timeout", type=seconds, default=None, metavar="DURATION",
                        help="stop starting writes after this long (e.g. 10m; default: none)")
    parser.add_argument("--lock-timeout", type=seconds, default=60.0, metavar="DURATION",
                        help="how long to wait for another apply's lock (default: 60s)")
    parser.add_argument("--allow-delete", action="store_true",
                        help="allow deleting resources removed with on_remove: delete")
    parser.add_argument("--allow-disruptive", action="store_true",
                        help="allow moving learners in progress (in_progress: migrate)")
    parser.add_argument("--output", choices=("text", "json"), default="text",
                        help="text for people, json for tools (the result document)")
    parser.set_defaults(handler=run)



def run(args: argparse.Namespace) -> int:
    source = Path(args.source)
    if not source.exists():
        raise UsageError(f"no such plan file or spec directory '{args.source}'")
    if source.is_dir() and not args.auto_approve and not (
        sys.stdin.isatty() and args.output == "text"
    ):
        raise UsageError(
            "apply needs a 'yes' from a terminal: pass --auto-approve to apply without "
            "asking (CI), or apply a saved plan (learnops plan --out FILE)"
        )
    with signal_gate() as gate:
        code = _apply_saved(args, source, gate) if source.is_file() else _apply_dir(
            args, source, gate)
    return gate.exit_code or code


# -- the two ways in --------------------------------------------------------------------


def _apply_dir(args: argparse.Namespace, spec_dir: Path, gate: SignalGate) -> int:
    compiled = compile_dir(spec_dir)
    directory = read_snapshot(compiled.state.project, args.target)
    target = open_target(compiled.state.project, args.target)
    stop = StopSignal()
    try:
        with _lease(target, args.lock_timeout, stop) as lock:
            plan = build_plan(
                compiled, target.provider, state=target.state, allow_delete=args.allow_delete,
                allow_disruptive=args.allow_disruptive, source_dir=str(args.source),
                target=args.target, directory=directory,
            )
            shown = args.output == "text"
            if shown:
                sys.stdout.write(render_text(plan, colour=console.colour_enabled(sys.stdout)))
            _refuse_errors(plan, already_shown=shown)
            if not plan.has_changes:
                return _finish(args, plan, None)
            if not args.auto_approve and not _confirmed():
                print("Apply cancelled: nothing was written.")
                return 1
            with gate.graceful(stop.stop):
                result = _execute(args, plan, target, lock, compiled, stop)
    finally:
        target.close()
    return _finish(args, plan, result)


def _apply_saved(args: argparse.Namespace, plan_file: Path, gate: SignalGate) -> int:
    saved = open_saved_plan(plan_file)
    plan = saved.plan
    _refuse_errors(plan, already_shown=False)
    name = saved_target(saved, args.target)  # the plan's own; another is refused
    target = open_target(saved.compiled.state.project, name)
    stop = StopSignal()
    try:
        check_target(saved, target.provider, name,
                     target.state.snapshot().applied_specs(saved.compiled.state))
        with _lease(target, args.lock_timeout, stop) as lock:
            check_platform_unmoved(saved, target)
            check_directory_unmoved(saved, target.provider, name)
            if args.output == "text":
                print(f"Applying the saved plan {plan_file}." if plan.has_changes
                      else f"The saved plan {plan_file} has no changes: nothing to apply.")
            with gate.graceful(stop.stop):
                result = (
                    _execute(args, plan, target, lock, saved.compiled, stop)
                    if plan.has_changes else None
                )
    finally:
        target.close()
    return _finish(args, plan, result)


# -- the parts ---------------------------------------------------------------------------


def _refuse_errors(plan: Plan, *, already_shown: bool) -> None:
    """Conflicts and refused changes stop an apply before anything is written."""
    if plan.ok and not any(change.refused for change in plan.changes):
        return
    if not already_shown:
        for problem in plan.errors:
            print(problem.format("error"), file=sys.stderr)
    raise PlanRefusedError(
        f"the plan has {len(plan.errors)} error(s): nothing was written; fix them and plan again"
    )


def _lease(target: Target, wait: float, stop: StopSignal) -> ApplyLease:
    def waiting(held: LockHeldError) -> None:
        console.warning(f"waiting up to {wait:g}s for the apply lock held by {held.holder}")

    def unreleased(lock: Lock) -> None:
        console.warning(
            f"the apply lock could not be released (the platform is unreachable); it expires "
            f"by itself at {lock.expires_at}, or: learnops force-unlock {lock.lock_id}"
        )

    return ApplyLease(target.state, wait=wait, on_wait=waiting, on_lost=stop.stop,
                      on_unreleased=unreleased)


def _confirmed() -> bool:
    print("\nDo you want to make these changes? Only 'yes' will be accepted.")
    try:
        answer = input("  Enter a value: ")
    except EOFError:
        return False
    return answer.strip() == "yes"


def _execute(
    args: argparse.Namespace, plan: Plan, target: Target, lock: Lock, compiled: Compiled,
    stop: StopSignal,
) -> ApplyResult:
    graph = compiled.graph

    def descendants(address: Address) -> Iterable[Address]:
        # Resources removed from the code are not in the graph: nothing depends on them.
        return graph.descendants(address) if address in graph else ()

    with _progress(args, len(pending_changes(plan))) as on_event:
        return execute(
            plan, target.provider, descendants=write_dependents(plan.order, descendants),
            parallelism=args.parallelism,
            on_event=on_event, stop=stop, state=target.state, lease=lock, timeout=args.timeout,
            desired=compiled.state,
        )


def _progress(
    args: argparse.Namespace, total: int
) -> AbstractContextManager[Any]:
    if args.output == "json":
        return NoProgress()
    if sys.stdout.isatty():
        return BarProgress(total)
    return LineProgress()


def _finish(args: argparse.Namespace, plan: Plan, result: ApplyResult | None) -> int:
    result = result or ApplyResult(
        applied=(), failed=(), skipped=(), writes=0, unchanged=len(plan.changes)
    )
    if args.output == "json":
        document = result_to_json(
            result, plan_summary={action: n for action, n in plan.summary().items()}
        )
        print(json.dumps(document, indent=2))
    elif plan.has_changes:
        print(summary_line(result))
    return 0 if result.ok else 1

