"""The ``sandbox`` provider: the embedded reference platform, in-process.

learnops.yaml: ``provider: {type: sandbox, path: .learnops/sandbox.db,
users: directory/users.csv, catalog: directory/catalog.csv}`` (all optional; paths
relative to the project root). The first time the platform is opened with an empty
directory it is seeded from ``users``; with no learning objects, from ``catalog``
(content authored in the platform itself, not managed by learnops).
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Final, assert_never

from reconciler.errors import ConfigError, TemporaryError
from reconciler.model import JSON, KINDS, MANAGED_BY, Address, ProviderConfig
from reconciler.providers import Capabilities, LiveResource, Lock, WriteRequest, wire
from reconciler.providers.capabilities import REFERENCE
from reconciler.providers.deferred import DeferredStatus
from reconciler.providers.options import refuse_unknown
from reconciler.rules.directory import User, parse_users_csv
from reconciler_sandbox.catalog import parse_catalog_csv, seed_catalog
from reconciler_sandbox.clock import wall_clock
from reconciler_sandbox.engine import Platform
from reconciler_sandbox.resources import StoredResource

ACTOR: Final = "learnops"
DEFAULT_PATH: Final = ".learnops/sandbox.db"
_OPTIONS: Final = frozenset({"path", "users", "catalog", "page_size"})


class SandboxProvider:
    """A :class:`reconciler.providers.Provider` over :class:`Platform`, no HTTP between."""

    name = "sandbox"
    # The reference platform: every capability, learnops' metadata held on it. In
    # process, one SQLite file takes one writer at a time: apply's threads would only
    # queue for it (and cost CPU switching), so it writes one at a time.
    capabilities: Capabilities = replace(REFERENCE, concurrent_writes=False)

    def __init__(self, config: ProviderConfig, project_root: Path) -> None:
        options = config.options
        refuse_unknown("sandbox", options, _OPTIONS)
        self.path = project_root / _text_option(options, "path", DEFAULT_PATH)
        self.page_size = _int_option(options, "page_size", 500)
        users_csv = _file_option(options, "users", project_root)
        catalog_csv = _file_option(options, "catalog", project_root)
        # Read and parse before the database is made: a bad users or catalog file
        # leaves nothing behind. Users errors name the file as learnops.yaml writes it.
        # A database already there is seeded at most once more (only while it has no
        # users), and seeding parses the file then.
        users_text = _read(users_csv, "users") if users_csv is not None else None
        users_source = str(options.get("users"))
        if users_text is not None and not self.path.exists():
            parse_users_csv(users_text, users_source)
        catalog = (
            parse_catalog_csv(_read(catalog_csv, "catalog"), str(catalog_csv))
            if catalog_csv is not None else {}
        )
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.platform = Platform(self.path, today=wall_clock(config.timezone))
        except (OSError, sqlite3.DatabaseError) as problem:
            raise ConfigError(f"sandbox provider: cannot open {self.path}: {problem}") from None
        try:
            if users_text is not None:
                self._seed_users(users_text, users_source)
            if catalog:
                self._seed_catalog(catalog)
        except BaseException:
            self.platform.close()
            raise

    def __repr__(self) -> str:
        return f"SandboxProvider(path={str(self.path)!r})"

    def _seed_users(self, text: str, source: str) -> None:
        # Only an empty directory is seeded: users imported or changed later
        # (through the API, say) are the platform's business, not the CSV's.
        with _busy_is_temporary():
            if self.platform.list_users(limit=1):
                return
            self.platform.import_users_csv(text, actor=ACTOR, source=source)

    def _seed_catalog(self, objects: Mapping[str, Mapping[str, JSON]]) -> None:
        with _busy_is_temporary():
            seed_catalog(self.platform, objects)

    # -- reads ---------------------------------------------------------------------

    def read_resources(self, kinds: Sequence[str] = KINDS) -> list[LiveResource]:
        resources: list[LiveResource] = []
        with _busy_is_temporary():
            for kind in kinds:
                after: str | None = None
                while True:  # keyset pages: ``after`` is the last name seen
                    page = self.platform.list_stored(kind, after=after, limit=self.page_size)
                    resources.extend(self._live(stored) for stored in page)
                    if len(page) < self.page_size:
                        break
                    after = resources[-1].address.name
        return resources

    def _live(self, stored: StoredResource) -> LiveResource:
        # The engine's own typed row, not the wire dict the HTTP API sends (nothing to
        # check there): most of a plan's read is this, once per resource.
        return LiveResource(
            address=Address(stored.kind, stored.name),
            spec=stored.spec,
            version=stored.version,
            managed_by=stored.managed_by,
            spec_hash=stored.spec_hash,
            labels=stored.labels,
            annotations=stored.annotations,
            status=DeferredStatus(self.status, stored.kind, stored.name),
        )

    def status(self, kind: str, name: str) -> Mapping[str, JSON]:
        """One resource's ``status`` as of now (what :meth:`read_resources` gives on demand)."""
        with _busy_is_temporary():
            return self.platform.resource_status(kind, name)

    def read_managed(self, kinds: Sequence[str] = KINDS) -> list[LiveResource]:
        return [r for r in self.read_resources(kinds) if r.managed_by == MANAGED_BY]

    def read_users(self) -> list[User]:
        with _busy_is_temporary():
            return list(self.platform.directory())

    def write_users(self, users: Sequence[User]) -> None:
        with _busy_is_temporary():
            self.platform.import_users(list(users), actor=ACTOR)

    def state_version(self) -> int:
        with _busy_is_temporary():
            return int(self.platform.state_version())

    @property
    def identity(self) -> str:
        """The database file, absolute: two projects' sandboxes are two platforms."""
        return str(self.path.resolve())

    # -- the one write ---------------------------------------------------------------

    def write(self, request: WriteRequest) -> LiveResource | None:
        kind, name = request.address.kind, request.address.name
        key = request.idempotency_key
        version = request.precondition_version
        with _busy_is_temporary():
            match request.action:
                case "create":
                    created, _ = self.platform.put_resource(
                        kind, name, dict(wire.write_body(request)),
                        if_match=version, if_none_match=version is None,
                        actor=ACTOR, idempotency_key=key,
                    )
                    return wire.live_resource(created)
                case "update":
                    updated, _ = self.platform.put_resource(
                        kind, name, dict(wire.write_body(request)),
                        if_match=version, actor=ACTOR, idempotency_key=key,
                    )
                    return wire.live_resource(updated)
                case "inactivate":
                    inactive = self.platform.inactivate_resource(
                        kind, name, if_match=version, actor=ACTOR, idempotency_key=key
                    )
                    return wire.live_resource(inactive)
                case "delete":
                    self.platform.delete_resource(
                        kind, name, if_match=version, actor=ACTOR, idempotency_key=key
                    )
                    return None
                case _:
                    assert_never(request.action)

    # -- the apply lock --------------------------------------------------------------

    def acquire_lock(self, holder: str, ttl_seconds: float) -> Lock:
        with _busy_is_temporary():
            return wire.lock(self.platform.acquire_lock(holder, ttl_seconds))

    def renew_lock(self, lock: Lock, ttl_seconds: float) -> Lock:
        with _busy_is_temporary():
            return wire.lock(self.platform.renew_lock(lock.lock_id, ttl_seconds))

    def release_lock(self, lock: Lock) -> None:
        with _busy_is_temporary():
            self.platform.release_lock(lock.lock_id)

    def force_unlock(self, lock_id: str) -> None:
        with _busy_is_temporary():
            self.platform.force_unlock(lock_id)

    def close(self) -> None:
        self.platform.close()


