"""``learnops init [DIR] [--empty]``: scaffold a new program repository."""

from __future__ import annotations

import argparse
import shlex
from pathlib import Path
from typing import Any

from reconciler.scaffold import SPECS, init_repository


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "init", help="scaffold a new program repository (specs, schemas, editor, CI)",
        description="Write a new program repository into DIR: specs/ with learnops.yaml, "
        "an example of each kind (or empty folders with --empty) and a sample "
        "directory/users.csv; schema/; .gitignore; .vscode/settings.json; "
        ".pre-commit-config.yaml; .github/workflows/learnops.yml. Never overwrites a file.",
    )
    parser.add_argument("dir", nargs="?", default=".", metavar="DIR",
                        help="the repository folder (default: .; made when missing)")
    parser.add_argument("--empty", action="store_true",
                        help="empty kind folders instead of one example of each kind")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    root = Path(args.dir)
    scaffold = init_repository(root, empty=args.empty)
    for path in scaffold.files:
        print(f"wrote {root / path}")
    specs = shlex.quote(str(root / SPECS))
    print(f"next: learnops validate {specs} && learnops plan {specs} "
          f"&& learnops apply {specs}")
    return 0
