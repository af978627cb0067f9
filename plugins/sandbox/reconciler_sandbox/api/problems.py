"""Every error the API answers is JSON ``{"error": {"code", "message", ...}}``.

Engine errors (the ``ReconcilerError`` tree) map to HTTP statuses in one table, so a
route never chooses a status for a domain failure by itself.
"""

from __future__ import annotations

import json
import math
import sqlite3
from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from reconciler.errors import (
    AuthError,
    InvalidRequest,
    LockHeldError,
    NotFoundError,
    PermanentError,
    PreconditionFailed,
    PreconditionRequired,
    ReconcilerError,
    SchemaViolation,
    TemporaryError,
)
from reconciler.rules.directory import DirectoryError


class ApiProblem(Exception):
    """A refusal decided by the API layer itself (auth, headers, bodies, paging)."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        *,
        headers: Mapping[str, str] | None = None,
        **details: Any,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = dict(headers or {})
        self.details = details


def error_body(code: str, message: str, **details: Any) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, **details}}


def error_bytes(code: str, message: str, **details: Any) -> bytes:
    """The same body for the ASGI middlewares, which answer below FastAPI."""
    return json.dumps(error_body(code, message, **details)).encode()


def problem_response(problem: ApiProblem) -> JSONResponse:
    return JSONResponse(
        error_body(problem.code, problem.message, **problem.details),
        status_code=problem.status,
        headers=problem.headers,
    )


def from_engine(error: ReconcilerError) -> ApiProblem:
    """The HTTP face of an engine error; more specific classes first."""
    match error:
        case NotFoundError():
            return ApiProblem(404, "not_found", str(error))
        case PreconditionFailed():
            return ApiProblem(412, "precondition_failed", str(error))
        case PreconditionRequired():
            return ApiProblem(428, "precondition_required", str(error))
        case SchemaViolation():
            return ApiProblem(
                422, "invalid", str(error), pointer=error.pointer,
                errors=[{"pointer": at, "message": message} for at, message in error.problems],
            )
        case InvalidRequest():
            return ApiProblem(422, "invalid", str(error), pointer=error.pointer)
        case AuthError():
            return ApiProblem(403, "forbidden", str(error))
        case LockHeldError():
            # Who holds it and until when; never the holder's secret (DESIGN §7).
            return ApiProblem(
                409, "lock_held", str(error), holder=error.holder, lease_id=error.lock_id,
                since=error.since, expires_at=error.expires_at,
            )
        case DirectoryError():
            return ApiProblem(422, "invalid_csv", str(error), problems=list(error.problems))
        case TemporaryError():
            retry = str(max(1, math.ceil(error.delay)))
            return ApiProblem(503, "unavailable", str(error), headers={"Retry-After": retry})
        case PermanentError():
            return ApiProblem(409, "conflict", str(error))
        case _:
            # Any other domain refusal (an unknown learner, a bad date) is the caller's.
            return ApiProblem(422, "unprocessable", str(error), error_code=error.code)


_STATUS_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    413: "payload_too_large",
    415: "unsupported_media_type",
}


def install_handlers(app: FastAPI) -> None:
    """Route every failure, down to an unknown path, through the JSON error shape."""

    async def on_problem(_: Request, problem: Exception) -> JSONResponse:
        assert isinstance(problem, ApiProblem)
        return problem_response(problem)

    async def on_engine(_: Request, error: Exception) -> JSONResponse:
        assert isinstance(error, ReconcilerError)
        return problem_response(from_engine(error))

    async def on_http(_: Request, error: Exception) -> JSONResponse:
        assert isinstance(error, StarletteHTTPException)
        code = _STATUS_CODES.get(error.status_code, "error")
        message = str(error.detail) if error.detail else code.replace("_", " ")
        if error.status_code == 404:
            message = "no such route"
        return JSONResponse(
            error_body(code, message),
            status_code=error.status_code,
            headers=dict(error.headers or {}),
        )

    async def on_parameters(_: Request, error: Exception) -> JSONResponse:
        # Bodies are checked by JSON Schema in the routes; this is a query or path value.
        assert isinstance(error, RequestValidationError)
        first = error.errors()[0]
        place = "/".join(str(part) for part in first.get("loc", ()))
        return JSONResponse(
            error_body("bad_request", f"{place}: {first.get('msg', 'invalid')}"),
            status_code=400,
        )

    async def on_database(request: Request, error: Exception) -> JSONResponse:
        # Another process held the SQLite file past the busy timeout: worth a retry.
        if "locked" in str(error) or "busy" in str(error):
            return problem_response(ApiProblem(
                503, "unavailable", "the platform database is busy",
                headers={"Retry-After": "1"},
            ))
        return await on_bug(request, error)

    async def on_bug(_: Request, error: Exception) -> JSONResponse:
        # Starlette still logs the traceback; the client gets the promised shape.
        return JSONResponse(
            error_body("internal", f"internal error: {type(error).__name__}"), status_code=500
        )

    app.add_exception_handler(ApiProblem, on_problem)
    app.add_exception_handler(ReconcilerError, on_engine)
    app.add_exception_handler(StarletteHTTPException, on_http)
    app.add_exception_handler(RequestValidationError, on_parameters)
    app.add_exception_handler(sqlite3.OperationalError, on_database)
    app.add_exception_handler(Exception, on_bug)
