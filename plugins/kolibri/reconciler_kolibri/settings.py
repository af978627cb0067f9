"""The ``kolibri`` provider's options from learnops.yaml, checked once.

``{type: kolibri, url: http://kolibri.local:8080, facility: Acme, classroom: learnops,
username_env: KOLIBRI_USER, password_env: KOLIBRI_PASSWORD, channel: Compliance,
users: directory/users.csv, manage_users: true, timeout: 30}``. Credentials never
appear here: only the names of the variables holding them.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from reconciler.errors import ConfigError
from reconciler.model import JSON, ProviderConfig
from reconciler.providers.options import http_url, refuse_unknown

_OPTIONS: Final = frozenset({
    "url", "facility", "classroom", "username_env", "password_env", "channel", "users",
    "manage_users", "timeout",
})
DEFAULT_CLASSROOM: Final = "learnops"


@dataclass(frozen=True)
class KolibriSettings:
    url: str  # the server root, e.g. http://kolibri.local:8080 (no trailing slash)
    facility: str  # the facility's name (or id) learnops works in
    username_env: str
    password_env: str
    classroom: str = DEFAULT_CLASSROOM  # where learnops keeps its groups and lessons
    channel: str | None = None  # the channel (name or id) objects come from; None: all
    users: Path | None = None  # the directory (CSV) audiences resolve over
    manage_users: bool = False  # create, update and deactivate facility users from it
    timeout: float = 30.0

    @classmethod
    def from_config(cls, config: ProviderConfig, project_root: Path) -> KolibriSettings:
        options = config.options
        refuse_unknown("kolibri", options, _OPTIONS)
        url = http_url("kolibri", options, "the http(s) URL of the server")
        users = options.get("users")
        if users is not None and not isinstance(users, str):
            raise ConfigError("kolibri provider: 'users' must be the path of a users CSV")
        manage_users = options.get("manage_users", False)
        if not isinstance(manage_users, bool):
            raise ConfigError("kolibri provider: 'manage_users' must be true or false")
        if manage_users and users is None:
            raise ConfigError(
                "kolibri provider: 'manage_users: true' needs 'users' (the directory to feed)"
            )
        return cls(
            url=url.rstrip("/"),
            facility=_text(options, "facility", "the facility's name"),
            username_env=_text(options, "username_env", "the variable holding the username"),
            password_env=_text(options, "password_env", "the variable holding the password"),
            classroom=_text(options, "classroom", "a classroom name", DEFAULT_CLASSROOM),
            channel=_optional_text(options, "channel"),
            users=None if users is None else project_root / users,
            manage_users=manage_users,
            timeout=_seconds(options.get("timeout")),
        )

    def credentials(self) -> tuple[str, str]:
        """Username and password from the environment; messages name the variables only."""
        return self._secret(self.username_env, "username"), self._secret(
            self.password_env, "password")

    def _secret(self, variable: str, what: str) -> str:
        value = os.environ.get(variable)
        if value is None or not value.strip():
            state = "is not set" if value is None else "is empty"
            raise ConfigError(
                f"kolibri provider ({self.url}): environment variable {variable} {state} "
                f"(it should hold the {what} of a facility admin)"
            )
        return value.strip()


def _text(options: dict[str, JSON] | object, key: str, what: str,
          default: str | None = None) -> str:
    value = options.get(key, default) if isinstance(options, dict) else default
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(f"kolibri provider: '{key}' must be {what}")
    return value.strip()


def _optional_text(options: dict[str, JSON] | object, key: str) -> str | None:
    value = options.get(key) if isinstance(options, dict) else None
    if value is None:
        return None
    return _text(options, key, "a non-empty string")


def _seconds(value: JSON) -> float:
    if value is None:
        return 30.0
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        raise ConfigError("kolibri provider: 'timeout' must be a positive number of seconds")
    return float(value)
