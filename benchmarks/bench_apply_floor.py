"""The floor under "apply from empty, in-process sandbox": what storing its rows costs.

    python3 benchmarks/bench_apply_floor.py [--resources 5000] [--files 200] [--users 1000]

Applies the workload (benchmarks/specgen.py) to an in-process sandbox once, then copies
every row the apply left in the platform's tables (resources, refs, plan versions,
enrollments and their sources, events, notifications, audit) into a fresh file of the
same schema (the sandbox's migrations: same indexes and constraints; the seeded
directory copied first, untimed) with bare
``sqlite3`` ``executemany``, no Python work per row but building the parameters:

- in one transaction: the least any implementation could spend storing these rows;
- in one transaction per resource write (the rows split evenly over as many commits
  as the apply wrote resources): the least with the platform's contract, every write
  committed on its own (its audit entry, its enrollments, its notices).

Prints CPU seconds (``time.process_time``) of the apply and of both floors, with the
row counts. Figures, not assertions.
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Final

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_apply
from reconciler_sandbox.db import Database
from specgen import add_workload_options, write_specs

# What an apply from empty writes, in the order a write stores it, after the directory
# the provider seeded (stored first, not timed: the enrollments refer to it).
DIRECTORY: Final = 2
TABLES: Final = ("users", "user_groups", "resources", "refs", "plan_versions", "enrollments",
                 "enrollment_sources", "events", "notifications", "audit")


def applied_rows(db: Path) -> dict[str, tuple[str, list[tuple[Any, ...]]]]:
    """Every row of ``TABLES`` in ``db``: per table, its INSERT statement and rows."""
    conn = sqlite3.connect(db)
    try:
        found = {}
        for table in TABLES:
            cursor = conn.execute(f"SELECT * FROM {table}")  # as stored
            columns = [column[0] for column in cursor.description]
            insert = (f"INSERT INTO {table} ({', '.join(columns)})"
                      f" VALUES ({', '.join('?' * len(columns))})")
            found[table] = (insert, cursor.fetchall())
        return found
    finally:
        conn.close()


def store(rows: dict[str, tuple[str, list[tuple[Any, ...]]]], path: Path,
          transactions: int) -> float:
    """CPU seconds to insert ``rows`` into a fresh sandbox file in ``transactions``
    commits, each holding an even share of every table's rows. Even shares do not
    keep a row with the rows it refers to, so several commits check no foreign keys
    (one costs them: the platform's setting), which only lowers this floor."""
    Database(path).close()  # the schema, as the platform creates it
    conn = sqlite3.connect(path, isolation_level=None)
    for pragma in ("journal_mode = WAL", "synchronous = NORMAL",
                   f"foreign_keys = {'ON' if transactions == 1 else 'OFF'}"):
        conn.execute(f"PRAGMA {pragma}")
    tables = list(rows.values())
    with conn:
        for insert, table_rows in tables[:DIRECTORY]:
            conn.executemany(insert, table_rows)
    started = time.process_time()
    for part in range(transactions):
        conn.execute("BEGIN IMMEDIATE")
        for insert, table_rows in tables[DIRECTORY:]:
            share = len(table_rows) * part // transactions
            upto = len(table_rows) * (part + 1) // transactions
            conn.executemany(insert, table_rows[share:upto])
        conn.execute("COMMIT")
    took = time.process_time() - started
    conn.close()
    return took


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    add_workload_options(parser)
    parser.set_defaults(resources=5_000)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-apply-floor-") as tmp:
        root = write_specs(Path(tmp) / "specs", args.resources, args.files, args.users)
        applied = bench_apply.timed_apply(root, None, parallelism=1)
        rows = applied_rows(root / ".learnops" / "sandbox.db")
        counts = ", ".join(f"{len(r):,} {table}"
                           for table, (_, r) in list(rows.items())[DIRECTORY:])
        print(f"apply from empty (parallelism 1): {applied['writes']:,.0f} writes, "
              f"{applied['cpu']:.2f} s CPU (compile {applied['compile']:.2f} s, plan "
              f"{applied['plan']:.2f} s, execute {applied['execute']:.2f} s wall)")
        print(f"rows it stored: {counts}")
        one = min(store(rows, Path(tmp) / f"one-{n}.db", 1) for n in range(2))
        each = min(store(rows, Path(tmp) / f"each-{n}.db", int(applied["writes"]))
                   for n in range(2))
        print(f"floor, bare executemany in one transaction: {one:.2f} s CPU")
        print(f"floor, bare executemany in {applied['writes']:,.0f} transactions "
              f"(one per write): {each:.2f} s CPU")
        print(f"apply CPU / per-write floor: {applied['cpu'] / each:.1f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
