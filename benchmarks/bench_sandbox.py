"""How fast the sandbox platform takes writes and serves long lists.

Starts a real sandbox server (``reconciler_sandbox.server.running_server``) on a
temporary database, in a child process so the client's threads do not share the
server's interpreter lock, then prints:

* HTTP write throughput (after an untimed warm-up, undone): N learning objects created (``PUT`` with
  ``If-None-Match: *``), then each updated once (``If-Match``), by C threads each with
  its own keep-alive connection; PUTs per second, latency percentiles, and the CPU
  time per PUT of the server and of the client (both share this machine's cores);
* the time to list L resources over HTTP, every page, at the given page sizes;
* the in-process engine's ``put_resource`` throughput on its own database, for scale.

    python3 benchmarks/bench_sandbox.py [--objects 2000] [--concurrency 10] [--list 10000]
                                        [--client http.client|requests]

The client is the standard library's ``http.client`` unless ``--client requests``:
a load generator should cost little beside the server it measures, and ``requests``
takes about 0.5 ms of CPU more per PUT than the server's own work, on the same cores.

Figures only; nothing is asserted (tests hold no timings).
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final
from urllib.parse import urlsplit

import requests
from reconciler_sandbox.api import ApiOptions
from reconciler_sandbox.engine import Platform
from reconciler_sandbox.server import running_server

ACTOR = "bench"
CLIENTS: Final = ("http.client", "requests")


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-sandbox-") as scratch:
        root = Path(args.dir or scratch)
        served_db = root / "served.db"
        platform = Platform(served_db)
        token = platform.create_token(ACTOR, ["write"])
        platform.close()
        print(f"sandbox benchmark: {args.objects} objects, concurrency {args.concurrency},"
              f" list {args.list} ({served_db})")
        with serving_measured(served_db, args.max_page) as server:
            url = server.url
            warm_up(url, token, args.concurrency, args.client)
            versions = http_writes(url, token, args, "create", {}, client=args.client,
                                   server_cpu=server.cpu)
            http_writes(url, token, args, "update", versions, client=args.client,
                        server_cpu=server.cpu)
            listed = max(args.list, args.objects)
            fill(served_db, listed)
            for size in args.page_sizes:
                list_all(url, token, size, listed)
        engine_writes(root / "engine.db", args.objects)
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="bench_sandbox.py",
        description="Write throughput and list time of the sandbox platform over HTTP, "
                    "and the in-process engine's write throughput for comparison.")
    parser.add_argument("--objects", type=int, default=2000, metavar="N",
                        help="learning objects created, then updated, over HTTP and in the "
                             "engine (default: 2000)")
    parser.add_argument("--concurrency", type=int, default=10, metavar="C",
                        help="client threads writing at once, each with a session (default: 10)")
    parser.add_argument("--list", type=int, default=10_000, metavar="L",
                        help="resources present when timing the list; topped up through the "
                             "engine (default: 10000)")
    parser.add_argument("--page-sizes", type=_sizes, default=[100, 500], metavar="A,B",
                        help="page sizes to list with (default: 100,500; the API's default "
                             "and its maximum)")
    parser.add_argument("--max-page", type=int, default=500, metavar="P",
                        help="the server's page size limit (default: 500)")
    parser.add_argument("--client", choices=CLIENTS, default=CLIENTS[0],
                        help="the HTTP client of the write threads (default: http.client)")
    parser.add_argument("--dir", type=Path,
                        help="keep the databases here instead of a temporary folder")
    return parser


def _sizes(text: str) -> list[int]:
    try:
        sizes = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"comma-separated numbers, not {text!r}") from None
    if not sizes or min(sizes) < 1:
        raise argparse.ArgumentTypeError("page sizes are positive")
    return sizes


# -- the server, in a child process ------------------------------------------------


def _serve(db: str, max_page: int, urls: Any, asks: Any, answers: Any) -> None:
    with running_server(db, ApiOptions(max_page_size=max_page)) as url:
        urls.put(url)
        while asks.get() == "cpu":  # anything else: stop
            answers.put(time.process_time())


@dataclass(frozen=True)
class Served:
    url: str
    cpu: Callable[[], float]  # the server process's CPU seconds so far, all threads


@contextmanager
def serving_measured(db: Path, max_page: int) -> Iterator[Served]:
    context = multiprocessing.get_context("spawn")
    urls, asks, answers = context.Queue(), context.Queue(), context.Queue()
    child = context.Process(target=_serve, args=(str(db), max_page, urls, asks, answers),
                            daemon=True)
    child.start()

    def cpu() -> float:
        asks.put("cpu")
        return float(answers.get(timeout=60))

    try:
        yield Served(urls.get(timeout=60), cpu)
    finally:
        asks.put("stop")
        child.join(30)


@contextmanager
def serving(db: Path, max_page: int) -> Iterator[str]:
    with serving_measured(db, max_page) as server:
        yield server.url


# -- HTTP writes ---------------------------------------------------------------------


def _body(name: str, revision: int) -> dict[str, Any]:
    return {
        "metadata": {"labels": {"bench": "yes"}, "annotations": {}, "managed_by": "learnops",
                     "spec_hash": f"sha256:{name}-{revision}"},
        "spec": {"title": f"Course {name} (revision {revision})", "type": "course",
                 "duration": "45m", "languages": ["en", "es"],
                 "completion": {"type": "view"}, "prerequisites": [], "existing": False},
    }


def _name(index: int) -> str:
    return f"course-{index:06d}"


class _Connection:
    """One keep-alive HTTP/1.1 connection of the standard library: headers and body
    leave in one send, the answer is read whole."""

    def __init__(self, url: str, token: str) -> None:
        parts = urlsplit(url)
        self._prefix = parts.path
        self._connection = http.client.HTTPConnection(parts.hostname or "127.0.0.1",
                                                      parts.port, timeout=60)
        self._token = f"Bearer {token}"

    def send(self, method: str, path: str, body: dict[str, Any] | None,
             headers: dict[str, str]) -> tuple[int, str]:
        sent = {"Authorization": self._token, **headers}
        if body is not None:
            sent["Content-Type"] = "application/json"
        self._connection.request(method, self._prefix + path, headers=sent,
                                 body=None if body is None else json.dumps(body).encode())
        answer = self._connection.getresponse()
        return answer.status, answer.read().decode()


class _Session:
    """The same through ``requests`` (what the rest provider uses)."""

    def __init__(self, url: str, token: str) -> None:
        self._url = url
        self._session = requests.Session()
        self._session.headers["Authorization"] = f"Bearer {token}"

    def send(self, method: str, path: str, body: dict[str, Any] | None,
             headers: dict[str, str]) -> tuple[int, str]:
        answer = self._session.request(method, self._url + path, json=body, headers=headers,
                                       timeout=60)
        return answer.status_code, answer.text


def _per_thread(url: str, token: str, client: str) -> Callable[[], _Connection | _Session]:
    """Each calling thread's own client, made on first use."""
    local = threading.local()
    connect = _Connection if client == "http.client" else _Session

    def mine() -> _Connection | _Session:
        if not hasattr(local, "client"):
            local.client = connect(url, token)
        made: _Connection | _Session = local.client
        return made

    return mine


