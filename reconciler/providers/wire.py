"""The platform's wire shapes (DESIGN §7) and their typed counterparts.

Both built-in providers speak the same resource dicts (the sandbox engine returns
them in-process, the REST API as JSON), so the translation lives once, here. A
payload that does not have the promised shape is the platform's fault: a
``PermanentError`` naming the field, never a ``KeyError`` deep in the planner.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TypedDict, TypeVar

from reconciler.errors import PermanentError
from reconciler.model import JSON, KINDS, MANAGED_BY, Address
from reconciler.providers import LiveResource, Lock, WriteRequest
from reconciler.providers.deferred import DeferredStatus, StatusReader
from reconciler.rules.directory import User

T = TypeVar("T")


class WriteMetadata(TypedDict):
    labels: dict[str, str]
    annotations: dict[str, str]
    managed_by: str | None  # None: a write by someone other than learnops (the API allows it)
    spec_hash: str | None


class WriteBody(TypedDict):
    """What ``PUT /{kind}/{name}`` (and ``Platform.put_resource``) takes."""

    metadata: WriteMetadata
    spec: dict[str, JSON]


def live_resource(payload: Mapping[str, JSON],
                  deferred: StatusReader | None = None) -> LiveResource:
    """The resource ``payload`` describes; its status read by ``deferred`` when it is
    first looked at, if the payload leaves the status out and ``deferred`` is given."""
    """A platform resource dict as a :class:`LiveResource`."""
    kind = _field(payload, "kind", str, "resource")
    if kind not in KINDS:
        raise PermanentError(f"platform sent a resource of unknown kind '{kind}'")
    metadata = _field(payload, "metadata", dict, kind)
    name = _field(metadata, "name", str, kind)
    where = f"{kind}/{name}"
    version = _field(metadata, "version", int, where)
    return LiveResource(
        address=Address(kind, name),
        spec=_field(payload, "spec", dict, where),
        version=version,
        managed_by=_optional(metadata, "managed_by", str, where),
        spec_hash=_optional(metadata, "spec_hash", str, where),
        labels=_optional(metadata, "labels", dict, where) or {},
        annotations=_optional(metadata, "annotations", dict, where) or {},
        status=(DeferredStatus(deferred, kind, name) if deferred is not None
                and "status" not in payload
                else _optional(payload, "status", dict, where) or {}),
    )


def write_body(request: WriteRequest) -> WriteBody:
    """The body of a create or update: learnops marks what it writes as its own."""
    if request.spec is None:
        raise PermanentError(f"a {request.action} needs a spec", where=str(request.address))
    return WriteBody(
        metadata=WriteMetadata(
            labels=dict(request.labels),
            annotations=dict(request.annotations),
            managed_by=MANAGED_BY,
            spec_hash=request.spec_hash,
        ),
        spec=dict(request.spec),
    )


def user(payload: Mapping[str, JSON]) -> User:
    employee_id = _field(payload, "employee_id", str, "user")
    groups = _optional(payload, "groups", list, employee_id) or []
    return User(
        employee_id=employee_id,
        attributes=_optional(payload, "attributes", dict, employee_id) or {},
        groups=frozenset(str(group) for group in groups),
        active=bool(payload.get("active", True)),
    )


def lock(payload: Mapping[str, JSON]) -> Lock:
    return Lock(
        lock_id=_field(payload, "lock_id", str, "lock"),
        holder=_field(payload, "holder", str, "lock"),
        expires_at=_field(payload, "expires_at", str, "lock"),
    )


def _field(payload: Mapping[str, JSON], key: str, kind: type[T], where: str) -> T:
    # ``type() is dict`` first: the ABC check costs more than the lookup, per field.
    value = payload.get(key) if type(payload) is dict or isinstance(payload, Mapping) else None
    # bool is an int in Python; a version of ``true`` is still malformed.
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise PermanentError(
            f"platform sent a malformed payload: '{key}' should be {kind.__name__}",
            where=where,
        )
    return value


def _optional(payload: Mapping[str, JSON], key: str, kind: type[T], where: str) -> T | None:
    if payload.get(key) is None:
        return None
    return _field(payload, key, kind, where)
