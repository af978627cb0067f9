"""Option types and options several commands share: a bad value is argparse's one-line
usage error (exit 1), never a traceback."""

from __future__ import annotations

import argparse
import re
from datetime import date
from typing import Final

from reconciler.rules.durations import DurationError, parse_date

_WAIT: Final = re.compile(r"^(\d+(?:\.\d+)?)(ms|s|m|h)?$")
_UNIT_SECONDS: Final = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, None: 1.0}


def day(text: str) -> date:
    """A ``YYYY-MM-DD`` date."""
    try:
        return parse_date(text)
    except DurationError as problem:
        raise argparse.ArgumentTypeError(problem.message) from None


def seconds(text: str) -> float:
    """A wait such as ``60s``, ``5m``, ``1h``, ``500ms`` or a bare number of seconds
    (``0s``: do not wait)."""
    match = _WAIT.match(text.strip())
    if match is None:
        raise argparse.ArgumentTypeError(f"'{text}' is not a duration such as 30s or 5m")
    return float(match.group(1)) * _UNIT_SECONDS[match.group(2)]


def positive(text: str) -> int:
    """A whole number of at least 1."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive whole number, got {text!r}")
    return value


def add_dir(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("dir", nargs="?", default=".", metavar="DIR",
                        help="the spec directory (default: .)")


def add_target(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--target", metavar="NAME",
                        help="a target of learnops.yaml (default: its provider)")
