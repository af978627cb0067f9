"""One pooled HTTP session to the platform API: auth, timeouts, retried reads, pages.

Reads (GET) are retried with exponential backoff on temporary failures, honouring
``Retry-After``. Writes go out exactly once: whether to try again is the
executor's call, and the idempotency key makes that safe.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator, Mapping
from typing import Any, Final

import requests
from requests.adapters import HTTPAdapter

from reconciler import __version__, jsontext
from reconciler.errors import PermanentError, ReconcilerError, TemporaryError
from reconciler.model import JSON
from reconciler_rest.settings import RestSettings
from reconciler_rest.translate import error_for_exception, error_for_response

BACKOFF: Final = 0.5  # seconds before the first retry; doubles each time
MAX_BACKOFF: Final = 30.0


class BearerAuth(requests.auth.AuthBase):
    """Adds the token per request; its repr names the variable, never the value."""

    def __init__(self, token: str, token_env: str) -> None:
        self._token = token
        self._token_env = token_env

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers["Authorization"] = f"Bearer {self._token}"
        return request

    def __repr__(self) -> str:
        return f"BearerAuth(from ${self._token_env})"

    def redact(self, text: str) -> str:
        """Belt and braces: no message we raise may echo the secret."""
        return text.replace(self._token, "***")


class ApiClient:
    """The transport of the ``rest`` provider; paths are relative to the API root."""

    def __init__(
        self, settings: RestSettings, *, sleep: Callable[[float], None] = time.sleep
    ) -> None:
        self.settings = settings
        self._sleep = sleep
        self._auth = BearerAuth(settings.token(), settings.token_env)
        self.session = requests.Session()
        self.session.auth = self._auth
        self.session.headers.update(
            {"Accept": "application/json", "User-Agent": f"learnops/{__version__}"}
        )
        # Apply writes in parallel threads: every thread should find a warm
        # connection instead of opening (and discarding) its own.
        adapter = HTTPAdapter(pool_connections=2, pool_maxsize=settings.pool_size, max_retries=0)
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)
        # requests looks proxies, NO_PROXY and CA bundles up in the environment for every
        # request (a sixth of a write's client CPU); every request goes to one API, so
        # look them up once, here, and keep them.
        found = self.session.merge_environment_settings(settings.url, {}, None, None, None)
        self.session.proxies.update(found["proxies"])
        self.session.verify = found["verify"]
        self.session.trust_env = False

    def __repr__(self) -> str:
        return f"ApiClient(url={self.settings.url!r}, auth={self._auth!r})"

    def get(self, path: str, params: Mapping[str, str | int] | None = None) -> Any:
        """A JSON document, retried on temporary failures."""
        attempt = 0
        while True:
            try:
                return _json(self.call("GET", path, params=params), f"GET {path}")
            except TemporaryError as problem:
                if attempt >= self.settings.retries:
                    raise
                backoff = min(BACKOFF * 2**attempt, MAX_BACKOFF) * random.uniform(1.0, 1.25)
                self._sleep(max(problem.delay, backoff))
                attempt += 1

    def pages(self, path: str, page_size: int | None = None,
              query: Mapping[str, str] | None = None) -> Iterator[dict[str, Any]]:
        """Every item of a paginated collection, following ``next_page_token``;
        ``query``: more parameters for every page."""
        params: dict[str, str | int] = {"limit": page_size or self.settings.page_size,
                                        **(query or {})}
        seen: set[str] = set()
        while True:
            page = self.get(path, params)
            items = page.get("items") if isinstance(page, dict) else None
            if not isinstance(items, list):
                raise PermanentError("platform sent a page without 'items'", where=f"GET {path}")
            yield from items
            token = page.get("next_page_token")
            if not token:
                return
            if token in seen:  # a platform bug must not become an endless loop
                raise PermanentError("platform repeated a page token", where=f"GET {path}")
            seen.add(str(token))
            params["page_token"] = str(token)

    def send(
        self,
        method: str,
        path: str,
        *,
        headers: Mapping[str, str] | None = None,
        body: JSON = None,
    ) -> Any:
        """One write, not retried; the JSON answer (``None`` for an empty one)."""
        response = self.call(method, path, headers=headers, body=body)
        if not response.content:
            return None
        return _json(response, f"{method} {path}")

    def call(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str | int] | None = None,
        headers: Mapping[str, str] | None = None,
        body: JSON = None,
        csv: str | None = None,
    ) -> requests.Response:
        """One exchange; any failure comes back as a learnops error. ``csv`` is sent
        as a ``text/csv`` body instead of JSON."""
        where = f"{method} {path}"
        sent = dict(headers or {})
        if csv is not None:
            sent["Content-Type"] = "text/csv; charset=utf-8"
        try:
            response = self.session.request(
                method,
                self.settings.url + path,
                params=params,
                headers=sent,
                json=body,
                data=None if csv is None else csv.encode("utf-8"),
                timeout=(self.settings.connect_timeout, self.settings.read_timeout),
            )
        except requests.RequestException as problem:
            raise self._redacted(
                error_for_exception(problem, where, self.settings.read_timeout)
            ) from None
        if response.status_code >= 400:
            raise self._redacted(error_for_response(
                response, where, api=self.settings.url, token_env=self.settings.token_env))
        return response

    def close(self) -> None:
        self.session.close()

    def _redacted(self, error: ReconcilerError) -> ReconcilerError:
        error.message = self._auth.redact(error.message)
        error.args = (error.message,)
        return error


def _json(response: requests.Response, where: str) -> Any:
    try:
        return jsontext.loads(response.content)  # a hostile platform cannot nest us to death
    except ValueError:
        raise PermanentError(
            f"platform answered HTTP {response.status_code} with a body that is not JSON",
            where=where,
        ) from None
