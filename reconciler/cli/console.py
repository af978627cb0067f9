"""Where the CLI writes: colour only on a terminal and never with ``NO_COLOR``."""

from __future__ import annotations

import os
import sys
from typing import TextIO


def colour_enabled(stream: TextIO) -> bool:
    if os.environ.get("NO_COLOR"):
        return False
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


def paint(text: str, style: str, stream: TextIO = sys.stdout) -> str:
    """``style`` is an ANSI SGR code such as ``"32"`` (green) or ``"1;31"`` (bold red)."""
    return f"\033[{style}m{text}\033[0m" if colour_enabled(stream) else text


def error(message: str) -> None:
    print(f"{paint('error', '1;31', sys.stderr)}: {message}", file=sys.stderr)


def warning(message: str) -> None:
    print(f"{paint('warning', '1;33', sys.stderr)}: {message}", file=sys.stderr)
