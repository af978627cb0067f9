"""The four resource collections of DESIGN §7: list, read, write, delete, inactivate.

Routes are made per collection (not one ``/{collection}`` route) so the OpenAPI
document names each kind and its body schema. Every write states its precondition:
``If-Match: "<version>"`` for an existing resource, ``If-None-Match: *`` for a new one.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any, Final, Literal, NamedTuple

from fastapi import APIRouter, Depends, Header, Query, Request, Response
from fastapi.responses import JSONResponse

from reconciler.errors import NotFoundError
from reconciler.model import COLLECTIONS
from reconciler_sandbox.engine import FANS_OUT
from reconciler_sandbox.journal import RETENTION

from . import paging
from .auth import Caller, authorized, require
from .bodies import json_body, resource_write
from .context import options_of, platform_of, writer_of
from .lane import direct
from .problems import ApiProblem


class WriteHeader(NamedTuple):
    """A header a write may send, as OpenAPI states it."""

    name: str
    description: str
    max_length: int | None = None


IF_MATCH: Final = WriteHeader("If-Match", 'The version read, e.g. "7".')
IF_NONE_MATCH: Final = WriteHeader("If-None-Match", '"*" to create; a version on GET.')
IDEMPOTENCY_KEY: Final = WriteHeader(
    "Idempotency-Key",
    f"Replays the first result for {RETENTION.total_seconds() / 3600:g} hours;"
    " then the key is new.",
    max_length=200,
)
StatusQuery = Annotated[Literal["include", "omit"], Query(description=(
    "omit: items without their status block (the counts are most of a long page's cost);"
    " read one resource for its status"))]
IfNoneMatch = Annotated[
    str | None, Header(alias=IF_NONE_MATCH.name, description=IF_NONE_MATCH.description)]


@dataclass(frozen=True)
class WriteHeaders:
    """What a write's headers say. Write routes read them (and the token and the body)
    themselves rather than through FastAPI parameters: solving those took more of a
    small write's time than the write. ``header_docs`` states them in OpenAPI."""

    if_match: str | None
    if_none_match: str | None
    idempotency_key: str | None

    @classmethod
    def of(cls, request: Request) -> WriteHeaders:
        headers = request.headers
        key, longest = headers.get(IDEMPOTENCY_KEY.name), IDEMPOTENCY_KEY.max_length
        if key is not None and longest is not None and len(key) > longest:
            raise ApiProblem(400, "bad_request", f"header/{IDEMPOTENCY_KEY.name}: String should "
                                                 f"have at most {longest} characters")
        return cls(headers.get(IF_MATCH.name), headers.get(IF_NONE_MATCH.name), key)


async def write_request(request: Request) -> tuple[Caller, WriteHeaders]:
    """The caller (a ``write`` token) and the headers of a write, checked in the order
    FastAPI checked its parameters: the token, then the headers."""
    caller = await authorized(request, "write")
    return caller, WriteHeaders.of(request)


def header_docs(*headers: WriteHeader) -> list[dict[str, Any]]:
    """OpenAPI parameters for ``headers``, as FastAPI states an optional ``str`` header."""
    docs = []
    for name, description, max_length in headers:
        text: dict[str, Any] = {"type": "string"}
        if max_length is not None:
            text["maxLength"] = max_length
        docs.append({"name": name, "in": "header", "required": False,
                     "description": description,
                     "schema": {"anyOf": [text, {"type": "null"}], "description": description,
                                "title": name}})
    return docs


def etag(resource: dict[str, Any]) -> str:
    return f'"{resource["metadata"]["version"]}"'


NO_VERSION: Final = 0  # versions start at 1: an If-Match naming no version gets 412
_STRONG_TAG: Final = re.compile(r'"([0-9]{1,18})"')


def matched_version(header: str, current: Callable[[], int | None]) -> int:
    """The version an ``If-Match`` holds the write to, compared as RFC 9110 says
    (13.1.1, strong comparison): ``*`` is the current version, a list matches when any
    of its tags is the current ETag. A header that names no version (``"stale-0"``, a
    weak ``W/"7"``, no quotes, garbage) matches nothing: the engine answers 412 for it,
    as for a stale version. ``current`` reads the version only when a list needs it."""
    tags = [part.strip() for part in header.split(",")]
    if "*" in tags:
        return current() or NO_VERSION
    versions = [int(found[1]) for tag in tags if (found := _STRONG_TAG.fullmatch(tag))]
    if len(versions) > 1:
        now = current()
        if now in versions:
            return now
    return versions[0] if versions else NO_VERSION


