"""How fast the sandbox platform takes writes and serves long lists.

Starts a real sandbox server (``reconciler_sandbox.server.running_server``) on a
temporary database, in a child process so the client's threads do not share the
server's interpreter lock, then prints:

* HTTP write throughput: N learning objects created (``PUT`` with
  ``If-None-Match: *``), then each updated once (``If-Match``), by C threads each with
  its own ``requests.Session``; PUTs per second and latency percentiles;
* the time to list L resources over HTTP, every page, at the given page sizes;
* the in-process engine's ``put_resource`` throughput on its own database, for scale.

    python3 benchmarks/bench_sandbox.py [--objects 2000] [--concurrency 10] [--list 10000]

Figures only; nothing is asserted (tests hold no timings).
"""

from __future__ import annotations

import argparse
import multiprocessing
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import requests
from reconciler_sandbox.api import ApiOptions
from reconciler_sandbox.engine import Platform
from reconciler_sandbox.server import running_server

ACTOR = "bench"


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
        with serving(served_db, args.max_page) as url:
            versions = http_writes(url, token, args, "create", {})
            http_writes(url, token, args, "update", versions)
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


def _serve(db: str, max_page: int, urls: Any, stop: Any) -> None:
    with running_server(db, ApiOptions(max_page_size=max_page)) as url:
        urls.put(url)
        stop.wait()


@contextmanager
def serving(db: Path, max_page: int) -> Iterator[str]:
    context = multiprocessing.get_context("spawn")
    urls, stop = context.Queue(), context.Event()
    child = context.Process(target=_serve, args=(str(db), max_page, urls, stop), daemon=True)
    child.start()
    try:
        yield urls.get(timeout=60)
    finally:
        stop.set()
        child.join(30)


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


def http_writes(url: str, token: str, args: argparse.Namespace, phase: str,
                versions: dict[str, int]) -> dict[str, int]:
    """Create (``versions`` empty) or update every object; returns the new versions."""
    local = threading.local()
    names = [_name(i) for i in range(args.objects)]

    def session() -> requests.Session:
        if not hasattr(local, "session"):
            local.session = requests.Session()
            local.session.headers["Authorization"] = f"Bearer {token}"
        result: requests.Session = local.session
        return result

    def put(name: str) -> tuple[str, int, float]:
        headers = ({"If-Match": f'"{versions[name]}"'} if versions
                   else {"If-None-Match": "*"})
        started = time.perf_counter()
        answer = session().put(f"{url}/learning-objects/{name}",
                               json=_body(name, 1 if versions else 0), headers=headers,
                               timeout=60)
        elapsed = time.perf_counter() - started
        if answer.status_code not in (200, 201):
            raise SystemExit(f"{phase} {name}: HTTP {answer.status_code} {answer.text[:200]}")
        return name, int(answer.json()["metadata"]["version"]), elapsed

    results, seconds = _timed(lambda: _pooled(put, names, args.concurrency))
    latencies = sorted(elapsed for _, _, elapsed in results)
    print(f"HTTP {phase:<6}: {len(names)} PUTs in {seconds:6.2f}s = "
          f"{len(names) / seconds:7.0f} PUT/s at concurrency {args.concurrency}"
          f"  (latency p50 {_ms(latencies, 0.50)}, p95 {_ms(latencies, 0.95)},"
          f" max {latencies[-1] * 1000:.0f} ms)")
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
