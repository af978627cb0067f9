"""One logged-in HTTP session to a Kolibri server, over ``requests``.

Kolibri authenticates a browser session: ``POST /api/auth/session/`` with a
facility admin's username, password and facility id sets the session cookie and
the ``kolibri_csrftoken`` cookie, which every write echoes as ``X-CSRFToken``.
Reads are retried on temporary failures; writes go out once (the executor decides
about trying again). Failures come back as learnops errors, never tracebacks.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping
from typing import Any, Final

import requests

from reconciler import __version__
from reconciler.errors import (
    AuthError,
    ConfigError,
    InvalidRequest,
    NotFoundError,
    PermanentError,
    ReconcilerError,
    TemporaryError,
    UnreachableError,
)
from reconciler.model import JSON
from reconciler_kolibri.settings import KolibriSettings

CSRF_COOKIE: Final = "kolibri_csrftoken"
# How urllib3 words a connection that was never made (refused, no such host): the
# request never reached Kolibri. Any other connection error came after it was sent.
_NEVER_CONNECTED: Final = ("newconnectionerror", "failed to establish", "refused",
                           "name or service not known", "nodename nor servname",
                           "getaddrinfo", "name resolution")
READ_RETRIES: Final = 3
PAGE_SIZE: Final = 500


class KolibriClient:
    """Paths are relative to the server root (``/api/...``); login happens on first use."""

    def __init__(
        self, settings: KolibriSettings, *, sleep: Callable[[float], None] = time.sleep
    ) -> None:
        self.settings = settings
        self._sleep = sleep
        self.session = requests.Session()
        self.session.headers.update(
            {"Accept": "application/json", "User-Agent": f"learnops/{__version__}"}
        )
        self._facility_id: str | None = None
        self.user_id = ""

    def __repr__(self) -> str:
        return (f"KolibriClient(url={self.settings.url!r}, "
                f"credentials=(${self.settings.username_env}, ${self.settings.password_env}))")

    @property
    def facility_id(self) -> str:
        if self._facility_id is None:
            self.login()
        assert self._facility_id is not None
        return self._facility_id

    def login(self) -> None:
        facilities = self._json(self._call("GET", "/api/public/v1/facility/"),
                                "GET /api/public/v1/facility/")
        wanted = self.settings.facility
        found = [f["id"] for f in facilities if isinstance(f, dict)
                 and wanted in (f.get("name"), f.get("id"))]
        if len(found) != 1:
            names = ", ".join(str(f.get("name")) for f in facilities if isinstance(f, dict))
            raise ConfigError(
                f"kolibri provider ({self.settings.url}): no single facility named "
                f"'{wanted}' (the server has: {names or 'none'})"
            )
        username, password = self.settings.credentials()
        response = self._call(
            "POST", "/api/auth/session/",
            body={"username": username, "password": password, "facility": found[0]},
            login=True,
        )
        session = self._json(response, "POST /api/auth/session/")
        kinds = session.get("kind", []) if isinstance(session, dict) else []
        if "admin" not in kinds and "superuser" not in kinds:
            raise AuthError(
                f"the user in ${self.settings.username_env} is not an admin of facility "
                f"'{wanted}' (Kolibri roles: {', '.join(kinds) or 'none'})",
                where=self.settings.url,
            )
        self.user_id = str(session.get("user_id", ""))
        self._facility_id = found[0]

    def get(self, path: str, params: Mapping[str, str | int] | None = None) -> Any:
        """A JSON document, retried on temporary failures."""
        self.facility_id  # noqa: B018 - logged in before the first read
        attempt = 0
        while True:
            try:
                return self._json(self._call("GET", path, params=params), f"GET {path}")
            except TemporaryError as problem:
                if attempt >= READ_RETRIES:
                    raise
                self._sleep(max(problem.delay, 0.5 * 2**attempt))
                attempt += 1

    def listed(self, path: str, params: Mapping[str, str | int] | None = None) -> list[Any]:
        """Every item of a list endpoint, whether Kolibri pages it or not."""
        return list(self._items(path, dict(params or {})))

    def _items(self, path: str, params: dict[str, str | int]) -> Iterator[Any]:
        # Content nodes page by cursor (``max_results`` in, ``more`` out); others do not.
        if path.startswith("/api/content/"):
            params.setdefault("max_results", PAGE_SIZE)
        seen: set[str] = set()
        while True:
            body = self.get(path, params)
            if isinstance(body, list):
                yield from body
                return
            results = body.get("results") if isinstance(body, dict) else None
            if not isinstance(results, list):
                raise PermanentError("Kolibri sent a list without 'results'", where=f"GET {path}")
            yield from results
            more = body.get("more")
            if not isinstance(more, dict) or not more:
                return
            key = repr(sorted(more.items()))
            if key in seen:  # a server bug must not become an endless loop
                raise PermanentError("Kolibri repeated a page cursor", where=f"GET {path}")
            seen.add(key)
            params.update({str(k): str(v) for k, v in more.items()})

    def send(self, method: str, path: str, body: JSON = None,
             params: Mapping[str, str | int] | None = None) -> Any:
        """One write, not retried; the JSON answer (``None`` for an empty one)."""
        self.facility_id  # noqa: B018
        response = self._call(method, path, body=body, params=params)
        if not response.content:
            return None
        return self._json(response, f"{method} {path}")

    def _call(self, method: str, path: str, *, params: Mapping[str, str | int] | None = None,
              body: JSON = None, login: bool = False) -> requests.Response:
        where = f"{method} {path}"
        headers = {}
        token = self.session.cookies.get(CSRF_COOKIE)
        if method != "GET" and token:
            headers["X-CSRFToken"] = token
        try:
            response = self.session.request(
                method, self.settings.url + path, params=params, json=body, headers=headers,
                timeout=(min(5.0, self.settings.timeout), self.settings.timeout),
            )
        except requests.ConnectTimeout:
            raise UnreachableError(f"cannot connect to Kolibri at {self.settings.url} "
                                   "(timed out)", where=where) from None
        except requests.Timeout:
            raise UnreachableError(f"no answer within {self.settings.timeout:g}s",
                                   where=where) from None
        except (requests.ConnectionError, requests.exceptions.ChunkedEncodingError) as problem:
            raise self._connection_failure(problem, where) from None
        except requests.RequestException as problem:
            raise PermanentError(f"request failed: {type(problem).__name__}",
                                 where=where) from None
        if response.status_code >= 400:
            raise self._error(response, where, login)
        return response

    def _connection_failure(self, problem: requests.RequestException,
                            where: str) -> UnreachableError:
        """No answer: never connected, or the connection dropped once the request was
        out (Kolibri may have committed it). Either way the executor retries it, the
        circuit breaker counts it, and a write's outcome is read back from Kolibri."""
        text = str(problem).lower()
        if any(sign in text for sign in _NEVER_CONNECTED):
            return UnreachableError(f"cannot connect to Kolibri at {self.settings.url}",
                                    where=where)
        return UnreachableError(
            "the connection closed before Kolibri answered (the request may have been "
            "carried out)", where=where)

    def _error(self, response: requests.Response, where: str, login: bool) -> ReconcilerError:
        status = response.status_code
        text = f"{_message(response)} (HTTP {status})"
        if status in (408, 429) or status >= 500:
            return TemporaryError(text, where=where)
        if login and status in (400, 401):
            return AuthError(
                f"Kolibri refused the credentials in ${self.settings.username_env} / "
                f"${self.settings.password_env} for facility '{self.settings.facility}' ({text})",
                where=self.settings.url,
            )
        match status:
            case 401 | 403:
                return AuthError(f"Kolibri refused {where}: {text}", where=self.settings.url)
            case 404:
                return NotFoundError(text, where=where)
            case 400:
                return InvalidRequest(text, where=where)
            case _:
                return PermanentError(text, where=where)

    @staticmethod
    def _json(response: requests.Response, where: str) -> Any:
        try:
            return response.json()
        except ValueError:
            raise PermanentError(
                f"Kolibri answered HTTP {response.status_code} with a body that is not JSON",
                where=where,
            ) from None

    def close(self) -> None:
        self.session.close()


def _message(response: requests.Response) -> str:
    """Kolibri's error bodies: ``[{"id": ..., "metadata": {...}}]`` or ``{"detail": ...}``
    or a field -> messages mapping (Django REST framework validation)."""
    try:
        body = response.json()
    except ValueError:
        return response.reason or "request failed"
    if isinstance(body, list) and body:
        parts = []
        for error in body[:3]:
            if isinstance(error, dict):
                field = error.get("metadata", {}).get("field") if isinstance(
                    error.get("metadata"), dict) else None
                message = error.get("metadata", {}).get("message") if isinstance(
                    error.get("metadata"), dict) else None
                parts.append(": ".join(str(p) for p in (field, message or error.get("id")) if p))
            else:
                parts.append(str(error))
        return "; ".join(parts)
    if isinstance(body, dict):
        if "detail" in body:
            return str(body["detail"])
        return "; ".join(f"{key}: {value}" for key, value in list(body.items())[:3])
    return response.reason or "request failed"
