"""What the fidelity harness compares: what learners hold on the platform's day
(per learner and item: version, status, cycle), before and after an apply, against
what the plan said (tests/fidelity/harness.py drives the scenarios).

Per apply: the plan exits 0 or 2 and applies; the next plan is empty; the plan's
distinct gainers and losers are the learners whose access grew and shrank; every
assignment change's sampled gainers and losers did gain and lose; on every plan
(changed or not), learners who keep a version keep it, those a migrating change
moves reach the newest, and whoever newly gets a plan gets its newest version.
Per learner, in progress: the learners a migrating change moves while in progress
are as many as it says (and it is marked disruptive when there are any); a learner
in progress who loses an item does so through a change that says learners in
progress are affected. As time passes with no change in code (:func:`time_passes`):
nothing is planned, nobody gains or loses access or changes version within a cycle,
a new cycle (a renewal) is on the newest version, a scheduled start waits for the
soonest start giving the item, and learners have their own version's steps released on
its schedule.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from fidelity.project import Project
from reconciler.rules.durations import parse_duration

FLAGS = ("--allow-disruptive",)
ANYONE = "*"  # a warning about whoever loses an item


@dataclass(frozen=True)
class Holding:
    """One learner's current cycle of one item, as the learner view shows it."""

    version: int | None
    status: str  # scheduled | not_started | in_progress | completed
    cycle: int
    enrolled_on: str

    @property
    def unfinished(self) -> bool:
        return self.status != "completed"


Held = dict[str, dict[str, Holding]]  # learner -> item key -> holding


@dataclass(frozen=True)
class Snapshot:
    """Every learner's holdings on the platform's day (``held``: active enrollments;
    ``records``: the latest cycle of every item they ever had, inactive ones too), and
    each plan's newest version."""

    day: date
    held: Held
    records: Held
    newest: dict[str, int | None]  # plan name -> current version
    migrates: frozenset[str] = frozenset()  # plans whose spec says in_progress: migrate


def item_key(item: dict[str, str]) -> str:
    return json.dumps(item, sort_keys=True)


def snapshot(project: Project, learners: list[str]) -> Snapshot:
    """What ``learners`` hold on the platform's today, by its enrollments report: each
    active enrollment, current or starting on a later day (``scheduled``: what an
    assignment with a start date gave). Nothing before the platform's first apply."""
    held: Held = {u: {} for u in learners}
    records: Held = {u: {} for u in learners}
    if not (project.root / ".learnops" / "sandbox.db").exists():
        return Snapshot(date.today(), held, records, {})
    with project.platform() as engine:
        day = engine.today()
        report = engine.enrollments_report_csv(day)
        plans = engine.list_resources("CertificationPlan", limit=1000)
    newest = _newest(plans)
    migrates = frozenset(plan["metadata"]["name"] for plan in plans
                         if plan["spec"].get("in_progress") == "migrate")
    for row in csv.DictReader(io.StringIO(report)):
        learner = row["employee_id"]
        if row["enrollment"] == "renewed" or learner not in held:
            continue
        key = item_key({row["item_kind"]: row["item"]})
        holding = Holding(int(row["plan_version"]) if row["plan_version"] else None,
                          row["status"], int(row["cycle"]), row["enrolled_on"])
        kept = records[learner].get(key)
        if kept is None or kept.cycle < holding.cycle:
            records[learner][key] = holding
            if row["enrollment"] == "active":
                held[learner][key] = holding
            else:
                held[learner].pop(key, None)
    return Snapshot(day, held, records, newest, migrates)


def tick(project: Project, day: date) -> str | None:
    """Move the platform's date to ``day`` the way a cron job does (``learnops sandbox
    tick``); the error, if it failed."""
    ran = project.cli("sandbox", "tick", str(project.root), "--until", day.isoformat())
    return None if ran.code == 0 else f"sandbox tick failed: {ran.err.strip()[:300]}"


def plan_and_apply(project: Project, learners: list[str], starts: dict[str, str]) -> list[str]:
    """Plan, apply, and compare the plan's word with what the platform then holds."""
    planned = project.plan(*FLAGS, "--output", "json")
    if planned.code not in (0, 2):
        return [f"plan exited {planned.code}: {planned.err.strip()[:300]}"]
    document = json.loads(planned.out)
    before = snapshot(project, learners)
    applied = project.apply(*FLAGS)
    if applied.code != 0:
        return [f"a plan that exited {planned.code} did not apply: {applied.err.strip()[:300]}"]
    after = snapshot(project, learners)
    found: list[str] = []
    again = project.plan(*FLAGS)
    if again.code != 0:
        found.append(f"the next plan is not empty (exit {again.code}): {again.out[-300:]}")
    found += _access(document, before.held, after.held)
    found += _versions(document, before, after)
    found += _moved_in_progress(document, before.held, after.records)
    found += _lost_in_progress(document, before.held, after.held)
    found += _starts(project, after, starts)
    return found