@contextmanager
def _busy_is_temporary() -> Iterator[None]:
    """Another process holding the database past the busy timeout is worth a retry."""
    try:
        yield
    except sqlite3.OperationalError as problem:
        if "locked" in str(problem) or "busy" in str(problem):
            raise TemporaryError(f"sandbox database is busy: {problem}", delay=0.5) from problem
        raise


def _text_option(options: Mapping[str, JSON], key: str, default: str) -> str:
    value = options.get(key, default)
    if not isinstance(value, str) or not value:
        raise ConfigError(f"sandbox provider: '{key}' must be a non-empty path")
    return value


def _file_option(options: Mapping[str, JSON], key: str, project_root: Path) -> Path | None:
    if key not in options:
        return None
    path = project_root / _text_option(options, key, "")
    if not path.is_file():
        raise ConfigError(f"sandbox provider: {key} file {path} does not exist")
    root = project_root.resolve()
    named, real = Path(os.path.normpath(root / path)), path.resolve()
    if named.is_relative_to(root) and not real.is_relative_to(root):
        # A path written as inside the spec directory must not leave it through a link.
        raise ConfigError(
            f"sandbox provider: {key} file {path} is a symbolic link leading outside "
            f"the spec directory (to {real})"
        )
    return path


def _read(path: Path, key: str) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise ConfigError(f"sandbox provider: {key} file {path} is not UTF-8 text") from None
    except OSError as problem:
        raise ConfigError(
            f"sandbox provider: cannot read {key} file {path}: {problem.strerror}"
        ) from None


def _int_option(options: Mapping[str, JSON], key: str, default: int) -> int:
    value = options.get(key, default)
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise ConfigError(f"sandbox provider: '{key}' must be a positive integer")
    return value
