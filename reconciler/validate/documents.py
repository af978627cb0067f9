"""Resource documents as the semantic checks see them."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Final

from reconciler.load import Document, NodePath
from reconciler.model import JSON, Address, Location

MAX_NAME: Final = 63
INLINE_AUDIENCE_SUFFIX: Final = "-audience"


@dataclass(frozen=True, eq=False)
class SpecDocument:
    """One ``kind``/``metadata.name`` document; ``schema_valid`` says its whole body
    passed the schema, so its ``spec`` has the documented shape."""

    address: Address
    document: Document
    schema_valid: bool
    # Read once, when made: every check asks for them.
    spec: Mapping[str, JSON] = field(init=False, repr=False)
    metadata: Mapping[str, JSON] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        body = self.document.body
        spec, metadata = (body.get("spec"), body.get("metadata")) if isinstance(body, dict) \
            else (None, None)
        object.__setattr__(self, "spec", spec if isinstance(spec, dict) else {})
        object.__setattr__(self, "metadata", metadata if isinstance(metadata, dict) else {})

    @property
    def kind(self) -> str:
        return self.address.kind

    @property
    def name(self) -> str:
        return self.address.name

    @property
    def location(self) -> Location:
        return self.document.location

    @property
    def name_location(self) -> Location:
        return self.document.at(("metadata", "name"))

    def at(self, spec_path: NodePath) -> Location:
        """Where a node under ``spec`` was written."""
        return self.document.at(("spec", *spec_path))

    def key_at(self, spec_path: NodePath) -> Location:
        return self.document.key_at(("spec", *spec_path))


def inline_audience_name(assignment: str) -> str:
    """The Audience an assignment's inline audience becomes: ``<assignment>-audience``,
    shortened with a hash of the assignment's name when that passes 63 characters."""
    name = assignment + INLINE_AUDIENCE_SUFFIX
    if len(name) <= MAX_NAME:
        return name
    suffix = "-" + hashlib.sha256(assignment.encode()).hexdigest()[:8]
    return name[: MAX_NAME - len(suffix)].rstrip("-") + suffix
