"""Readable text for the sandbox's learner page, completions and enrollments report.

Pure functions from the engine's dicts (and report CSV) to text; the commands print.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from typing import Any

from reconciler.rules.durations import parse_duration

_STEP_MARKS = {"completed": "[done]", "released": "[open]", "locked": "[locked]"}


def learner_page(page: Mapping[str, Any]) -> str:
    """What ``page`` (``Platform.learner_view``) shows the learner, item by item."""
    lines = [f"Learner {page['employee_id']}, as of {page['as_of']}", ""]
    enrollments: Sequence[Mapping[str, Any]] = page["enrollments"]
    if not enrollments:
        lines += ["Nothing assigned.", ""]
    for entry in enrollments:
        lines += _enrollment(entry)
        lines.append("")
    certificates: Sequence[Mapping[str, Any]] = page["certificates"]
    lines.append("Certificates" if certificates else "No certificates.")
    for certificate in certificates:
        lines.append("  " + _certificate(certificate))
    return "\n".join(lines) + "\n"


def _enrollment(entry: Mapping[str, Any]) -> list[str]:
    ((kind, name),) = entry["item"].items()
    heading = f"{kind} {name}: {entry['title']}"
    if kind == "plan":
        heading += f" (version {entry['version']})"
    if entry.get("cycle", 1) > 1:
        heading += f", renewal {entry['cycle'] - 1}"
    state = [_words(entry["status"])]
    if entry["completed_on"]:
        state = [f"completed {entry['completed_on']}"]
    elif entry["due_on"]:
        state.append(f"due {entry['due_on']}")
    if entry["overdue"]:
        state.append("OVERDUE")
    elif entry.get("overdue_steps"):
        # Behind on a step, but the plan's own due date has not passed.
        state.append(f"behind ({_overdue_steps(entry['overdue_steps'])})")
    lines = [heading, "  " + ", ".join(state)]
    through = ", ".join(entry["assignments"])
    lines.append(f"  enrolled {entry['enrolled_on']}" + (f" through {through}" if through else ""))
    if entry.get("requires"):
        lines.append(f"  requires {', '.join(entry['requires'])} first")
    if kind == "plan":
        lines += _steps(entry["steps"], shows_all=entry["visibility"] == "all")
    return lines


def _steps(steps: Sequence[Mapping[str, Any]], *, shows_all: bool) -> list[str]:
    done = sum(1 for step in steps if step["state"] == "completed")
    # With visibility "released" the learner does not know how many steps follow.
    count = (f"{done} of {len(steps)} steps completed" if shows_all
             else f"{done} step{'' if done == 1 else 's'} completed;"
                  " later steps appear when released")
    lines = [f"  {count}"]
    for step in steps:
        lines.append(f"  {_STEP_MARKS[step['state']]:<8} {step['name']}: {_step_timing(step)}")
        # A locked step is shown (visibility: all) with what it holds, not yet open.
        locked = step["state"] == "locked"
        for item in step["items"]:
            mark = "[-]" if locked else "[x]" if item["completed_on"] else "[ ]"
            note = f" (completed {item['completed_on']})" if item["completed_on"] else ""
            if item.get("requires") and not locked:
                note += f" (requires {', '.join(item['requires'])})"
            lines.append(f"             {mark} {item['object']}: {item['title']}{note}")
    return lines


def _step_timing(step: Mapping[str, Any]) -> str:
    parts: list[str] = []
    match step["state"]:
        case "completed":
            parts.append(f"completed {step['completed_on']}")
        case "released":
            parts.append(f"released {step['release_date']}")
            if step["due_date"]:
                parts.append(f"due {step['due_date']}")
        case _:
            parts.append(f"releases {step['release_date']}" if step["release_date"]
                         else _waits_for(step.get("release")))
    if step["overdue"] and step["due_date"]:
        since = date.fromisoformat(step["due_date"]) + timedelta(days=1)
        parts.append(f"overdue since {since.isoformat()}")
    if not step["required"]:
        parts.append("optional")
    return ", ".join(parts)


def _waits_for(release: Mapping[str, Any] | None) -> str:
    """What a step released by an earlier step's completion waits for."""
    if not release or "after_step" not in release:
        return "releases after an earlier step is completed"
    delay = parse_duration(str(release.get("delay", "0d")))
    if delay.amount == 0:
        return f"releases when {release['after_step']} is completed"
    return f"releases {delay.describe()} after {release['after_step']} is completed"


