"""``learnops preview PLAN_NAME [DIR]``: when a plan's steps release and fall due."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from reconciler.cli import clock
from reconciler.cli.arguments import day
from reconciler.cli.insight_output import preview_text
from reconciler.compiler import compile_dir
from reconciler.insight.gantt import plan_gantt
from reconciler.insight.preview import preview


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "preview",
        help="show a certification plan's schedule for a learner enrolling on a day",
        description="Each step's release and due date for a learner enrolling on --start; "
                    "steps released after an earlier step show their earliest and latest dates.",
    )
    parser.add_argument("plan", metavar="PLAN_NAME")
    parser.add_argument("dir", nargs="?", default=".", metavar="DIR",
                        help="the spec directory (default: .)")
    parser.add_argument("--start", type=day, default=None, metavar="DATE",
                        help="the enrollment day (default: today)")
    parser.add_argument("--format", choices=("text", "mermaid"), default="text",
                        help="text (default) or a mermaid gantt chart")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    compiled = compile_dir(Path(args.dir))
    start = args.start or clock.today(compiled.state.project.timezone)
    if args.format == "mermaid":
        sys.stdout.write(plan_gantt(args.plan, compiled.state, start))
    else:
        sys.stdout.write(preview_text(preview(args.plan, compiled.state, start)))
    return 0
