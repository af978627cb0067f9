"""The API's writes: small ones on the event loop when the database is free, the
others one after another on one thread of their own.

SQLite takes one writer at a time, so a write gains nothing from FastAPI's pool of
worker threads: ten writes in ten threads only queue for the writer's turn
(``Database``). Handing a small write to any other thread costs more than the write
itself, too: each of its SQLite calls lets go of the interpreter lock, the event
loop (busy with other requests) takes it, and the write waits for it again and
again. So a small write whose turn is free (nothing queued before it, no other
thread or process writing) runs at once on the loop: about two fifths less server
CPU per PUT of a learning object, and about 1.7 times as many a second
(``benchmarks/bench_sandbox.py``).

A write that would wait (the scheduler or another process is writing, writes are
queued) goes to the writer thread instead, and so does a bulk one, whose work grows
with the learners it reaches (an assignment's, an audience's or a plan's; a
directory import): for those the hand-off is noise, and the loop must stay free to
answer reads meanwhile. The thread works through its queue, waking only when it
was empty; it retires after ``IDLE_SECONDS`` without work (its database connection
closes with it) and starts again with the next write, as anyio's idle workers do:
an app needs no shutdown step.
"""

from __future__ import annotations

import asyncio
import contextvars
import threading
from collections import deque
from collections.abc import Callable
from contextlib import AbstractContextManager, suppress
from typing import Any, Final, TypeVar

from reconciler_sandbox.db import WriterBusy

T = TypeVar("T")
IDLE_SECONDS: Final = 10.0

_Job = tuple[Callable[[], Any], asyncio.AbstractEventLoop, "asyncio.Future[Any]"]


class WriterThread:
    def __init__(self, unless_busy: Callable[[], AbstractContextManager[None]],
                 name: str = "sandbox-writer") -> None:
        """``unless_busy``: the database's context in which a write starts at once or
        raises :class:`WriterBusy` (``Platform.unless_busy``)."""
        self._unless_busy = unless_busy
        self._name = name
        self._jobs: deque[_Job] = deque()
        self._ready = threading.Condition()
        self._running = False

    async def run(self, write: Callable[[], T], *, bulk: bool = False) -> T:
        """``write()``'s result (or exception): done now if its turn is free and it is
        not ``bulk``, else once the writer thread has done it. A write started is
        finished even if the request is cancelled meanwhile."""
        if not bulk and not self._jobs:
            try:
                with self._unless_busy():
                    return write()
            except WriterBusy:
                pass  # nothing was done: the thread does it when the turn comes
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
