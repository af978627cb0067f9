"""``learnops explain EMPLOYEE_ID [DIR]``: why one learner gets what, and when."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from reconciler.cli import clock
from reconciler.cli.arguments import add_dir, add_target, day
from reconciler.cli.insight_output import (
    explain_text,
)
from reconciler.compiler import compile_dir
from reconciler.insight.explain import explain
from reconciler.insight.programs import read_directory


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "explain",
        help="explain which audiences and assignments reach a learner, and their schedule",
        description="For one learner: each audience rule that matches or not, the assignments "
                    "that reach them, their enrollments after dedupe and each plan's release "
                    "schedule for a new enrollment on --as-of (learners already enrolled keep "
                    "their own enrollment date and plan version).",
    )
    parser.add_argument("employee_id", metavar="EMPLOYEE_ID")
    add_dir(parser)
    add_target(parser)
    parser.add_argument("--as-of", type=day, default=None, metavar="DATE",
                        help="the day the specs are applied (default: today)")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    compiled = compile_dir(Path(args.dir))
    directory = read_directory(compiled.state.project, args.target)
    as_of = args.as_of or clock.today(compiled.state.project.timezone)
    found = explain(args.employee_id, compiled.state, directory, as_of)
    sys.stdout.write(explain_text(found))
    return 0
