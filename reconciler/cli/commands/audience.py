"""``learnops audience NAME [DIR]``: who an audience targets, read against the platform's users."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from reconciler.cli.arguments import add_dir, add_target
from reconciler.cli.insight_output import (
    audience_text,
    members_csv,
)
from reconciler.compiler import compile_dir
from reconciler.insight.audience_report import audience_report
from reconciler.insight.programs import read_directory


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "audience",
        help="show who an audience targets",
        description="Resolve audience NAME against the users of the platform: member count, "
                    "a sample, and the split over the attributes and groups its rule uses.",
    )
    parser.add_argument("name", metavar="NAME", help="the audience (inline ones are "
                        "named <assignment>-audience)")
    add_dir(parser)
    add_target(parser)
    parser.add_argument("--output", choices=("text", "csv"), default="text",
                        help="text (default) or csv: every member with their attributes")
    parser.add_argument("--sample", type=int, default=10, metavar="N",
                        help="how many members to list in text output (default: 10)")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    compiled = compile_dir(Path(args.dir))
    directory = read_directory(compiled.state.project, args.target)
    report = audience_report(args.name, compiled.state, directory, sample=args.sample)
    if args.output == "csv":
        sys.stdout.write(members_csv(report, directory.users))
    else:
        sys.stdout.write(audience_text(report, len(directory.users)))
    return 0
