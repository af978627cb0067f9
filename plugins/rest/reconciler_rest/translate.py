"""HTTP failures as learnops errors: temporary (retry after ``delay``) or permanent.

kopf's rule: classify once, at the edge, so the executor only ever asks "is it
worth waiting?". Messages come from the platform's ``{"error": {code, message}}``
body and never carry request headers (the token travels in one of them).
"""

from __future__ import annotations

import email.utils
import time
from typing import Any, Final

import requests

from reconciler import jsontext
from reconciler.errors import (
    AuthError,
    InvalidRequest,
    LockHeldError,
    NotFoundError,
    PermanentError,
    PreconditionFailed,
    PreconditionRequired,
    ReconcilerError,
    TemporaryError,
    UnreachableError,
)

DEFAULT_DELAY: Final = 1.0
MAX_DELAY: Final = 300.0  # a Retry-After of hours is the platform's mistake, not a plan


def error_for_response(
    response: requests.Response, where: str, *, api: str = "", token_env: str = ""
) -> ReconcilerError:
    """The error an unsuccessful response stands for. An auth failure names the API
    root ``api`` and the variable ``token_env`` (never the token): the two things a
    person has to check."""
    status = response.status_code
    code, message, details = _error_body(response)
    http = f"HTTP {status}{f', {code}' if code else ''}"
    text = f"{message} ({http})"
    if status == 429 or status == 408 or status >= 500:
        return TemporaryError(text, delay=retry_after(response), where=where)
    match status:
        case 401:
            return AuthError(f"the token in ${token_env} was refused ({http}) on {where}: "
                             f"{message}", where=api or where)
        case 403:
            return AuthError(f"the token in ${token_env} may not {where} ({http}): {message}",
                             where=api or where)
        case 404:
            return NotFoundError(text, where=where)
        case 409 if "holder" in details:
            return LockHeldError(
                f"{where}: {text}",
                holder=str(details["holder"]),
                lock_id=str(details.get("lease_id") or details.get("lock_id") or ""),
                since=str(details.get("since", "")),
                expires_at=str(details.get("expires_at", "")),
            )
        case 412:
            return PreconditionFailed(text, where=where)
        case 422:
            return InvalidRequest(text, pointer=str(details.get("pointer", "")), where=where)
        case 428:
            return PreconditionRequired(text, where=where)
        case _:
            return PermanentError(text, where=where)


def error_for_exception(
    problem: requests.RequestException, where: str, read_timeout: float
) -> ReconcilerError:
    """The error a failed exchange (no usable response) stands for."""
    match problem:
        case requests.exceptions.SSLError():
            # A certificate problem will not heal by waiting.
            return PermanentError(f"TLS failure: {_reason(problem)}", where=where)
        case requests.exceptions.ConnectTimeout():
            return UnreachableError("timed out connecting to the platform", where=where)
        case requests.exceptions.ReadTimeout():
            return UnreachableError(f"no answer within {read_timeout:g}s", where=where)
        case requests.exceptions.ConnectionError() | requests.exceptions.ChunkedEncodingError():
            return UnreachableError(f"connection failed: {_reason(problem)}", where=where)
        case _:
            return PermanentError(f"request failed: {type(problem).__name__}", where=where)


def retry_after(response: requests.Response) -> float:
    """``Retry-After`` in seconds (a number or an HTTP date), else a default."""
    value = response.headers.get("Retry-After", "").strip()
    if not value:
        return DEFAULT_DELAY
    try:
        seconds = float(value)
    except ValueError:
        try:
            seconds = email.utils.parsedate_to_datetime(value).timestamp() - time.time()
        except (TypeError, ValueError):
            return DEFAULT_DELAY
    return min(max(seconds, 0.0), MAX_DELAY)


def _error_body(response: requests.Response) -> tuple[str, str, dict[str, Any]]:
    """``(code, message, the whole error object)``; tolerant of non-JSON bodies (proxies)."""
    try:
        body = jsontext.loads(response.content)
    except ValueError:
        body = None
    error = body.get("error") if isinstance(body, dict) else None
    if not isinstance(error, dict):
        return "", response.reason or "request failed", {}
    code = error.get("code")
    message = error.get("message")
    return (
        str(code) if code else "",
        str(message) if message else (response.reason or "request failed"),
        error,
    )


def _reason(problem: requests.RequestException) -> str:
    """A short cause: urllib3 wraps it in layers whose text names object addresses."""
    text = str(problem).lower()
    for needle, reason in (
        ("refused", "connection refused"),
        ("reset", "connection reset"),
        ("remotedisconnected", "connection closed without a response"),
        ("aborted", "connection aborted"),
        ("broken", "connection broken mid-response"),
        ("name or service not known", "host not found"),
        ("nodename nor servname", "host not found"),
        ("getaddrinfo", "host not found"),
        ("certificate", "certificate not trusted"),
    ):
        if needle in text:
            return reason
    return type(problem).__name__
