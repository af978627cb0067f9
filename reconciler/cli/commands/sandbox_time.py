"""``learnops sandbox tick [DIR]`` and ``learnops sandbox notifications``: the
platform's scheduler run from the shell (a nightly cron job, or a rehearsal that
moves the platform's date ahead), and what it has sent."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any, Final

from reconciler.cli.arguments import day
from reconciler.cli.commands.sandbox_platform import add_db_option, open_platform

NOTICE_KINDS: Final = ("assigned", "renewal", "step_available", "reminder", "overdue",
                       "completed", "certified", "expiring", "expired")


def register(commands: Any) -> None:
    tick = commands.add_parser(
        "tick", help="run the platform's scheduler up to a day (cron-able)",
        description="Record every event due by the day (step releases, reminders, due"
                    " dates, overdue, renewals, expiry) on the day it happened, send its"
                    " notifications, and move the platform's date there. After downtime"
                    " it catches up in date order. A day ahead of today moves the"
                    " platform's date forward for a rehearsal; it never moves back.")
    tick.add_argument("--until", type=day, metavar="DATE",
                      help="the day to bring the platform to (default: its today)")
    add_db_option(tick)
    tick.set_defaults(handler=run_tick)

    notices = commands.add_parser(
        "notifications", help="the notifications the platform has sent, in date order")
    notices.add_argument("employee_id", nargs="?", metavar="EMPLOYEE_ID",
                         help="only those sent to this recipient (an employee id, or an"
                              " admin's address)")
    notices.add_argument("--since", type=day, metavar="DATE", help="only from this day on")
    notices.add_argument("--kind", choices=NOTICE_KINDS, help="only this kind")
    notices.add_argument("--output", choices=("text", "json"), default="text")
    add_db_option(notices)
    notices.set_defaults(handler=list_notifications)


def run_tick(args: argparse.Namespace) -> int:
    with open_platform(args) as platform:
        result = platform.tick(args.until)
    before = result.since.isoformat() if result.since else "never run"
    print(f"platform date {result.until.isoformat()} (was {before}):"
          f" {result.recorded} event{'' if result.recorded == 1 else 's'} recorded")
    return 0


def list_notifications(args: argparse.Namespace) -> int:
    with open_platform(args) as platform:
        found = platform.notifications(args.employee_id, kind=args.kind, since=args.since)
    if args.output == "json":
        print(json.dumps(found, indent=2))
        return 0
    sys.stdout.write(notification_lines(found))
    return 0


def notification_lines(found: list[dict[str, Any]]) -> str:
    """One line per notification: day, recipient (role), kind, what about; then its text."""
    if not found:
        return "No notifications.\n"
    lines: list[str] = []
    for notice in found:
        about = " ".join(f"{kind} {name}" for kind, name in (notice["item"] or {}).items())
        if notice["step"]:
            about += f", step {notice['step']}"
        lines.append(f"{notice['on']}  {notice['recipient']} ({notice['role']})"
                     f"  {notice['kind']}  {about}")
        lines.append(f"    {notice['message']}")
    return "\n".join(lines) + "\n"
