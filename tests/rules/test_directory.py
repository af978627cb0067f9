"""The HRIS CSV import: what a training admin sees when the export is right or wrong."""

from __future__ import annotations

import pytest

from reconciler.rules.directory import DirectoryError, User, parse_users_csv

HEADER = ("employee_id,first_name,last_name,email,job_role,department,location,language,"
          "hire_date,groups,status\n")


def test_a_row_becomes_a_user_with_attributes_groups_and_status() -> None:
    text = HEADER + ("E1001,Ana,Diaz,ana@x.org,Nurse,Nursing,Miami,es,2021-03-04,"
                     "nursing;new-hires,\n")
    [user] = parse_users_csv(text)
    assert user == User(
        "E1001",
        {"first_name": "Ana", "last_name": "Diaz", "email": "ana@x.org", "job_role": "Nurse",
         "department": "Nursing", "location": "Miami", "language": "es",
         "hire_date": "2021-03-04"},
        frozenset({"nursing", "new-hires"}),
        True,
    )


def test_empty_cells_are_absent_attributes_and_cells_are_trimmed() -> None:
    text = "employee_id,location,language,groups\n E1 , , es ,\n"
    [user] = parse_users_csv(text)
    assert user.employee_id == "E1"
    assert dict(user.attributes) == {"language": "es"}
    assert user.groups == frozenset()


def test_status_inactive_and_case_of_status() -> None:
    text = "employee_id,status\nE1,inactive\nE2,Active\nE3,\n"
    assert [u.active for u in parse_users_csv(text)] == [False, True, True]


def test_groups_split_on_semicolons_ignoring_blanks() -> None:
    [user] = parse_users_csv("employee_id,groups\nE1, nursing ;;managers; \n")
    assert user.groups == frozenset({"nursing", "managers"})


def test_only_employee_id_is_required_and_order_is_kept() -> None:
    users = parse_users_csv("employee_id\nE2\nE1\n")
    assert [u.employee_id for u in users] == ["E2", "E1"]


def test_blank_lines_and_a_byte_order_mark_are_ignored() -> None:
    users = parse_users_csv("\ufeffemployee_id,location\n\nE1,Boston\n\n")
    assert [u.attributes["location"] for u in users] == ["Boston"]


def test_quoted_cells_may_hold_commas() -> None:
    [user] = parse_users_csv('employee_id,department\nE1,"Nursing, ICU"\n')
    assert user.attributes["department"] == "Nursing, ICU"


@pytest.mark.parametrize(
    ("text", "where", "message"),
    [
        ("first_name\nAna\n", "people.csv:1", "no employee_id column"),
        ("", "people.csv:1", "empty"),
        ("employee_id,location,location\nE1,a,b\n", "people.csv:1", "appears twice"),
        ("employee_id,status\nE1,on leave\n", "people.csv:2", "status 'on leave'"),
        ("employee_id,hire_date\nE1,2026-02-30\n", "people.csv:2", "hire_date '2026-02-30'"),
        ("employee_id,hire_date\nE1,03/04/2021\n", "people.csv:2", "YYYY-MM-DD"),
        ("employee_id,location\nE1,Miami\n,Austin\n", "people.csv:3", "employee_id is empty"),
        ("employee_id,location\nE1,Miami,extra\n", "people.csv:2", "expected 2 cells, found 3"),
        ("employee_id,location\nE1,Miami\n\nE1,Austin\n", "people.csv:4",
         "already appears on line 2"),
        ('employee_id,location\nE1,"Miami\n', "people.csv:", "malformed CSV"),
    ],
)
def test_a_malformed_file_names_the_line(text: str, where: str, message: str) -> None:
    with pytest.raises(DirectoryError) as raised:
        parse_users_csv(text, source="people.csv")
    assert raised.value.where is not None and raised.value.where.startswith(where)
    assert message in raised.value.message
    assert str(raised.value).startswith(where)


def test_every_problem_is_reported_not_only_the_first() -> None:
    text = "employee_id,status,hire_date\nE1,gone,\nE2,,2026-13-01\nE3,,\nE3,,\n"
    with pytest.raises(DirectoryError) as raised:
        parse_users_csv(text)
    problems = raised.value.problems
    assert [p.split(": ")[0] for p in problems] == ["users.csv:2", "users.csv:3", "users.csv:5"]
    assert "and 2 more problems" in raised.value.message


def test_line_numbers_count_quoted_cells_spanning_lines() -> None:
    text = 'employee_id,department\nE1,"Nursing\nICU"\nE2,x,y\n'
    with pytest.raises(DirectoryError) as raised:
        parse_users_csv(text)
    assert raised.value.where == "users.csv:4"
