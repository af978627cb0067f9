"""A plan over ``rest`` reads whole collections a page at a time: its request count
grows with pages, never with resources. Requests are counted at the server, by a
thin ASGI wrapper around the real sandbox app on a real port."""

from __future__ import annotations

import math
import socket
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from reconciler_sandbox.api import create_app
from reconciler_sandbox.engine import Platform

from reconciler.compiler import compile_dir
from reconciler.model import COLLECTIONS, KINDS
from reconciler.plan.facade import plan_directory
from reconciler.plan.planner import build_plan
from reconciler.providers import WriteRequest
from reconciler.providers.registry import open_provider

PAGE = 7  # small pages, so each collection takes several
TOKEN_ENV = "LEARNOPS_COUNT_TOKEN"
COUNTS = {"LearningObject": 40, "Audience": 12, "CertificationPlan": 10, "Assignment": 15}
USERS = 30
GROUPS = ("nursing", "pharmacy", "it")


class CountingApp:
    """Records (method, path) of every HTTP request, then hands it to the app."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.requests: list[tuple[str, str]] = []
        self.queries: list[str] = []

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            self.requests.append((scope["method"], scope["path"]))
            self.queries.append(scope["query_string"].decode())
        await self.app(scope, receive, send)


@contextmanager
def serve(app: CountingApp) -> Iterator[str]:
    """``app`` on 127.0.0.1 and a free port, on a background thread; yields its API URL."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    port = listener.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listener]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "server did not start"
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}/api/v1"
    finally:
        server.should_exit = True
        thread.join(10)
        listener.close()


def write_specs(root: Path) -> None:
    """COUNTS resources of each kind, every one in use, and a USERS-person directory."""
    docs = []
    objects, audiences, plans, assignments = (COUNTS[kind] for kind in KINDS)
    for n in range(objects):
        docs.append(f"kind: LearningObject\nmetadata: {{name: obj-{n}}}\n"
                    f"spec: {{title: Object {n}, type: course, duration: 15m}}\n")
    for n in range(audiences):
        docs.append(f"kind: Audience\nmetadata: {{name: aud-{n}}}\n"
                    f"spec: {{groups: [{GROUPS[n % len(GROUPS)]}]}}\n")
    for n in range(plans):
        items = ", ".join(f"obj-{i}" for i in range(n * 4, n * 4 + 4))
        docs.append(f"kind: CertificationPlan\nmetadata: {{name: plan-{n}}}\n"
                    f"spec: {{title: Plan {n}, steps: [{{name: all, items: [{items}]}}]}}\n")
    for n in range(assignments):
        docs.append(f"kind: Assignment\nmetadata: {{name: assign-{n}}}\n"
                    f"spec: {{items: [{{plan: plan-{n % plans}}}], audience: aud-{n % audiences},"
                    f" due: 30d}}\n")
    root.mkdir()
    text = "".join(f"---\napiVersion: learnops/v1\n{doc}" for doc in docs)
    (root / "programs.yaml").write_text(text, encoding="utf-8")
    rows = ["employee_id,first_name,job_role,groups"]
    rows += [f"E{1000 + n},P{n},Nurse,{GROUPS[n % len(GROUPS)]}" for n in range(USERS)]
    (root / "users.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    (root / "learnops.yaml").write_text(
        "project: counted\n"
        "provider: {type: sandbox, path: .learnops/sandbox.db, users: users.csv}\n",
        encoding="utf-8",
    )


def write_all(root: Path) -> None:
    """Every resource of the specs onto the sandbox, as apply would write them."""
    compiled = compile_dir(root)
    provider = open_provider(compiled.state.project)
    try:
        plan = build_plan(compiled, provider)
        for change in plan.to_write():
            assert change.action == "create"
            provider.write(WriteRequest(
                address=change.address, action="create", idempotency_key=str(uuid.uuid4()),
                spec=change.after, spec_hash=change.spec_hash,
                labels=change.labels, annotations=change.annotations,
            ))
    finally:
        provider.close()


@pytest.fixture
def counted(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Path, CountingApp]]:
    """Specs written to a sandbox that a counting server now serves as target ``served``."""
    root = tmp_path / "specs"
    write_specs(root)
    write_all(root)
    platform = Platform(root / ".learnops" / "sandbox.db")
    monkeypatch.setenv(TOKEN_ENV, platform.create_token("counter", ["read"]))
    app = CountingApp(create_app(platform))
    try:
        with serve(app) as url:
            with (root / "learnops.yaml").open("a", encoding="utf-8") as project:
                project.write(f"targets:\n  served: {{type: rest, url: '{url}', "
                              f"token_env: {TOKEN_ENV}, page_size: {PAGE}}}\n")
            yield root, app
    finally:
        platform.close()


def pages(count: int) -> int:
    return max(1, math.ceil(count / PAGE))


def test_a_plan_reads_each_collection_by_pages_not_resource_by_resource(
    counted: tuple[Path, CountingApp],
) -> None:
    root, app = counted
    # One assignment changes, so the plan also reads the directory for its impact.
    programs = root / "programs.yaml"
    text = programs.read_text(encoding="utf-8")
    first = "name: assign-0}\nspec: {items: [{plan: plan-0}], audience: aud-0, due: 30d}"
    assert text.count(first) == 1
    programs.write_text(text.replace(first, first.replace("30d", "45d")), encoding="utf-8")

    plan = plan_directory(root, target="served")

    (changed,) = [change for change in plan.changes if change.is_change]
    assert (changed.address.name, changed.action) == ("assign-0", "update")
    assert changed.impact is not None
    requested = Counter(path.removeprefix("/api/v1") for method, path in app.requests)
    assert {method for method, _ in app.requests} == {"GET"}
    for kind in KINDS:
        # Listed without statuses; the changed assignment's is read with its kind's.
        reads = 2 if kind == "Assignment" else 1
        assert requested[f"/{COLLECTIONS[kind]}"] == reads * pages(COUNTS[kind])
    assert requested["/users"] == pages(USERS)
    per_resource = [path for path in requested if path.count("/") > 1]
    assert per_resource == []  # never one request per resource
    resources = sum(COUNTS.values())
    floor = (sum(pages(count) for count in COUNTS.values()) + pages(COUNTS["Assignment"])
             + pages(USERS))
    assert floor <= len(app.requests) <= floor + 2 < resources


def test_a_no_op_plan_reads_no_directory(counted: tuple[Path, CountingApp]) -> None:
    root, app = counted
    plan = plan_directory(root, target="served")
    assert not plan.has_changes
    paths = {path.removeprefix("/api/v1") for _, path in app.requests}
    assert "/users" not in paths
    assert len(app.requests) <= sum(pages(count) for count in COUNTS.values()) + 2
    listings = [query for (_, path), query in zip(app.requests, app.queries, strict=True)
                if path.removeprefix("/api/v1/") in COLLECTIONS.values()]
    assert listings and all("status=omit" in query for query in listings)  # no counts read
