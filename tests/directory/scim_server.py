"""A real SCIM 2.0 server (scim2-server from PyPI) on 127.0.0.1, and a seeder that
fills it through its SCIM API, as an identity provider's admin would."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import requests

from tests.services import free_port, unavailable

TOKEN = "scim-test-token-0f3c9a"
CORE = "urn:ietf:params:scim:schemas:core:2.0:User"
ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group"


@contextmanager
def running_scim_server() -> Iterator[str]:
    """The base URL (``http://127.0.0.1:PORT/v2``) of a fresh server, stopped afterwards."""
    try:
        import scim2_server  # noqa: F401
    except ImportError:
        unavailable("scim2-server is not installed (pip install -e '.[dev]')")
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "scim2_server.testserver.cli", "--port", str(port),
         "--bearer-token", TOKEN],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}/v2"
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                requests.get(f"{url}/ServiceProviderConfig", timeout=1)
                break
            except requests.ConnectionError:
                if process.poll() is not None or time.monotonic() > deadline:
                    err = process.stderr.read().decode() if process.stderr else ""
                    unavailable(f"scim2-server did not start on port {port}: {err[-300:]}")
                time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        if process.stderr:
            process.stderr.close()


class Scim:
    """Seeds and edits the server through its SCIM API."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.session = requests.Session()
        self.session.headers.update({"Authorization": f"Bearer {TOKEN}",
                                     "Content-Type": "application/scim+json"})
        self.ids: dict[str, str] = {}  # externalId (or userName) -> SCIM id
        self.groups: dict[str, str] = {}  # displayName -> SCIM id

    def clear(self) -> None:
        for endpoint in ("Groups", "Users"):
            while True:
                page = self._get(endpoint, {"startIndex": 1, "count": 200})
                if not page.get("Resources"):
                    break
                for resource in page["Resources"]:
                    self._ok(self.session.delete(f"{self.url}/{endpoint}/{resource['id']}"))
        self.ids.clear()
        self.groups.clear()

    def user(self, user_name: str, *, external_id: str | None = None, active: bool = True,
             enterprise: Mapping[str, Any] | None = None, **core: Any) -> str:
        body: dict[str, Any] = {"schemas": [CORE], "userName": user_name, "active": active,
                                **core}
        if external_id is not None:
            body["externalId"] = external_id
        if enterprise:
            body["schemas"].append(ENTERPRISE)
            body[ENTERPRISE] = dict(enterprise)
        created = self._ok(self.session.post(f"{self.url}/Users", json=body)).json()
        self.ids[external_id or user_name] = created["id"]
        return str(created["id"])

    def patch_user(self, key: str, operations: list[dict[str, Any]]) -> None:
        body = {"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                "Operations": operations}
        self._ok(self.session.patch(f"{self.url}/Users/{self.ids[key]}", json=body))

    def group(self, name: str, members: list[str]) -> str:
        body = {"schemas": [GROUP], "displayName": name,
                "members": [{"value": self.ids.get(m, m)} for m in members]}
        created = self._ok(self.session.post(f"{self.url}/Groups", json=body)).json()
        self.groups[name] = created["id"]
        return str(created["id"])

    def join(self, group: str, key: str) -> None:
        body = {"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                "Operations": [{"op": "add", "path": "members",
                                "value": [{"value": self.ids[key]}]}]}
        self._ok(self.session.patch(f"{self.url}/Groups/{self.groups[group]}", json=body))

    def _get(self, endpoint: str, params: Mapping[str, Any]) -> dict[str, Any]:
        result: dict[str, Any] = self._ok(
            self.session.get(f"{self.url}/{endpoint}", params=params)).json()
        return result

    @staticmethod
    def _ok(response: requests.Response) -> requests.Response:
        if response.status_code >= 400:
            raise AssertionError(f"SCIM seeding failed: {response.status_code} {response.text}")
        return response


def seed_from_users_csv(scim: Scim, text: str) -> None:
    """Every row of an HRIS CSV as a SCIM user (with the enterprise extension), and its
    groups as SCIM groups."""
    import csv
    import io

    groups: dict[str, list[str]] = {}
    for row in csv.DictReader(io.StringIO(text)):
        core: dict[str, Any] = {
            "name": {"givenName": row["first_name"], "familyName": row["last_name"]},
            "emails": [{"type": "work", "value": row["email"]}],
        }
        if row["job_role"]:
            core["title"] = row["job_role"]
        if row["language"]:
            core["preferredLanguage"] = row["language"]
        if row["location"]:
            core["addresses"] = [{"type": "work", "locality": row["location"]}]
        enterprise = {"department": row["department"]} if row["department"] else None
        scim.user(row["email"], external_id=row["employee_id"],
                  active=row["status"] != "inactive", enterprise=enterprise, **core)
        for group in filter(None, row["groups"].split(";")):
            groups.setdefault(group, []).append(row["employee_id"])
    for name, members in sorted(groups.items()):
        scim.group(name, members)
