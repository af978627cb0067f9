"""Bearer tokens with scopes: ``read`` < ``write`` < ``admin`` (each implies those before).

401 when the token is missing or unknown, 403 when it is short of the scope a route
needs. The caller's token name is the actor of every write it makes (the audit log).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated, Final, Literal

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from fastapi.security.utils import get_authorization_scheme_param

from .context import platform_of
from .problems import ApiProblem

Scope = Literal["read", "write", "admin"]
_RANK: Final[dict[str, int]] = {"read": 1, "write": 2, "admin": 3}

# auto_error=False: the 401 is ours, in the JSON error shape; the scheme still
# appears in the OpenAPI document.
_bearer = HTTPBearer(auto_error=False, description="A token from `learnops sandbox token create`")


@dataclass(frozen=True)
class Caller:
    name: str
    scopes: frozenset[str]

    def allows(self, scope: Scope) -> bool:
        return max((_RANK.get(s, 0) for s in self.scopes), default=0) >= _RANK[scope]


def require(scope: Scope) -> Callable[..., Awaitable[Caller]]:
    """A dependency: the caller, if its token grants ``scope``. The bearer scheme
    is a dependency too, so the OpenAPI document states it."""

    async def caller(
        request: Request,
        _: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    ) -> Caller:
        return await authorized(request, scope)

    return caller


# async: run on the event loop, not in a worker thread. The token lookup is one
# indexed read (WAL: never waits for a writer); a worker-thread hop for it cost
# more than the lookup itself, on every request.
async def authorized(request: Request, scope: Scope) -> Caller:
    """The caller, if the request's bearer token grants ``scope`` (HTTPBearer's
    reading of the header). Write routes call it directly: see resources.py."""
    found_scheme, token = get_authorization_scheme_param(request.headers.get("Authorization"))
    challenge = {"WWW-Authenticate": 'Bearer realm="learnops"'}
    if not (found_scheme and token) or found_scheme.lower() != "bearer":
        raise ApiProblem(401, "unauthorized", "a bearer token is required", headers=challenge)
    holder = platform_of(request).token_holder(token)
    if holder is None:
        raise ApiProblem(401, "unauthorized", "unknown token", headers=challenge)
    found = Caller(*holder)
    if not found.allows(scope):
        raise ApiProblem(
            403, "forbidden", f"token '{found.name}' lacks the '{scope}' scope this needs"
        )
    return found