WARM_UP: Final = 100


def warm_up(url: str, token: str, concurrency: int, client: str = CLIENTS[0]) -> None:
    """Untimed writes before the timed ones, then deleted: the server starts its worker
    threads, each opens its database connection, and first-use work (compiled schema
    checks, imports) is done, as on a server that has been up a while."""
    mine = _per_thread(url, token, client)

    def cycle(name: str) -> None:
        path = f"/learning-objects/{name}"
        for method, body, headers, expected in (
            ("PUT", _body(name, 0), {"If-None-Match": "*"}, 201),
            ("DELETE", None, {"If-Match": '"1"'}, 204),
        ):
            status, text = mine().send(method, path, body, headers)
            if status != expected:
                raise SystemExit(f"warm-up {method} {name}: HTTP {status} {text[:200]}")

    _pooled(cycle, [f"warm-up-{index:03d}" for index in range(WARM_UP)], concurrency)


def http_writes(url: str, token: str, args: argparse.Namespace, phase: str,
                versions: dict[str, int], *, client: str = CLIENTS[0],
                server_cpu: Callable[[], float] | None = None) -> dict[str, int]:
    """Create (``versions`` empty) or update every object; returns the new versions.
    With ``server_cpu`` (the server's CPU clock) it also prints the CPU time per PUT
    of the server and of this process (the client)."""
    names = [_name(i) for i in range(args.objects)]
    mine = _per_thread(url, token, client)

    def put(name: str) -> tuple[str, int, float]:
        headers = ({"If-Match": f'"{versions[name]}"'} if versions
                   else {"If-None-Match": "*"})
        started = time.perf_counter()
        status, text = mine().send("PUT", f"/learning-objects/{name}",
                                   _body(name, 1 if versions else 0), headers)
        version = int(json.loads(text)["metadata"]["version"]) if status in (200, 201) else 0
        elapsed = time.perf_counter() - started
        if not version:
            raise SystemExit(f"{phase} {name}: HTTP {status} {text[:200]}")
        return name, version, elapsed

    server_before, client_before = server_cpu() if server_cpu else 0.0, time.process_time()
    results, seconds = _timed(lambda: _pooled(put, names, args.concurrency))
    client_seconds = time.process_time() - client_before
    latencies = sorted(elapsed for _, _, elapsed in results)
    print(f"HTTP {phase:<6}: {len(names)} PUTs in {seconds:6.2f}s = "
          f"{len(names) / seconds:7.0f} PUT/s at concurrency {args.concurrency}"
          f"  (latency p50 {_ms(latencies, 0.50)}, p95 {_ms(latencies, 0.95)},"
          f" max {latencies[-1] * 1000:.0f} ms)")
    if server_cpu is not None:
        server_seconds = server_cpu() - server_before
        share = client_seconds / (client_seconds + server_seconds)
        print(f"  CPU per PUT: server {server_seconds / len(names) * 1000:.2f} ms, client"
              f" ({client}) {client_seconds / len(names) * 1000:.2f} ms ({share:.0%} of both)")
    return {name: version for name, version, _ in results}


