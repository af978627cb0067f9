"""What a target cannot honour of the specs, as located errors (``validate --target``).

A provider declares its :class:`Capabilities`; a spec that asks a platform for what it
does not have (a certificate on Kolibri, an ``offset`` release where nothing records
when a learner joined) is refused where it is written, never approximated. Only what
the specs say is checked, not the defaults resolve fills in.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Final

from reconciler.diagnostics import Diagnostic, error
from reconciler.load.document import Document, NodePath
from reconciler.model import JSON, KINDS
from reconciler.providers.capabilities import RELEASE_MODES, Capabilities

UNSUPPORTED: Final = "LO901"

_RELEASE_KEYS: Final = {"at": "enrollment", "offset": "offset", "date": "date",
                        "after_step": "after_step"}


def unsupported(documents: Iterable[Document], capabilities: Capabilities,
                target: str) -> list[Diagnostic]:
    """Every place the specs ask ``target`` for something its capabilities lack."""
    if _honours_everything(capabilities):
        return []
    return every_unsupported(documents, capabilities, target)


def every_unsupported(documents: Iterable[Document], capabilities: Capabilities,
                      target: str) -> list[Diagnostic]:
    """:func:`unsupported` without its short cut for a platform that lacks nothing."""
    found: list[Diagnostic] = []
    for document in documents:
        kind = document.get(("kind",))
        spec = document.get(("spec",))
        if not isinstance(kind, str) or not isinstance(spec, dict):
            continue
        for path, what in _asks(kind, spec, capabilities):
            field = f"spec.{_dotted(path)}" if path else "kind"
            found.append(error(UNSUPPORTED, f"{field}: {target} {what}",
                               document.key_at(("spec", *path)) if path else document.location))
    return sorted(found, key=lambda d: (d.location is None, d.location))


def _honours_everything(caps: Capabilities) -> bool:
    """Whether no check of ``_asks`` can fire (the reference platform): keep in step."""
    return (caps.kinds >= frozenset(KINDS) and caps.release_modes >= RELEASE_MODES
            and caps.creates_objects and caps.min_score and caps.certificates
            and caps.notifications and caps.due_dates and caps.plan_versions)


def _asks(kind: str, spec: dict[str, JSON],
          caps: Capabilities) -> Iterator[tuple[NodePath, str]]:
    if kind not in caps.kinds:
        yield (), f"has no {kind} resources"
        return
    match kind:
        case "LearningObject":
            if spec.get("existing") is not True and not caps.creates_objects:
                yield ("existing",), ("creates no learning objects: mark it existing: true "
                                      "and point it at the platform's content")
            completion = spec.get("completion")
            if (isinstance(completion, dict) and completion.get("type") == "min_score"
                    and not caps.min_score):
                yield ("completion", "type"), "has no completion by a minimum score"
        case "CertificationPlan":
            yield from _plan(spec, caps)
        case "Assignment":
            if "due" in spec and not caps.due_dates:
                yield ("due",), "has no due dates"
            notify = spec.get("notify")
            if isinstance(notify, dict) and not caps.notifications and (
                    notify.get("on_assign") is True or notify.get("reminders")):
                yield ("notify",), "sends no notifications (set notify: {on_assign: false})"


def _plan(spec: dict[str, JSON], caps: Capabilities) -> Iterator[tuple[NodePath, str]]:
    if spec.get("in_progress") == "keep" and not caps.plan_versions:
        yield ("in_progress",), ("keeps no plan versions: a changed plan changes for the "
                                 "learners already in it (remove in_progress, or say migrate)")
    if "certificate" in spec and not caps.certificates:
        yield ("certificate",), "issues no certificates"
    notify = spec.get("notify")
    if isinstance(notify, dict) and notify.get("on") and not caps.notifications:
        yield ("notify",), "sends no notifications"
    steps = spec.get("steps")
    for index, step in enumerate(steps if isinstance(steps, list) else []):
        if not isinstance(step, dict):
            continue
        release = step.get("release")
        if isinstance(release, dict):
            for key, mode in _RELEASE_KEYS.items():
                if key in release and mode not in caps.release_modes:
                    yield (("steps", index, "release", key),
                           f"cannot release a step by {mode} (it can: "
                           f"{', '.join(sorted(caps.release_modes))})")
        if "due" in step and not caps.due_dates:
            yield ("steps", index, "due"), "has no due dates"


def _dotted(path: NodePath) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text
