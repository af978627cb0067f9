"""How long the sandbox's scheduler takes: one tick after a long gap versus a tick a
day, and a tick when nothing is due (what ``serve`` pays every interval).

Builds a platform with N learners in one plan of weekly steps (reminders, due dates,
a one-year certificate), every learner completing the first step on its release day,
then prints for a rehearsal of D days:

* one catch-up tick over the whole gap, and D daily ticks (each on its own copy of
  the database), with the events recorded by each (they must be the same);
* an idle tick (the platform already at that day), the cost of a background tick.

    python3 benchmarks/bench_scheduler.py [--learners 500] [--days 365]

Figures only; nothing is asserted (tests hold no timings).
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from collections.abc import Sequence
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from reconciler_sandbox.engine import Platform

START = date(2027, 1, 4)
ACTOR = "bench"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--learners", type=int, default=500)
    parser.add_argument("--days", type=int, default=365)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-scheduler-") as scratch:
        seed = Path(scratch) / "seed.db"
        _build(seed, args.learners)
        until = START + timedelta(days=args.days)

        gap_db = Path(scratch) / "gap.db"
        shutil.copy(seed, gap_db)
        gap = Platform(gap_db, today=lambda: START)
        began = time.perf_counter()
        recorded = gap.tick(until).recorded
        catch_up = time.perf_counter() - began
        began = time.perf_counter()
        gap.tick(until)
        idle = time.perf_counter() - began
        gap_events = len(gap.events())
        gap.close()

        daily_db = Path(scratch) / "daily.db"
        shutil.copy(seed, daily_db)
        daily = Platform(daily_db, today=lambda: START)
        began = time.perf_counter()
        for offset in range(args.days + 1):
            daily.tick(START + timedelta(days=offset))
        every_day = time.perf_counter() - began
        daily_events = len(daily.events())
        daily.close()

    print(f"scheduler benchmark: {args.learners} learners, {args.days} days")
    print(f"  one catch-up tick: {catch_up:.2f} s, {recorded} events recorded"
          f" ({gap_events} in the log)")
    print(f"  {args.days + 1} daily ticks: {every_day:.2f} s"
          f" ({every_day / (args.days + 1) * 1000:.1f} ms a tick), {daily_events} in the log")
    print(f"  same events: {'yes' if gap_events == daily_events else 'NO'};"
          f" daily / catch-up: {every_day / catch_up:.1f}x")
    print(f"  idle tick (nothing new due): {idle * 1000:.1f} ms")
    return 0


def _build(path: Path, learners: int) -> None:
    platform = Platform(path, today=lambda: START)
    rows = ["employee_id,groups,manager_id"]
    rows += [f"E{n:05d},staff,E{n - n % 10:05d}" for n in range(learners)]
    platform.import_users_csv("\n".join(rows) + "\n", actor=ACTOR)
    for name in ("one", "two", "three"):
        _put(platform, "LearningObject", name, {"title": name.title(), "type": "course"})
    _put(platform, "Audience", "staff", {"groups": ["staff"]})
    _put(platform, "CertificationPlan", "annual", {
        "title": "Annual", "steps": [
            {"name": "one", "items": ["one"], "due": "7d"},
            {"name": "two", "items": ["two"], "release": {"offset": "7d"}, "due": "7d"},
            {"name": "three", "items": ["three"], "release": {"after_step": "two"},
             "due": "7d"}],
        "certificate": {"template": "t", "valid_for": "1y", "renew_before": "30d"},
        "notify": {"admins": ["admin@example.org"], "on": ["completed", "overdue"]}})
    _put(platform, "Assignment", "annual", {
        "items": [{"plan": "annual"}], "audience": "staff", "due": "30d",
        "notify": {"on_assign": True, "reminders": ["3d", "1d"]}})
    for n in range(learners):
        platform.record_completion(f"E{n:05d}", "one", completed_on=START, actor=ACTOR)
    platform.close()


def _put(platform: Platform, kind: str, name: str, spec: dict[str, Any]) -> None:
    platform.put_resource(kind, name, {"spec": spec}, if_none_match=True, actor=ACTOR)


if __name__ == "__main__":
    sys.exit(main())
