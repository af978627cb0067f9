"""``learnops schema [--out DIR]``: the installed version's JSON Schemas, for editors
and standard validators (they refer to each other by relative file name: offline)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from reconciler.schemas import write_schemas


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "schema", help="write this version's JSON Schemas (for editors and validators)",
        description="Write the JSON Schemas of this learnops version into DIR. They refer "
        "to each other by relative file name, so editors and check-jsonschema resolve "
        "them offline. Rerun after upgrading learnops.",
    )
    parser.add_argument("--out", type=Path, default=Path("schema"), metavar="DIR",
                        help="folder to write them to (default: schema)")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    written = write_schemas(args.out)
    changed = sum(1 for schema in written if schema.changed)
    for schema in written:
        print(f"{'wrote' if schema.changed else 'unchanged'} {schema.path}")
    print(f"{len(written)} schemas in {args.out} ({changed} written, "
          f"{len(written) - changed} already up to date)")
    return 0
