"""What every ``learnops sandbox`` command shares: which database, and the plugin.

The sandbox is a built-in *plugin* (``plugins/sandbox``): ``reconciler`` never imports
a plugin statically (the layering contract), so its modules are found when a command
runs, through the package behind the ``sandbox`` provider entry point.
"""

from __future__ import annotations

import argparse
import importlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType
from typing import Any, Final

from reconciler.cli.project_file import PROJECT_FILE, project_body, project_zone
from reconciler.errors import UsageError
from reconciler.providers.registry import ProviderRegistry

DEFAULT_DB: Final = Path(".learnops/sandbox.db")
# Who the audit log names for writes made from the command line.
CLI_ACTOR: Final = "learnops-cli"


def add_db_option(parser: argparse.ArgumentParser) -> None:
    """The spec ``DIR`` (whose ``learnops.yaml`` names the sandbox, as for every other
    command) and ``--db`` to name the database file directly."""
    parser.add_argument(
        "dir", nargs="?", default=".", metavar="DIR",
        help=f"the spec directory whose {PROJECT_FILE} names the sandbox (default: .)",
    )
    parser.add_argument(
        "--db", type=Path, metavar="PATH",
        help=f"the sandbox database (default: the one DIR's {PROJECT_FILE} names,"
             f" else DIR/{DEFAULT_DB})",
    )


def database(args: argparse.Namespace) -> Path:
    """``--db``, else the sandbox file DIR's ``learnops.yaml`` names, else the default."""
    if args.db is not None:
        return Path(args.db)
    return project_file_option(args, "path") or Path(args.dir) / DEFAULT_DB


def project_file_option(args: argparse.Namespace, key: str) -> Path | None:
    """A file the sandbox provider of DIR's ``learnops.yaml`` names under ``key``
    (``path``, ``users``, ``catalog``), if there is one; relative to DIR, as the
    provider reads it."""
    spec_dir = Path(args.dir)
    project_file = spec_dir / PROJECT_FILE
    if not spec_dir.is_dir():
        raise UsageError(f"spec directory {str(spec_dir)!r} does not exist")
    if not project_file.is_file():
        return None
    body = project_body(spec_dir)
    provider = body.get("provider") if body is not None else None
    if isinstance(provider, dict) and provider.get("type", "sandbox") == "sandbox":
        value = provider.get(key)
        if isinstance(value, str) and value:
            return spec_dir / value
    return None


@contextmanager
def open_platform(args: argparse.Namespace, *, create: bool = False) -> Iterator[Any]:
    """The sandbox ``Platform`` the command's DIR/``--db`` names, closed afterwards.

    Only commands that put something in (users, tokens) make a new file: reading a
    learner's page from a mistyped path should say so, not show an empty platform."""
    path = database(args)
    if create:
        path.parent.mkdir(parents=True, exist_ok=True)
    elif not path.is_file():
        raise UsageError(
            f"no sandbox database at {path} (give the spec DIR or --db, or create it with"
            " 'learnops sandbox users import' or 'learnops apply')"
        )
    clock = sandbox_module("clock").wall_clock(project_zone(Path(args.dir)))
    platform = sandbox_module("engine").Platform(path, today=clock)
    try:
        yield platform
    finally:
        platform.close()


def sandbox_module(module: str) -> ModuleType:
    """A module of the package that provides the ``sandbox`` provider."""
    entry = ProviderRegistry.installed().entries.get("sandbox")
    if entry is None:
        raise UsageError("the sandbox platform is not installed (no 'sandbox' provider)")
    package = entry.module.partition(".")[0]
    return importlib.import_module(f"{package}.{module}")
