"""Request bodies: JSON only, and what a resource write means over HTTP.

Resource bodies are checked against the kind's JSON Schema by the engine
(:mod:`reconciler_sandbox.spec_schema`), so the in-process and HTTP platforms refuse
the same bodies; its :class:`SchemaViolation` becomes a 422 listing every problem.
"""

from __future__ import annotations

import json
from typing import Final

from fastapi import Request

from reconciler import jsontext
from reconciler.model import JSON

from .problems import ApiProblem

_OWNERSHIP: Final = ("managed_by", "spec_hash")


def invalid(at: str, message: str) -> ApiProblem:
    return ApiProblem(422, "invalid", f"{at or '/'}: {message}", pointer=at)


async def json_body(request: Request) -> JSON:
    """The body as JSON; the size limit was enforced before the route ran."""
    media_type = request.headers.get("content-type", "application/json").split(";")[0].strip()
    if media_type != "application/json" and not media_type.endswith("+json"):
        raise ApiProblem(
            415, "unsupported_media_type", f"expected application/json, not {media_type}"
        )
    raw = await request.body()
    try:
        return jsontext.loads(raw)
    except jsontext.TooDeep as problem:
        raise ApiProblem(400, "too_deep", f"the body is {problem}") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as problem:
        raise ApiProblem(400, "malformed_json", f"the body is not JSON: {problem}") from None


def resource_write(body: JSON) -> JSON:
    """A ``PUT /{kind}/{name}`` body as the engine takes it. The engine checks it
    against the kind's JSON Schema (one place for every caller); only what HTTP
    means differently is settled here."""
    if not isinstance(body, dict) or not isinstance(body.get("metadata", {}), dict):
        return body  # the engine refuses it, pointing at the part
    metadata = body.get("metadata", {})
    # Over HTTP a null ownership mark is one not sent: a resource made by hand is
    # nobody's to manage, and an edit by hand keeps learnops' mark (and shows as drift).
    kept = {key: value for key, value in metadata.items()
            if not (key in _OWNERSHIP and value is None)}
    return {**body, "metadata": kept}
