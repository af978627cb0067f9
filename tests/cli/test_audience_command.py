"""``learnops audience`` on specs/ with the golden directory of users."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from insight_workspace import specs_with_directory

from reconciler.cli.main import main

Capture = pytest.CaptureFixture[str]


@pytest.fixture(scope="module")
def specs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return specs_with_directory(tmp_path_factory.mktemp("audience"))


def test_text_shows_the_count_a_sample_and_the_breakdown(specs: Path, capsys: Capture) -> None:
    assert main(["audience", "clinical-employees", str(specs), "--sample", "2"]) == 0
    out = capsys.readouterr().out
    # Nurses, physicians, pharmacists; minus the contractor, the inactive nurse and the
    # nurse without a location.
    assert out.startswith("Audience clinical-employees: 6 members (of 14 users")
    assert "Targeted by: hipaa-2027-clinical" in out
    assert "Sample (2 of 6, by employee id):\n  E1001  Ana Lopez  location=Boston\n" \
           "  E1002  Ben Carter  location=Austin\n" in out
    assert "  location  Austin 2, Boston 2, Miami 2\n" in out
    assert "  groups    nursing 3, physicians 2, pharmacy 1\n" in out


def test_csv_lists_every_member_with_their_attributes(specs: Path, capsys: Capture) -> None:
    assert main(["audience", "spanish-speaking-nurses", str(specs), "--output", "csv"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert [row["employee_id"] for row in rows] == ["E1001", "E1007", "E1012"]
    assert rows[2]["location"] == ""  # absent, yet still a Spanish-speaking nurse
    assert {row["language"] for row in rows} == {"es"}
    assert rows[1]["groups"] == "new-hires;nursing"


def test_an_inline_audience_is_found_by_its_lifted_name(specs: Path, capsys: Capture) -> None:
    assert main(["audience", "fire-safety-front-line-audience", str(specs)]) == 0
    out = capsys.readouterr().out
    assert "2 members" in out and "E1009" in out and "E1010" in out


def test_an_unknown_audience_exits_1_with_a_suggestion(specs: Path, capsys: Capture) -> None:
    assert main(["audience", "manager", str(specs)]) == 1
    assert "did you mean 'managers'" in capsys.readouterr().err


def test_csv_cells_a_spreadsheet_would_evaluate_are_escaped(
    tmp_path: Path, capsys: Capture
) -> None:
    specs = specs_with_directory(tmp_path)
    users = specs / "directory" / "users.csv"
    header = users.read_text(encoding="utf-8").splitlines()[0].split(",")
    row = {name: "" for name in header} | {
        "employee_id": "E9999", "first_name": '=HYPERLINK("http://evil.example","x")',
        "last_name": "@SUM(A1)", "job_role": "Nurse", "language": "es", "groups": "nursing",
        "hire_date": "2020-01-01"}
    with users.open("a", encoding="utf-8", newline="") as out:
        csv.DictWriter(out, header, lineterminator="\n").writerow(row)
    assert main(["audience", "spanish-speaking-nurses", str(specs), "--output", "csv"]) == 0
    [mallory] = [r for r in csv.DictReader(io.StringIO(capsys.readouterr().out))
                 if r["employee_id"] == "E9999"]
    assert mallory["first_name"] == '\'=HYPERLINK("http://evil.example","x")'
    assert mallory["last_name"] == "'@SUM(A1)"
