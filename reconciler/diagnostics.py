"""Problems found in a spec directory, as values: collected, sorted, then formatted.

Every stage reports through :class:`Diagnostic` instead of raising on the first
problem, so one run shows the user everything (sorted by file, line, column).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from reconciler.model import JSON, Location

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Diagnostic:
    """One problem. ``code`` is stable (see docs/diagnostics.md); ``location`` is
    relative to the spec directory, or ``None`` for the directory as a whole."""

    severity: Severity
    code: str
    message: str
    location: Location | None = None

    @property
    def is_error(self) -> bool:
        return self.severity == "error"

    def path(self, base: str = "") -> str:
        """The file as a user should open it: ``base`` is the spec directory as given."""
        if self.location is None:
            return base.rstrip("/") or "."
        return _join(base, self.location.file)

    def format(self, base: str = "") -> str:
        """``path:line:col: error[CODE]: message``."""
        where = self.path(base)
        if self.location is not None:
            where = f"{where}:{self.location.line}:{self.location.col}"
        return f"{where}: {self.severity}[{self.code}]: {self.message}"

    def github(self, base: str = "") -> str:
        """A GitHub Actions workflow command, shown as an annotation on the file."""
        properties = [f"file={_escape_property(self.path(base))}"]
        if self.location is not None:
            properties += [f"line={self.location.line}", f"col={self.location.col}"]
        properties.append(f"title={self.code}")
        return f"::{self.severity} {','.join(properties)}::{_escape_data(self.message)}"

    def to_json(self, base: str = "") -> dict[str, JSON]:
        return {
            "severity": self.severity,
            "code": self.code,
            "message": self.message,
            "file": self.path(base) if self.location else None,
            "line": self.location.line if self.location else None,
            "col": self.location.col if self.location else None,
        }


def error(code: str, message: str, location: Location | None = None) -> Diagnostic:
    return Diagnostic("error", code, message, location)


def warning(code: str, message: str, location: Location | None = None) -> Diagnostic:
    return Diagnostic("warning", code, message, location)


def sort_key(diagnostic: Diagnostic) -> tuple[str, int, int, str, str]:
    location = diagnostic.location or Location("", 0, 0)
    return (location.file, location.line, location.col, diagnostic.code, diagnostic.message)


def sorted_diagnostics(diagnostics: Iterable[Diagnostic]) -> tuple[Diagnostic, ...]:
    """File order, duplicates dropped (two checks may notice the same thing)."""
    return tuple(sorted(set(diagnostics), key=sort_key))


def has_errors(diagnostics: Iterable[Diagnostic]) -> bool:
    return any(d.is_error for d in diagnostics)


def _join(base: str, file: str) -> str:
    if not base or base == ".":
        return file
    return f"{base.rstrip('/')}/{file}"


def _escape_data(text: str) -> str:
    # GitHub's workflow-command escaping (actions/toolkit, command.ts).
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")
