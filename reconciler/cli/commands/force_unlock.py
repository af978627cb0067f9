"""``learnops force-unlock LOCK_ID``: free the apply lock of an apply that died.

The lease expires by itself; this is for when waiting out its ttl is not an
option. The lock id is the one a waiting apply names in its error.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from reconciler.cli.arguments import add_dir, add_target
from reconciler.compiler import compile_dir
from reconciler.state.target import open_target


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "force-unlock", help="free the apply lock held by an apply that is gone"
    )
    parser.add_argument("lock_id", metavar="LOCK_ID", help="the id an apply's lock error names")
    add_dir(parser)
    add_target(parser)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    project = compile_dir(Path(args.dir)).state.project
    target = open_target(project, args.target)
    try:
        target.state.force_unlock(args.lock_id)
    finally:
        target.close()
    print(f"Released the apply lock {args.lock_id}. Make sure its apply is really gone.")
    return 0
