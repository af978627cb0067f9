"""``learnops``: the entry point. ``main(argv) -> int`` is testable without a shell."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence
from typing import NoReturn

from reconciler import __version__
from reconciler.cli import console
from reconciler.errors import ReconcilerError, SpecError

# Each names a module of reconciler.cli.commands exposing register(subparsers).
COMMANDS: tuple[str, ...] = (
    "validate",
    "graph",
    "sandbox",
    "plan",
    "export",
    "apply",
    "force_unlock",
    "audience",
    "explain",
    "preview",
    "simulate",
    "sync",
)


class _Parser(argparse.ArgumentParser):
    """Usage mistakes are one line and exit 1 (argparse's default is a usage dump and 2)."""

    def error(self, message: str) -> NoReturn:
        console.error(f"{message} (see '{self.prog} --help')")
        raise SystemExit(1)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="learnops", description="Learning programs as code.")
    parser.add_argument("--version", action="version", version=f"learnops {__version__}")
    parser.add_argument("--debug", action="store_true", help="show tracebacks for errors")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    subparsers.required = True
    for name in COMMANDS:
        importlib.import_module(f"reconciler.cli.commands.{name}").register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as stop:
        return int(stop.code or 0)
    try:
        code: int = args.handler(args)
        return code
    except SpecError as failed:  # every problem, each at its place
        if args.debug:
            raise
        for line in failed.report():
            print(line, file=sys.stderr)
        if failed.diagnostics:
            console.error(failed.message)
        return 1
    except ReconcilerError as problem:
        if args.debug:
            raise
        console.error(str(problem))
        return 1
    except KeyboardInterrupt:
        console.error("interrupted")
        return 130


def run() -> None:
    sys.exit(main())
