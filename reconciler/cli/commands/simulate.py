"""``learnops simulate [DIR]``: the releases, due dates and notifications the specs would cause."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from reconciler.cli import clock
from reconciler.cli.arguments import add_dir, add_target, day, positive
from reconciler.cli.insight_output import (
    simulation_text,
)
from reconciler.compiler import compile_dir
from reconciler.insight.programs import read_directory
from reconciler.insight.simulate import simulate


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "simulate",
        help="simulate the load the specs would put on the platform, busiest days first",
        description="Per day: the step releases, due dates and notifications applying the "
                    "current specs would cause (sandbox semantics; nothing is written).",
    )
    add_dir(parser)
    add_target(parser)
    parser.add_argument("--days", type=positive, default=90, metavar="N",
                        help="how many days to simulate (default: 90)")
    parser.add_argument("--start", type=day, default=None, metavar="DATE",
                        help="the day the specs are applied (default: today)")
    parser.add_argument("--top", type=positive, default=10, metavar="N",
                        help="how many of the busiest days to show (default: 10)")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    compiled = compile_dir(Path(args.dir))
    directory = read_directory(compiled.state.project, args.target)
    start = args.start or clock.today(compiled.state.project.timezone)
    simulation = simulate(compiled.state, directory, start, args.days)
    sys.stdout.write(simulation_text(simulation, args.top))
    return 0