def _overdue_steps(names: Sequence[str]) -> str:
    return ", ".join(f"step {name} overdue" for name in names)


def _certificate(certificate: Mapping[str, Any]) -> str:
    dates = [f"issued {certificate['issued_on']}"]
    if certificate["expires_on"]:
        dates.append(f"expires {certificate['expires_on']}")
    if certificate["renew_from"]:
        dates.append(f"renew from {certificate['renew_from']}")
    return (f"{certificate['plan']}: {certificate['title']} (version {certificate['version']}),"
            f" {_words(certificate['status'])}; {', '.join(dates)}")


def completion(result: Mapping[str, Any]) -> str:
    """One line (two when it finished something) for ``Platform.record_completion``."""
    score = "" if result["score"] is None else f" with score {result['score']}"
    verb = "completed" if result["passed"] else "attempted (not passed)"
    line = f"{result['employee_id']} {verb} {result['object']} on {result['completed_on']}{score}"
    finished = [f"{kind} {name}" for item in result["completed"] for kind, name in item.items()]
    if finished:
        line += "\nfinished: " + ", ".join(finished)
    return line


_COLUMNS = ("LEARNER", "ITEM", "STATUS", "DUE", "COMPLETED", "CERTIFICATE", "ENROLLMENT")


def report_table(report_csv: str) -> str:
    """The enrollments report as an aligned table with a closing summary."""
    rows = list(csv.DictReader(io.StringIO(report_csv)))
    table = [_COLUMNS] + [_report_row(row) for row in rows]
    widths = [max(len(line[i]) for line in table) for i in range(len(_COLUMNS))]
    out = io.StringIO()
    for line in table:
        out.write("  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True))
                  .rstrip() + "\n")
    out.write("\n" + _summary(rows) + "\n")
    return out.getvalue()


def _report_row(row: Mapping[str, str]) -> tuple[str, ...]:
    item = f"{row['item_kind']} {row['item']}"
    if row["plan_version"]:
        item += f" v{row['plan_version']}"
    if int(row["cycle"]) > 1:
        item += f" (renewal {int(row['cycle']) - 1})"
    status = _words(row["status"])
    if row["overdue"] == "yes":
        status += " OVERDUE"
    elif row.get("overdue_steps"):
        status += f" behind ({_overdue_steps(row['overdue_steps'].split(';'))})"
    certificate = ""
    if row["certificate_issued"]:
        certificate = f"{_words(row['certificate_status'])} {row['certificate_issued']}"
        if row["certificate_expires"]:
            certificate += f"..{row['certificate_expires']}"
    enrollment = row["enrollment"]
    if row["inactive_reason"]:
        enrollment += f" ({row['inactive_reason']})"
    return (row["employee_id"], item, status, row["due_on"], row["completed_on"], certificate,
            enrollment)


def _summary(rows: Sequence[Mapping[str, str]]) -> str:
    if not rows:
        return "No enrollments."
    statuses = Counter(row["status"] for row in rows)
    active = sum(1 for row in rows if row["enrollment"] == "active")
    overdue = sum(1 for row in rows if row["overdue"] == "yes")
    certificates = Counter(row["certificate_status"] for row in rows if row["certificate_issued"])
    learners = len({row["employee_id"] for row in rows})
    parts = [f"{_count(len(rows), 'enrollment')} of {_count(learners, 'learner')}"
             f" ({active} active)"]
    parts.append(", ".join(f"{count} {_words(status)}"
                           for status, count in sorted(statuses.items())))
    parts.append(f"{overdue} overdue")
    parts.append(
        "certificates: " + (", ".join(f"{count} {_words(status)}"
                                      for status, count in sorted(certificates.items())) or "none"))
    return "; ".join(parts)


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


def _words(code: str) -> str:
    return code.replace("_", " ")
