"""The sandbox platform over HTTP: the reference implementation of DESIGN §7.

``create_app(platform, options=...)`` wires the routes (``/api/v1``), the JSON error
shape, the guards (body size, rate limit) and, for resilience tests, fault injection.
"""

from __future__ import annotations

from fastapi import Depends, FastAPI
from starlette.types import ASGIApp

from reconciler import __version__
from reconciler_sandbox.engine import Platform

from . import openapi, platform_routes, resources
from .faults import FaultInjector
from .guards import BodyLimit, RateLimit
from .lane import WriteLane
from .options import ApiOptions, FaultOptions
from .problems import install_handlers
from .queries import known_query
from .writes import WriterThread

API_PREFIX = "/api/v1"

__all__ = ["API_PREFIX", "ApiOptions", "FaultOptions", "create_app"]


class _SandboxApp(FastAPI):
    """FastAPI with the fault injector outside everything, even Starlette's error
    middleware: it must see uvicorn's own ``send`` to drop a connection."""

    def build_middleware_stack(self) -> ASGIApp:
        stack = super().build_middleware_stack()
        faults: FaultOptions = self.state.options.faults
        return FaultInjector(stack, faults) if faults.active else stack


def create_app(platform: Platform, *, options: ApiOptions | None = None) -> FastAPI:
    options = options or ApiOptions()
    app = _SandboxApp(
        title="learnops sandbox platform",
        version=__version__,
        description="The reference learning platform learnops plans against (DESIGN §7).",
        openapi_url="/openapi.json",
        docs_url="/docs",
        redoc_url=None,
        dependencies=[Depends(known_query)],
    )
    app.state.platform = platform
    app.state.options = options
    app.state.writer = WriterThread(platform.unless_busy)
    install_handlers(app)
    collections = resources.router()
    app.include_router(collections, prefix=API_PREFIX)
    app.router.middleware_stack = WriteLane(app.router.middleware_stack, collections.routes,
                                            API_PREFIX)
    app.include_router(platform_routes.router(), prefix=API_PREFIX)
    app.openapi = lambda: openapi.document(app)  # type: ignore[method-assign]
    # Starlette puts the last added middleware outermost: throttling, then the body
    # limit. Faults act like the network, before both (see _SandboxApp).
    app.add_middleware(BodyLimit, max_bytes=options.max_body_bytes)
    if options.rate_limit is not None:
        app.add_middleware(RateLimit, per_second=options.rate_limit)
    return app
