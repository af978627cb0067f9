"""Stage 1, load: a spec directory's YAML as plain values with their locations.

Only safe YAML is read (see :mod:`reconciler.load.yaml_reader`); every problem is
returned as a :class:`~reconciler.diagnostics.Diagnostic`, never raised, so the
validate stage can report them together with its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from reconciler.diagnostics import Diagnostic, error, sorted_diagnostics
from reconciler.errors import UsageError
from reconciler.load.document import Document, NodePath
from reconciler.load.files import MAX_FILE_BYTES, PROJECT_FILE, digest, read_text, spec_files
from reconciler.load.project import default_project, project_config
from reconciler.load.yaml_reader import MAX_ALIAS_EXPANSION, read_yaml
from reconciler.model import Location

__all__ = [
    "MAX_ALIAS_EXPANSION",
    "MAX_FILE_BYTES",
    "PROJECT_FILE",
    "Document",
    "LoadedSpecs",
    "NodePath",
    "default_project",
    "load_dir",
    "project_config",
    "read_yaml",
]


@dataclass(frozen=True)
class LoadedSpecs:
    """What a spec directory holds. ``documents`` are in file order (sorted paths,
    then position in the file); ``project_document`` is ``learnops.yaml``, if any."""

    root: Path
    files: tuple[str, ...]
    documents: tuple[Document, ...]
    project_document: Document | None
    diagnostics: tuple[Diagnostic, ...]
    digest: str


def load_dir(root: Path) -> LoadedSpecs:
    """Reads every spec file under ``root``. Raises ``UsageError`` only when ``root``
    is not a directory; problems inside files come back as diagnostics."""
    if not root.exists():
        raise UsageError(f"spec directory {str(root)!r} does not exist")
    if not root.is_dir():
        raise UsageError(f"{str(root)!r} is not a directory (give the folder holding the specs)")
    root = root.resolve()
    diagnostics: list[Diagnostic] = []
    contents: list[tuple[str, bytes]] = []
    project_document = None
    if (root / PROJECT_FILE).is_file():
        found = _read(root, PROJECT_FILE, diagnostics, contents)
        if len(found) > 1:
            where = Location(PROJECT_FILE, found[1].location.line, found[1].location.col)
            diagnostics.append(
                error("LO312", f"{PROJECT_FILE} holds one document, not {len(found)}", where)
            )
        project_document = found[0] if found else None
    files, problems = spec_files(root)
    diagnostics.extend(problems)
    documents: list[Document] = []
    for relative in files:
        documents.extend(_read(root, relative, diagnostics, contents))
    return LoadedSpecs(
        root=root,
        files=tuple(files),
        documents=tuple(documents),
        project_document=project_document,
        diagnostics=sorted_diagnostics(diagnostics),
        digest=digest(contents),
    )


def _read(
    root: Path, relative: str, diagnostics: list[Diagnostic], contents: list[tuple[str, bytes]]
) -> list[Document]:
    text, data, problems = read_text(root, relative)
    contents.append((relative, data))
    diagnostics.extend(problems)
    if text is None:
        return []
    documents, problems = read_yaml(text, relative)
    diagnostics.extend(problems)
    return documents
