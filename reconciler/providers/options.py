"""Checks every provider makes of its ``learnops.yaml`` options, said the same way."""

from __future__ import annotations

from collections.abc import Mapping, Set
from urllib.parse import urlsplit

from reconciler.errors import ConfigError
from reconciler.model import JSON


def refuse_unknown(provider: str, options: Mapping[str, JSON], known: Set[str]) -> None:
    """A misspelt option is an error naming the known ones, never silently ignored."""
    unknown = sorted(set(options) - known)
    if unknown:
        raise ConfigError(
            f"{provider} provider: unknown option(s) {', '.join(unknown)} "
            f"(known: {', '.join(sorted(known))})"
        )


def http_url(provider: str, options: Mapping[str, JSON], what: str) -> str:
    """The ``url`` option, an http(s) URL with a host; ``what`` says what it points at."""
    url = options.get("url")
    if not isinstance(url, str) or urlsplit(url).scheme not in ("http", "https") or not (
        urlsplit(url).netloc
    ):
        raise ConfigError(f"{provider} provider: 'url' must be {what}")
    return url
