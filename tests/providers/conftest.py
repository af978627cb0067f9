"""The built-in providers over fresh platforms seeded with a small directory.
``sandbox`` talks to a sandbox database in-process; ``rest`` to a real sandbox server
on a random port, with a bearer token from the environment; ``kolibri`` to the
session's live Kolibri, in a classroom of its own, the directory as its users file."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from kolibri.live import ADMIN_PASSWORD, ADMIN_USERNAME, CHANNEL_NAME, FACILITY
from reconciler_kolibri.provider import KolibriProvider
from reconciler_rest.provider import RestProvider
from reconciler_sandbox.engine import Platform
from reconciler_sandbox.provider import SandboxProvider
from reconciler_sandbox.server import running_server

from reconciler.model import ProviderConfig
from reconciler.providers import Provider

USERS_CSV = (
    "employee_id,first_name,last_name,email,job_role,department,location,language,"
    "hire_date,groups,status\n"
    "E1001,Ana,Diaz,ana@example.com,Nurse,Nursing,Miami,es,2021-03-04,nursing;new-hires,\n"
    "E1002,Ben,Ng,ben@example.com,Physician,Medicine,Boston,en,2019-06-01,physicians,active\n"
    "E1003,Cy,Moe,cy@example.com,Nurse,Nursing,,en,2020-01-15,nursing,inactive\n"
)
PAGE_SIZE = 2  # small pages, so a handful of resources already spans several
TOKEN_ENV = "LEARNOPS_CONTRACT_TOKEN"
KOLIBRI_USER_ENV = "LEARNOPS_CONTRACT_KOLIBRI_USER"
KOLIBRI_PASSWORD_ENV = "LEARNOPS_CONTRACT_KOLIBRI_PASSWORD"


def write_users_csv(root: Path) -> Path:
    csv = root / "directory" / "users.csv"
    csv.parent.mkdir(parents=True, exist_ok=True)
    csv.write_text(USERS_CSV, encoding="utf-8")
    return csv


@pytest.fixture(params=["sandbox", "rest", "kolibri"])
def provider(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Provider]:
    write_users_csv(tmp_path)
    if request.param == "kolibri":  # the session's live Kolibri, a classroom of its own
        live = request.getfixturevalue("kolibri")
        monkeypatch.setenv(KOLIBRI_USER_ENV, ADMIN_USERNAME)
        monkeypatch.setenv(KOLIBRI_PASSWORD_ENV, ADMIN_PASSWORD)
        kolibri = KolibriProvider(ProviderConfig("kolibri", {
            "url": live.url, "facility": FACILITY, "classroom": request.getfixturevalue(
                "classroom"), "channel": CHANNEL_NAME, "username_env": KOLIBRI_USER_ENV,
            "password_env": KOLIBRI_PASSWORD_ENV, "users": "directory/users.csv",
            "manage_users": True}), tmp_path)
        yield kolibri
        kolibri.close()
        return
    if request.param == "sandbox":
        config = ProviderConfig(
            "sandbox",
            {"path": ".learnops/sandbox.db", "users": "directory/users.csv",
             "page_size": PAGE_SIZE},
        )
        sandbox = SandboxProvider(config, tmp_path)
        yield sandbox
        sandbox.close()
        return
    db = tmp_path / "served.db"
    platform = Platform(db)
    platform.import_users_csv(USERS_CSV, actor="setup")
    monkeypatch.setenv(TOKEN_ENV, platform.create_token("contract", ["admin"]))
    platform.close()
    with running_server(db) as url:
        rest = RestProvider(
            ProviderConfig("rest", {"url": url, "token_env": TOKEN_ENV, "page_size": PAGE_SIZE,
                                    "retries": 0}),
            tmp_path,
        )
        yield rest
        rest.close()
