"""The plugin seam: how learnops reads and writes a live learning platform.

A provider is any class satisfying :class:`Provider`, registered under the
entry-point group ``reconciler.providers`` and constructed as
``cls(config, project_root)``. Reads are separate from the one write call, and
every write carries its precondition. What a platform can do is declared as
:class:`Capabilities` (frozen data, read by validate and plan); what only some
platforms have is an optional protocol, probed with ``isinstance``:
:class:`ChangeCounter`, :class:`MetadataHolder`, :class:`PlatformLocker`,
:class:`PartialHolder`, :class:`TermsReader`, :class:`Releaser`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Literal, Protocol, TypeAlias, runtime_checkable

from reconciler.model import JSON, KINDS, Address, DesiredResource, DesiredState, ProviderConfig
from reconciler.providers.capabilities import RELEASE_MODES, Capabilities
from reconciler.providers.releases import Releaser
from reconciler.rules.directory import User

__all__ = [
    "RELEASE_MODES",
    "AppliedSpecs",
    "Capabilities",
    "ChangeCounter",
    "LiveResource",
    "Lock",
    "MetadataHolder",
    "PartialHolder",
    "PlatformLocker",
    "Provider",
    "ProviderFactory",
    "Releaser",
    "TermsReader",
    "WriteAction",
    "WriteRequest",
]

WriteAction = Literal["create", "update", "inactivate", "delete"]
# Per resource the state records, the spec its write was made from (``Record.spec``;
# ``None``: recorded, its spec not known: imported, or written before records kept it).
# A resource it does not name was never applied.
AppliedSpecs: TypeAlias = Mapping[Address, Mapping[str, JSON] | None]


@dataclass(frozen=True)
class LiveResource:
    """A resource as the platform holds it (the wire shape of DESIGN §7, typed).

    ``version`` is the platform's precondition token (``None``: it has none, writes
    are unconditional); ``platform_id`` its own id where that is not the name (the ids
    of all its objects, comma-separated, where it is several: a Kolibri plan's lessons).
    ``managed_by`` and ``spec_hash`` are learnops' metadata where the platform keeps
    it (:class:`MetadataHolder`); elsewhere the state store holds ownership."""

    address: Address
    spec: Mapping[str, JSON]
    version: int | None = None
    platform_id: str = ""
    managed_by: str | None = None
    spec_hash: str | None = None
    labels: Mapping[str, str] = field(default_factory=dict)
    annotations: Mapping[str, str] = field(default_factory=dict)
    # What the platform knows: enrolled / in_progress / completed / certified counts,
    # ``active`` for assignments, ``current_version`` for plans; ``reached`` (employee
    # ids) where the platform counts whom an assignment reaches, whoever gave it to
    # them: the plan's "before" side then takes them, not its audience's members; and
    # ``reached_items`` ({"plan"|"object": {name: [employee ids]}}) for items it gives
    # fewer of them (Kolibri: a plan's steps go to the audience's group alone).
    status: Mapping[str, JSON] = field(default_factory=dict)


@dataclass(frozen=True)
class WriteRequest:
    """One change to make. ``precondition_version`` is the live version the change was
    planned against (``If-Match``); ``None`` with ``create`` means "must not exist"
    (``If-None-Match: *``). The idempotency key makes a retried write harmless."""

    address: Address
    action: WriteAction
    idempotency_key: str
    precondition_version: int | None = None
    spec: Mapping[str, JSON] | None = None
    spec_hash: str | None = None
    labels: Mapping[str, str] = field(default_factory=dict)
    annotations: Mapping[str, str] = field(default_factory=dict)
    # The address the platform holds the resource under now (a rename: ``state mv``,
    # on a provider whose ids are its own); ``None``: ``address`` itself.
    renamed_from: Address | None = None


@dataclass(frozen=True)
class Lock:
    """The platform's apply lease."""

    lock_id: str
    holder: str
    expires_at: str  # ISO 8601 UTC


@runtime_checkable
class Provider(Protocol):
    """What the planner and the executor need of every platform."""

    name: str

    @property
    def identity(self) -> str:
        """Which platform this is, the same in every run and free of secrets (sandbox:
        its database's absolute path; rest: the API's base URL without credentials).
        A saved plan is applied only to the platform it was made against."""
        ...

    @property
    def capabilities(self) -> Capabilities:
        """What this platform can honour (kinds, release modes, preconditions, ...)."""
        ...

    def read_resources(self, kinds: Sequence[str] = KINDS) -> list[LiveResource]: ...

    def read_users(self) -> list[User]: ...

    def write(self, request: WriteRequest) -> LiveResource | None:
        """Make one change; returns the resource after it (``None`` after a delete).
        Raises ``TemporaryError`` (retry after ``delay``) or ``PermanentError``."""
        ...

    def close(self) -> None: ...


# -- what only some platforms have -------------------------------------------------------


@runtime_checkable
class ChangeCounter(Protocol):
    """A platform-wide counter raised by every write, by anyone: "did the platform
    move since the plan was made" without reading it all."""

    def state_version(self) -> int: ...


@runtime_checkable
class MetadataHolder(Protocol):
    """A platform that keeps learnops' ownership and applied hash on each resource
    (``LiveResource.managed_by`` / ``spec_hash``, stamped by every write): what
    ``state: platform`` reads its records from."""

    def read_managed(self, kinds: Sequence[str] = KINDS) -> list[LiveResource]:
        """The resources whose metadata says learnops manages them."""
        ...


@runtime_checkable
class PlatformLocker(Protocol):
    """A platform with an apply-lock endpoint (the lease ``state: platform`` uses)."""

    def acquire_lock(self, holder: str, ttl_seconds: float) -> Lock:
        """Raises ``LockHeldError`` naming the holder when another apply has it."""
        ...

    def renew_lock(self, lock: Lock, ttl_seconds: float) -> Lock: ...

    def release_lock(self, lock: Lock) -> None: ...

    def force_unlock(self, lock_id: str) -> None: ...


@runtime_checkable
class PartialHolder(Protocol):
    """A platform that holds only part of what a spec says (Kolibri: a lesson has no due
    date, a learner group is a list of people, not a rule). The planner compares the
    live resource with :meth:`held`, the part of the desired resource this platform
    would hold once it is written, and still writes the whole spec."""

    def held(self, desired: DesiredState, resource: DesiredResource) -> DesiredResource:
        """``resource`` as the platform would show it after writing it, given the rest of
        ``desired`` (an audience's includes resolve over it)."""
        ...


@runtime_checkable
class TermsReader(Protocol):
    """A platform whose resources read back in more than one set of terms (Kolibri names a
    content node by its content id or by its title, and keeps an assignment's plans
    nowhere but in the spec): told the desired state before it is read, it reads back in
    that state's terms, so the plan compares, and reports to learners, like with like.
    ``renamed``: resources the platform holds under an old address (old -> new: a record
    moved by ``learnops state mv``), read in the terms of the new one. ``applied``
    (:data:`AppliedSpecs`): the state's records, where the platform reads back what it
    cannot hold itself (an assignment's plans) as it was applied, not as the files say."""

    def read_in_terms_of(self, desired: DesiredState,
                         renamed: Mapping[Address, Address] | None = None,
                         applied: AppliedSpecs | None = None) -> None: ...


def held_by(provider: object,
            desired: DesiredState) -> Callable[[DesiredResource], DesiredResource] | None:
    """What ``provider`` holds of a resource of ``desired``, where it holds only part of a
    spec (:class:`PartialHolder`); ``None``: all of it."""
    return partial(provider.held, desired) if isinstance(provider, PartialHolder) else None


def read_in_terms_of(provider: object, desired: DesiredState,
                     renamed: Mapping[Address, Address] | None = None,
                     applied: AppliedSpecs | None = None) -> bool:
    """Tell ``provider`` the desired state it is read against, and the specs as applied,
    where it asks for them (whether it did)."""
    if isinstance(provider, TermsReader):
        provider.read_in_terms_of(desired, renamed, applied)
        return True
    return False


@runtime_checkable
class DirectoryWriter(Protocol):
    """A platform whose directory learnops feeds from the project's directory source
    (probed with ``isinstance``): the directory change of a plan is written here."""

    def write_users(self, users: Sequence[User]) -> None:
        """Add or update ``users`` by employee id, all or nothing (a leaver is written
        with ``active`` false; nobody is deleted). The platform re-evaluates who its
        assignments reach. Raises ``TemporaryError`` or ``PermanentError``."""
        ...


class ProviderFactory(Protocol):
    def __call__(self, config: ProviderConfig, project_root: Path) -> Provider: ...
