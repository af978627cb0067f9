"""Long-running commands (``sandbox serve``, ``sync --listen``) run in-process.

``main`` runs in the main thread (the commands install their SIGTERM handlers there,
and only the main thread may); a helper thread plays the client and then sends this
process the SIGTERM a user's ``kill`` would. In-process, coverage and mutation
testing see what otherwise only a subprocess runs."""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Callable
from types import FrameType
from typing import TypeVar

import requests

from reconciler.cli.main import main

T = TypeVar("T")


def run_until_sigterm(argv: list[str], client: Callable[[], None]) -> int:
    """``main(argv)`` while ``client()`` runs beside it; SIGTERM once the client is done
    (or failed: its exception is raised here, after the command stopped).

    A guard handler stands in while the command runs: a SIGTERM arriving when the
    command already returned must not kill the test run. The command must put back the
    handler it found (checked here), as it would leave the default one in a process."""
    failure: list[BaseException] = []
    finished = threading.Event()

    def play() -> None:
        try:
            client()
        except BaseException as problem:  # re-raised in the test's thread
            failure.append(problem)
        finally:
            if not finished.is_set():
                os.kill(os.getpid(), signal.SIGTERM)

    def guard(signum: int, frame: FrameType | None) -> None:
        """A late SIGTERM: the command is gone already."""

    previous = signal.signal(signal.SIGTERM, guard)
    try:
        helper = threading.Thread(target=play, daemon=True)
        helper.start()
        try:
            code = main(argv)
        finally:
            finished.set()
        assert signal.getsignal(signal.SIGTERM) is guard, "the command left its handler"
        helper.join(timeout=60)
    finally:
        signal.signal(signal.SIGTERM, previous)
    if failure:
        raise failure[0]
    return code


def when_up(ask: Callable[[], T], timeout: float = 30.0) -> T:
    """``ask()`` once the server answers (connection refused until then)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            return ask()
        except requests.ConnectionError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def eventually(condition: Callable[[], bool], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "not there in time"
        time.sleep(0.05)
