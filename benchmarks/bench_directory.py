"""Reading a directory: 100,000 users from a real SCIM 2.0 server and from a CSV export.

    python3 benchmarks/bench_directory.py [--users 100000] [--page-size 1000] [--groups 20]

The SCIM server is scim2-server (PyPI) on 127.0.0.1, in this process's threads, its
in-memory storage filled directly (seeding 100,000 users one POST at a time would
measure the server's writes, not learnops' reads). Prints the time to read and map
every user (pages over HTTP, scim2-models parsing, attribute paths, group membership),
the same for the CSV kind, and the ratio.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import threading
import time
from pathlib import Path
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

sys.path.insert(0, str(Path(__file__).resolve().parent))

from workload import generate_users

from reconciler.directory.csv_file import CsvDirectory
from reconciler.directory.scim import ENTERPRISE, ScimDirectory
from reconciler.rules.directory import User, users_csv

TOKEN = "bench-token"


class _Server(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _Quiet(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


def scim_server(users: list[User], groups: int) -> tuple[_Server, str]:
    from scim2_models import EnterpriseUser, Group, GroupMember, Meta, ScimProvider
    from scim2_models import User as ScimUser
    from scim2_server.memory import InMemoryStorage
    from scim2_server.service import ScimService
    from scim2_server.testserver.application import BEARER_TOKEN_SCHEME, BearerTokenApplication
    from scim2_server.utils import (
        load_default_resource_types,
        load_default_schemas,
        load_default_service_provider_config,
    )

    config = load_default_service_provider_config()
    config.authentication_schemes = [*(config.authentication_schemes or []), BEARER_TOKEN_SCHEME]
    provider = ScimProvider.from_discovery(
        load_default_schemas().values(), load_default_resource_types().values(), config=config)
    storage = InMemoryStorage()
    model = ScimUser[EnterpriseUser]
    resources: list[Any] = []
    members: dict[str, list[str]] = {}
    for n, user in enumerate(users):
        scim_id = f"u{n}"
        attributes = user.attributes
        resources.append(model.model_validate({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", ENTERPRISE],
            "id": scim_id, "userName": f"user{n}@example.com", "externalId": user.employee_id,
            "active": user.active, "title": attributes.get("job_role"),
            "preferredLanguage": attributes.get("language"),
            "addresses": [{"type": "work", "locality": attributes.get("location")}],
            ENTERPRISE: {"department": attributes.get("department")},
            "meta": {"resourceType": "User"},
        }))
        for group in user.groups:
            members.setdefault(group, []).append(scim_id)
    for g, (name, ids) in enumerate(sorted(members.items())[:groups]):
        resources.append(Group(id=f"g{g}", display_name=name, meta=Meta(resource_type="Group"),
                               members=[GroupMember(value=i) for i in ids]))
    storage.resources = resources
    app = BearerTokenApplication(storage, provider, service=ScimService(provider, secret="b"),
                                 bearer_tokens=[TOKEN])
    server = make_server("127.0.0.1", 0, app, server_class=_Server, handler_class=_Quiet)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/v2"


def _download(url: str, page_size: int, timeout: float) -> list[Any]:
    """Every page of Users, as the reader walks them (a server may send fewer than asked)."""
    import requests

    pages: list[Any] = []
    start = 1
    with requests.Session() as session:
        session.headers["Authorization"] = f"Bearer {TOKEN}"
        while True:
            page = session.get(f"{url}/Users", params={"startIndex": start, "count": page_size},
                               timeout=timeout).json()
            got = len(page.get("Resources") or [])
            if not got:
                return pages
            pages.append(page)
            start += got


def _map(pages: list[Any], source: ScimDirectory) -> int:
    from scim2_models import ListResponse

    from reconciler.directory.scim import ScimUser, _people

    users = [user for page in pages
             for user in ListResponse[ScimUser].model_validate(page).resources or []]
    return len(_people(users, [], source.settings))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--users", type=int, default=100_000, help="users (default 100000)")
    parser.add_argument("--page-size", type=int, default=1000,
                        help="SCIM count per page (default 1000)")
    parser.add_argument("--groups", type=int, default=20, help="groups served (default 20)")
    parser.add_argument("--timeout", type=float, default=600.0,
                        help="seconds the server may take for one page (default 600: "
                             "scim2-server's in-memory pages cost more as it holds more)")
    args = parser.parse_args(argv)
    users = generate_users(args.users)
    started = time.perf_counter()
    server, url = scim_server(users, args.groups)
    print(f"scim2-server filled with {args.users:,} users in "
          f"{time.perf_counter() - started:.1f} s at {url}")
    os.environ["BENCH_SCIM_TOKEN"] = TOKEN
    try:
        source = ScimDirectory.configured({"url": url, "token_env": "BENCH_SCIM_TOKEN",
                                           "page_size": args.page_size,
                                           "timeout": args.timeout})
        started = time.perf_counter()
        people = source.read().users
        scim_seconds = time.perf_counter() - started
        pages = _download(url, args.page_size, args.timeout)
    finally:
        server.shutdown()
    # learnops' own share: the same pages parsed and mapped again, without the server.
    started = time.perf_counter()
    mapped = _map(pages, source)
    client_seconds = time.perf_counter() - started
    print(f"scim: {len(people):,} users read in {scim_seconds:.2f} s "
          f"({len(pages)} pages, {args.page_size} asked for each; "
          f"{len(people) / scim_seconds:,.0f} users/s)")
    print(f"      of which learnops parses and maps {mapped:,} users in {client_seconds:.2f} s "
          f"({mapped / client_seconds:,.0f} users/s); the rest is the server answering")
    with tempfile.TemporaryDirectory() as folder:
        (Path(folder) / "users.csv").write_text(users_csv(users), encoding="utf-8")
        started = time.perf_counter()
        read = CsvDirectory("users.csv", Path(folder)).read().users
        csv_seconds = time.perf_counter() - started
    print(f"csv:  {len(read):,} users read in {csv_seconds:.2f} s "
          f"({len(read) / csv_seconds:,.0f} users/s)")
    print(f"ratio scim/csv: {scim_seconds / csv_seconds:.1f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
