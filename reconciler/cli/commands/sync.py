"""``learnops sync --repo PATH_OR_URL``: keep the platform equal to a branch (GitOps).

Each cycle fetches the branch into a working copy the sync owns (``--workdir``,
default ``.learnops/sync/<repo>-<hash>``), and validates and plans a new revision;
``--auto-apply`` applies it, ``--self-heal`` also reverts drift, ``--prune`` also
lets removals through. The project's ``learnops.yaml`` is read from ``--path`` in
the working copy, and its relative paths start there: a sandbox database stays
in the working copy across cycles. To follow a platform kept elsewhere, name a
target with ``--target`` (a ``rest`` URL, or a sandbox ``path`` that is absolute).

Exit (``--once``): 0 when the cycle succeeded (in sync or not), 1 when it failed
(or found nothing new under a head that failed before, or ``--timeout`` cut its apply
short: the next run finishes it).

``--once`` remembers where it stopped in its working copy (:mod:`reconciler.sync.memory`),
so a second run on an unchanged repository is as cheap as an idle loop cycle. Under a
bad head it still plans drift against the last good revision (compiled again from its
commit), as the loop does.
SIGTERM or Ctrl-C stops between steps; an apply in progress starts no new writes.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any, Final

from reconciler.cli import clock, console
from reconciler.cli.arguments import add_target, positive, seconds
from reconciler.cli.signals import signal_gate
from reconciler.errors import UsageError
from reconciler.sync.cycle import SyncOptions
from reconciler.sync.service import ServiceConfig, SyncService
from reconciler.sync.status import CycleReport

DEFAULT_SECRET_ENV: Final = "LEARNOPS_WEBHOOK_SECRET"


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "sync", help="keep the platform equal to a git branch (validate, plan, apply)"
    )
    parser.add_argument("--repo", required=True, metavar="PATH_OR_URL",
                        help="the spec repository: a URL git can fetch, or a local path")
    parser.add_argument("--branch", metavar="NAME", default="main",
                        help="the branch followed (default: main)")
    parser.add_argument("--path", metavar="DIR", default="specs",
                        help="the spec directory inside the repository (default: specs)")
    parser.add_argument("--workdir", type=Path, metavar="DIR",
                        help="the working copy the sync owns (default: .learnops/sync/...)")
    add_target(parser)
    parser.add_argument("--interval", type=seconds, default=60.0, metavar="DURATION",
                        help="time between cycles, e.g. 30s, 5m (default: 60s)")
    parser.add_argument("--once", action="store_true", help="run one cycle and exit")
    parser.add_argument("--auto-apply", action="store_true",
                        help="apply new revisions (without it: validate, plan and report)")
    parser.add_argument("--self-heal", action="store_true",
                        help="revert drift (changes made outside learnops); else reported")
    parser.add_argument("--prune", action="store_true",
                        help="let removals through (inactivate, delete); else held")
    parser.add_argument("--allow-disruptive", action="store_true",
                        help="allow moving learners in progress (in_progress: migrate)")
    parser.add_argument("--parallelism", type=positive, default=10, metavar="N",
                        help="writes in flight at once (default: 10)")
    parser.add_argument("--lock-timeout", type=seconds, default=60.0, metavar="DURATION",
                        help="how long to wait for another apply's lock (default: 60s)")
    parser.add_argument("--timeout", type=seconds, default=None, metavar="DURATION",
                        help="bound each cycle's apply: after this long it starts no "
                             "further writes and the cycle fails; the next one finishes "
                             "(default: none)")
    parser.add_argument("--listen", metavar="HOST:PORT",
                        help="serve /healthz, /status, /metrics and /webhook")
    parser.add_argument("--webhook-secret-env", default=DEFAULT_SECRET_ENV, metavar="NAME",
                        help=f"environment variable holding the webhook secret "
                             f"(default: {DEFAULT_SECRET_ENV})")
    parser.add_argument("--notify-url", metavar="URL",
                        help="POST a Slack-compatible message when a sync applies, fails "
                             "or finds drift")
    parser.add_argument("--output", choices=("text", "json"), default="text",
                        help="text log lines, or (with --once) the status as JSON")
    parser.set_defaults(handler=run)



def run(args: argparse.Namespace) -> int:
    if args.interval <= 0:
        raise UsageError("--interval must be longer than 0s")
    secret = os.environ.get(args.webhook_secret_env, "")
    if args.listen and not secret:
        console.warning(f"{args.webhook_secret_env} is not set: /webhook refuses every request")
    config = ServiceConfig(
        repo=args.repo, branch=args.branch, workdir=args.workdir, interval=args.interval,
        listen=args.listen, notify_url=args.notify_url,
        webhook_secret=secret.encode() if secret else None,
        options=SyncOptions(
            path=args.path, target=args.target, auto_apply=args.auto_apply,
            self_heal=args.self_heal, prune=args.prune, allow_disruptive=args.allow_disruptive,
            parallelism=args.parallelism, lock_timeout=args.lock_timeout,
            apply_timeout=args.timeout,
        ),
    )
    log = args.output == "text"
    with SyncService(config, clock=clock.now,
                     listeners=[log_cycle] if log else []) as service:
        if service.server is not None and log:
            print(f"Serving /status, /metrics and /webhook on {service.server.url}", flush=True)
        # SIGTERM/SIGINT stop the loop between steps; an apply in progress starts no
        # new writes, reports its cycle and releases the lock; exit 130/143.
        with signal_gate() as gate, gate.graceful(service.loop.stop):
            if args.once:
                report = service.loop.run_once()
            else:
                service.loop.run_forever()
                report = None
        status = service.loop.status
    if args.output == "json":
        print(json.dumps(status.to_json(), indent=2))
    if gate.exit_code is not None and service.loop.cut_short:
        return gate.exit_code  # a cycle cut short: 130/143; otherwise the stop is a clean one
    if report is None:
        return 0
    # An idle cycle under a head already known bad fails too: the sync is stuck there.
    return 1 if report.failure is not None or status.state == "Failed" else 0


def log_cycle(report: CycleReport) -> None:
    """One line per cycle that did something; idle cycles are silent."""
    if report.idle:
        return
    status = report.status
    # Before the first successful ls-remote there is no revision to name.
    at = f" {status.head[:12]}" if status.head else ""
    if report.failure is not None:
        console.error(f"sync{at} failed: {report.failure.line()}")
        for detail in report.failure.details[1:]:
            print(f"  {detail}", file=sys.stderr)
    if report.applied:
        changes = ", ".join(f"{c.action} {c.address}" for c in report.applied)
        print(f"sync{at}: applied {len(report.applied)} change(s): {changes}")
    if report.released:
        print(f"sync{at}: released {len(report.released)}: {'; '.join(report.released)}")
    if report.failure is None:
        summary = _summary(status.state, status.pending, status.drifted, status.held_removals)
        print(f"sync{at}: {summary}")
    sys.stdout.flush()


def _summary(state: str, pending: tuple[str, ...], drifted: tuple[str, ...],
             held: tuple[str, ...]) -> str:
    parts = []
    if pending:
        parts.append(f"{len(pending)} change(s) to apply (--auto-apply)")
    if drifted:
        parts.append(f"drift in {', '.join(drifted)} (--self-heal reverts it)")
    if held:
        parts.append(f"removal(s) held: {', '.join(held)} (--prune lets them through)")
    return state + (": " + "; ".join(parts) if parts else "")
