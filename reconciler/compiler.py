"""The compiler facade: a spec directory in, the desired state and its graph out.

``load -> validate -> resolve -> graph``; commands call :func:`compile_dir` and
never the stages one by one.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from reconciler.diagnostics import Diagnostic, has_errors, sorted_diagnostics
from reconciler.directory import DirectorySnapshot
from reconciler.directory.attributes import attribute_warnings, directory_file
from reconciler.errors import SpecError
from reconciler.graph import ProgramGraph
from reconciler.heap import cycle_collection_paused
from reconciler.load import load_dir
from reconciler.load.document import Document
from reconciler.model import DesiredState
from reconciler.resolve import resolve
from reconciler.validate import validate_specs


@dataclass(frozen=True)
class Compiled:
    """A spec directory that compiles: what it asks for, in what order, and the
    warnings found on the way. ``files`` are the spec files read (sorted)."""

    state: DesiredState
    graph: ProgramGraph
    warnings: tuple[Diagnostic, ...]
    files: tuple[str, ...] = ()
    # The documents as read (with their positions): what the specs say, before
    # defaults, for checks that point at a key (a target's capabilities).
    documents: tuple[Document, ...] = ()
    # The project's users CSV as compiling read it (for LO604), so a plan of the
    # default target does not read and parse it again; None: not read here.
    directory: DirectorySnapshot | None = None


def compile_dir(spec_dir: Path) -> Compiled:
    """Raises ``UsageError`` when ``spec_dir`` is not a directory and ``SpecError``
    (``diagnostics``: every error and warning, sorted) when the specs do not compile."""
    with cycle_collection_paused():
        return _compile(Path(spec_dir))


def _compile(spec_dir: Path) -> Compiled:
    loaded = load_dir(spec_dir)
    validated = validate_specs(loaded)
    directory = None
    if not loaded.diagnostics:  # every file read: the audiences are all known
        directory = directory_file(validated.project)
        advice = attribute_warnings(validated.resources, directory)
        if advice:
            validated = replace(validated, diagnostics=sorted_diagnostics(
                (*validated.diagnostics, *advice)))
    if has_errors(validated.diagnostics):
        errors = sum(1 for diagnostic in validated.diagnostics if diagnostic.is_error)
        raise SpecError(
            f"{errors} error{'s' * (errors != 1)} in {spec_dir}: nothing was done",
            validated.diagnostics, spec_dir=str(spec_dir),
        )
    state = resolve(validated)
    try:
        graph = ProgramGraph.build(state)
    except SpecError as cycle:
        raise SpecError(
            cycle.message, (*cycle.diagnostics, *validated.warnings), spec_dir=str(spec_dir)
        ) from None
    return Compiled(state=state, graph=graph, warnings=validated.warnings, files=validated.files,
                    documents=tuple(loaded.documents),
                    directory=None if directory is None else directory.snapshot)