def _gainers_and_losers(before: Held, after: Held) -> tuple[set[str], set[str]]:
    gainers = {u for u in after if set(after[u]) - set(before.get(u, {}))}
    losers = {u for u in before if set(before[u]) - set(after.get(u, {}))}
    return gainers, losers


def _access(document: dict[str, Any], before: Held, after: Held) -> list[str]:
    """Who gains and loses an item: the plan's totals and samples against the platform."""
    gainers, losers = _gainers_and_losers(before, after)
    found: list[str] = []
    totals = document.get("learners", {"added": 0, "removed": 0})
    people = [entry["impact"] for entry in (document.get("directory") or {}).get("impact", [])]
    if people:  # a directory change (the only edit): who it says gain and lose
        said_gain = {u for impact in people for u in impact.get("sample_added", [])}
        said_lose = {u for impact in people for u in impact.get("sample_removed", [])}
        if (said_gain, said_lose) != (gainers, losers):
            found.append(f"directory change: plan says {sorted(said_gain)} gain and "
                         f"{sorted(said_lose)} lose; platform: {sorted(gainers)} gained, "
                         f"{sorted(losers)} lost")
    elif (totals["added"], totals["removed"]) != (len(gainers), len(losers)):
        found.append(f"plan: {totals['added']} learner(s) gain and {totals['removed']} lose "
                     f"an item; platform: {sorted(gainers)} gained, {sorted(losers)} lost")
    for change in document["changes"]:
        impact = change["impact"]
        if change["address"].startswith("Assignment/"):
            for learner in set(impact.get("sample_added", [])) - gainers:
                found.append(f"{change['address']}: {learner} was to gain an item, did not")
            for learner in set(impact.get("sample_removed", [])) - losers:
                found.append(f"{change['address']}: {learner} was to lose an item, did not")
    return found


