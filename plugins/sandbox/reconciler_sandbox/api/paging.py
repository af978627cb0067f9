"""Opaque page tokens keyed by the last item's key (a name, an id), never an offset,
so a page neither skips nor repeats when others write between two requests."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from .problems import ApiProblem

Key = TypeVar("Key", str, int)


def encode(listing: str, after: str | int) -> str:
    raw = json.dumps({"v": 1, "l": listing, "a": after}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode(listing: str, token: str | None, key_type: type[Key]) -> Key | None:
    """The key to continue after; a token from another listing or a forged one is a 400."""
    if not token:
        return None
    try:
        payload = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    except (binascii.Error, UnicodeDecodeError, ValueError):
        payload = None
    if (
        not isinstance(payload, dict)
        or payload.get("v") != 1
        or payload.get("l") != listing
        or type(payload.get("a")) is not key_type
    ):
        raise ApiProblem(400, "invalid_page_token", f"page_token is not a token of {listing}")
    after: Key = payload["a"]
    return after


def page(
    listing: str,
    fetched: Sequence[dict[str, Any]],
    limit: int,
    key: Callable[[dict[str, Any]], str | int],
) -> dict[str, Any]:
    """``fetched`` holds up to ``limit + 1`` items: one more tells whether a next page exists."""
    items = list(fetched[:limit])
    more = bool(items) and len(fetched) > limit
    return {
        "items": items,
        "next_page_token": encode(listing, key(items[-1])) if more else None,
    }
