"""The API's writes, done one after another on one thread of their own.

SQLite takes one writer at a time, so a write gains nothing from FastAPI's pool of
worker threads: ten writes in ten threads only queue for the writer's turn
(``Database``), and every hand-off (the event loop waking a worker, the worker
waking the next one and then the loop) costs more CPU than a small write itself.
One thread working through a queue of writes wakes only when the queue was empty,
and the event loop never waits: it queues the write and serves other requests.
Reads stay in the worker pool, beside the writes.

The thread retires after ``IDLE_SECONDS`` without work (its database connection
closes with it) and starts again with the next write, as anyio's idle workers do:
an app needs no shutdown step.
"""

from __future__ import annotations

import asyncio
import contextvars
import threading
from collections import deque
from collections.abc import Callable
from contextlib import suppress
from typing import Any, Final, TypeVar

T = TypeVar("T")
IDLE_SECONDS: Final = 10.0

_Job = tuple[Callable[[], Any], asyncio.AbstractEventLoop, "asyncio.Future[Any]"]


class WriterThread:
    def __init__(self, name: str = "sandbox-writer") -> None:
        self._name = name
        self._jobs: deque[_Job] = deque()
        self._ready = threading.Condition()
        self._running = False

    async def run(self, write: Callable[[], T]) -> T:
        """``write()``'s result (or exception) once the writer thread has done it.
        A write started is finished even if the request is cancelled meanwhile."""
        loop = asyncio.get_running_loop()
        done: asyncio.Future[T] = loop.create_future()
        work = contextvars.copy_context().run  # as run_in_threadpool: the request's context
        with self._ready:
            self._jobs.append((lambda: work(write), loop, done))
            if self._running:
                self._ready.notify()
            else:
                self._running = True
                threading.Thread(target=self._serve, name=self._name, daemon=True).start()
        return await done

    def _serve(self) -> None:
        while True:
            with self._ready:
                if not self._ready.wait_for(lambda: self._jobs, timeout=IDLE_SECONDS):
                    self._running = False
                    return
                write, loop, done = self._jobs.popleft()
            result, problem = None, None
            try:
                result = write()
            except BaseException as raised:  # raised again in the request that asked
                problem = raised
            with suppress(RuntimeError):  # the loop has closed: nobody waits for this answer
                loop.call_soon_threadsafe(_settle, done, result, problem)


def _settle(done: asyncio.Future[Any], result: Any, problem: BaseException | None) -> None:
    if done.cancelled():  # the request went away; the write stands
        return
    if problem is None:
        done.set_result(result)
    else:
        done.set_exception(problem)