def required_version(if_match: str | None, action: str, current: Callable[[], int | None]) -> int:
    if if_match is None:
        raise ApiProblem(
            428, "precondition_required", f"a {action} needs If-Match with the version read"
        )
    return matched_version(if_match, current)


def resource_response(resource: dict[str, Any], status: int = 200) -> JSONResponse:
    return JSONResponse(resource, status_code=status, headers={"ETag": etag(resource)})


def _body_doc(kind: str) -> dict[str, Any]:
    return {
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {
                    "schema": {
                        "type": "object",
                        "required": ["spec"],
                        "additionalProperties": False,  # as the server: unknown keys are 422
                        "properties": {
                            "apiVersion": {"const": "learnops/v1"},
                            "kind": {"const": kind},
                            "metadata": {"$ref": "#/components/schemas/WriteMetadata"},
                            "spec": {"$ref": f"#/components/schemas/{kind}Spec"},
                            "status": {"type": "object", "description": "Ignored on writes."},
                        },
                    }
                }
            },
        }
    }


def router() -> APIRouter:
    api = APIRouter()
    for kind, collection in COLLECTIONS.items():
        _add_collection(api, kind, collection)
    return api


def _add_collection(api: APIRouter, kind: str, collection: str) -> None:
    """Registers the six routes of one collection; ``:inactivate`` before ``{name}``."""
    resource_ref = {"$ref": f"#/components/schemas/{kind}Resource"}
    one: dict[int | str, dict[str, Any]] = {
        "200": {"content": {"application/json": {"schema": resource_ref}}}
    }
    tags: list[str | Any] = [collection]
    fans_out = kind in FANS_OUT  # its writes may take long: never on the event loop

    def list_resources(
        request: Request,
        _: Annotated[Caller, Depends(require("read"))],
        limit: Annotated[int | None, Query(ge=1)] = None,
        page_token: str | None = None,
        status: StatusQuery = "include",
    ) -> JSONResponse:
        options = options_of(request)
        size = min(limit or options.default_page_size, options.max_page_size)
        after = paging.decode(collection, page_token, str)
        platform = platform_of(request)
        fetched = (
            platform.list_resources(kind, after=after, limit=size + 1) if status == "include"
            else [stored.wire(None)
                  for stored in platform.list_stored(kind, after=after, limit=size + 1)]
        )
        # Already JSON-ready: a JSONResponse skips FastAPI's jsonable_encoder walk,
        # which took most of the time of a long page.
        return JSONResponse(
            paging.page(collection, fetched, size, lambda item: str(item["metadata"]["name"])))

    @direct
    async def inactivate_resource(request: Request, name: str) -> JSONResponse:
        caller, headers = await write_request(request)

        def inactivate() -> dict[str, Any]:
            version = required_version(
                headers.if_match, "inactivation", _reader(request, kind, name))
            return platform_of(request).inactivate_resource(
                kind, name, if_match=version, actor=caller.name,
                idempotency_key=headers.idempotency_key)

        return resource_response(await writer_of(request).run(inactivate, bulk=fans_out))

    def get_resource(
        request: Request,
        name: str,
        _: Annotated[Caller, Depends(require("read"))],
        if_none_match: IfNoneMatch = None,
    ) -> Response:
        resource = platform_of(request).get_resource(kind, name)
        tag = etag(resource)
        if if_none_match is not None and _matches(if_none_match, tag):
            return Response(status_code=304, headers={"ETag": tag})
        return resource_response(resource)

    @direct
    async def put_resource(request: Request, name: str) -> JSONResponse:
        caller = await authorized(request, "write")
        body = await json_body(request)
        headers = WriteHeaders.of(request)
        if_match, if_none_match = headers.if_match, headers.if_none_match
        if if_match is None and if_none_match is None:
            raise ApiProblem(
                428,
                "precondition_required",
                'a PUT needs If-Match: "<version>" (update) or If-None-Match: * (create)',
            )
        if if_match is not None and if_none_match is not None:
            # RFC 9110 13.2.2: If-Match holds only for an existing resource, and then
            # If-None-Match: * cannot: together they never hold.
            raise ApiProblem(412, "precondition_failed",
                             "If-Match and If-None-Match cannot both hold: send one")
        if if_none_match is not None and if_none_match.strip() != "*":
            raise ApiProblem(428, "precondition_required",
                             'a PUT takes If-Match: "<version>" or If-None-Match: *, '
                             f"not If-None-Match: {if_none_match[:40]!r}")
        written = resource_write(body)

        def write() -> tuple[dict[str, Any], bool]:
            return platform_of(request).put_resource(
                kind,
                name,
                written,
                if_match=None if if_match is None else matched_version(
                    if_match, _reader(request, kind, name)),
                if_none_match=if_none_match is not None,
                actor=caller.name,
                idempotency_key=headers.idempotency_key,
            )

        resource, created = await writer_of(request).run(write, bulk=fans_out)
        response = resource_response(resource, 201 if created else 200)
        if created:
            response.headers["Location"] = request.url.path
        return response

    @direct
    async def delete_resource(request: Request, name: str) -> Response:
        caller, headers = await write_request(request)

        def delete() -> None:
            version = required_version(headers.if_match, "delete", _reader(request, kind, name))
            platform_of(request).delete_resource(
                kind, name, if_match=version, actor=caller.name,
                idempotency_key=headers.idempotency_key)

        await writer_of(request).run(delete, bulk=fans_out)
        return Response(status_code=204)

    base = f"/{collection}"
    item = f"{base}/{{name}}"
    snake = collection.replace("-", "_")
    Responses = dict[int | str, dict[str, Any]]
    tagged = {"headers": {"ETag": {"description": 'The version, e.g. "7".',
                                   "schema": {"type": "string"}}}}
    one = {"200": {**one["200"], **tagged, "description": "The resource"}}
    write_errors = {**_problems(400, 401, 403, 404, 409, 412, 422, 428, 429)}
    routes: list[tuple[str, Callable[..., Any], str, dict[str, Any], Responses]] = [
        (base, list_resources, "GET", {}, {**_page_doc(
            {"$ref": f"#/components/schemas/{kind}ListItem"}),
                                          **_problems(400, 401, 403, 429)}),
        (item, get_resource, "GET", {}, {**one, "304": {"description": "Not modified"},
                                         **_problems(401, 403, 404, 429)}),
        (item, put_resource, "PUT",
         {**_body_doc(kind), **_write_doc(IF_MATCH, IF_NONE_MATCH, IDEMPOTENCY_KEY)},
         {**one, "201": {**one["200"], "description": "Created"}, **write_errors}),
        (item, delete_resource, "DELETE", _write_doc(IF_MATCH, IDEMPOTENCY_KEY),
         {"204": {"description": "Deleted"}, **write_errors}),
    ]
    if kind == "Assignment":  # the one kind with an inactive state (the others answer 404)
        routes.insert(1, (f"{item}:inactivate", inactivate_resource, "POST",
                          _write_doc(IF_MATCH, IDEMPOTENCY_KEY), {**one, **write_errors}))
    for path, endpoint, method, extra, responses in routes:
        api.add_api_route(
            path,
            endpoint,
            methods=[method],
            tags=tags,
            operation_id=f"{endpoint.__name__}_{snake}",
            summary=f"{endpoint.__name__.replace('_', ' ')} ({kind})",
            openapi_extra=extra or None,
            responses=responses or None,
            response_model=None,
        )


