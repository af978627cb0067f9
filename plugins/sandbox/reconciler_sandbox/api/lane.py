"""The resource writes, answered by the router before FastAPI's route machinery.

A write route reads its token, headers and body itself (see ``resources.py``) and
takes no query, so all FastAPI still did for it was find it among the API's routes,
one after another, and solve its one ``Request`` parameter: together about a fifth
of a small PUT's CPU on the server. The lane finds a direct route by its method and
path and calls the same endpoint. It takes the router's own middleware slot, inside
the app's exception handlers and guards, so a refusal keeps its JSON shape and status.
The routes stay declared with FastAPI too, which states them in OpenAPI.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Iterable
from typing import TypeVar

from fastapi.routing import APIRoute
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, compile_path
from starlette.types import ASGIApp, Receive, Scope, Send

from .queries import refuse_any_query

Endpoint = Callable[..., Awaitable[Response]]
E = TypeVar("E", bound=Endpoint)
_DIRECT = "__lane_direct__"


def direct(endpoint: E) -> E:
    """Marks an endpoint the lane may call: ``async``, taking the request and its path
    parameters (strings) and nothing else, returning its response."""
    setattr(endpoint, _DIRECT, True)
    return endpoint


class WriteLane:
    def __init__(self, app: ASGIApp, routes: Iterable[BaseRoute], prefix: str = "") -> None:
        self.app = app
        self._routes: dict[str, list[tuple[re.Pattern[str], Endpoint]]] = {}
        for route in routes:
            if isinstance(route, APIRoute) and getattr(route.endpoint, _DIRECT, False):
                pattern = compile_path(prefix + route.path)[0]
                for method in route.methods or ():
                    self._routes.setdefault(method, []).append((pattern, route.endpoint))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            for pattern, endpoint in self._routes.get(scope["method"], ()):
                found = pattern.match(scope["path"])
                if found is not None:
                    refuse_any_query(scope["query_string"])
                    response = await endpoint(Request(scope, receive), **found.groupdict())
                    await response(scope, receive, send)
                    return
        await self.app(scope, receive, send)

