"""``learnops export``: the live platform written back as spec files.

How an existing team onboards: export, commit, then apply the adopt actions the
plan shows. Each kind goes to one multi-document file named after its collection
(``assignments.yaml``...), headed by a ``yaml-language-server`` schema line for
editors. Resources learnops does not manage carry ``learnops.io/adopt: "true"``,
so planning the export against the same platform shows adopts and nothing else.

The schema line is a relative path to a ``schema/`` folder (so editors resolve it
offline): the nearest one above the export, as ``learnops init`` and ``learnops schema``
write it, or else one written into the export folder itself.
"""

from __future__ import annotations

import copy
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import yaml

from reconciler.errors import ConfigError, UsageError
from reconciler.load import PROJECT_FILE, default_project, project_config, read_yaml
from reconciler.load.files import read_text
from reconciler.model import (
    ADOPT_ANNOTATION,
    API_VERSION,
    COLLECTIONS,
    JSON,
    KIND_OF_COLLECTION,
    KINDS,
    MANAGED_BY,
    Address,
    ProjectConfig,
    ProviderConfig,
)
from reconciler.plan.normalize import normalize_spec
from reconciler.providers import LiveResource
from reconciler.schemas import (
    KIND_SCHEMAS,
    PROJECT_SCHEMA,
    find_schema_folder,
    load_schema,
    modeline,
    write_schemas,
)
from reconciler.state.target import open_target
from reconciler.validate.references import spec_references
from reconciler.validate.schema import check_project


@dataclass(frozen=True)
class ExportedFile:
    path: Path
    kind: str
    resources: int
    to_adopt: int


@dataclass(frozen=True)
class OutsideReference:
    """An exported resource naming one that is not in the export (a kind left out
    with ``--kinds``, or a name the platform itself lacks): the export will not
    validate until the target is added."""

    source: Address
    target: Address


@dataclass(frozen=True)
class Export:
    """What ``learnops export`` wrote. ``project_kept``: ``learnops.yaml`` was already
    in the folder and is left as it was (so it may name another platform)."""

    files: tuple[ExportedFile, ...]
    project_file: Path
    project_kept: bool
    schema_folder: Path  # what the files' schema lines point at
    schemas_written: bool  # the folder was made by this export (none was found above it)
    outside: tuple[OutsideReference, ...]


def parse_kinds(names: Sequence[str] | None) -> tuple[str, ...]:
    """``--kinds``: kind names or collection names, comma- or space-separated."""
    if not names:
        return KINDS
    chosen: list[str] = []
    for name in (part.strip() for text in names for part in text.split(",")):
        if not name:
            continue
        kind = name if name in KINDS else KIND_OF_COLLECTION.get(name)
        if kind is None:
            known = ", ".join(KINDS)
            raise UsageError(f"unknown kind '{name}' (known: {known}, or their collections)")
        if kind not in chosen:
            chosen.append(kind)
    return tuple(k for k in KINDS if k in chosen)


def spec_document(resource: LiveResource) -> dict[str, JSON]:
    """One live resource as a spec-language document."""
    annotations = dict(resource.annotations)
    if needs_adopting(resource):
        annotations[ADOPT_ANNOTATION] = "true"
    kind = resource.address.kind
    metadata: dict[str, JSON] = {"name": resource.address.name}
    if resource.labels:
        metadata["labels"] = dict(sorted(resource.labels.items()))
    if annotations:
        metadata["annotations"] = dict(sorted(annotations.items()))
    return {
        "apiVersion": API_VERSION,
        "kind": resource.address.kind,
        "metadata": metadata,
        "spec": _in_spec_order(resource.address.kind, minimal_spec(kind, resource.spec)),
    }


def needs_adopting(resource: LiveResource) -> bool:
    """Unmanaged, and not an ``existing: true`` object (those are only checked)."""
    return resource.managed_by != MANAGED_BY and resource.spec.get("existing") is not True


