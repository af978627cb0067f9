"""A small checker of the mermaid gantt lines learnops writes (no Node needed).

Each line must be one of the forms mermaid's gantt grammar reads: the ``gantt``
header, ``title``, ``dateFormat YYYY-MM-DD``, ``axisFormat``, ``section``, a ``%%``
comment, or a task ``name :[tags, ]id, YYYY-MM-DD, <n>d``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

_KEYWORD = re.compile(r"^    (title|dateFormat|axisFormat|section) (\S.*)$")
_TASK = re.compile(r"^    ([^:;#]*\S) :(.+)$")
_ID = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
_DURATION = re.compile(r"^([0-9]+)d$")
_TAGS = {"active", "done", "crit", "milestone"}


@dataclass(frozen=True)
class Task:
    section: str
    name: str
    task_id: str
    start: date
    days: int
    milestone: bool


def parse_gantt(text: str) -> list[Task]:
    """The tasks of ``text``; AssertionError naming the line when a line is not valid."""
    lines = text.splitlines()
    assert text.endswith("\n"), "the chart ends with a newline"
    assert lines and lines[0] == "gantt", "the first line is 'gantt'"
    seen: set[str] = set()
    tasks: list[Task] = []
    section: str | None = None
    date_format = False
    for number, line in enumerate(lines[1:], start=2):
        where = f"line {number}: {line!r}"
        if line.startswith("    %%"):
            continue
        keyword = _KEYWORD.match(line)
        if keyword:
            word, value = keyword.groups()
            if word == "dateFormat":
                assert value == "YYYY-MM-DD", where
                date_format = True
            if word == "section":
                assert ":" not in value, where
                section = value
            continue
        task = _TASK.match(line)
        assert task, f"{where} is no known gantt statement"
        assert section is not None and date_format, f"{where}: a task before section/dateFormat"
        parts = [part.strip() for part in task.group(2).split(",")]
        tags = [part for part in parts if part in _TAGS]
        assert parts[:len(tags)] == tags, f"{where}: tags come first"
        assert len(parts) - len(tags) == 3, f"{where}: expected id, start, duration"
        task_id, start, duration = parts[len(tags):]
        assert _ID.match(task_id) and task_id not in seen, f"{where}: bad or repeated id"
        seen.add(task_id)
        length = _DURATION.match(duration)
        assert length, f"{where}: duration is <n>d"
        milestone = "milestone" in tags
        assert (int(length.group(1)) == 0) == milestone, f"{where}: milestones last 0d"
        tasks.append(Task(section, task.group(1), task_id, date.fromisoformat(start),
                          int(length.group(1)), milestone))
    return tasks
