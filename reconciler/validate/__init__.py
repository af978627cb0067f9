"""Stage 2, validate: JSON Schema, then the semantic checks a schema cannot express.

Every problem is collected (none raised) and returned sorted by file, line and
column. Checks that look across documents (references, cycles, unused
resources) are skipped while some file could not be read, since a resource in
the unreadable part would show up as a false "unknown reference".
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from itertools import chain
from pathlib import Path

from reconciler.diagnostics import Diagnostic, error, has_errors, sorted_diagnostics
from reconciler.load import Document, LoadedSpecs, default_project, project_config
from reconciler.load.project import is_time_zone
from reconciler.model import JSON, KINDS, Address, Location, ProjectConfig
from reconciler.validate import checks, schema
from reconciler.validate.cycles import Use, cycle_diagnostic, find_cycles
from reconciler.validate.documents import SpecDocument, inline_audience_name
from reconciler.validate.references import Reference, check_references, spec_references
from reconciler.validate.usage import unused

__all__ = [
    "Reference",
    "SpecDocument",
    "ValidatedSpecs",
    "cycle_diagnostic",
    "inline_audience_name",
    "spec_references",
    "validate_specs",
]

_SECRET_KEYS = frozenset({"token", "password", "secret", "api_key", "apikey"})


@dataclass(frozen=True)
class ValidatedSpecs:
    """The resources that passed every check (first definition of each name, file
    order) and every diagnostic, errors and warnings, sorted."""

    root: Path
    files: tuple[str, ...]
    digest: str
    project: ProjectConfig
    resources: tuple[SpecDocument, ...]
    diagnostics: tuple[Diagnostic, ...]

    @property
    def ok(self) -> bool:
        return not has_errors(self.diagnostics)

    @property
    def warnings(self) -> tuple[Diagnostic, ...]:
        return tuple(d for d in self.diagnostics if not d.is_error)


def validate_specs(loaded: LoadedSpecs) -> ValidatedSpecs:
    diagnostics = list(loaded.diagnostics)
    project = _project(loaded, diagnostics)
    documents: list[SpecDocument] = []
    for document in loaded.documents:
        problems = schema.check_resource(document)
        diagnostics.extend(problems)
        address = _address(document)
        if address is not None:
            documents.append(SpecDocument(address, document, schema_valid=not problems))
    unique = _unique(documents, diagnostics)
    valid = [resource for resource in unique if resource.schema_valid]
    # Meaning is checked on every document, the ones the schema rejected too (one run
    # shows all), but said once: not again at a node the schema already faulted.
    faulted = {d.location for d in diagnostics if d.is_error and d.location is not None}
    meaning: list[Diagnostic] = []
    for resource in unique:
        meaning += checks.check_dates(resource)
        meaning += checks.check_resource(resource)
    if not loaded.diagnostics:
        meaning += _across(unique, valid)
        if not loaded.documents:
            diagnostics.append(
                error("LO311", "no resources found: add *.yaml files with learnops/v1 documents")
            )
    diagnostics += [d for d in meaning if d.location is None or d.location not in faulted]
    return ValidatedSpecs(
        root=loaded.root,
        files=loaded.files,
        digest=loaded.digest,
        project=project,
        resources=tuple(valid),
        diagnostics=sorted_diagnostics(diagnostics),
    )


def _project(loaded: LoadedSpecs, diagnostics: list[Diagnostic]) -> ProjectConfig:
    document = loaded.project_document
    if document is None:
        return default_project(loaded.root)
    problems = (schema.check_project(document) + list(_secrets(document))
                + list(_time_zone(document)))
    diagnostics.extend(problems)
    if problems or not isinstance(document.body, dict):
        return default_project(loaded.root)
    return project_config(document.body, loaded.root)


def _time_zone(document: Document) -> list[Diagnostic]:
    body = document.body if isinstance(document.body, dict) else {}
    zone = body.get("timezone")
    if not isinstance(zone, str) or is_time_zone(zone):
        return []  # absent (UTC), or not a string: the schema says so
    return [error("LO411", f"timezone: {zone!r} is not an IANA time zone name"
                           " (such as UTC, Europe/Berlin, America/New_York)",
                  document.key_at(("timezone",)))]


def _secrets(document: Document) -> list[Diagnostic]:
    """Secrets never live in learnops.yaml, whatever the provider type."""
    body = document.body if isinstance(document.body, dict) else {}
    entries: list[tuple[tuple[str, ...], JSON]] = [(("provider",), body.get("provider"))]
    targets = body.get("targets")
    if isinstance(targets, dict):
        entries += [(("targets", name), entry) for name, entry in targets.items()]
    found = []
    for path, entry in entries:
        if not isinstance(entry, dict):
            continue
        for key in entry:
            if key.lower() in _SECRET_KEYS:
                found.append(
                    error(
                        "LO410",
                        f"{'.'.join(path)}.{key}: secrets never live in learnops.yaml; "
                        "put it in an environment variable and name that variable (token_env)",
                        document.key_at((*path, key)),
                    )
                )
    return found


def _address(document: Document) -> Address | None:
    body = document.body
    if not isinstance(body, dict):
        return None
    kind, metadata = body.get("kind"), body.get("metadata")
    name = metadata.get("name") if isinstance(metadata, dict) else None
    if kind in KINDS and isinstance(name, str):
        return Address(str(kind), name)
    return None


def _unique(documents: list[SpecDocument], diagnostics: list[Diagnostic]) -> list[SpecDocument]:
    first: dict[Address, SpecDocument] = {}
    for resource in documents:
        earlier = first.get(resource.address)
        if earlier is None:
            first[resource.address] = resource
            continue
        diagnostics.append(
            error(
                "LO502",
                f"{resource.kind} {resource.name!r} is already defined at {earlier.name_location}; "
                "names are unique per kind",
                resource.name_location,
            )
        )
    return list(first.values())


def _across(unique: list[SpecDocument], valid: list[SpecDocument]) -> list[Diagnostic]:
    found: list[Diagnostic] = []
    known: dict[str, set[str]] = {kind: set() for kind in KINDS}
    for resource in unique:
        known[resource.kind].add(resource.name)
    inline: dict[str, SpecDocument] = {}
    for resource in valid:
        if resource.kind == "Assignment" and isinstance(resource.spec.get("audience"), dict):
            derived = inline_audience_name(resource.name)
            if derived in known["Audience"]:
                found.append(
                    error(
                        "LO510",
                        f"spec.audience: this inline audience becomes Audience {derived!r}, "
                        "which another document already defines; rename one of them",
                        resource.at(("audience",)),
                    )
                )
            inline[derived] = resource
    known["Audience"] |= inline.keys()
    # Each resource's references are read once and serve every check below.
    references = {id(resource): spec_references(resource.kind, resource.spec)
                  for resource in unique}
    found += check_references(((r, references[id(r)]) for r in unique), known)
    found += _cycles(valid, references, _NameLocations(valid))
    # A reference from a document the schema rejected still counts as a use.
    found += unused(valid, chain.from_iterable(references.values()))
    return found


class _NameLocations(Mapping[Address, Location]):
    """Where each resource's name is written, looked up only for what a diagnostic
    names (making a location for every resource costs more than the cycle search)."""

    def __init__(self, resources: list[SpecDocument]) -> None:
        self._resources = {resource.address: resource for resource in resources}

    def __getitem__(self, address: Address) -> Location:
        return self._resources[address].name_location

    def __iter__(self) -> Iterator[Address]:
        return iter(self._resources)

    def __len__(self) -> int:
        return len(self._resources)


def _cycles(
    valid: list[SpecDocument], references: Mapping[int, list[Reference]],
    locations: Mapping[Address, Location],
) -> list[Diagnostic]:
    # Only prerequisites and audience include/exclude can loop: the other references
    # always point to an earlier kind (plan -> object, assignment -> plan/audience).
    uses: list[Use] = []
    for resource in valid:
        address = resource.address
        uses += [(address, ref.target, ref.relation) for ref in references[id(resource)]
                 if ref.target.kind == address.kind]
    return find_cycles(uses, locations)
