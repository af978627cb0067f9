"""What every route reaches through the app: the platform and the options it serves with."""

from __future__ import annotations

from typing import cast

from fastapi import Request

from reconciler_sandbox.engine import Platform

from .options import ApiOptions
from .writes import WriterThread


def platform_of(request: Request) -> Platform:
    return cast(Platform, request.app.state.platform)


def options_of(request: Request) -> ApiOptions:
    return cast(ApiOptions, request.app.state.options)


def writer_of(request: Request) -> WriterThread:
    return cast(WriterThread, request.app.state.writer)
