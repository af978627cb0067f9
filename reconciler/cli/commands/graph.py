"""``learnops graph [DIR] --format dot|mermaid|json``: the dependency graph."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from reconciler.compiler import compile_dir
from reconciler.graph import to_dot, to_json, to_mermaid


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "graph",
        help="print the dependency graph (apply order)",
        description="Print what depends on what: edges run from a dependency to its dependent.",
    )
    parser.add_argument(
        "dir", nargs="?", default=".", metavar="DIR", help="the spec directory (default: .)"
    )
    parser.add_argument(
        "--format",
        choices=("dot", "mermaid", "json"),
        default="dot",
        help="dot (default), mermaid or json",
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    compiled = compile_dir(Path(args.dir))
    match args.format:
        case "mermaid":
            text = to_mermaid(compiled.graph)
        case "json":
            text = to_json(compiled.graph)
        case _:
            text = to_dot(compiled.graph)
    sys.stdout.write(text)
    return 0
