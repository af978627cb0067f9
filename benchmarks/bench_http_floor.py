"""The ceiling over "`sandbox serve` PUT rate": what the HTTP stack alone allows here.

    python3 benchmarks/bench_http_floor.py [--requests 3000] [--concurrency 10]

Serves three trivial PUT endpoints on the sandbox's own stack (uvicorn with httptools,
in a child process, as bench_sandbox serves the platform) and loads each with the
same keep-alive ``http.client`` threads bench_sandbox uses, the same body size:

* raw ASGI: the server and the network, nothing else;
* a FastAPI ``async def`` endpoint taking the JSON body: the framework on the event loop;
* a FastAPI ``def`` endpoint: the same, plus the hop to a worker thread and back
  that FastAPI makes for every synchronous endpoint.

Each prints requests a second (wall) and the server's CPU per request. No sandbox
PUT can go faster than the endpoint shape it uses; the ratio between the three says
what a thread hand-off costs on this machine. Figures, not assertions.
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing
import socket
import sys
import threading
import time
from pathlib import Path
from typing import Any

import uvicorn

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_sandbox import _body  # the body bench_sandbox writes: the same size here

SHAPES = ("raw ASGI", "FastAPI async", "FastAPI sync")


def _raw_app() -> Any:
    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        more = True
        while more:
            message = await receive()
            more = message.get("more_body", False)
        body = b'{"ok":true}'
        await send({"type": "http.response.start", "status": 200, "headers": [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})
    return app


def _fastapi_app(sync: bool) -> Any:
    from fastapi import FastAPI

    app = FastAPI()
    if sync:
        @app.put("/x/{name}")
        def put_sync(name: str, body: dict[str, Any]) -> dict[str, Any]:
            return {"ok": True, "name": name}
    else:
        @app.put("/x/{name}")
        async def put_async(name: str, body: dict[str, Any]) -> dict[str, Any]:
            return {"ok": True, "name": name}
    return app


def _serve(shape: str, ports: Any, asks: Any, answers: Any) -> None:
    app = _raw_app() if shape == SHAPES[0] else _fastapi_app(shape == SHAPES[2])
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    listener.listen(128)
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False,
                                           http="httptools", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listener]}, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.01)
    ports.put(listener.getsockname()[1])
    while asks.get() == "cpu":  # anything else: stop
        answers.put(time.process_time())
    server.should_exit = True
    thread.join(10)


def _load(port: int, requests: int, concurrency: int) -> float:
    """Seconds for ``requests`` PUTs from ``concurrency`` keep-alive connections."""
    body = json.dumps(_body("course-000001", 1)).encode()

    def worker(index: int) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port)
        for number in range(requests // concurrency):
            connection.request("PUT", f"/x/c{index}-{number}", body,
                               {"Content-Type": "application/json"})
            answer = connection.getresponse()
            answer.read()
            assert answer.status == 200, answer.status
        connection.close()

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(concurrency)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - started


def measure(shape: str, requests: int, concurrency: int) -> tuple[float, float]:
    """(requests a second, server CPU ms per request) of one endpoint shape."""
    context = multiprocessing.get_context("spawn")
    ports, asks, answers = context.Queue(), context.Queue(), context.Queue()
    child = context.Process(target=_serve, args=(shape, ports, asks, answers), daemon=True)
    child.start()
    try:
        port = ports.get(timeout=60)
        _load(port, min(requests, 500), concurrency)  # warm up
        asks.put("cpu")
        before = float(answers.get(timeout=60))
        took = _load(port, requests, concurrency)
        asks.put("cpu")
        cpu = float(answers.get(timeout=60)) - before
    finally:
        asks.put("stop")
        child.join(30)
    done = requests // concurrency * concurrency
    return done / took, cpu / done * 1000


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--requests", type=int, default=3_000, metavar="N")
    parser.add_argument("--concurrency", type=int, default=10, metavar="C")
    args = parser.parse_args(argv)
    print(f"trivial PUT endpoints, uvicorn + httptools, {args.concurrency} client threads")
    for shape in SHAPES:
        rate, cpu = measure(shape, args.requests, args.concurrency)
        print(f"  {shape:<14} {rate:7,.0f} requests/s   server CPU {cpu:.3f} ms a request")
    return 0


if __name__ == "__main__":
    sys.exit(main())
