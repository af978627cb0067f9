"""``learnops sandbox``: the reference learning platform over HTTP, its API tokens,
and (in :mod:`.sandbox_learners`) its users, learners and reports from the shell.

Plugin modules are looked up when a command runs (see :mod:`.sandbox_platform`).
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path
from typing import Any, Final

from reconciler.cli.arguments import seconds
from reconciler.cli.commands.sandbox_learners import register as register_learner_commands
from reconciler.cli.commands.sandbox_platform import (
    add_db_option,
    database,
    open_platform,
    project_file_option,
    sandbox_module,
)
from reconciler.cli.commands.sandbox_time import register as register_time_commands
from reconciler.cli.project_file import project_zone
from reconciler.errors import UsageError

SCOPES: Final = ("read", "write", "admin")
_RATE: Final = re.compile(r"^(\d+(?:\.\d+)?)(?:/s)?$")


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("sandbox", help="the reference learning platform")
    commands = parser.add_subparsers(dest="sandbox_command", metavar="COMMAND")
    commands.required = True
    _register_serve(commands)
    _register_token(commands)
    register_learner_commands(commands)
    register_time_commands(commands)


def _register_token(commands: Any) -> None:
    token = commands.add_parser("token", help="API tokens of the sandbox")
    token_commands = token.add_subparsers(dest="token_command", metavar="COMMAND")
    token_commands.required = True
    create = token_commands.add_parser("create", help="create a token; prints its secret once")
    create.add_argument("name", nargs="?", default="cli", metavar="NAME",
                        help="who uses it; audit entries name it as the actor (default: cli)")
    # admin implies write implies read, so one scope says it all; --scopes is the
    # older comma-separated spelling, still accepted.
    given = create.add_mutually_exclusive_group()
    given.add_argument("--scope", choices=SCOPES, help="what it may do (default: read)")
    given.add_argument("--scopes", metavar="SCOPE[,SCOPE...]",
                       help="comma-separated: read, write, admin")
    add_db_option(create)
    create.set_defaults(handler=create_token)


def _register_serve(commands: Any) -> None:
    serve = commands.add_parser("serve", help="serve the platform API (DESIGN §7)")
    add_db_option(serve)
    serve.add_argument("--host", default="127.0.0.1", metavar="HOST",
                       help="address to listen on (default: 127.0.0.1)")
    serve.add_argument("--port", type=port, default=8000, metavar="N",
                       help="TCP port, 0-65535 (default: 8000; 0: any free port)")
    serve.add_argument("--users", type=Path, metavar="CSV",
                       help="import this users CSV before serving (default: the users"
                            " file of the sandbox provider in learnops.yaml, if any)")
    serve.add_argument("--catalog", type=Path, metavar="CSV",
                       help="seed these learning objects into a platform with none (default:"
                            " the catalog file of the sandbox provider in learnops.yaml, if any)")
    serve.add_argument("--rate-limit", metavar="N/s", help="requests per second per caller")
    serve.add_argument("--no-access-log", dest="access_log", action="store_false",
                       help="do not log each request on stdout (a third of the server's"
                            " time per small write goes to that line)")
    serve.add_argument("--tick-interval", type=seconds, default=60.0, metavar="WAIT",
                       help="run the scheduler this often, e.g. 60s or 5m (default: 60s;"
                            " 0: never, run 'learnops sandbox tick' instead)")
    faults = serve.add_argument_group("fault injection (for resilience tests)")
    faults.add_argument("--fail-rate", type=float, default=0.0, metavar="F",
                        help="fraction of resource writes answered 503 (half after commit)")
    faults.add_argument("--latency", type=float, default=0.0, metavar="S",
                        help="seconds added to every request")
    faults.add_argument("--reset-rate", type=float, default=0.0, metavar="F",
                        help="fraction of resource writes whose connection is reset")
    faults.add_argument("--burst-429", type=int, default=0, metavar="N",
                        help="answer every Nth request 429 with Retry-After")
    faults.add_argument("--seed", type=int, metavar="N", help="repeat the same faults")
    serve.set_defaults(handler=serve_platform)


def serve_platform(args: argparse.Namespace) -> int:
    users = args.users or project_file_option(args, "users")
    catalog = args.catalog or project_file_option(args, "catalog")
    for what, path in (("users", users), ("catalog", catalog)):
        if path is not None and not path.is_file():
            raise UsageError(f"{what} file {path} does not exist")
    db = database(args)
    clock = sandbox_module("clock").wall_clock(project_zone(Path(args.dir)))
    api = sandbox_module("api")
    options = api.ApiOptions(
        rate_limit=_rate(args.rate_limit),
        faults=api.FaultOptions(
            fail_rate=args.fail_rate,
            latency=args.latency,
            reset_rate=args.reset_rate,
            burst429=args.burst_429,
            seed=args.seed,
        ),
    )

    def announce(url: str) -> None:
        print(f"learnops sandbox: {db} at {url}", file=sys.stderr, flush=True)

    sandbox_module("server").serve(db, args.host, args.port, options, users_csv=users,
                                   catalog_csv=catalog, announce=announce,
                                   tick_interval=args.tick_interval,
                                   today=clock, access_log=args.access_log)
    return 0


def port(text: str) -> int:
    """A TCP port number; out of range it is argparse's one-line usage error."""
    try:
        number = int(text)
    except ValueError:
        number = -1
    if not 0 <= number <= 65535:
        raise argparse.ArgumentTypeError(f"expected a port from 0 to 65535, got {text!r}")
    return number


def create_token(args: argparse.Namespace) -> int:
    scopes = _scopes(args.scope, args.scopes)
    with open_platform(args, create=True) as platform:
        secret = platform.create_token(args.name, scopes)
    print(secret)
    print(f"token '{args.name}' ({', '.join(scopes)}): shown once, store it now",
          file=sys.stderr)
    return 0


def _scopes(scope: str | None, scopes: str | None) -> list[str]:
    if scopes is None:
        return [scope or "read"]
    named = [part.strip() for part in scopes.split(",") if part.strip()]
    if not named or any(part not in SCOPES for part in named):
        raise UsageError(f"--scopes takes some of {', '.join(SCOPES)} (got '{scopes}')")
    return named


def _rate(text: str | None) -> float | None:
    if text is None:
        return None
    match = _RATE.match(text.strip())
    if match is None or float(match.group(1)) <= 0:
        raise UsageError(f"--rate-limit takes requests per second, like 50/s (got '{text}')")
    return float(match.group(1))
