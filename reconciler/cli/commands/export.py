"""``learnops export``: the live platform as spec files (export, commit, adopt)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Final

from reconciler.cli.arguments import add_target
from reconciler.plan.export import Export, export_platform, parse_kinds

LISTED: Final = 5  # outside references named in the warning; the rest are counted


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "export", help="write the platform's resources as spec files (to adopt them)",
        usage="%(prog)s [-h] [--target TARGET] [--kinds KIND[,KIND...]] [DIR] OUTDIR",
    )
    parser.add_argument("dir", nargs="?", default=".", metavar="DIR",
                        help="spec directory whose learnops.yaml names the platform (default: .)")
    parser.add_argument("outdir", type=Path, metavar="OUTDIR",
                        help="folder to write the spec files to")
    add_target(parser)
    parser.add_argument("--kinds", action="append", metavar="KIND[,KIND...]",
                        help="only these kinds (e.g. Assignment,Audience); default: all")
    _options_anywhere(parser)
    parser.set_defaults(handler=run)


def _options_anywhere(parser: argparse.ArgumentParser) -> None:
    """Options may come before, between or after DIR and OUTDIR: plain argparse gives
    ``export specs --kinds Assignment OUT`` "unrecognized arguments: OUT", because it
    hands out positionals in runs. The sub-command is parsed the way
    ``parse_intermixed_args`` does (options first, then the positionals left over)."""
    plain = parser.parse_known_args

    def intermixed(
        args: Sequence[str] | None = None, namespace: argparse.Namespace | None = None
    ) -> tuple[argparse.Namespace, list[str]]:
        # parse_known_intermixed_args calls parse_known_args itself: the plain one then.
        parser.parse_known_args = plain  # type: ignore[method-assign]
        try:
            return parser.parse_known_intermixed_args(args, namespace)
        finally:
            parser.parse_known_args = intermixed  # type: ignore[method-assign,assignment]

    parser.parse_known_args = intermixed  # type: ignore[method-assign,assignment]


def run(args: argparse.Namespace) -> int:
    kinds = parse_kinds(args.kinds)
    export = export_platform(Path(args.dir), args.outdir, target=args.target, kinds=kinds)
    for exported in export.files:
        adopt = f" ({exported.to_adopt} to adopt)" if exported.to_adopt else ""
        print(f"wrote {exported.path}: {exported.resources} {exported.kind}{adopt}")
    if export.schemas_written:
        print(f"wrote {export.schema_folder}/: the JSON Schemas the files' schema lines name")
    if export.project_kept:
        print(f"kept the existing {export.project_file}: check that it names the platform "
              "you exported from", file=sys.stderr)
    if not export.files:
        print(f"nothing to export: the platform has no {', '.join(kinds)} resources")
        return 0
    if export.outside:
        print(_outside_warning(export), file=sys.stderr)
        print(f"next: add what they name (or export those kinds too), then "
              f"learnops validate {args.outdir}", file=sys.stderr)
    else:
        print(f"next: learnops validate {args.outdir} && learnops plan {args.outdir}",
              file=sys.stderr)
    return 0


def _outside_warning(export: Export) -> str:
    targets = sorted({str(ref.target) for ref in export.outside})
    named = ", ".join(targets[:LISTED]) + (
        f" and {len(targets) - LISTED} more" if len(targets) > LISTED else ""
    )
    count = len(export.outside)
    plural = count != 1
    return (f"warning: {count} reference{'s' if plural else ''} point{'' if plural else 's'} "
            "outside the export "
            f"(to {named}): the exported specs will not validate without them")
