"""Everything of DESIGN §7 that is not a resource collection: state, directory,
learners, reports, audit and the apply lock."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import JSONResponse, PlainTextResponse
from pydantic import BeforeValidator

from reconciler.model import JSON
from reconciler.rules.durations import DurationError, parse_date
from reconciler_sandbox.locks import MAX_TTL_SECONDS

from . import paging
from .auth import Caller, require
from .bodies import invalid, json_body
from .context import options_of, platform_of, writer_of
from .problems import ApiProblem

Reader = Annotated[Caller, Depends(require("read"))]
Writer = Annotated[Caller, Depends(require("write"))]
Admin = Annotated[Caller, Depends(require("admin"))]
Limit = Annotated[int | None, Query(ge=1)]


def _day(value: object) -> object:
    """A date in a query is what the document's ``format: date`` says, YYYY-MM-DD:
    pydantic alone also takes Unix seconds (``0``) and midnight date-times. Anything
    else is a 400 naming the parameter."""
    if not isinstance(value, str):
        return value
    try:
        return parse_date(value)
    except DurationError as problem:
        raise ValueError(str(problem)) from None


Day = BeforeValidator(_day)
AsOf = Annotated[date | None, Day, Query(description="The day to look at (default: today).")]


def router() -> APIRouter:
    api = APIRouter()
    _state_and_directory(api)
    _learners_and_reports(api)
    _locks(api)
    return api


def _page_size(request: Request, limit: int | None) -> int:
    options = options_of(request)
    return min(limit or options.default_page_size, options.max_page_size)


def _state_and_directory(api: APIRouter) -> None:
    @api.get("/state", tags=["platform"], operation_id="get_state")
    def get_state(request: Request, _: Reader) -> dict[str, int]:
        return {"state_version": platform_of(request).state_version()}

    @api.get("/users", tags=["directory"], operation_id="list_users")
    def list_users(
        request: Request, _: Reader, limit: Limit = None, page_token: str | None = None
    ) -> dict[str, Any]:
        size = _page_size(request, limit)
        after = paging.decode("users", page_token, str)
        fetched = platform_of(request).list_users(after=after, limit=size + 1)
        return paging.page("users", fetched, size, lambda user: str(user["employee_id"]))

    @api.get("/groups", tags=["directory"], operation_id="list_groups")
    def list_groups(request: Request, _: Reader) -> dict[str, Any]:
        return {"items": platform_of(request).list_groups()}

    @api.post(
        "/users:import",
        tags=["directory"],
        operation_id="import_users",
        openapi_extra={
            "requestBody": {
                "required": True,
                # Which CSV is valid (a header naming employee_id, rows with its cells)
                # no schema can say: a 422 names the line.
                "content": {"text/csv": {"schema": {"type": "string", "minLength": 1}}},
                "description": "The HRIS export: employee_id,...,groups,status (header first).",
            }
        },
    )
    async def import_users(request: Request, caller: Admin) -> JSONResponse:
        raw = await request.body()
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise ApiProblem(400, "bad_request", "the CSV must be UTF-8") from None
        platform = platform_of(request)
        counts = await writer_of(request).run(
            lambda: platform.import_users_csv(text, actor=caller.name, source="request body"),
            bulk=True)
        return JSONResponse(counts)


def _learners_and_reports(api: APIRouter) -> None:
    @api.get("/learners/{employee_id}/view", tags=["learners"], operation_id="learner_view")
    def learner_view(
        request: Request, employee_id: str, _: Reader, as_of: AsOf = None
    ) -> dict[str, Any]:
        platform = platform_of(request)
        return platform.learner_view(employee_id, as_of or platform.today())

    @api.post(
        "/learners/{employee_id}/completions",
        tags=["learners"],
        operation_id="record_completion",
        status_code=201,
        openapi_extra={"requestBody": {"required": True, "content": {"application/json": {
            "schema": _COMPLETION_SCHEMA}}}},
    )
    async def record_completion(
        request: Request,
        employee_id: str,
        caller: Writer,
        body: Annotated[JSON, Depends(json_body)],
    ) -> dict[str, Any]:
        platform = platform_of(request)

        def complete() -> dict[str, Any]:
            object_name, completed_on, score = _completion(body, platform.today())
            return platform.record_completion(
                employee_id, object_name, completed_on=completed_on, score=score,
                actor=caller.name)

        return await writer_of(request).run(complete)

    @api.get(
        "/reports/enrollments.csv",
        tags=["reports"],
        operation_id="enrollments_report",
        response_class=PlainTextResponse,
        responses={200: {"content": {"text/csv": {"schema": {"type": "string"}}}}},
    )
    def enrollments_report(request: Request, _: Reader, as_of: AsOf = None) -> Response:
        platform = platform_of(request)
        report = platform.enrollments_report_csv(as_of or platform.today())
        return Response(report, media_type="text/csv; charset=utf-8")

    @api.get("/notifications", tags=["learners"], operation_id="list_notifications",
             description="Notifications the platform has sent, in date order (each dated the"
                         " day its event happened): one per recipient and event.")
    def list_notifications(
        request: Request,
        _: Reader,
        employee_id: Annotated[str | None, Query(
            description="Only those sent to this recipient (an employee id, or an"
                        " admin's address).")] = None,
        kind: Annotated[str | None, Query(
            description="Only this kind: assigned, renewal, step_available, reminder,"
                        " overdue, completed, certified, expiring, expired.")] = None,
        since: Annotated[date | None, Day, Query(description="Only from this day on.")] = None,
        limit: Limit = None,
        page_token: str | None = None,
    ) -> dict[str, Any]:
        size = _page_size(request, limit)
        fetched = platform_of(request).notifications(
            employee_id, kind=kind, since=since, limit=size + 1,
            after=_notification_key(paging.decode("notifications", page_token, str)))
        return paging.page("notifications", fetched, size,
                           lambda notice: f"{notice['on']}/{notice['id']}")

    @api.get("/audit", tags=["platform"], operation_id="list_audit")
    def list_audit(
        request: Request, _: Reader, limit: Limit = None, page_token: str | None = None
    ) -> dict[str, Any]:
        size = _page_size(request, limit)
        after = paging.decode("audit", page_token, int) or 0
        fetched = platform_of(request).audit(after=after, limit=size + 1)
        return paging.page("audit", fetched, size, lambda entry: int(entry["id"]))


def _notification_key(after: str | None) -> tuple[str, int] | None:
    """The (date, id) a page of notifications continues after."""
    if after is None:
        return None
    day, _, number = after.partition("/")
    try:
        return date.fromisoformat(day).isoformat(), int(number)
    except ValueError:
        raise ApiProblem(400, "invalid_page_token",
                         "page_token is not a token of notifications") from None


_COMPLETION_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["object"],
    "additionalProperties": False,
    "properties": {
        "object": {"type": "string", "minLength": 1,
                   "description": "The learning object completed."},
        "completed_on": {"type": "string", "format": "date",
                         "description": "Default: the platform's today."},
        "score": {"type": ["integer", "null"]},
    },
}


def _completion(body: JSON, today: date) -> tuple[str, date, int | None]:
    if not isinstance(body, dict):
        raise invalid("", "the body must be a JSON object")
    unknown = sorted(set(body) - {"object", "completed_on", "score"})
    if unknown:
        raise invalid(f"/{unknown[0]}", "is not a field of a completion")
    object_name = body.get("object")
    if not isinstance(object_name, str) or not object_name:
        raise invalid("/object", "the learning object's name is required")
    completed_on = today
    if "completed_on" in body:
        day = body["completed_on"]
        try:
            completed_on = parse_date(day if isinstance(day, str) else "")
        except DurationError:
            raise invalid("/completed_on", "must be a date YYYY-MM-DD") from None
    score = body.get("score")
    if score is not None and (not isinstance(score, int) or isinstance(score, bool)):
        raise invalid("/score", "must be an integer")
    return object_name, completed_on, score


def _locks(api: APIRouter) -> None:
    ttl = {"type": "number", "exclusiveMinimum": 0, "maximum": MAX_TTL_SECONDS}
    lock_body = {"type": "object", "required": ["holder", "ttl_seconds"], "properties": {
        "holder": {"type": "string", "minLength": 1}, "ttl_seconds": ttl}}
    renew_body = {"type": "object", "required": ["lock_id", "ttl_seconds"], "properties": {
        "lock_id": {"type": "string", "minLength": 1}, "ttl_seconds": ttl}}

    @api.get(
        "/locks/apply",
        tags=["locks"],
        operation_id="get_apply_lock",
        responses={404: {"description": "Nobody holds the lock."}},
    )
    def holder(request: Request, _: Reader) -> dict[str, Any]:
        """Who holds the lock, since when and until when; never the holder's secret."""
        held = platform_of(request).lock_holder()
        if held is None:
            raise ApiProblem(404, "not_found", "nobody holds the apply lock")
        return held

    @api.post(
        "/locks/apply",
        tags=["locks"],
        operation_id="acquire_apply_lock",
        status_code=201,
        openapi_extra={"requestBody": {"required": True, "content": {
            "application/json": {"schema": lock_body}}}},
        responses={409: {"description": "Held by another apply; the error names the holder."}},
    )
    async def acquire(
        request: Request, _: Writer, body: Annotated[JSON, Depends(json_body)]
    ) -> dict[str, Any]:
        holder, ttl = _text(body, "holder"), _ttl(body)
        return await writer_of(request).run(
            lambda: platform_of(request).acquire_lock(holder, ttl))

    @api.post(
        "/locks/apply:renew",
        tags=["locks"],
        operation_id="renew_apply_lock",
        openapi_extra={"requestBody": {"required": True, "content": {
            "application/json": {"schema": renew_body}}}},
    )
    async def renew(
        request: Request, _: Writer, body: Annotated[JSON, Depends(json_body)]
    ) -> dict[str, Any]:
        lock_id, ttl = _text(body, "lock_id"), _ttl(body)
        return await writer_of(request).run(
            lambda: platform_of(request).renew_lock(lock_id, ttl))

    @api.delete(
        "/locks/apply",
        tags=["locks"],
        operation_id="release_apply_lock",
        status_code=204,
        response_class=Response,
    )
    async def release(
        request: Request,
        caller: Writer,
        lock_id: Annotated[str, Query(min_length=1)],
        force: Annotated[bool, Query(description="Break another holder's lease (admin).")] = False,
    ) -> Response:
        platform = platform_of(request)
        if force and not caller.allows("admin"):
            raise ApiProblem(403, "forbidden", "force-unlock needs a token with admin scope")

        def release_lease() -> None:
            held = platform.lock_holder()
            if not force and held is not None and lock_id == held["lease_id"]:
                raise ApiProblem(403, "forbidden",
                                 "releasing another's lease needs admin: force=true")
            if force:
                platform.force_unlock(lock_id)
            else:
                platform.release_lock(lock_id)

        await writer_of(request).run(release_lease)
        return Response(status_code=204)


def _text(body: JSON, key: str) -> str:
    if not isinstance(body, dict):
        raise invalid("", "the body must be a JSON object")
    value = body.get(key)
    if not isinstance(value, str) or not value:
        raise invalid(f"/{key}", "must be a non-empty string")
    return value


def _ttl(body: JSON) -> float:
    ttl = body.get("ttl_seconds") if isinstance(body, dict) else None
    if not isinstance(ttl, int | float) or isinstance(ttl, bool) or ttl <= 0:
        raise invalid("/ttl_seconds", "must be a positive number of seconds")
    return float(ttl)
