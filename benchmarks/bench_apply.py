"""Apply throughput over HTTP against the sandbox server's raw write throughput.

    python3 benchmarks/bench_apply.py [--resources 10000] [--files 200] [--users 1000]
                                      [--parallelism 10]

Generates the workload (benchmarks/specgen.py), then, each against a fresh sandbox
server in its own process, seeded with the workload's users and its catalog (the
``existing: true`` objects, authored in the platform: apply checks them, never writes):

- raw: the same resource bodies apply writes (every resource but the catalog's) PUT
  with ``requests`` from 10 threads, generation by generation (an assignment cannot
  be written before its audience exists), no retries, no planning: the fastest any
  client could write this workload;
- apply: what ``learnops apply DIR --target bench --auto-approve`` does, from an empty
  platform, over the ``rest`` provider: compile, lock, plan, execute.

Prints writes per second of both and their ratio (goal: apply's execution at least 0.7
of raw). Figures, not assertions: the machine decides the numbers.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))

from reconciler_sandbox.catalog import parse_catalog_csv
from reconciler_sandbox.engine import Platform
from specgen import CATALOG_CSV, USERS_CSV, add_workload_options, write_specs

from reconciler.apply.executor import execute
from reconciler.apply.lock import ApplyLease
from reconciler.compiler import Compiled, compile_dir
from reconciler.model import COLLECTIONS, MANAGED_BY, Address
from reconciler.plan.planner import build_plan
from reconciler.providers.registry import open_provider

GOAL = 0.7
TOKEN_ENV = "LEARNOPS_BENCH_TOKEN"
TARGET = "bench"


@contextmanager
def sandbox_server(spec_dir: Path, db: Path) -> Iterator[tuple[str, str]]:
    """``learnops sandbox serve`` in its own process, over a platform holding the
    workload's catalog; yields (API url, admin token)."""
    catalog = parse_catalog_csv((spec_dir / CATALOG_CSV).read_text(encoding="utf-8"),
                                str(CATALOG_CSV))
    platform = Platform(db)
    try:
        token = platform.create_token("bench", ["admin"])
        # As the sandbox provider seeds it (``serve`` has no catalog option): unmanaged.
        for name, spec in catalog.items():
            platform.put_resource("LearningObject", name,
                                  {"metadata": {"managed_by": None}, "spec": dict(spec)},
                                  if_none_match=True, actor="catalog-import")
    finally:
        platform.close()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen(
        [sys.executable, "-m", "reconciler", "sandbox", "serve", "--db", str(db),
         "--port", str(port), "--users", str(spec_dir / USERS_CSV)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}/api/v1"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if requests.get(f"{url}/state", timeout=1,
                                headers={"Authorization": f"Bearer {token}"}).ok:
                    break
            except (requests.ConnectionError, requests.Timeout):  # not up yet, or busy
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                raise SystemExit("the sandbox server did not start")
            time.sleep(0.1)
        yield url, token
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(30)


def written_by_apply(
    compiled: Compiled, generations: Sequence[Sequence[Address]]
) -> list[list[Address]]:
    """The generations without the catalog's objects (``existing: true``: already on
    the platform, only checked), so raw writes what apply writes."""
    resources = compiled.state.by_address()
    return [[address for address in generation
             if resources[address].spec.get("existing") is not True]
            for generation in generations]


def raw_writes(
    url: str, token: str, compiled: Compiled, generations: Sequence[Sequence[Address]],
    threads: int,
) -> tuple[int, float]:
    """Every resource of ``generations`` PUT once from ``threads`` threads, one pooled
    session per thread."""
    resources = compiled.state.by_address()
    local = threading.local()

    def put(address: Address) -> None:
        session = getattr(local, "session", None)
        if session is None:
            session = local.session = requests.Session()
            session.headers["Authorization"] = f"Bearer {token}"
        resource = resources[address]
        body: dict[str, Any] = {
            "metadata": {"labels": dict(resource.labels),
                         "annotations": dict(resource.annotations),
                         "managed_by": MANAGED_BY, "spec_hash": resource.spec_hash},
            "spec": dict(resource.spec),
        }
        response = session.put(f"{url}/{COLLECTIONS[address.kind]}/{address.name}",
                               json=body, headers={"If-None-Match": "*"}, timeout=60)
        if response.status_code not in (200, 201):
            raise SystemExit(f"raw PUT {address}: HTTP {response.status_code} {response.text}")

    started = time.perf_counter()
    with ThreadPoolExecutor(threads) as pool:
        for generation in generations:
            list(pool.map(put, generation))
    return sum(len(g) for g in generations), time.perf_counter() - started


