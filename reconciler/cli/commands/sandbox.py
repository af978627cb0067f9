"""``learnops sandbox``: the reference learning platform over HTTP, and its API tokens.

The sandbox is a built-in *plugin* (``plugins/sandbox``): ``reconciler`` never imports
a plugin statically (the layering contract), so its modules are found here, when the
command runs, through the package behind the ``sandbox`` provider entry point.
"""

from __future__ import annotations

import argparse
import importlib
import re
import sys
from pathlib import Path
from types import ModuleType
from typing import Any, Final

from reconciler.errors import ConfigError, UsageError
from reconciler.load import read_yaml
from reconciler.providers.registry import ProviderRegistry

DEFAULT_DB: Final = Path(".learnops/sandbox.db")
PROJECT_FILE: Final = Path("learnops.yaml")
SCOPES: Final = ("read", "write", "admin")
_RATE: Final = re.compile(r"^(\d+(?:\.\d+)?)(?:/s)?$")
_DB_HELP: Final = (
    f"the sandbox database (default: the sandbox {PROJECT_FILE} here names, else {DEFAULT_DB})"
)


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("sandbox", help="the reference learning platform")
    commands = parser.add_subparsers(dest="sandbox_command", metavar="COMMAND")
    commands.required = True
    _register_serve(commands)
    token = commands.add_parser("token", help="API tokens of the sandbox")
    token_commands = token.add_subparsers(dest="token_command", metavar="COMMAND")
    token_commands.required = True
    create = token_commands.add_parser("create", help="create a token; prints its secret once")
    create.add_argument("name", help="who uses it; audit entries name it as the actor")
    create.add_argument(
        "--scopes", default="read", help="comma-separated: read, write, admin (default: read)"
    )
    create.add_argument("--db", type=Path, help=_DB_HELP)
    create.set_defaults(handler=create_token)


def _register_serve(commands: Any) -> None:
    serve = commands.add_parser("serve", help="serve the platform API (DESIGN §7)")
    serve.add_argument("--db", type=Path, help=_DB_HELP)
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--users", type=Path, help="import this users CSV before serving")
    serve.add_argument("--rate-limit", metavar="N/s", help="requests per second per caller")
    faults = serve.add_argument_group("fault injection (for resilience tests)")
    faults.add_argument("--fail-rate", type=float, default=0.0, metavar="F",
                        help="fraction of resource writes answered 503 (half after commit)")
    faults.add_argument("--latency", type=float, default=0.0, metavar="S",
                        help="seconds added to every request")
    faults.add_argument("--reset-rate", type=float, default=0.0, metavar="F",
                        help="fraction of resource writes whose connection is reset")
    faults.add_argument("--burst-429", type=int, default=0, metavar="N",
                        help="answer every Nth request 429 with Retry-After")
    faults.add_argument("--seed", type=int, help="repeat the same faults")
    serve.set_defaults(handler=serve_platform)


def serve_platform(args: argparse.Namespace) -> int:
    if args.users is not None and not args.users.is_file():
        raise UsageError(f"users file {args.users} does not exist")
    db = _database(args.db)
    api = _sandbox("api")
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
    print(f"learnops sandbox: {db} at http://{args.host}:{args.port}{api.API_PREFIX}",
          file=sys.stderr)
    _sandbox("server").serve(db, args.host, args.port, options, users_csv=args.users)
    return 0


def create_token(args: argparse.Namespace) -> int:
    scopes = [scope.strip() for scope in args.scopes.split(",") if scope.strip()]
    unknown = [scope for scope in scopes if scope not in SCOPES]
    if unknown or not scopes:
        raise UsageError(
            f"--scopes takes some of {', '.join(SCOPES)} (got '{args.scopes}')"
        )
    db = _database(args.db)
    db.parent.mkdir(parents=True, exist_ok=True)
    platform = _sandbox("engine").Platform(db)
    try:
        secret = platform.create_token(args.name, scopes)
    finally:
        platform.close()
    print(secret)
    print(f"token '{args.name}' ({', '.join(scopes)}): shown once, store it now",
          file=sys.stderr)
    return 0


def _database(given: Path | None) -> Path:
    """``--db``, else the sandbox ``learnops.yaml`` in this folder names, else the default."""
    if given is not None:
        return given
    if not PROJECT_FILE.is_file():
        return DEFAULT_DB
    documents, diagnostics = read_yaml(PROJECT_FILE.read_text(encoding="utf-8"), str(PROJECT_FILE))
    problems = [d for d in diagnostics if d.severity == "error"]
    if problems:
        raise ConfigError(problems[0].format())
    body = documents[0].body if documents else None
    provider = body.get("provider") if isinstance(body, dict) else None
    if isinstance(provider, dict) and provider.get("type", "sandbox") == "sandbox":
        path = provider.get("path")
        if isinstance(path, str) and path:
            return Path(path)
    return DEFAULT_DB


def _rate(text: str | None) -> float | None:
    if text is None:
        return None
    match = _RATE.match(text.strip())
    if match is None or float(match.group(1)) <= 0:
        raise UsageError(f"--rate-limit takes requests per second, like 50/s (got '{text}')")
    return float(match.group(1))


def _sandbox(module: str) -> ModuleType:
    """A module of the package that provides the ``sandbox`` provider."""
    entry = ProviderRegistry.installed().entries.get("sandbox")
    if entry is None:
        raise UsageError("the sandbox platform is not installed (no 'sandbox' provider)")
    package = entry.module.partition(".")[0]
    return importlib.import_module(f"{package}.{module}")
