"""``learnops``: the entry point. ``main(argv) -> int`` is testable without a shell."""

from __future__ import annotations

import argparse
import difflib
import importlib
import sys
from collections.abc import Iterator, Sequence
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
    "state": "state",
    "audience": "audience",
    "explain": "explain",
    "preview": "preview",
    "simulate": "simulate",
    "sync": "sync",
    "schema": "schema",
    "release": "release",
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
    for command, summary in _commands(parser):
        _habits(command, summary)
    return parser


def _commands(parser: argparse.ArgumentParser) -> Iterator[tuple[argparse.ArgumentParser, str]]:
    """Every (sub)command's parser under ``parser``, with its one-line summary."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            summaries = {choice.dest: choice.help or "" for choice in action._choices_actions}
            for name, command in action.choices.items():
                yield command, summaries.get(name, "")
                yield from _commands(command)


def _habits(command: argparse.ArgumentParser, summary: str) -> None:
    """What every command shares: ``--debug`` after the command too (the top-level
    value stands unless given here), a description in its own ``--help``, and its
    name for usage errors (the deepest command's wins)."""
    command.add_argument("--debug", action="store_true", default=argparse.SUPPRESS,
                         help="show tracebacks for errors")
    if command.description is None and summary:
        command.description = summary[0].upper() + summary[1:] + "."
    command.set_defaults(command_prog=command.prog, command_parser=command)


def _parse(parser: argparse.ArgumentParser, argv: Sequence[str]) -> argparse.Namespace:
    """Parse ``argv``; an unknown option is named, with the command whose help lists
    the right ones (argparse names the top level, or asks for COMMAND)."""
    known = {option for action in parser._actions for option in action.option_strings}
    for token in argv:
        if not token.startswith("-"):
            break
        if token.split("=", 1)[0] not in known:
            _unknown(parser, [token])
    args, extras = parser.parse_known_args(argv)
    if extras:
        _unknown(getattr(args, "command_parser", parser), extras)
    return args


def _unknown(command: argparse.ArgumentParser, extras: Sequence[str]) -> NoReturn:
    options = [option for action in command._actions for option in action.option_strings
               if option.startswith("--")]
    first = next((extra for extra in extras if extra.startswith("-")), extras[0])
    names = {option.lstrip("-"): option for option in options}
    close = difflib.get_close_matches(first.split("=", 1)[0].lstrip("-"), names, n=1, cutoff=0.7)
    hint = f"; did you mean {names[close[0]]}?" if close else ""
    what = "unknown option" if first.startswith("-") else "unexpected argument"
    console.error(f"{what} {first}{hint} (see '{command.prog} --help')")
    raise SystemExit(1)


def main(argv: Sequence[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser(argv)
    try:
        args = _parse(parser, argv)
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
    except KeyboardInterrupt as interrupted:  # Ctrl-C, or a signal (cli.signals.Interrupted)
        console.error("interrupted")
        return getattr(interrupted, "exit_code", 130)


def run() -> None:
    sys.exit(main())
