"""The :class:`DirectorySource` seam and the choice of source for a project and target."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from reconciler.errors import ConfigError
from reconciler.model import ProjectConfig, ProviderConfig, content_hash
from reconciler.rules.directory import User


@dataclass(frozen=True)
class DirectorySnapshot:
    """The people of a directory at one moment. ``source`` says where they came from
    (``csv directory/users.csv``, ``scim https://idp.example.com/scim/v2``) and
    ``digest`` fingerprints them: a saved plan made from one snapshot is refused when
    the directory's digest has moved since."""

    source: str
    users: tuple[User, ...]
    digest: str


@runtime_checkable
class DirectorySource(Protocol):
    """A directory learnops reads people from (never writes to)."""

    @property
    def description(self) -> str:
        """Where the people come from, free of secrets, e.g. ``csv directory/users.csv``."""
        ...

    def read(self) -> DirectorySnapshot:
        """Every user, or a located :class:`~reconciler.errors.ReconcilerError`."""
        ...


def snapshot_digest(users: Iterable[User]) -> str:
    """A digest of what the users are, independent of the order they were read in."""
    return content_hash([
        [user.employee_id, dict(user.attributes), sorted(user.groups), user.active]
        for user in sorted(users, key=lambda user: user.employee_id)
    ])


def snapshot(source: str, users: Iterable[User]) -> DirectorySnapshot:
    people = tuple(users)
    return DirectorySnapshot(source, people, snapshot_digest(people))


def open_directory(project: ProjectConfig, target: str | None = None) -> DirectorySource | None:
    """The directory ``learnops.yaml`` names for ``target``: ``directory:``, else the
    target provider's ``users:`` file; ``None`` when the platform's users are the
    directory (nothing to compare them with)."""
    config = project.directory
    if config is None:
        try:
            provider = project.target(target)
        except KeyError:
            return None  # the registry reports the unknown target with the known ones
        users = provider.options.get("users")
        if not isinstance(users, str) or not users:
            return None
        config = ProviderConfig("csv", {"path": users})
    return _source(config, project)


def read_snapshot(project: ProjectConfig, target: str | None = None) -> DirectorySnapshot | None:
    """The people of the directory ``learnops.yaml`` names for ``target``, read now;
    ``None`` when the platform's own users are the directory."""
    source = open_directory(project, target)
    return None if source is None else source.read()


def _source(config: ProviderConfig, project: ProjectConfig) -> DirectorySource:
    # Imported here: each kind pulls in only what it needs (SCIM brings an HTTP client).
    match config.type:
        case "csv":
            from reconciler.directory.csv_file import CsvDirectory

            return CsvDirectory.configured(config.options, project.root)
        case "scim":
            from reconciler.directory.scim import ScimDirectory

            return ScimDirectory.configured(config.options)
        case other:
            raise ConfigError(
                f"directory: unknown type {other!r} (known: csv, scim)", where="learnops.yaml"
            )
