"""Audience ``where`` keys the directory file does not have (LO604, a validate warning:
the compiler asks, since the directory sits above the validate stage).

``where: {langauge: es}`` is valid to the schema and matches nobody. When the
project's directory is a users CSV that is there, validate reads its attributes
(no platform or network: a SCIM directory is left to ``plan``, LO711) and names
the key, at its own line, with the closest real attribute.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Final

from reconciler.diagnostics import Diagnostic, warning
from reconciler.directory.csv_file import CsvDirectory
from reconciler.directory.source import open_directory
from reconciler.errors import ReconcilerError
from reconciler.load import NodePath
from reconciler.model import ProjectConfig
from reconciler.rules.audience import Directory
from reconciler.suggest import did_you_mean
from reconciler.validate.documents import SpecDocument

UNKNOWN_ATTRIBUTE: Final = "LO604"


def attribute_warnings(
    resources: Iterable[SpecDocument], project: ProjectConfig
) -> list[Diagnostic]:
    """A warning per ``where`` key no active user of the directory file has."""
    known = directory_attributes(project)
    if known is None:
        return []
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

    def __contains__(self, name: object) -> bool:
        return name in self.names


def directory_attributes(project: ProjectConfig) -> KnownAttributes | None:
    """The attributes of the project's directory file, or None when there is no such
    file to read here (none named, not there yet, a SCIM directory, unreadable)."""
    try:
        source = open_directory(project)
        if not isinstance(source, CsvDirectory) or not (source.root / source.path).is_file():
            return None
        users = source.read().users
    except ReconcilerError:
        return None  # plan reports a directory it cannot read, with its place
    return KnownAttributes(source.path, Directory(users).attributes())


def _wheres(resources: Iterable[SpecDocument]) -> Iterator[tuple[SpecDocument, NodePath]]:
    for resource in resources:
        if resource.kind == "Audience":
            yield resource, ("where",)
        elif resource.kind == "Assignment" and isinstance(resource.spec.get("audience"), dict):
            yield resource, ("audience", "where")
