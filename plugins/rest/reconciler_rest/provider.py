"""The ``rest`` provider: any platform speaking the API of DESIGN §7, over ``requests``.

learnops.yaml: ``{type: rest, url: https://lms.example.com/api/v1, token_env: LMS_TOKEN}``
(see :mod:`reconciler_rest.settings` for timeouts, retries, page and pool sizes).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Final, assert_never
from urllib.parse import quote, urlsplit, urlunsplit

from reconciler.errors import PermanentError
from reconciler.model import COLLECTIONS, JSON, KINDS, MANAGED_BY, Address, ProviderConfig
from reconciler.providers import Capabilities, LiveResource, Lock, WriteRequest, wire
from reconciler.providers.capabilities import REFERENCE
from reconciler.rules.directory import User, users_csv
from reconciler_rest.client import ApiClient
from reconciler_rest.settings import RestSettings

LOCK_PATH = "/locks/apply"


class RestProvider:
    """A :class:`reconciler.providers.Provider` over HTTP; safe to share between threads."""

    name = "rest"
    # The reference platform: every capability, learnops' metadata held on it.
    capabilities: Capabilities = REFERENCE

    def __init__(
        self,
        config: ProviderConfig,
        project_root: Path,
        *,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.settings = RestSettings.from_config(config)
        self.api = ApiClient(self.settings, sleep=sleep)

    def __repr__(self) -> str:
        return f"RestProvider(url={self.settings.url!r}, token_env={self.settings.token_env!r})"

    @property
    def identity(self) -> str:
        """The API's base URL without credentials (``user:password@``), query or fragment."""
        parts = urlsplit(self.settings.url)
        host = parts.netloc.rpartition("@")[2].lower()
        return urlunsplit((parts.scheme.lower(), host, parts.path, "", ""))

    # -- reads ---------------------------------------------------------------------

    def read_resources(self, kinds: Sequence[str] = KINDS) -> list[LiveResource]:
        """Read without their status blocks where the platform can leave them out
        (``status=omit``): counting learners is most of a long listing's cost on the
        platform, and a plan looks only at the status of what it changes. The first
        status looked at reads those of its whole kind, in one listing."""
        statuses = _Statuses(self.api)
        return [
            wire.live_resource(item, statuses.of)
            for kind in kinds
            for item in self.api.pages(f"/{_collection(kind)}", query=_WITHOUT_STATUS)
        ]

    def read_managed(self, kinds: Sequence[str] = KINDS) -> list[LiveResource]:
        return [r for r in self.read_resources(kinds) if r.managed_by == MANAGED_BY]

    def read_users(self) -> list[User]:
        return [wire.user(item) for item in self.api.pages("/users")]

    def write_users(self, users: Sequence[User]) -> None:
        self.api.call("POST", "/users:import", csv=users_csv(users))

    def state_version(self) -> int:
        body = self.api.get("/state")
        version = body.get("state_version") if isinstance(body, dict) else None
        if not isinstance(version, int) or isinstance(version, bool):
            raise PermanentError("platform sent no integer 'state_version'", where="GET /state")
        return version

    # -- the one write ---------------------------------------------------------------

    def write(self, request: WriteRequest) -> LiveResource | None:
        path = _resource_path(request.address)
        headers = {"Idempotency-Key": request.idempotency_key}
        if request.precondition_version is not None:
            headers["If-Match"] = _etag(request.precondition_version)
        match request.action:
            case "create":
                if request.precondition_version is None:
                    headers["If-None-Match"] = "*"
                return self._resource(
                    self.api.send("PUT", path, headers=headers, body=wire.write_body(request))
                )
            case "update":
                # No version, no If-Match: the platform refuses it (428), as it should.
                return self._resource(
                    self.api.send("PUT", path, headers=headers, body=wire.write_body(request))
                )
            case "inactivate":
                return self._resource(self.api.send("POST", f"{path}:inactivate", headers=headers))
            case "delete":
                self.api.send("DELETE", path, headers=headers)
                return None
            case _:
                assert_never(request.action)

    @staticmethod
    def _resource(body: object) -> LiveResource:
        if not isinstance(body, dict):
            raise PermanentError("platform answered a write without the resource")
        return wire.live_resource(body)

    # -- the apply lock --------------------------------------------------------------

    def acquire_lock(self, holder: str, ttl_seconds: float) -> Lock:
        body = {"holder": holder, "ttl_seconds": ttl_seconds}
        return wire.lock(self.api.send("POST", LOCK_PATH, body=body))

    def renew_lock(self, lock: Lock, ttl_seconds: float) -> Lock:
        body = {"lock_id": lock.lock_id, "ttl_seconds": ttl_seconds}
        return wire.lock(self.api.send("POST", f"{LOCK_PATH}:renew", body=body))

    def release_lock(self, lock: Lock) -> None:
        self.api.send("DELETE", f"{LOCK_PATH}?lock_id={quote(lock.lock_id, safe='')}")

    def force_unlock(self, lock_id: str) -> None:
        self.api.send("DELETE", f"{LOCK_PATH}?lock_id={quote(lock_id, safe='')}&force=true")

    def close(self) -> None:
        self.api.close()


def _collection(kind: str) -> str:
    collection = COLLECTIONS.get(kind)
    if collection is None:
        raise PermanentError(f"unknown kind '{kind}' (known: {', '.join(KINDS)})")
    return collection


def _resource_path(address: Address) -> str:
    return f"/{_collection(address.kind)}/{quote(address.name, safe='')}"


def _etag(version: int) -> str:
    return f'"{version}"'


# A platform that does not know the parameter sends full resources: all is read then.
_WITHOUT_STATUS: Final = {"status": "omit"}


class _Statuses:
    """The statuses of a kind's resources, read in one listing when the first is
    wanted. A resource gone meanwhile has an empty one, as a listing without it says."""

    def __init__(self, api: ApiClient) -> None:
        self._api = api
        self._read: dict[str, dict[str, Mapping[str, JSON]]] = {}  # by kind, then name

    def of(self, kind: str, name: str) -> Mapping[str, JSON]:
        if kind not in self._read:
            self._read[kind] = {
                resource.address.name: resource.status
                for resource in map(wire.live_resource, self._api.pages(f"/{_collection(kind)}"))
            }
        return self._read[kind].get(name, {})