_REASONS: Final = {
    400: "Malformed request (JSON, headers, page token)", 401: "No or unknown token",
    403: "The token lacks the scope", 404: "No such resource", 409: "In use, or locked",
    412: "If-Match matches no current version, or If-None-Match: * and it exists",
    422: "Invalid body (see pointer)", 428: "A write without If-Match / If-None-Match",
    429: "Rate limited (Retry-After)",
}


def _write_doc(*headers: WriteHeader) -> dict[str, Any]:
    """What a write route's signature no longer tells FastAPI: its headers and token."""
    return {"parameters": header_docs(*headers), "security": [{"HTTPBearer": []}]}


def _problems(*statuses: int) -> dict[int | str, dict[str, Any]]:
    error = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    return {str(status): {"description": _REASONS[status], "content": error}
            for status in statuses}


def _page_doc(item: dict[str, Any]) -> dict[int | str, dict[str, Any]]:
    page = {
        "type": "object",
        "required": ["items", "next_page_token"],
        "properties": {
            "items": {"type": "array", "items": item},
            "next_page_token": {
                "type": ["string", "null"],
                "description": "Pass as page_token for the next page; null on the last.",
            },
        },
    }
    return {"200": {"content": {"application/json": {"schema": page}}}}


def _reader(request: Request, kind: str, name: str) -> Callable[[], int | None]:
    """The resource's current version, or ``None`` when there is none."""

    def current() -> int | None:
        try:
            return int(platform_of(request).get_resource(kind, name)["metadata"]["version"])
        except NotFoundError:
            return None

    return current


def _matches(if_none_match: str, tag: str) -> bool:
    candidates = [part.strip().removeprefix("W/") for part in if_none_match.split(",")]
    return "*" in candidates or tag in candidates
