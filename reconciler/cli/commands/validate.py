"""``learnops validate [DIR]``: load, validate, resolve and graph the specs; no live calls."""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from reconciler.cli import console
from reconciler.compiler import Compiled, compile_dir
from reconciler.diagnostics import Diagnostic, sorted_diagnostics
from reconciler.errors import ConfigError, SpecError
from reconciler.load import load_dir
from reconciler.model import KINDS
from reconciler.providers.capabilities import Capabilities
from reconciler.providers.honoured import unsupported
from reconciler.providers.registry import ProviderRegistry

_PLURALS = {
    "LearningObject": "learning object",
    "Audience": "audience",
    "CertificationPlan": "certification plan",
    "Assignment": "assignment",
}


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "validate",
        help="check the specs (no platform is contacted)",
        description=(
            "Load, validate, resolve and graph the specs in DIR. Exit 0 when valid, 1 when not."
        ),
    )
    parser.add_argument(
        "dir", nargs="?", default=".", metavar="DIR", help="the spec directory (default: .)"
    )
    parser.add_argument(
        "--output",
        choices=("text", "json", "github"),
        default="text",
        help="text (default), json, or github (workflow annotations)",
    )
    parser.add_argument(
        "--target", metavar="NAME",
        help="also check that this target of learnops.yaml (or 'provider') can honour "
             "every feature the specs use (its provider's capabilities; no platform call)",
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    base = display_base(args.dir)
    try:
        compiled = compile_dir(Path(args.dir))
    except SpecError as failed:
        report(diagnostics_of(failed), args.output, base, compiled=None)
        return 1
    if args.target is not None:
        problems = target_problems(compiled, Path(args.dir), args.target)
        if problems:
            report(sorted_diagnostics([*compiled.warnings, *problems]), args.output, base,
                   compiled=None)
            return 1
    report(compiled.warnings, args.output, base, compiled=compiled)
    return 0


def target_problems(compiled: Compiled, spec_dir: Path, target: str) -> list[Diagnostic]:
    """What the target's provider declares it cannot do, where the specs ask for it."""
    project = compiled.state.project
    try:
        config = project.target(target)
    except KeyError:
        known = ", ".join(["provider", *sorted(project.targets)])
        raise ConfigError(f"unknown target '{target}' (learnops.yaml defines: {known})",
                          where="learnops.yaml") from None
    declared = getattr(ProviderRegistry.installed().factory(config.type), "capabilities", None)
    if not isinstance(declared, Capabilities):
        return []  # a provider that declares nothing is checked by plan and apply
    return unsupported(load_dir(spec_dir).documents, declared,
                       f"target '{target}' ({config.type})")


def display_base(directory: str) -> str:
    """How paths in messages start: the directory as the user typed it."""
    text = Path(directory).as_posix()
    return "" if text == "." else text


def diagnostics_of(failed: SpecError) -> tuple[Diagnostic, ...]:
    return tuple(d for d in failed.diagnostics if isinstance(d, Diagnostic))


def report(
    diagnostics: Sequence[Diagnostic], output: str, base: str, *, compiled: Compiled | None
) -> None:
    counts = (
        Counter(resource.kind for resource in compiled.state.resources) if compiled else Counter()
    )
    match output:
        case "json":
            document = {
                "valid": compiled is not None,
                "resources": {kind: counts.get(kind, 0) for kind in KINDS},
                "diagnostics": [diagnostic.to_json(base) for diagnostic in diagnostics],
            }
            print(json.dumps(document, indent=2))
        case "github":
            for diagnostic in diagnostics:
                print(diagnostic.github(base))
            print(summary(diagnostics, counts, base, compiled))
        case _:
            for diagnostic in diagnostics:
                print(painted(diagnostic, base))
            print(summary(diagnostics, counts, base, compiled))


def painted(diagnostic: Diagnostic, base: str) -> str:
    line = diagnostic.format(base)
    label = f"{diagnostic.severity}[{diagnostic.code}]"
    style = "1;31" if diagnostic.is_error else "1;33"
    return line.replace(label, console.paint(label, style, sys.stdout), 1)


def summary(
    diagnostics: Sequence[Diagnostic], counts: Counter[str], base: str, compiled: Compiled | None
) -> str:
    where = base or "."
    warnings = sum(1 for d in diagnostics if not d.is_error)
    if compiled is None:
        errors = len(diagnostics) - warnings
        return f"invalid: {_count(errors, 'error')}, {_count(warnings, 'warning')} in {where}"
    kinds = ", ".join(_count(counts.get(kind, 0), _PLURALS[kind]) for kind in KINDS)
    files = _count(len(compiled.files), "file")
    tail = f" ({_count(warnings, 'warning')})" if warnings else ""
    return f"valid: {kinds} in {files} under {where}{tail}"


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"