def _plan_changes(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {change["address"].split("/", 1)[1]: change for change in document["changes"]
            if change["address"].startswith("CertificationPlan/")
            and change["action"] != "no-op"}


def _versions(document: dict[str, Any], before: Snapshot, after: Snapshot) -> list[str]:
    """Every plan, changed or not: who keeps their version, who moves, who starts where.
    Across a chain of edits a migrating change moves learners from every older version."""
    changes = _plan_changes(document)
    found: list[str] = []
    for plan, newest in after.newest.items():
        item = item_key({"plan": plan})
        impact = changes.get(plan, {}).get("impact", {})
        for learner, holdings in after.held.items():
            now, was = holdings.get(item), before.records.get(learner, {}).get(item)
            if now is None:
                continue
            if was is not None and item not in before.held[learner] \
                    and was.cycle == now.cycle:
                # Back after a spell without it: the same enrollment, progress intact,
                # on its version (a migrating plan moves the unfinished to the newest).
                if plan in after.migrates and was.unfinished:
                    if now.version != newest:
                        found.append(f"{learner} came back to {item} unfinished at version "
                                     f"{now.version}; the plan migrates, the newest is "
                                     f"{newest}")
                elif now.version != was.version:
                    found.append(f"{learner} came back to {item} at version {now.version}, "
                                 f"not the version {was.version} they had")
            elif was is None or was.cycle != now.cycle:
                if now.version != newest:
                    found.append(f"{learner} newly got {item} at version {now.version}, "
                                 f"not the newest ({newest})")
            elif impact.get("migrated") and was.unfinished:
                if now.version != newest:
                    found.append(f"{learner} was to move to the new version of {item}, "
                                 f"stayed on {now.version} ({was.status})")
            elif now.version != was.version:
                said = ("was to keep" if impact.get("new_version") else
                        "finished, was to keep" if impact.get("migrated") else
                        "no change of the plan touched")
                found.append(f"{learner} {said} version {was.version} of {item}, "
                             f"is on {now.version}")
    return found


def _moved_in_progress(document: dict[str, Any], before: Held, after: Held) -> list[str]:
    """Per learner: who a plan change moved to another version while in progress, as
    many as the change says are in progress (a reviewer reads them as disrupted).
    ``after`` holds every record (one moved and then taken away in the same apply by
    an audience change was moved all the same)."""
    found: list[str] = []
    for plan, change in _plan_changes(document).items():
        item = item_key({"plan": plan})
        moved = sorted(
            learner for learner, holdings in after.items()
            if (was := before.get(learner, {}).get(item)) is not None
            and (now := holdings.get(item)) is not None and was.cycle == now.cycle
            and was.status == "in_progress" and now.version != was.version
        )
        impact = change["impact"]
        said = impact["in_progress"] if impact.get("migrated") else 0
        if len(moved) != said:
            found.append(f"CertificationPlan/{plan}: plan says {said} learner(s) in progress "
                         f"move to a new version; the platform moved {moved}")
        if moved and not change.get("disruptive"):
            found.append(f"CertificationPlan/{plan} moved {moved} in progress, "
                         "not marked disruptive")
    return found


def _lost_in_progress(document: dict[str, Any], before: Held, after: Held) -> list[str]:
    """Per learner: an item lost while in progress is lost through a change that says
    learners in progress are affected (an assignment naming the learner among its
    losers with some in progress; an audience or directory change that may include them)."""
    warned: dict[str, bool] = {}  # learner -> some change warned about them
    for change in document["changes"]:
        _warn(warned, change["address"], change["impact"])
    for entry in (document.get("directory") or {}).get("impact", []):
        _warn(warned, "directory", entry["impact"])
    found: list[str] = []
    for learner, holdings in before.items():
        for item, was in holdings.items():
            if was.status == "in_progress" and item not in after.get(learner, {}) \
                    and not (warned.get(learner) or warned.get(ANYONE)):
                found.append(f"{learner} lost {item} while in progress; no change of the "
                             "plan said learners in progress are affected")
    return found + _in_progress_counted(document, before, after)


def _in_progress_counted(document: dict[str, Any], before: Held, after: Held) -> list[str]:
    """An assignment change says how many of its enrollments are in progress: at least
    as many as the items its losers lose while in progress."""
    found: list[str] = []
    for change in document["changes"]:
        if not change["address"].startswith("Assignment/") or not change.get("before"):
            continue
        items = {item_key(item) for item in change["before"].get("items", [])}
        lost = sorted((learner, item) for learner in change["impact"].get("sample_removed", [])
                      for item in items
                      if (was := before.get(learner, {}).get(item)) is not None
                      and was.status == "in_progress" and item not in after.get(learner, {}))
        if len(lost) > change["impact"]["in_progress"]:
            found.append(f"{change['address']}: plan says {change['impact']['in_progress']} "
                         f"enrollment(s) in progress; {lost} were lost in progress")
    return found


def _warn(warned: dict[str, bool], address: str, impact: dict[str, Any]) -> None:
    if address.startswith("Audience/"):
        # Its samples are who joins and leaves the audience; who loses items through
        # it is counted, not named: a warning covers everyone losing one.
        if impact.get("may_include_in_progress") and impact.get("learners_removed"):
            warned[ANYONE] = True
    elif impact.get("in_progress") or impact.get("may_include_in_progress"):
        for learner in impact.get("sample_removed", []):
            warned[learner] = True


def _starts(project: Project, now: Snapshot, starts: dict[str, str]) -> list[str]:
    """An enrollment waiting for a later day (``scheduled``) waits for the soonest start
    of the assignments giving it (``starts``: assignment -> ``start`` as in code), never
    for one starting later than another that gives the same item sooner."""
    found: list[str] = []
    for learner, holdings in now.held.items():
        for item, holding in holdings.items():
            if holding.status != "scheduled":
                continue
            with project.platform() as engine:
                view = engine.learner_view(learner, date.fromisoformat(holding.enrolled_on))
            sources = next((e["assignments"] for e in view["enrollments"]
                            if item_key(e["item"]) == item), [])
            soonest = min((max(now.day, date.fromisoformat(starts[name]))
                           if starts[name] != "immediately" else now.day
                           for name in sources if name in starts), default=None)
            if soonest is None or holding.enrolled_on != soonest.isoformat():
                found.append(f"{learner} gets {item} on {holding.enrolled_on} through "
                             f"{sources}, whose soonest start is "
                             f"{soonest.isoformat() if soonest else 'none'}")
    return found


Versions = dict[str, dict[int, dict[str, Any]]]  # plan -> version -> its spec as written


def newest_versions(project: Project) -> dict[str, int | None]:
    """Each plan's current version on the platform."""
    with project.platform() as engine:
        return _newest(engine.list_resources("CertificationPlan", limit=1000))


def _newest(plans: list[dict[str, Any]]) -> dict[str, int | None]:
    return {plan["metadata"]["name"]: plan["status"].get("current_version") for plan in plans}


def _release_day(release: dict[str, Any], enrolled_on: date) -> date | None:
    """A step's release day by its rule as written (None: after another step)."""
    if "offset" in release:
        return parse_duration(release["offset"]).add_to(enrolled_on)
    if "date" in release:
        return max(date.fromisoformat(release["date"]), enrolled_on)
    return None if "after_step" in release else enrolled_on


def _released_steps(project: Project, now: Snapshot, versions: Versions) -> list[str]:
    """Per learner in a plan: the steps released to them are those of their own version
    (a kept learner never gets a later version's steps; a migrated one gets the new
    version's, counted from the day they enrolled), each from its day on."""
    found: list[str] = []
    with project.platform() as engine:
        for learner, holdings in now.held.items():
            plans = {json.loads(item)["plan"]: holding for item, holding in holdings.items()
                     if "plan" in json.loads(item) and holding.status != "scheduled"}
            if not plans:
                continue
            view = engine.learner_view(learner, now.day)
            for entry in view["enrollments"]:
                plan = entry["item"].get("plan")
                holding = plans.get(plan)
                spec = versions.get(plan, {}).get(holding.version or 0) if holding else None
                if spec is None or entry.get("visibility") != "released":
                    continue
                shown = {step["name"] for step in entry["steps"]}
                enrolled = date.fromisoformat(entry["enrolled_on"])
                due = {step["name"] for step in spec["steps"]
                       if (day := _release_day(step["release"], enrolled)) is not None
                       and day <= now.day}
                fixed = {step["name"] for step in spec["steps"]
                         if "after_step" not in step["release"]}
                if shown & fixed != due or not shown <= {s["name"] for s in spec["steps"]}:
                    found.append(f"{learner} on version {holding.version if holding else None}"
                                 f" of {plan} (enrolled {enrolled}) has steps {sorted(shown)} "
                                 f"released on {now.day}; its schedule releases "
                                 f"{sorted(due)} by then")
    return found


def time_passes(project: Project, learners: list[str], days: int,
                starts: dict[str, str], versions: Versions | None = None) -> list[str]:
    """Move the platform ``days`` ahead with nothing changed in code, and check that time
    alone keeps every promise: the plan stays empty; nobody gains or loses an item, or
    changes version within a cycle; an enrollment waiting for a start date waits for
    the soonest (``starts``: assignment -> start); a new cycle (a renewal) is on the
    newest version; learners have the steps of their version released on its schedule
    (``versions``: each plan version's spec as written, when known)."""
    before = snapshot(project, learners)
    problem = tick(project, before.day + timedelta(days=days))
    if problem is not None:
        return [problem]
    after = snapshot(project, learners)
    found: list[str] = []
    planned = project.plan(*FLAGS)
    if planned.code != 0:
        found.append(f"{days} day(s) on, with no change in code, the plan is not empty "
                     f"(exit {planned.code}): {planned.out[-300:]}{planned.err[-300:]}")
    found += _starts(project, after, starts)
    found += _released_steps(project, after, versions or {})
    for learner, holdings in after.held.items():
        earlier = before.held.get(learner, {})
        for item in set(earlier) - set(holdings):
            found.append(f"{learner} lost {item} as {days} day(s) passed")
        for item in set(holdings) - set(earlier):
            found.append(f"{learner} gained {item} as {days} day(s) passed")
        for item, now in holdings.items():
            was = earlier.get(item)
            plan = json.loads(item).get("plan")
            if was is None or plan is None:
                continue
            if was.cycle != now.cycle and now.version != after.newest[plan]:
                found.append(f"{learner}'s cycle {now.cycle} of {item} (from "
                             f"{now.enrolled_on}) is on version {now.version}, not the "
                             f"newest ({after.newest[plan]})")
            elif was.cycle == now.cycle and was.version != now.version:
                found.append(f"{learner} moved from version {was.version} to {now.version} "
                             f"of {item} as {days} day(s) passed")
    return found
