"""The spec repository through the git command line, in a working copy the sync owns.

git runs with argument lists (never a shell). The branch head is asked of the
remote with ``ls-remote``, which moves no objects: an idle sync cycle costs one
small process. Objects are fetched only when the head moved, then checked out
detached, with ``--force``: the working copy belongs to the sync, not to a person.
Untracked files (a sandbox database under ``.learnops/``, say) survive checkouts.
"""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from reconciler.errors import GitError, UsageError

GIT_TIMEOUT: Final = 300.0  # seconds for one git command: a first fetch may be large
_SHA: Final = re.compile(r"^[0-9a-f]{40}([0-9a-f]{24})?$")
# Credentials are never asked for interactively: a daemon has nobody to ask.
_ENVIRONMENT: Final = {"GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C", "GIT_OPTIONAL_LOCKS": "0"}


@dataclass(frozen=True)
class Remote:
    """Where the specs live: a URL git understands, or a local path (made absolute,
    since git runs inside the working copy), and the branch followed."""

    location: str
    branch: str

    @classmethod
    def of(cls, repo: str, branch: str) -> Remote:
        if not repo or repo.startswith("-"):
            raise UsageError(f"'{repo}' is not a repository URL or path")
        if not branch or branch.startswith("-") or ".." in branch or " " in branch:
            raise UsageError(f"'{branch}' is not a branch name")
        local = Path(repo).expanduser()
        location = str(local.resolve()) if "://" not in repo and local.exists() else repo
        return cls(location=location, branch=branch)

    @property
    def ref(self) -> str:
        return f"refs/heads/{self.branch}"

    @property
    def tracking_ref(self) -> str:
        return f"refs/remotes/origin/{self.branch}"


class WorkingCopy:
    """A clone of one branch of ``remote`` at ``path``, checked out at one commit."""

    def __init__(self, remote: Remote, path: Path) -> None:
        self.remote = remote
        self.path = path
        self._checked_out: str | None = self._current() if (path / ".git").is_dir() else None

    @property
    def checked_out(self) -> str | None:
        """The commit the files on disk are at (``None`` before the first checkout)."""
        return self._checked_out

    def head(self) -> str:
        """The branch's latest commit on the remote (``ls-remote``: no objects move)."""
        out = self._git(
            ["ls-remote", "--exit-code", self.remote.location, self.remote.ref],
            in_copy=False,
            missing=f"the branch '{self.remote.branch}' does not exist in {self.remote.location}",
        )
        for line in out.splitlines():
            sha, _, ref = line.partition("\t")
            if ref == self.remote.ref and _SHA.match(sha):
                return sha
        raise GitError(
            f"git ls-remote did not name {self.remote.ref}", where=self.remote.location
        )

    def update(self) -> str:
        """Fetch the branch and check out its head; returns the commit now on disk
        (the newest one, if the branch moved again since :meth:`head`)."""
        self._prepare()
        self._git(["fetch", "--no-tags", "--quiet", "origin",
                   f"+{self.remote.ref}:{self.remote.tracking_ref}"])
        commit = self._git(
            ["rev-parse", "--verify", "--quiet", f"{self.remote.tracking_ref}^{{commit}}"]
        ).strip()
        if commit != self._checked_out:
            self._checkout(commit)
        return commit

    @contextmanager
    def checked_out_at(self, commit: str) -> Iterator[None]:
        """The files of ``commit`` (one fetched before) on disk for the block, then those
        checked out before it again: an earlier revision compiled once more."""
        before = self._checked_out
        self._checkout(commit)
        try:
            yield
        finally:
            if before is not None and before != commit:
                self._checkout(before)

    def files_at(self, relative: str) -> Path:
        """A folder of the working copy (the spec directory, ``--path``). A commit can
        make it a symbolic link: one leading out of the working copy is refused, so a
        revision never reads what lies beside it (``specs -> /etc``)."""
        folder = self.path / relative
        real, own = folder.resolve(), self.path.resolve()
        if real != own and not real.is_relative_to(own):
            raise UsageError(
                f"is a symbolic link leading outside the working copy (to {real})", where=relative
            )
        return folder

    # -- the parts -------------------------------------------------------------------

    def _prepare(self) -> None:
        if (self.path / ".git").is_dir():
            current = self._git(["config", "--get", "remote.origin.url"],
                                missing="the working copy has no origin").strip()
            if current != self.remote.location:
                self._git(["remote", "set-url", "origin", self.remote.location])
            return
        if self.path.exists() and any(self.path.iterdir()):
            raise GitError(
                "the folder exists and is not a working copy learnops made; "
                "choose another --workdir or empty it",
                where=str(self.path),
            )
        self.path.mkdir(parents=True, exist_ok=True)
        self._git(["init", "--quiet"])
        self._git(["remote", "add", "origin", self.remote.location])

    def _checkout(self, commit: str) -> None:
        self._git(["-c", "advice.detachedHead=false", "checkout", "--force", "--detach",
                   "--quiet", commit])
        self._checked_out = commit

    def _current(self) -> str | None:
        try:
            return self._git(["rev-parse", "--verify", "--quiet", "HEAD^{commit}"]).strip()
        except GitError:
            return None  # a repository with nothing checked out yet

    def _git(self, args: Sequence[str], *, in_copy: bool = True,
             missing: str | None = None) -> str:
        """Run git; a failure is a :class:`GitError` carrying git's own reason
        (:func:`git_reason`). ``missing`` replaces the message when git exits 2
        (``--exit-code``: no match) or 1 with no stderr (``config --get``: no such key)."""
        try:
            done = subprocess.run(
                ["git", *args], cwd=self.path if in_copy else None, capture_output=True, text=True,
                timeout=GIT_TIMEOUT, env={**os.environ, **_ENVIRONMENT}, check=False,
            )
        except FileNotFoundError:
            raise GitError("git is not installed (the git command line is needed)") from None
        except subprocess.TimeoutExpired:
            raise GitError(f"git {_command(args)} took longer than {GIT_TIMEOUT:g}s",
                           where=self.remote.location) from None
        if done.returncode == 0:
            return done.stdout
        reason = git_reason(done.stderr)
        if missing is not None and (done.returncode == 2 or not reason):
            raise GitError(missing, where=self.remote.location)
        raise GitError(
            f"git {_command(args)} failed: {reason or f'exit status {done.returncode}'}",
            where=self.remote.location,
        )


def _command(args: Sequence[str]) -> str:
    """The git command ``args`` run, past any ``-c name=value`` (``checkout``, not ``-c``)."""
    rest = list(args)
    while rest[:1] == ["-c"]:
        rest = rest[2:]
    return rest[0] if rest else ""


def git_reason(stderr: str) -> str:
    """The line of git's stderr that says what went wrong: the first ``fatal:`` or
    ``error:`` line, without its prefix. git follows it with generic advice ("Please
    make sure you have the correct access rights..."), so the last line says nothing."""
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    for line in lines:
        prefix, colon, rest = line.partition(":")
        if colon and prefix in ("fatal", "error") and rest.strip():
            return rest.strip()
    return lines[-1] if lines else ""
