"""Fixtures for the sandbox engine tests: a platform on a real SQLite file in
tmp_path, clocks the test moves (its today and its time), and a small hospital
directory."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from reconciler_sandbox.engine import Platform

from reconciler.errors import NotFoundError

HEADER = ("employee_id,first_name,last_name,email,job_role,department,location,language,"
          "hire_date,groups,status")

USERS_CSV = "\n".join([
    HEADER,
    "E1001,Ana,Silva,ana@x.org,Nurse,Nursing,Boston,es,2020-01-10,nursing,active",
    "E1002,Ben,Okafor,ben@x.org,Nurse,Nursing,Austin,en,2021-03-01,nursing;new-hires,",
    "E1003,Cy,Tran,cy@x.org,Physician,Medicine,Miami,en,2019-05-05,physicians,active",
    "E1004,Di,Gold,di@x.org,Engineer,IT,,en,2022-07-07,it,active",
    "E1005,Ed,Marsh,ed@x.org,Nurse,Nursing,Boston,en,2018-02-02,nursing,inactive",
]) + "\n"


@dataclass
class Clock:
    """The platform's "today", moved by the test to simulate weeks passing."""

    day: date

    def __call__(self) -> date:
        return self.day


@dataclass
class Moment:
    """The platform's time (UTC), moved by the test."""

    at: datetime

    def __call__(self) -> datetime:
        return self.at


@pytest.fixture
def clock() -> Clock:
    return Clock(date(2027, 1, 4))


@pytest.fixture
def moment() -> Moment:
    return Moment(datetime(2027, 1, 4, 9, 0, tzinfo=UTC))


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "sandbox.db"


@pytest.fixture
def platform(db_path: Path, clock: Clock, moment: Moment) -> Iterator[Platform]:
    p = Platform(db_path, today=clock, now=moment)
    p.import_users_csv(USERS_CSV, actor="hr")
    yield p
    p.close()


def put(platform: Platform, kind: str, name: str, spec: dict[str, Any],
        **metadata: Any) -> dict[str, Any]:
    """Create or update, the way apply does it: with the version just read."""
    try:
        version: int | None = platform.get_resource(kind, name)["metadata"]["version"]
    except NotFoundError:
        version = None
    body = {"metadata": {"labels": {}, "annotations": {}, **metadata}, "spec": spec}
    resource, _ = platform.put_resource(
        kind, name, body, if_match=version, if_none_match=version is None, actor="test")
    return resource


def obj(title: str, **extra: Any) -> dict[str, Any]:
    return {"title": title, "type": "course", "languages": [], "completion": {"type": "view"},
            "prerequisites": [], "existing": False, **extra}


def audience(**rules: Any) -> dict[str, Any]:
    return {"users": [], "groups": [], "include": [], "where": {}, "exclude": [], **rules}


def assignment(audience_name: str, *items: dict[str, str], **extra: Any) -> dict[str, Any]:
    return {"items": list(items), "audience": audience_name, "start": "immediately",
            "notify": {"on_assign": True, "reminders": []}, "active": True,
            "on_remove": "inactivate", **extra}


def plan(*steps: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"title": "Annual HIPAA", "visibility": "released", "steps": list(steps),
            "notify": {"admins": [], "on": []}, "in_progress": "keep", **extra}


def step(name: str, *items: str, **extra: Any) -> dict[str, Any]:
    return {"name": name, "items": list(items), "required": True, **extra}
