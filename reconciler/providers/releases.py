"""Releases learnops performs for platforms that cannot schedule them (Kolibri).

A platform with a scheduler of its own releases steps on their dates by itself; one
without it implements :class:`Releaser`, and ``learnops release`` (for cron) and
every ``learnops sync`` cycle call it with the specs as applied (what learners were
promised: a change in the files counts once applied) and it reads the platform as it is
now, so a second call on the same day does nothing. ``plan`` shows the dry run, by the
specs in the files, as "releases due".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Protocol, runtime_checkable

from reconciler.model import DesiredState


@dataclass(frozen=True, order=True)
class Release:
    """One certification plan step handed to one learner."""

    plan: str
    step: str
    learner: str  # employee id
    released_on: str  # the schedule's release date (ISO), on or before the day it ran

    def __str__(self) -> str:
        return f"CertificationPlan/{self.plan} step {self.step} -> {self.learner}"


@dataclass(frozen=True)
class MembershipChange:
    """An audience's group brought back to the audience's resolution over the directory."""

    audience: str
    added: tuple[str, ...]
    removed: tuple[str, ...]

    def __str__(self) -> str:
        parts = [f"+{', +'.join(self.added)}" if self.added else "",
                 f"-{', -'.join(self.removed)}" if self.removed else ""]
        return f"Audience/{self.audience}: {' '.join(p for p in parts if p)}"


@dataclass(frozen=True)
class ReleaseReport:
    """What is due on ``today`` (a dry run), or what was done."""

    today: str
    releases: tuple[Release, ...] = ()
    started: tuple[str, ...] = ()  # assignments switched on at their start date
    memberships: tuple[MembershipChange, ...] = ()
    accounts_created: tuple[str, ...] = ()
    accounts_renamed: tuple[str, ...] = ()
    accounts_deactivated: tuple[str, ...] = ()

    @property
    def count(self) -> int:
        return (len(self.releases) + len(self.started)
                + sum(len(m.added) + len(m.removed) for m in self.memberships)
                + len(self.accounts_created) + len(self.accounts_renamed)
                + len(self.accounts_deactivated))

    def lines(self) -> list[str]:
        """One line per thing due or done, in a stable order (for plans and logs)."""
        out = [f"account {e} created" for e in self.accounts_created]
        out += [f"account {e} renamed" for e in self.accounts_renamed]
        out += [f"account {e} deactivated" for e in self.accounts_deactivated]
        out += [str(change) for change in self.memberships]
        out += [f"Assignment/{name} starts" for name in self.started]
        out += [str(release) for release in self.releases]
        return out


@runtime_checkable
class Releaser(Protocol):
    """A platform without a scheduler of its own: learnops performs what falls due."""

    def releases_due(self, desired: DesiredState, today: date) -> ReleaseReport:
        """What :meth:`release_due` would do on ``today``, without doing it."""
        ...

    def release_due(self, desired: DesiredState, today: date) -> ReleaseReport:
        """Do what is due on ``today`` and has not been done; report it."""
        ...
