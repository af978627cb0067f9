"""``state: platform``: learnops' records kept on the platform itself, as the reference
platform does (every write stamps ``managed_by`` and ``spec_hash``; a platform-wide
state version; an apply-lock endpoint). The default for providers whose capabilities
say they hold metadata; there is nothing to record beside the write itself.
"""

from __future__ import annotations

from collections.abc import Sequence

from reconciler.errors import ConfigError
from reconciler.model import KINDS, MANAGED_BY, Address, StateConfig
from reconciler.providers import (
    ChangeCounter,
    LiveResource,
    Lock,
    MetadataHolder,
    PlatformLocker,
    Provider,
)
from reconciler.state import PendingWrite, Record, Snapshot
from reconciler.state.registry import StateContext


class PlatformState:
    """A :class:`reconciler.state.StateStore` whose records are the platform's metadata."""

    editable = False  # ownership changes only with a write (adopt), never by editing state

    def __init__(self, provider: Provider) -> None:
        missing = [
            what for what, protocol in (
                ("learnops' metadata on resources", MetadataHolder),
                ("a platform-wide state version", ChangeCounter),
                ("an apply lock", PlatformLocker),
            ) if not isinstance(provider, protocol)
        ]
        if missing or not provider.capabilities.metadata:
            lacks = ", ".join(missing) or "learnops' metadata on resources"
            raise ConfigError(
                f"provider '{provider.name}' cannot hold learnops' state (it lacks {lacks}); "
                "use state: local or state: {type: postgres, dsn_env: ...}"
            )
        assert isinstance(provider, MetadataHolder)
        assert isinstance(provider, ChangeCounter)
        assert isinstance(provider, PlatformLocker)
        self._holder: MetadataHolder = provider
        self._counter: ChangeCounter = provider
        self._locker: PlatformLocker = provider
        self._identity = provider.identity

    @classmethod
    def open(cls, config: StateConfig, context: StateContext) -> PlatformState:
        if config.options:
            raise ConfigError(
                f"platform state takes no options (got {', '.join(sorted(config.options))})"
            )
        return cls(context.provider)

    @property
    def backend(self) -> str:
        return "platform"

    @property
    def location(self) -> str:
        return self._identity

    def snapshot(self, live: Sequence[LiveResource] | None = None) -> Snapshot:
        owned = (
            self._holder.read_managed(KINDS) if live is None
            else [resource for resource in live if resource.managed_by == MANAGED_BY]
        )
        records = {resource.address: platform_record(resource) for resource in owned}
        lineage, serial = self.serial()
        return Snapshot(lineage, serial, records)

    def serial(self) -> tuple[str, int]:
        # Every write raises the platform's state version: it is this state's serial.
        return self._identity, self._counter.state_version()

    # The write itself carries ownership and hash: nothing to record beside it.

    def begin(self, lease: Lock, write: PendingWrite) -> None:
        pass

    def record(self, lease: Lock, record: Record) -> None:
        pass

    def fail(self, lease: Lock, address: Address) -> None:
        pass

    def forget(self, lease: Lock, address: Address) -> None:
        pass

    def persist(self, lease: Lock, expect_serial: int) -> int:
        return self._counter.state_version()

    def acquire_lock(self, holder: str, ttl_seconds: float) -> Lock:
        return self._locker.acquire_lock(holder, ttl_seconds)

    def renew_lock(self, lock: Lock, ttl_seconds: float) -> Lock:
        return self._locker.renew_lock(lock, ttl_seconds)

    def release_lock(self, lock: Lock) -> None:
        self._locker.release_lock(lock)

    def force_unlock(self, lock_id: str) -> None:
        self._locker.force_unlock(lock_id)

    def close(self) -> None:
        pass  # the provider is its caller's to close


def platform_record(resource: LiveResource) -> Record:
    """What the platform's metadata says learnops applied to ``resource``."""
    return Record(
        address=resource.address,
        platform_id=resource.platform_id or resource.address.name,
        spec_hash=resource.spec_hash,
        fingerprint=None if resource.version is None else str(resource.version),
    )
