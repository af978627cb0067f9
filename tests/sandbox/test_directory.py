"""The user directory: CSV import (all or nothing), users and groups."""

from __future__ import annotations

import pytest
from reconciler_sandbox.engine import Platform

from reconciler.rules.directory import DirectoryError, User

from .conftest import HEADER, USERS_CSV


def test_import_adds_then_updates_by_employee_id(platform: Platform) -> None:
    users = {u["employee_id"]: u for u in platform.list_users()}
    assert len(users) == 5
    assert users["E1004"]["attributes"].get("location") is None  # empty cell: absent
    assert users["E1005"]["active"] is False
    assert users["E1002"]["groups"] == ["new-hires", "nursing"]
    result = platform.import_users_csv(
        HEADER + "\nE1004,Di,Gold,di@x.org,Manager,IT,Austin,en,2022-07-07,it;managers,\n"
        "E1009,Flo,Ray,flo@x.org,Pharmacist,Pharmacy,Miami,en,2026-01-02,pharmacy,\n",
        actor="hr")
    assert result == {"added": 1, "updated": 1, "unchanged": 0}
    updated = {u.employee_id: u for u in platform.directory()}
    assert updated["E1004"] == User("E1004", {
        "first_name": "Di", "last_name": "Gold", "email": "di@x.org", "job_role": "Manager",
        "department": "IT", "location": "Austin", "language": "en",
        "hire_date": "2022-07-07"}, frozenset({"it", "managers"}), True)
    assert len(updated) == 6  # nobody missing from the file is removed
    assert platform.audit(limit=1000)[-1]["after"] == {"added": ["E1009"],
                                                       "updated": ["E1004"]}


def test_reimporting_the_same_file_changes_nothing(platform: Platform) -> None:
    version = platform.state_version()
    assert platform.import_users_csv(USERS_CSV, actor="hr") == {
        "added": 0, "updated": 0, "unchanged": 5}
    assert platform.state_version() == version


def test_a_malformed_row_imports_nothing(platform: Platform) -> None:
    before = platform.directory()
    version = platform.state_version()
    bad = (HEADER + "\nE2001,New,One,n@x.org,Nurse,Nursing,Boston,en,2026-01-01,nursing,\n"
           "E2002,Bad,Date,b@x.org,Nurse,Nursing,Boston,en,01/02/2026,nursing,\n")
    with pytest.raises(DirectoryError) as problem:
        platform.import_users_csv(bad, actor="hr")
    assert problem.value.where == "users.csv:3"
    assert platform.directory() == before
    assert platform.state_version() == version
    # The caller names the file as its user wrote it.
    with pytest.raises(DirectoryError) as named:
        platform.import_users_csv(bad, actor="hr", source="hr/people.csv")
    assert named.value.where == "hr/people.csv:3"


def test_groups_count_active_members_and_users_page(platform: Platform) -> None:
    groups = {g["name"]: g["members"] for g in platform.list_groups()}
    assert groups == {"nursing": 2, "new-hires": 1, "physicians": 1, "it": 1}
    first = platform.list_users(limit=2)
    rest = platform.list_users(after=first[-1]["employee_id"], limit=10)
    assert [u["employee_id"] for u in first + rest] == [f"E100{i}" for i in range(1, 6)]