def minimal_spec(kind: str, spec: Mapping[str, JSON]) -> dict[str, JSON]:
    """``spec`` without what the compiler would fill in anyway: every key whose removal
    leaves the essence unchanged goes (``existing: false``, ``where: {}``, a first
    step's ``release: {at: enrollment}``...). Asking the normaliser, rather than
    keeping a second table of defaults, means the two can never disagree."""
    minimal = _without_nulls(spec)
    assert isinstance(minimal, dict)
    target = normalize_spec(kind, minimal)
    for path in _key_paths(minimal):
        candidate = copy.deepcopy(minimal)
        if _remove(candidate, path) and normalize_spec(kind, candidate) == target:
            minimal = candidate
    return minimal


def _key_paths(value: JSON, prefix: tuple[str | int, ...] = ()) -> list[tuple[str | int, ...]]:
    """Every mapping key's path, parents before children."""
    paths: list[tuple[str | int, ...]] = []
    if isinstance(value, dict):
        for key, inner in value.items():
            paths.append((*prefix, key))
            paths.extend(_key_paths(inner, (*prefix, key)))
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            paths.extend(_key_paths(inner, (*prefix, index)))
    return paths


def _remove(value: JSON, path: tuple[str | int, ...]) -> bool:
    """Deletes the key at ``path``; False when an earlier removal took it already."""
    *parents, last = path
    for step in parents:
        found = (isinstance(value, dict) and step in value) or (
            isinstance(value, list) and isinstance(step, int) and step < len(value)
        )
        if not found:
            return False
        value = value[step]
    if isinstance(value, dict) and last in value:
        del value[last]
        return True
    return False


def kind_file_text(kind: str, resources: Iterable[LiveResource], header: str = "") -> str:
    """One kind's file; ``header`` is its schema line (see :func:`modeline`)."""
    documents = [spec_document(r) for r in sorted(resources, key=lambda r: r.address.name)]
    return header + yaml.safe_dump_all(
        documents, sort_keys=False, allow_unicode=True, default_flow_style=False, width=100,
        explicit_start=True,
    )


def write_export(
    outdir: Path,
    resources: Iterable[LiveResource],
    kinds: Sequence[str],
    project: ProjectConfig,
    target: str | None,
) -> Export:
    """Writes one file per kind that has resources, plus ``learnops.yaml`` when
    ``outdir`` has none, pointing at the same platform (so plan finds it)."""
    outdir.mkdir(parents=True, exist_ok=True)
    found_folder = find_schema_folder(outdir.resolve())
    schema_folder = found_folder or outdir / "schema"
    if found_folder is None:
        write_schemas(schema_folder)
    by_kind: dict[str, list[LiveResource]] = {kind: [] for kind in kinds}
    for resource in resources:
        if resource.address.kind in by_kind:
            by_kind[resource.address.kind].append(resource)
    written: list[ExportedFile] = []
    for kind in kinds:
        found = by_kind[kind]
        if not found:
            continue
        path = outdir / f"{COLLECTIONS[kind]}.yaml"
        header = modeline(path, schema_folder, KIND_SCHEMAS[kind])
        path.write_text(kind_file_text(kind, found, header), encoding="utf-8")
        adopt = sum(1 for r in found if needs_adopting(r))
        written.append(ExportedFile(path, kind, len(found), adopt))
    project_file = outdir / PROJECT_FILE
    kept = project_file.exists()
    if not kept:
        header = modeline(project_file, schema_folder, PROJECT_SCHEMA)
        text = header + project_file_text(project, target, outdir)
        project_file.write_text(text, encoding="utf-8")
    exported = [r for kind in kinds for r in by_kind[kind]]
    return Export(
        tuple(written), project_file, kept, schema_folder, found_folder is None,
        outside_references(exported),
    )


def outside_references(exported: Sequence[LiveResource]) -> tuple[OutsideReference, ...]:
    """References from ``exported`` to resources that are not among them, in file order."""
    names = {resource.address for resource in exported}
    found: list[OutsideReference] = []
    for resource in sorted(exported, key=lambda r: r.address):
        targets = {ref.target for ref in spec_references(resource.address.kind, resource.spec)}
        found += [OutsideReference(resource.address, t) for t in sorted(targets - names)]
    return tuple(found)


