"""The vocabulary every stage shares: kinds, addresses, locations, resources.

Specs travel between stages as plain JSON-compatible mappings (exactly what is
sent to a platform), wrapped in frozen dataclasses that say what they are.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final, NamedTuple

API_VERSION: Final = "learnops/v1"

# Apply order of the kinds when nothing else orders them (DESIGN §3).
KINDS: Final = ("LearningObject", "Audience", "CertificationPlan", "Assignment")

# Collection names of the platform API (DESIGN §7).
COLLECTIONS: Final[Mapping[str, str]] = {
    "LearningObject": "learning-objects",
    "Audience": "audiences",
    "CertificationPlan": "certification-plans",
    "Assignment": "assignments",
}
KIND_OF_COLLECTION: Final[Mapping[str, str]] = {v: k for k, v in COLLECTIONS.items()}

MANAGED_BY: Final = "learnops"
ADOPT_ANNOTATION: Final = "learnops.io/adopt"
PREVENT_DESTROY_ANNOTATION: Final = "learnops.io/prevent-destroy"

JSON = Any  # a JSON-compatible value: dict, list, str, int, float, bool or None


@dataclass(frozen=True, order=True)
class Location:
    """Where a node was written: ``file`` is relative to the spec directory."""

    file: str
    line: int
    col: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.col}"


class Address(NamedTuple):
    """``Kind/name``: how plans, graphs and errors name a resource.

    A named tuple, not a dataclass: addresses are dict keys, set members and sort
    keys everywhere (a large plan hashes them hundreds of thousands of times), and a
    tuple hashes and compares in C."""

    kind: str
    name: str

    def __str__(self) -> str:
        return f"{self.kind}/{self.name}"

    @classmethod
    def parse(cls, text: str) -> Address:
        kind, _, name = text.partition("/")
        return cls(kind, name)


# One encoder for every call: ``json.dumps`` with options builds a new one each time.
_CANONICAL: Final = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def canonical_json(value: JSON) -> str:
    """One spelling per value, so equal content hashes equal."""
    return _CANONICAL.encode(value)


def content_hash(value: JSON) -> str:
    return "sha256:" + hashlib.sha256(canonical_json(value).encode()).hexdigest()


@dataclass(frozen=True)
class DesiredResource:
    """One resource as the specs want it, defaults filled (the resolve stage's output)."""

    address: Address
    spec: Mapping[str, JSON]
    location: Location
    labels: Mapping[str, str] = field(default_factory=dict)
    annotations: Mapping[str, str] = field(default_factory=dict)

    @property
    def kind(self) -> str:
        return self.address.kind

    @property
    def name(self) -> str:
        return self.address.name

    @property
    def spec_hash(self) -> str:
        """The hash a platform stores beside what learnops wrote; drift is a mismatch."""
        return content_hash(dict(self.spec))


@dataclass(frozen=True)
class StateConfig:
    """A ``state:`` entry of ``learnops.yaml``: the backend's ``type`` and its options."""

    type: str
    options: Mapping[str, JSON] = field(default_factory=dict)


@dataclass(frozen=True)
class ProviderConfig:
    """A provider entry of ``learnops.yaml``: its ``type`` and the rest of its keys, but
    for ``state`` (the target's own state backend, never a provider option)."""

    type: str
    options: Mapping[str, JSON] = field(default_factory=dict)
    state: StateConfig | None = None
    timezone: str = "UTC"  # the project's: the platform's dates are local dates there


@dataclass(frozen=True)
class ProjectConfig:
    """``learnops.yaml``; ``root`` is the folder holding it (relative paths start there)."""

    project: str
    root: Path
    provider: ProviderConfig
    targets: Mapping[str, ProviderConfig] = field(default_factory=dict)
    # ``directory:`` of learnops.yaml (``type`` csv or scim and its options); ``None``:
    # the default provider's ``users:`` file, else the platform's own users.
    directory: ProviderConfig | None = None
    state: StateConfig | None = None  # every target's backend unless it names its own
    timezone: str = "UTC"  # IANA name: "today" and every date are local dates there

    def target(self, name: str | None) -> ProviderConfig:
        """The provider for ``--target NAME`` (``None`` or ``provider``: the default)."""
        if name is None or name == "provider":
            return self.provider
        return self.targets[name]


@dataclass(frozen=True)
class DesiredState:
    """Everything the specs ask for: the input of the plan stage."""

    project: ProjectConfig
    resources: tuple[DesiredResource, ...]
    digest: str  # "sha256:..." over the spec files' bytes: saved plans compare it

    def by_address(self) -> Mapping[Address, DesiredResource]:
        return {r.address: r for r in self.resources}

    def of_kind(self, kind: str) -> tuple[DesiredResource, ...]:
        return tuple(r for r in self.resources if r.kind == kind)
