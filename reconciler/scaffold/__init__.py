"""``learnops init``: a new program repository, ready for an editor, pre-commit and CI.

The layout is the one the CI example and the pre-commit hook assume (specs in
``specs/`` at the repository root) and the one of this repository, so every
schema line is a relative path into the repository's own ``schema/`` folder
(resolves offline). Nothing is ever overwritten: when any file to write exists,
init writes none of them.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from reconciler.errors import UsageError
from reconciler.schemas import (
    KIND_SCHEMAS,
    PROJECT_SCHEMA,
    modeline,
    schema_files,
)

SPECS: Final = "specs"  # the spec folder, as in examples/github/learnops.yml
SCHEMAS: Final = "schema"
_TEMPLATE: Final = Path(__file__).parent / "template"
# The CI example is one file: inside a wheel (pyproject force-include) or the source tree.
_WORKFLOW_FILES: Final = (
    Path(__file__).parent / "github-workflow.yml",
    Path(__file__).parent.parent.parent / "examples" / "github" / "learnops.yml",
)
# The folder of each kind under specs/, and its example file.
KIND_FOLDERS: Final[Mapping[str, str]] = {
    "LearningObject": "objects",
    "Audience": "audiences",
    "CertificationPlan": "plans",
    "Assignment": "assignments",
}
# One document per file: standard validators (check-jsonschema) read no multi-document YAML.
_EXAMPLES: Final[Mapping[str, tuple[str, ...]]] = {
    "LearningObject": ("security-basics.yaml", "phishing-awareness.yaml"),
    "Audience": ("all-staff.yaml",),
    "CertificationPlan": ("security-annual.yaml",),
    "Assignment": ("security-annual-all-staff.yaml",),
}


@dataclass(frozen=True)
class Scaffold:
    root: Path
    files: tuple[Path, ...]  # relative to root, in the order written


def scaffold_files(root: Path, *, empty: bool = False) -> dict[Path, str]:
    """What ``init`` writes under ``root``: relative path -> text."""
    specs = Path(SPECS)
    files: dict[Path, str] = {
        Path(".gitignore"): _template("gitignore"),
        Path(".pre-commit-config.yaml"): _template("pre-commit-config.yaml"),
        Path(".github/workflows/learnops.yml"): _workflow(),
        Path(".vscode/settings.json"): _vscode_settings(),
    }
    files[specs / "learnops.yaml"] = _with_modeline(
        root, specs / "learnops.yaml", PROJECT_SCHEMA, _template("learnops.yaml")
    )
    for kind, folder in KIND_FOLDERS.items():
        if empty:
            files[specs / folder / ".gitkeep"] = ""  # git keeps no empty folder
            continue
        for example in _EXAMPLES[kind]:
            path = specs / folder / example
            files[path] = _with_modeline(root, path, KIND_SCHEMAS[kind], _template(example))
    files[specs / "directory" / "users.csv"] = _template("users.csv")
    for schema in schema_files():
        files[Path(SCHEMAS) / schema.name] = schema.read_text(encoding="utf-8")
    return files


def init_repository(root: Path, *, empty: bool = False) -> Scaffold:
    """Writes the scaffold into ``root`` (made when missing); refuses, writing nothing,
    when any of its files is already there."""
    if root.exists() and not root.is_dir():
        raise UsageError(f"{root}: exists and is not a folder")
    files = scaffold_files(root, empty=empty)
    taken = [str(path) for path in files if (root / path).exists() or (root / path).is_symlink()]
    if taken:
        more = f" and {len(taken) - 3} more" if len(taken) > 3 else ""
        raise UsageError(
            f"{root}: would overwrite {', '.join(taken[:3])}{more}; "
            "nothing written (init a new or empty folder)"
        )
    for path, text in files.items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(text, encoding="utf-8")
    return Scaffold(root, tuple(files))


def _with_modeline(root: Path, path: Path, schema: str, text: str) -> str:
    return modeline(root / path, root / SCHEMAS, schema) + text


def _template(name: str) -> str:
    return (_TEMPLATE / name).read_text(encoding="utf-8")


def _workflow() -> str:
    for candidate in _WORKFLOW_FILES:
        if candidate.is_file():
            return candidate.read_text(encoding="utf-8")
    raise UsageError(f"learnops is installed without its CI example ({_WORKFLOW_FILES[0]})")


def _vscode_settings() -> str:
    """yaml.schemas of the YAML extension (yaml-language-server): each kind's folder to
    its schema, for files that have no schema line yet."""
    schemas: dict[str, list[str]] = {
        f"./{SCHEMAS}/{KIND_SCHEMAS[kind]}": [f"{SPECS}/{folder}/**/*.yaml",
                                              f"{SPECS}/{folder}/**/*.yml"]
        for kind, folder in KIND_FOLDERS.items()
    }
    schemas[f"./{SCHEMAS}/{PROJECT_SCHEMA}"] = [f"{SPECS}/learnops.yaml"]
    return json.dumps({"yaml.schemas": schemas, "yaml.validate": True}, indent=2) + "\n"