def learnops_apply(spec_dir: Path, url: str, token: str, parallelism: int) -> dict[str, float]:
    """The steps of ``learnops apply DIR --auto-approve`` over the rest provider, timed."""
    config = spec_dir / "learnops.yaml"
    config.write_text(
        config.read_text(encoding="utf-8")
        + f"targets:\n  {TARGET}: {{type: rest, url: '{url}', token_env: {TOKEN_ENV}}}\n",
        encoding="utf-8",
    )
    os.environ[TOKEN_ENV] = token
    return timed_apply(spec_dir, TARGET, parallelism)


def timed_apply(spec_dir: Path, target: str | None, parallelism: int) -> dict[str, float]:
    """Compile, lock, plan and execute ``spec_dir`` on ``target`` (None: the project's
    provider, the in-process sandbox); seconds of each step, and the CPU seconds of all
    of this process's threads (``cpu``)."""
    cpu = time.process_time()
    started = time.perf_counter()
    compiled = compile_dir(spec_dir)
    compiled_at = time.perf_counter()
    provider = open_provider(compiled.state.project, target)
    try:
        with ApplyLease(provider):
            plan = build_plan(compiled, provider, source_dir=str(spec_dir))
            planned_at = time.perf_counter()
            graph = compiled.graph
            result = execute(
                plan, provider, parallelism=parallelism,
                descendants=lambda a: graph.descendants(a) if a in graph else (),
            )
            executed_at = time.perf_counter()
    finally:
        provider.close()
    if not result.ok:
        raise SystemExit(f"apply failed: {result.failed[:3]} {result.skipped[:3]}")
    return {
        "writes": result.writes,
        "compile": compiled_at - started,
        "plan": planned_at - compiled_at,
        "execute": executed_at - planned_at,
        "total": executed_at - started,
        "cpu": time.process_time() - cpu,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    add_workload_options(parser)
    parser.add_argument("--parallelism", type=int, default=10, metavar="P",
                        help="apply's parallelism and the raw client's threads (default: 10)")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="bench-apply-") as tmp:
        root = Path(tmp)
        spec_dir = write_specs(root / "specs", args.resources, args.files, args.users)
        compiled = compile_dir(spec_dir)
        generations = compiled.graph.generations()
        to_write = written_by_apply(compiled, generations)
        catalog = len(compiled.state.resources) - sum(len(g) for g in to_write)
        print(f"workload: {len(compiled.state.resources):,} resources in "
              f"{len(generations)} generations ({catalog:,} of them in the platform's "
              f"catalog), {args.users:,} users")

        with sandbox_server(spec_dir, root / "raw.db") as (url, token):
            raw_count, raw_seconds = raw_writes(url, token, compiled, to_write,
                                                args.parallelism)
        raw_rate = raw_count / raw_seconds
        print(f"raw PUTs ({args.parallelism} threads): {raw_count:,} writes in "
              f"{raw_seconds:.1f} s = {raw_rate:,.0f} writes/s")

        with sandbox_server(spec_dir, root / "apply.db") as (url, token):
            timing = learnops_apply(spec_dir, url, token, args.parallelism)
        writes = timing["writes"]
        if writes != raw_count:  # the ratio compares rates of the same writes
            raise SystemExit(f"apply wrote {writes:,.0f} resources, raw {raw_count:,}")
        execute_rate = writes / timing["execute"]
        total_rate = writes / timing["total"]
        print(f"learnops apply (parallelism {args.parallelism}): {writes:,.0f} writes; "
              f"compile {timing['compile']:.1f} s, plan {timing['plan']:.1f} s, "
              f"execute {timing['execute']:.1f} s")
        ratio = execute_rate / raw_rate
        print(f"  execution: {execute_rate:,.0f} writes/s, ratio to raw {ratio:.2f} "
              f"(goal >= {GOAL}: {'met' if ratio >= GOAL else 'not met'})")
        print(f"  end to end (compile + plan + execute): {total_rate:,.0f} writes/s, "
              f"ratio to raw {total_rate / raw_rate:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
