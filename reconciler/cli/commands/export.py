"""``learnops export``: the live platform as spec files (export, commit, adopt)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from reconciler.plan.export import export_platform, parse_kinds


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "export", help="write the platform's resources as spec files (to adopt them)"
    )
    parser.add_argument("dir", nargs="?", default=".",
                        help="spec directory whose learnops.yaml names the platform (default: .)")
    parser.add_argument("outdir", type=Path, help="folder to write the spec files to")
    parser.add_argument("--target", help="a target of learnops.yaml (default: provider)")
    parser.add_argument("--kinds", action="append", metavar="KIND[,KIND...]",
                        help="only these kinds (e.g. Assignment,Audience); default: all. "
                        "Give options before DIR or after OUTDIR, not between them")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    kinds = parse_kinds(args.kinds)
    written = export_platform(Path(args.dir), args.outdir, target=args.target, kinds=kinds)
    for exported in written:
        adopt = f" ({exported.to_adopt} to adopt)" if exported.to_adopt else ""
        print(f"wrote {exported.path}: {exported.resources} {exported.kind}{adopt}")
    if not written:
        print(f"nothing to export: the platform has no {', '.join(kinds)} resources")
    else:
        print(f"next: learnops validate {args.outdir} && learnops plan {args.outdir}",
              file=sys.stderr)
    return 0
