"""The floor under "apply from empty, in-process sandbox": what storing its rows costs.

    python3 benchmarks/bench_apply_floor.py [--resources 5000] [--files 200] [--users 1000]

Applies the workload (benchmarks/specgen.py) to an in-process sandbox once, then copies
every row the apply left in the platform's tables (resources, refs, plan versions,
enrollments and their sources, events, notifications, audit, the answers remembered
for retries) into a fresh file of the
same schema (the sandbox's migrations: same indexes and constraints; the seeded
directory copied first, untimed) with bare
``sqlite3`` ``executemany``, no Python work per row but building the parameters:

- in one transaction: the least any implementation could spend storing these rows;
- each write's rows in a transaction of their own (told apart by the audit entries):
  the least with the platform's contract, every write committed on its own (its
  audit entry, its enrollments, its notices).

Prints CPU seconds (``time.process_time``) of the apply and of both floors, with the
row counts. Figures, not assertions.
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
import tempfile
import time
from bisect import bisect_left, bisect_right
from pathlib import Path
from typing import Any, Final

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_apply
from reconciler_sandbox.db import Database
from specgen import add_workload_options, write_specs

# What an apply from empty writes, in the order a write stores it, after the directory
# the provider seeded (stored first, not timed: the enrollments refer to it).
DIRECTORY: Final = ("users", "user_groups")
TABLES: Final = ("resources", "refs", "plan_versions", "enrollments", "enrollment_sources",
                 "events", "notifications", "audit", "idempotency")
# The column holding the time of the write that stored a row, for the rows no other
# column ties to their write. Every write stamps its rows before its audit entry.
STAMPS: Final = {"plan_versions": "created_at", "enrollments": "created_at",
                 "events": "recorded_at", "notifications": "created_at"}

Rows = list[tuple[Any, ...]]
Tables = dict[str, tuple[str, Rows]]  # table: its INSERT statement, its rows


def applied_rows(db: Path) -> tuple[Tables, list[Tables]]:
    """The directory's rows, and the rows of ``TABLES`` in ``db`` per write that
    stored them: a resource (and its references) by its audit entry, the rest by
    their time stamps against the audit entries'."""
    conn = sqlite3.connect(db)
    try:
        read: dict[str, tuple[str, list[str], Rows]] = {}
        for table in (*DIRECTORY, *TABLES):
            cursor = conn.execute(f"SELECT * FROM {table} ORDER BY 1")
            columns = [column[0] for column in cursor.description]
            insert = (f"INSERT INTO {table} ({', '.join(columns)})"
                      f" VALUES ({', '.join('?' * len(columns))})")
            read[table] = (insert, columns, cursor.fetchall())
    finally:
        conn.close()
    _, audit_columns, audit = read["audit"]  # one entry per write, in order (by id)
    at, kind, name = (audit_columns.index(c) for c in ("at", "kind", "name"))
    ends = [row[at] for row in audit]
    # A resource is stored by the write its entry audits; so are its references.
    by_resource = {(row[kind], row[name]): number for number, row in enumerate(audit)}
    # A row stamped like several writes (a millisecond holds a few small ones) goes
    # with the first of them that causes rows (an assignment's or a plan's write).
    causes = {number for number, row in enumerate(audit)
              if row[kind] in ("Assignment", "CertificationPlan", "Audience")}

    def write_at(stamp: str) -> int:
        first = bisect_left(ends, stamp)
        tied = range(first, bisect_right(ends, ends[min(first, len(ends) - 1)]))
        return next((number for number in tied if number in causes), first)

    def writes_of(table: str) -> list[int]:
        _, columns, rows = read[table]
        if table in ("resources", "refs"):
            return [by_resource[(row[0], row[1])] for row in rows]
        if table == "enrollment_sources":  # with the enrollment
            return [of_enrollment[row[columns.index("enrollment_id")]] for row in rows]
        if table == "audit":
            return list(range(len(rows)))
        if table == "idempotency":  # the answer a write remembers, after its audit entry
            stamp = columns.index("created_at")
            return [max(0, bisect_right(ends, row[stamp]) - 1) for row in rows]
        return [write_at(row[columns.index(STAMPS[table])]) for row in rows]

    of_enrollment = {row[0]: write for row, write in zip(
        read["enrollments"][2], writes_of("enrollments"), strict=True)}
    writes: list[Tables] = [{} for _ in audit]
    for table in TABLES:
        insert, _, rows = read[table]
        for row, write in zip(rows, writes_of(table), strict=True):
            writes[write].setdefault(table, (insert, []))[1].append(row)
    directory = {table: (read[table][0], read[table][2]) for table in DIRECTORY}
    return directory, writes


def store(directory: Tables, writes: list[Tables], path: Path, *, one: bool) -> float:
    """CPU seconds to insert the rows of ``writes`` into a fresh sandbox file (after
    ``directory``, untimed), each write in its own transaction or (``one``) all
    of them in one."""
    Database(path).close()  # the schema, as the platform creates it
    conn = sqlite3.connect(path, isolation_level=None)
    for pragma in ("journal_mode = WAL", "synchronous = NORMAL", "foreign_keys = ON"):
        conn.execute(f"PRAGMA {pragma}")
    conn.execute("BEGIN IMMEDIATE")
    for insert, rows in directory.values():
        conn.executemany(insert, rows)
    conn.execute("COMMIT")
    started = time.process_time()
    conn.execute("BEGIN IMMEDIATE")
    for number, write in enumerate(writes):
        if number and not one:
            conn.execute("COMMIT")
            conn.execute("BEGIN IMMEDIATE")
        for table in TABLES:
            if table in write:
                conn.executemany(*write[table])
    conn.execute("COMMIT")
    took = time.process_time() - started
    conn.close()
    return took


def floor(db: Path, scratch: Path) -> float:
    """CPU seconds to store what the apply stored in ``db``, a transaction per write."""
    directory, writes = applied_rows(db)
    return store(directory, writes, scratch, one=False)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    add_workload_options(parser)
    parser.set_defaults(resources=5_000)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-apply-floor-") as tmp:
        root = write_specs(Path(tmp) / "specs", args.resources, args.files, args.users)
        applied = bench_apply.timed_apply(root, None, parallelism=1)
        directory, writes = applied_rows(root / ".learnops" / "sandbox.db")
        counts = ", ".join(
            f"{sum(len(write[table][1]) for write in writes if table in write):,} {table}"
            for table in TABLES)
        print(f"apply from empty (parallelism 1): {applied['writes']:,.0f} writes, "
              f"{applied['cpu']:.2f} s CPU (compile {applied['compile']:.2f} s, plan "
              f"{applied['plan']:.2f} s, execute {applied['execute']:.2f} s wall)")
        print(f"rows it stored: {counts}")
        one = min(store(directory, writes, Path(tmp) / f"one-{n}.db", one=True)
                  for n in range(2))
        each = min(store(directory, writes, Path(tmp) / f"each-{n}.db", one=False)
                   for n in range(2))
        print(f"floor, bare executemany in one transaction: {one:.2f} s CPU")
        print(f"floor, bare executemany, each write's rows in its own transaction "
              f"({len(writes):,}): {each:.2f} s CPU")
        print(f"apply CPU / per-write floor: {applied['cpu'] / each:.1f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