def _pooled(work: Callable[[str], Any], names: list[str], threads: int) -> list[Any]:
    with ThreadPoolExecutor(max_workers=threads) as pool:
        return list(pool.map(work, names))


# -- listing -------------------------------------------------------------------------


def fill(db: Path, total: int) -> None:
    """Top the platform up to ``total`` learning objects, in-process (untimed)."""
    platform = Platform(db)
    try:
        present = 0
        after: str | None = None
        while page := platform.list_resources("LearningObject", after=after, limit=1000):
            present += len(page)
            after = page[-1]["metadata"]["name"]
        for index in range(present, total):
            name = _name(index)
            platform.put_resource("LearningObject", name, _body(name, 0), if_none_match=True,
                                  actor=ACTOR)
    finally:
        platform.close()


def list_all(url: str, token: str, page_size: int, expected: int) -> None:
    with requests.Session() as session:
        session.headers["Authorization"] = f"Bearer {token}"

        def walk() -> tuple[int, int]:
            items = pages = 0
            token_: str | None = None
            while True:
                params: dict[str, Any] = {"limit": page_size}
                if token_:
                    params["page_token"] = token_
                answer = session.get(f"{url}/learning-objects", params=params, timeout=120)
                answer.raise_for_status()
                page = answer.json()
                items += len(page["items"])
                pages += 1
                token_ = page["next_page_token"]
                if not token_:
                    return items, pages

        (items, pages), seconds = _timed(walk)
    if items != expected:
        raise SystemExit(f"listed {items} resources, expected {expected}")
    print(f"HTTP list  : {items} resources in {pages} pages of {page_size} in {seconds:6.2f}s"
          f" = {items / seconds:7.0f} resources/s")


# -- the engine, in-process ----------------------------------------------------------


def engine_writes(db: Path, count: int) -> None:
    platform = Platform(db)
    try:
        names = [_name(i) for i in range(count)]

        def create() -> None:
            for name in names:
                platform.put_resource("LearningObject", name, _body(name, 0),
                                      if_none_match=True, actor=ACTOR)

        def update() -> None:
            for name in names:
                platform.put_resource("LearningObject", name, _body(name, 1), if_match=1,
                                      actor=ACTOR)

        for phase, work in (("create", create), ("update", update)):
            _, seconds = _timed(work)
            print(f"engine {phase:<6}: {count} puts in {seconds:6.2f}s = "
                  f"{count / seconds:7.0f} put/s (one thread, in-process)")
    finally:
        platform.close()


def _timed(work: Callable[[], Any]) -> tuple[Any, float]:
    started = time.perf_counter()
    result = work()
    return result, time.perf_counter() - started


def _ms(sorted_seconds: list[float], quantile: float) -> str:
    if len(sorted_seconds) < 2:
        return f"{sorted_seconds[0] * 1000:.0f} ms"
    cut = statistics.quantiles(sorted_seconds, n=100)[int(quantile * 100) - 1]
    return f"{cut * 1000:.0f} ms"


if __name__ == "__main__":
    sys.exit(main())
