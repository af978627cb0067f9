"""Runs the sandbox API with uvicorn: in the foreground (``learnops sandbox serve``)
or on a background thread for tests (``running_server``)."""

from __future__ import annotations

import logging
import signal
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from datetime import date
from pathlib import Path
from types import FrameType
from typing import Any, Final

import uvicorn

from reconciler.errors import ReconcilerError, UsageError
from reconciler.rules.directory import parse_users_csv
from reconciler_sandbox.api import API_PREFIX, ApiOptions, create_app
from reconciler_sandbox.catalog import parse_catalog_csv, seed_catalog
from reconciler_sandbox.engine import Platform
from reconciler_sandbox.ticker import Ticker

SERVE_ACTOR = "sandbox-serve"
DEFAULT_TICK_INTERVAL = 60.0
log = logging.getLogger(__name__)
# httptools parses HTTP in C: h11, uvicorn's pure-Python fallback, took about a third
# of the server's time per write request (benchmarks/bench_sandbox.py).
FAST_STACK: Final[dict[str, Any]] = {"http": "httptools"}


def _scheduling(platform: Platform, interval: float) -> AbstractContextManager[object]:
    """The background scheduler while serving (none for an interval of 0)."""
    if interval <= 0:
        return nullcontext()
    return Ticker(platform, interval,
                  on_error=lambda problem: log.warning("scheduler tick failed: %s", problem))


def serve(
    db_path: str | Path,
    host: str = "127.0.0.1",
    port: int = 8000,
    options: ApiOptions | None = None,
    *,
    users_csv: Path | None = None,
    catalog_csv: Path | None = None,
    announce: Callable[[str], None] | None = None,
    tick_interval: float = DEFAULT_TICK_INTERVAL,
    today: Callable[[], date] | None = None,
    access_log: bool = True,
) -> None:
    """Serve until SIGTERM or SIGINT, then finish the requests in flight and return.

    ``users_csv`` is imported (added and updated by employee id) before serving;
    ``catalog_csv`` seeds the learning objects of a platform that has none yet.
    The users and catalog files are parsed and the port bound before the database is opened, so
    a mistake in either leaves nothing behind; ``announce`` then gets the API's URL
    (with the port really bound: ``port=0`` picks a free one). The scheduler ticks
    every ``tick_interval`` seconds (0: never; ``learnops sandbox tick`` then does);
    ``today`` is the wall clock's date in the project's time zone. ``access_log``:
    a line on stdout for each request (uvicorn's), on unless turned off."""
    users_text = _read(users_csv, "users") if users_csv is not None else None
    if users_text is not None:
        parse_users_csv(users_text, str(users_csv))
    catalog = (parse_catalog_csv(_read(catalog_csv, "catalog"), str(catalog_csv))
               if catalog_csv is not None else {})
    listener = listen(host, port)
    try:
        Path(db_path).parent.mkdir(parents=True, exist_ok=True)
        platform = Platform(db_path) if today is None else Platform(db_path, today=today)
        try:
            if users_text is not None:
                platform.import_users_csv(users_text, actor=SERVE_ACTOR, source=str(users_csv))
            seed_catalog(platform, catalog)
            config = uvicorn.Config(
                create_app(platform, options=options),
                log_level="info",
                access_log=access_log,
                timeout_graceful_shutdown=10,
                **FAST_STACK,
                lifespan="off",
            )
            if announce is not None:
                announce(_url(host, listener.getsockname()[1]))
            with _quiet_stop(), _scheduling(platform, tick_interval):
                uvicorn.Server(config).run(sockets=[listener])
        finally:
            platform.close()
    finally:
        listener.close()


def listen(host: str, port: int) -> socket.socket:
    """A TCP socket listening on ``host:port``. A port in use (or a host that is not
    this machine's) is one :class:`UsageError` line, before anything is announced;
    left to uvicorn it is a log line and exit status 3 after the fact."""
    try:
        family, _, _, _, address = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP)[0]
    except socket.gaierror as problem:
        raise UsageError(f"cannot serve on {host}: {problem.strerror}") from None
    # IPPROTO_TCP, not 0: see running_server.
    listener = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(address)
        listener.listen(2048)
    except OSError as problem:
        listener.close()
        reason = (problem.strerror or str(problem)).lower()
        raise UsageError(f"cannot serve on {host}:{port}: {reason}") from None
    return listener


def _url(host: str, port: int) -> str:
    shown = f"[{host}]" if ":" in host else host  # an IPv6 address in a URL
    return f"http://{shown}:{port}{API_PREFIX}"


def _read(path: Path, what: str) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise UsageError(f"{what} file {path} is not UTF-8 text") from None
    except OSError as problem:
        raise UsageError(f"cannot read {what} file {path}: {problem.strerror}") from None


@contextmanager
def _quiet_stop() -> Iterator[None]:
    """uvicorn shuts down gracefully on a signal, then raises it again so the default
    action (die) happens; with a no-op handler in place we return and close the
    database properly instead."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def stopped(signum: int, frame: FrameType | None) -> None:
        """uvicorn already stopped; nothing is left to do."""

    previous = {sig: signal.signal(sig, stopped) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


@contextmanager
def running_server(
    db: str | Path | Platform,
    options: ApiOptions | None = None,
    *,
    start_timeout: float = 10.0,
    tick_interval: float = 0.0,
) -> Iterator[str]:
    """A real server on 127.0.0.1 and a free port, on a background thread.

    Yields the API's base URL (``http://127.0.0.1:PORT/api/v1``), what a ``rest``
    provider's ``url`` takes. ``db`` is a database path (opened and closed here) or an
    open :class:`Platform` (left open). The socket is bound here, before uvicorn runs,
    so the port is known without racing anyone for it."""
    own = not isinstance(db, Platform)
    platform = Platform(db) if not isinstance(db, Platform) else db
    # proto=IPPROTO_TCP, not 0: asyncio sets TCP_NODELAY only on accepted sockets that
    # say TCP, and without it a response written in two parts (head, body) waits for
    # the client's delayed ACK, about 40 ms a request.
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", 0))
        listener.listen(128)
        port = listener.getsockname()[1]
        config = uvicorn.Config(
            create_app(platform, options=options),
            log_level="warning",
            access_log=False,
            timeout_graceful_shutdown=5,
            **FAST_STACK,
            lifespan="off",
        )
        server = uvicorn.Server(config)
        thread = threading.Thread(
            target=server.run, kwargs={"sockets": [listener]}, name=f"sandbox-{port}", daemon=True
        )
        thread.start()
        deadline = time.monotonic() + start_timeout
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                server.should_exit = True
                raise ReconcilerError(f"the sandbox server on port {port} did not start")
            time.sleep(0.01)
        try:
            with _scheduling(platform, tick_interval):
                yield f"http://127.0.0.1:{port}{API_PREFIX}"
        finally:
            server.should_exit = True
            thread.join(start_timeout)
    finally:
        listener.close()
        if own:
            platform.close()
