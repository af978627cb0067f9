"""One error tree for everything a user can get wrong or a platform can refuse.

Every error carries a stable ``code`` and, where it has one, the place it comes
from (``file:line:col`` or a resource address) so the CLI can print one clear
line. Provider failures are either temporary (worth retrying after ``delay``
seconds) or permanent.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # diagnostics.py imports nothing of ours: no cycle at run time
    from reconciler.diagnostics import Diagnostic


class ReconcilerError(Exception):
    """Base of every error learnops reports to a user."""

    code = "LO000"

    def __init__(self, message: str, *, where: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.where = where

    def __str__(self) -> str:
        return f"{self.where}: {self.message}" if self.where else self.message


class UsageError(ReconcilerError):
    """The command line or a file named on it is wrong."""

    code = "LO001"


class SpecError(ReconcilerError):
    """The spec directory does not compile; ``diagnostics`` holds every problem, with
    places relative to ``spec_dir`` (the directory as the user named it)."""

    code = "LO002"

    def __init__(
        self, message: str, diagnostics: tuple[Diagnostic, ...] = (), *, spec_dir: str = ""
    ) -> None:
        super().__init__(message)
        self.diagnostics = diagnostics
        self.spec_dir = spec_dir

    def report(self) -> list[str]:
        """One line per problem, ``path:line:col: error[CODE]: message``."""
        base = "" if self.spec_dir in ("", ".") else self.spec_dir
        return [diagnostic.format(base) for diagnostic in self.diagnostics] or [self.message]


class ConfigError(ReconcilerError):
    """``learnops.yaml`` or a provider's configuration is wrong."""

    code = "LO003"


class ProviderError(ReconcilerError):
    """A platform refused or failed a call."""

    code = "LO100"


class TemporaryError(ProviderError):
    """Worth retrying: the platform asked us to wait or failed transiently."""

    code = "LO101"

    def __init__(self, message: str, *, delay: float = 1.0, where: str | None = None) -> None:
        super().__init__(message, where=where)
        self.delay = delay


class UnreachableError(TemporaryError):
    """No answer at all: the connection was refused or reset, or the platform stayed
    silent past the timeout. An apply counts these in a row (its circuit breaker) to
    stop writing to a platform that is down."""

    code = "LO109"


class PermanentError(ProviderError):
    """Retrying will not help: the request itself is wrong or refused."""

    code = "LO102"


class NotFoundError(PermanentError):
    code = "LO103"


class PreconditionFailed(PermanentError):
    """The resource changed since it was read (HTTP 412): plan again."""

    code = "LO104"


class AuthError(PermanentError):
    """Missing or wrong credentials (401), or a token short of scope (403)."""

    code = "LO105"


class PreconditionRequired(PermanentError):
    """A write came without ``If-Match``/``If-None-Match`` (HTTP 428)."""

    code = "LO106"


class InvalidRequest(PermanentError):
    """The platform rejected a body (HTTP 422); ``pointer`` is the JSON pointer."""

    code = "LO107"

    def __init__(self, message: str, *, pointer: str = "", where: str | None = None) -> None:
        super().__init__(message, where=where)
        self.pointer = pointer


class LockHeldError(ReconcilerError):
    """Another apply holds the platform's apply lock. ``lock_id`` names the lease for
    ``force-unlock`` (on the sandbox its public ``lease_id``, never the holder's secret);
    ``since`` and ``expires_at`` are ISO 8601 times when the platform tells them."""

    code = "LO200"

    def __init__(
        self, message: str, *, holder: str, lock_id: str = "", since: str = "",
        expires_at: str = "",
    ) -> None:
        super().__init__(message)
        self.holder = holder
        self.lock_id = lock_id
        self.since = since
        self.expires_at = expires_at


class StalePlanError(ReconcilerError):
    """A saved plan no longer matches the platform or the specs."""

    code = "LO201"


class PlanRefusedError(ReconcilerError):
    """A plan holds errors or refused changes: it must not be applied."""

    code = "LO202"


class PlanFileError(ReconcilerError):
    """A saved plan file is unreadable or not a learnops plan (DESIGN §6)."""

    code = "LO700"


class GitError(ReconcilerError):
    """The git command line failed (fetching or checking out a spec repository);
    the message carries the first fatal or error line git printed."""

    code = "LO800"


class SchemaViolation(InvalidRequest):
    """A written resource fails its kind's JSON Schema (HTTP 422). ``pointer`` is the
    most relevant problem's; ``problems`` holds every ``(pointer, message)`` in order."""

    code = "LO108"

    def __init__(self, message: str, *, pointer: str = "",
                 problems: tuple[tuple[str, str], ...] = (), where: str | None = None) -> None:
        super().__init__(message, pointer=pointer, where=where)
        self.problems = problems
