"""A query parameter a route does not take is refused, not ignored.

Ignored, a typo (``?limt=5``, ``?as-of=...``) answers as if it had not been sent: the
default page, today's view. The API answers 400 naming it instead, as it does for a
malformed value of a parameter it takes.
"""

from __future__ import annotations

from collections.abc import Iterator

from fastapi import Request
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute

from .problems import ApiProblem


async def known_query(request: Request) -> None:
    """An app-wide dependency: a 400 for the first parameter the route does not take."""
    route = request.scope.get("route")
    if not isinstance(route, APIRoute) or not request.scope.get("query_string"):
        return
    taken = set(_query_names(route.dependant))
    unknown = sorted(set(request.query_params) - taken)
    if unknown:
        raise ApiProblem(400, "bad_request", f"query/{unknown[0]}: this route takes no such"
                         f" parameter (it takes: {', '.join(sorted(taken)) or 'none'})")


def refuse_any_query(query_string: bytes) -> None:
    """For a route that takes no query parameters (the resource writes)."""
    if query_string:
        raise ApiProblem(400, "bad_request", "this route takes no query parameters")


def _query_names(dependant: Dependant) -> Iterator[str]:
    for parameter in dependant.query_params:
        yield parameter.alias
    for sub in dependant.dependencies:
        yield from _query_names(sub)