def project_file_text(
    project: ProjectConfig, target: str | None, outdir: Path | None = None
) -> str:
    """``learnops.yaml`` for an export: the exported-from platform as its provider.
    Relative paths that exist under the source project are re-based onto ``outdir``
    (still relative, so the file means the same on another machine with the same
    layout); absolute only when no relative path leads there (another drive)."""
    body: dict[str, JSON] = {
        "project": project.project,
        "provider": _provider_body(project.target(target), project.root, outdir),
    }
    if project.targets:
        body["targets"] = {
            name: _provider_body(config, project.root, outdir)
            for name, config in project.targets.items()
        }
    return yaml.safe_dump(body, sort_keys=False, allow_unicode=True)


def read_project(root: Path) -> ProjectConfig:
    """The project of ``root`` from its ``learnops.yaml`` alone (the specs beside it
    need not be valid: an onboarding team may have none yet)."""
    if not root.is_dir():
        raise UsageError(f"spec directory {str(root)!r} does not exist or is not a directory")
    root = root.resolve()
    if not (root / PROJECT_FILE).is_file():
        return default_project(root)
    text, _, problems = read_text(root, PROJECT_FILE)
    documents, more = read_yaml(text, PROJECT_FILE) if text is not None else ([], [])
    problems = [*problems, *more]
    if not problems and len(documents) == 1:
        problems = check_project(documents[0])
        if not problems and isinstance(documents[0].body, dict):
            return project_config(documents[0].body, root)
    first = problems[0].format(str(root)) if problems else f"{PROJECT_FILE}: not one document"
    raise ConfigError(f"{PROJECT_FILE} is not valid: {first} (see 'learnops validate')")


def _provider_body(config: ProviderConfig, root: Path, outdir: Path | None) -> dict[str, JSON]:
    options: dict[str, JSON] = {}
    for key, value in config.options.items():
        if isinstance(value, str) and "://" not in value and not Path(value).is_absolute():
            candidate = root / value
            if candidate.exists():
                value = _path_from(outdir, candidate.resolve())
        options[key] = value
    return {"type": config.type, **options}


def _path_from(outdir: Path | None, path: Path) -> str:
    if outdir is None:
        return str(path)
    try:
        return Path(os.path.relpath(path, outdir.resolve())).as_posix()
    except ValueError:  # no relative path between two Windows drives
        return str(path)


def _in_spec_order(kind: str, spec: JSON) -> JSON:
    """Keys in the order the spec language documents them (the schema's ``properties``),
    so an exported file reads like a hand-written one: title first."""
    schema = load_schema(KIND_SCHEMAS[kind])
    return _ordered(spec, schema["$defs"]["spec"], schema)


def _ordered(value: JSON, node: Mapping[str, JSON], schema: Mapping[str, JSON]) -> JSON:
    reference = node.get("$ref")
    if isinstance(reference, str) and reference.startswith("#/$defs/"):
        node = schema["$defs"].get(reference.removeprefix("#/$defs/"), {})
    if isinstance(value, dict):
        properties = node.get("properties") or {}
        known = [key for key in properties if key in value]
        rest = [key for key in value if key not in properties]
        return {key: _ordered(value[key], properties.get(key, {}), schema)
                for key in (*known, *rest)}
    if isinstance(value, list) and isinstance(node.get("items"), dict):
        return [_ordered(item, node["items"], schema) for item in value]
    return value


def _without_nulls(value: JSON) -> JSON:
    # The spec language writes an absent optional key, never null.
    if isinstance(value, Mapping):
        return {str(k): _without_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list | tuple):
        return [_without_nulls(v) for v in value]
    return value


def export_platform(
    spec_dir: Path, outdir: Path, *, target: str | None = None, kinds: Sequence[str] = KINDS
) -> Export:
    """The facade of ``learnops export``: read the platform ``spec_dir``'s project
    names for ``target`` and write its resources of ``kinds`` under ``outdir``."""
    project = read_project(spec_dir)
    opened = open_target(project, target)
    try:
        resources = opened.provider.read_resources(tuple(kinds))
        records = opened.state.snapshot().records
    finally:
        opened.close()
    # Whether learnops manages a resource is the state store's word, as it is for plan
    # (the platform's own metadata counts only where the state is kept there).
    owned = [replace(r, managed_by=MANAGED_BY if r.address in records else None)
             for r in resources]
    return write_export(outdir, owned, kinds, project, target)
