"""``learnops release [DIR] [--target NAME]``: perform the step releases due today on a
platform that cannot schedule them itself (Kolibri), for cron; ``learnops sync`` does
the same every cycle. Running it twice on a day does nothing the second time."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from reconciler.apply.release import release_directory
from reconciler.cli import clock, console
from reconciler.cli.arguments import add_dir, add_target, day
from reconciler.cli.project_file import project_zone


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "release", help="perform step releases due today where the platform cannot")
    add_dir(parser)
    add_target(parser)
    parser.add_argument("--date", type=day, default=None, metavar="DATE",
                        help="perform what is due on DATE (default: today)")
    parser.add_argument("--dry-run", action="store_true",
                        help="list what is due without doing it")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    today = args.date or clock.today(project_zone(Path(args.dir)))
    outcome = release_directory(Path(args.dir), today=today, target=args.target,
                                dry_run=args.dry_run)
    report = outcome.report
    if report is None:
        print(f"{outcome.provider} releases steps on their dates itself: nothing to do.")
        return 0
    if outcome.unapplied:
        shown = ", ".join(str(address) for address in outcome.unapplied[:3])
        more = f" and {len(outcome.unapplied) - 3} more" if len(outcome.unapplied) > 3 else ""
        console.warning(f"the specs have unapplied changes ({shown}{more}): released as "
                        "last applied; learnops apply makes them count")
    verb = "due" if outcome.dry_run else "done"
    lines = report.lines()
    if not lines:
        print(f"Nothing due on {report.today}.")
        return 0
    for line in lines:
        print(f"  {line}")
    print(f"{len(report.releases)} release(s), {report.count} change(s) {verb} "
          f"on {report.today}.")
    return 0
