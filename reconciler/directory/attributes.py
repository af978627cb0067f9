"""Audience ``where`` keys the directory file does not have (LO604, a validate warning:
the compiler asks, since the directory sits above the validate stage).

``where: {langauge: es}`` is valid to the schema and matches nobody. When the
project's directory is a users CSV that is there, validate reads its attributes
(no platform or network: a SCIM directory is left to ``plan``, LO711) and names
the key, at its own line, with the closest real attribute.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Final

from reconciler.diagnostics import Diagnostic, warning
from reconciler.directory.csv_file import CsvDirectory
from reconciler.directory.source import DirectorySnapshot, open_directory
from reconciler.errors import ReconcilerError
from reconciler.load import NodePath
from reconciler.model import ProjectConfig
from reconciler.suggest import did_you_mean
from reconciler.validate.documents import SpecDocument

UNKNOWN_ATTRIBUTE: Final = "LO604"


def attribute_warnings(
    resources: Iterable[SpecDocument], directory: DirectoryFile | None
) -> list[Diagnostic]:
    """A warning per ``where`` key no active user of the directory file has
    (``directory``: :func:`directory_file`; ``None``: nothing to check)."""
    if directory is None:
        return []
    known = KnownAttributes.of(directory)
    found: list[Diagnostic] = []
    for resource, path in _wheres(resources):
        rule = resource.document.get(("spec", *path))
        for attribute in rule if isinstance(rule, dict) else ():
            if attribute in known:
                continue
            found.append(warning(
                UNKNOWN_ATTRIBUTE,
                f"spec.{'.'.join(map(str, path))}.{attribute}: no user in {known.source} has "
                f"the attribute {attribute!r}, so the condition sees it missing for everyone"
                f"{did_you_mean(attribute, known.names)}",
                resource.key_at((*path, attribute)),
            ))
    return found


class KnownAttributes:
    def __init__(self, source: str, names: list[str]) -> None:
        self.source = source
        self.names = names

    @classmethod
    def of(cls, directory: DirectoryFile) -> KnownAttributes:
        """The attribute names some active user has, sorted (``Directory.attributes``
        without building the directory's indexes: a later row of an id wins)."""
        latest = {user.employee_id: user for user in directory.snapshot.users}
        names = {name for user in latest.values() if user.active for name in user.attributes}
        return cls(directory.path, sorted(names))

    def __contains__(self, name: object) -> bool:
        return name in self.names


@dataclass(frozen=True)
class DirectoryFile:
    """The project's users CSV (``path`` as learnops.yaml names it), as read."""

    path: str
    snapshot: DirectorySnapshot


def directory_file(project: ProjectConfig) -> DirectoryFile | None:
    """The project's directory file as read now, or None when there is no such file to
    read here (none named, not there yet, a SCIM directory, unreadable: plan reports
    a directory it cannot read, with its place)."""
    try:
        source = open_directory(project)
        if not isinstance(source, CsvDirectory) or not (source.root / source.path).is_file():
            return None
        return DirectoryFile(source.path, source.read())
    except ReconcilerError:
        return None


def directory_attributes(project: ProjectConfig) -> KnownAttributes | None:
    """The attributes of the project's directory file, or None (see :func:`directory_file`)."""
    directory = directory_file(project)
    return None if directory is None else KnownAttributes.of(directory)


def _wheres(resources: Iterable[SpecDocument]) -> Iterator[tuple[SpecDocument, NodePath]]:
    for resource in resources:
        if resource.kind == "Audience":
            yield resource, ("where",)
        elif resource.kind == "Assignment" and isinstance(resource.spec.get("audience"), dict):
            yield resource, ("audience", "where")
