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

# Command name -> module of reconciler.cli.commands exposing register(subparsers).
COMMANDS: dict[str, str] = {
    "init": "init",
    "validate": "validate",
    "graph": "graph",
    "sandbox": "sandbox",
    "plan": "plan",
    "export": "export",
    "apply": "apply",
    "force-unlock": "force_unlock",
    "audience": "audience",
    "explain": "explain",
    "preview": "preview",
    "simulate": "simulate",
    "sync": "sync",
    "schema": "schema",
}


class _Parser(argparse.ArgumentParser):
    """Usage mistakes are one line and exit 1 (argparse's default is a usage dump and 2)."""

    def error(self, message: str) -> NoReturn:
        console.error(f"{message} (see '{self.prog} --help')")
        raise SystemExit(1)


def build_parser(argv: Sequence[str] = ()) -> argparse.ArgumentParser:
    """The parser for ``argv``: only the command it names is imported (a CI job running
    ``validate`` should not pay for the HTTP server's imports); all of them for help or
    a mistyped command."""
    parser = _Parser(prog="learnops", description="Learning programs as code.")
    parser.add_argument("--version", action="version", version=f"learnops {__version__}")
    parser.add_argument("--debug", action="store_true", help="show tracebacks for errors")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    subparsers.required = True
    named = next((token for token in argv if not token.startswith("-")), None)
    if named is None and "--version" in argv:
        return parser  # argparse prints the version before it looks for a command
    for name, module in COMMANDS.items():
        if named not in COMMANDS or name == named:
            importlib.import_module(f"reconciler.cli.commands.{module}").register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser(argv)
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
