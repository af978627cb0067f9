"""The ``rest`` provider's options from learnops.yaml, checked once.

``{type: rest, url: https://lms.example.com/api/v1, token_env: LMS_TOKEN,
timeout: 30 | {connect: 5, read: 30}, retries: 3, page_size: 1000, pool_size: 16}``.
The token itself never appears here: only the name of the variable holding it.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

from reconciler.errors import ConfigError
from reconciler.model import JSON, ProviderConfig
from reconciler.providers.options import http_url, refuse_unknown

_OPTIONS: Final = frozenset({"url", "token_env", "timeout", "retries", "page_size", "pool_size"})


@dataclass(frozen=True)
class RestSettings:
    url: str  # the API root, e.g. https://lms.example.com/api/v1 (no trailing slash)
    token_env: str
    connect_timeout: float = 5.0
    read_timeout: float = 30.0
    retries: int = 3  # extra attempts for reads; writes are never retried here
    page_size: int = 1000  # the sandbox serves at most 1000 a page; fewer calls per plan
    pool_size: int = 16  # connections kept per host: apply's parallelism shares them

    @classmethod
    def from_config(cls, config: ProviderConfig) -> RestSettings:
        options = config.options
        refuse_unknown("rest", options, _OPTIONS)
        url = http_url("rest", options, "an http(s) URL of the API root")
        token_env = options.get("token_env")
        if not isinstance(token_env, str) or not token_env:
            raise ConfigError(
                "rest provider: 'token_env' must name the environment variable holding the token"
            )
        connect, read = _timeouts(options.get("timeout"))
        return cls(
            url=url.rstrip("/"),
            token_env=token_env,
            connect_timeout=connect,
            read_timeout=read,
            retries=_count(options, "retries", 3, minimum=0),
            page_size=_count(options, "page_size", 1000, minimum=1),
            pool_size=_count(options, "pool_size", 16, minimum=1),
        )

    def token(self) -> str:
        """The bearer token from the environment; the message names the variable only."""
        value = os.environ.get(self.token_env)
        if value is None or not value.strip():
            state = "is not set" if value is None else "is empty"
            raise ConfigError(
                f"rest provider ({self.url}): environment variable {self.token_env} {state} "
                "(it should hold the API token)"
            )
        return value.strip()


def _timeouts(value: JSON) -> tuple[float, float]:
    match value:
        case None:
            return 5.0, 30.0
        case bool():
            pass
        case int() | float() if value > 0:
            return min(5.0, float(value)), float(value)
        case {"connect": int() | float() as connect, "read": int() | float() as read} if (
            len(value) == 2 and connect > 0 and read > 0
            and not isinstance(connect, bool) and not isinstance(read, bool)
        ):
            return float(connect), float(read)
    raise ConfigError(
        "rest provider: 'timeout' must be seconds (> 0) or {connect: SECONDS, read: SECONDS}"
    )


def _count(options: Mapping[str, JSON], key: str, default: int, *, minimum: int) -> int:
    value = options.get(key, default)
    if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
        raise ConfigError(f"rest provider: '{key}' must be an integer >= {minimum}")
    return value
