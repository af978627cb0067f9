"""The plan-fidelity harness: a small random program, learner progress, one random
edit; then ``plan`` and ``apply`` through the CLI and a comparison of what the plan
said with what the platform then holds. Used by tests/fidelity/test_harness.py
(hypothesis, bounded) and benchmarks/fidelity.py (``--scenarios N``).

Directory edits (a new hire, a role change, a leaver) change the users file the
sandbox provider names, which is the project's directory: a planned change like any
other. ``rest=True`` runs the same scenario through the ``rest`` provider against a
real sandbox server on 127.0.0.1 (resource edits only: the directory of a rest target
is the platform's own users).

Per scenario it checks: the plan of the edit exits 0 or 2 (the edits never ask for
something that needs a flag beyond --allow-disruptive); a plan that exits 2 applies;
the next plan is empty; the plan's distinct people gaining and losing an item are the
learners whose accessible items grew and shrank; every assignment change's sampled
gainers and losers did gain and lose; a plan change that keeps versions leaves
learners on theirs, one that migrates moves every unfinished learner to the newest,
and whoever newly gets a plan gets its newest version.
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import tempfile
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from reconciler_sandbox.engine import Platform
from reconciler_sandbox.server import running_server

from fidelity.project import Project, user_row
from reconciler.errors import NotFoundError, ReconcilerError

USERS = [f"E{n}" for n in range(1, 7)]
NEW_HIRE = "E7"
EVERYONE = [*USERS, NEW_HIRE]
TOKEN_ENV = "LEARNOPS_FIDELITY_TOKEN"
OBJECTS = [f"o{n}" for n in range(1, 6)]
EDITS = (
    "add-step", "remove-step", "reorder-steps", "rename-step", "change-offset",
    "migrate", "widen-audience", "narrow-audience", "remove-assignment", "inactivate",
    "swap-plan", "plan-and-audience",
)
DIRECTORY_EDITS = ("new-hire", "role-change", "leaver")


@dataclass
class Program:
    """The specs of one scenario, as plain dicts (kind -> name -> spec)."""

    specs: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)
    people: dict[str, dict[str, str]] = field(default_factory=dict)  # id -> role, language

    def users_csv(self) -> str:
        return "".join(
            user_row(u, role=p["role"], language=p["language"], status=p.get("status", ""))
            for u, p in self.people.items()
        )

    def put(self, kind: str, name: str, spec: dict[str, Any]) -> None:
        self.specs.setdefault(kind, {})[name] = spec


@dataclass(frozen=True)
class Outcome:
    seed: int
    edit: str
    mismatches: tuple[str, ...]


def _step(rng: random.Random, index: int, name: str, earlier: list[str]) -> dict[str, Any]:
    release: dict[str, Any]
    kind = "enrollment" if index == 0 else rng.choice(["offset", "date", "after", "enrollment"])
    if kind == "offset":
        release = {"offset": rng.choice(["0d", "3d", "7d"])}
    elif kind == "date":
        release = {"date": rng.choice(["2020-01-01", "2099-01-01"])}
    elif kind == "after" and earlier:
        release = {"after_step": rng.choice(earlier)}
    else:
        release = {"at": "enrollment"}
    return {"name": name, "items": rng.sample(OBJECTS, rng.randint(1, 2)), "release": release}


def _plan(rng: random.Random) -> dict[str, Any]:
    steps: list[dict[str, Any]] = []
    for index in range(rng.randint(1, 3)):
        steps.append(_step(rng, index, f"s{index + 1}", [s["name"] for s in steps]))
    return {"title": "Plan", "steps": steps,
            "in_progress": rng.choice(["keep", "keep", "migrate"])}


def generate(rng: random.Random) -> Program:
    """A directory and a program: objects, audiences, plans, assignments."""
    program = Program()
    program.people = {u: {"role": rng.choice(["Nurse", "Physician"]),
                          "language": rng.choice(["en", "es"])} for u in USERS}
    for name in OBJECTS:
        program.put("LearningObject", name, {"title": name, "type": "course"})
    program.put("Audience", "nurses", {"where": {"job_role": ["Nurse"]}})
    program.put("Audience", "listed", {"users": rng.sample(USERS, rng.randint(1, 4))})
    program.put("Audience", "spanish", {"where": {"language": "es"}, "exclude": ["listed"]})
    for name in ("p1", "p2"):
        program.put("CertificationPlan", name, _plan(rng))
    for index in range(rng.randint(1, 3)):
        items: list[dict[str, str]] = [{"plan": rng.choice(["p1", "p2"])}]
        if rng.random() < 0.5:
            items.append({"object": rng.choice(OBJECTS)})
        audience: Any = (rng.choice(["nurses", "listed", "spanish"]) if rng.random() < 0.7
                         else {"users": rng.sample(USERS, rng.randint(1, 3))})
        program.put("Assignment", f"a{index + 1}", {"items": items, "audience": audience})
    return program


def edit(rng: random.Random, program: Program, directory: bool = True) -> str:
    """One random edit of ``program``, in place; returns its name. ``directory``: the
    edit may be a directory change."""
    kind = rng.choice(EDITS + DIRECTORY_EDITS if directory else EDITS)
    person = program.people[rng.choice(USERS)]
    plan = program.specs["CertificationPlan"][rng.choice(["p1", "p2"])]
    steps = plan["steps"]
    assignments = program.specs["Assignment"]
    match kind:
        case "add-step":
            steps.insert(rng.randint(1, len(steps)), _step(rng, 1, "new", []))
        case "remove-step" if len(steps) > 1:
            gone = steps.pop(rng.randrange(1, len(steps)))
            for step in steps:
                if step["release"].get("after_step") == gone["name"]:
                    step["release"] = {"at": "enrollment"}
        case "reorder-steps" if len(steps) > 1:
            steps[0], steps[1] = steps[1], steps[0]
            for step in steps:
                step["release"] = {"at": "enrollment"}
        case "rename-step":
            old = steps[-1]["name"]
            steps[-1]["name"] = "renamed"
            for step in steps:
                if step["release"].get("after_step") == old:
                    step["release"] = {"after_step": "renamed"}
        case "change-offset":
            steps[-1]["release"] = {"offset": rng.choice(["1d", "14d"])}
        case "migrate":
            plan["in_progress"] = "migrate"
            steps.append(_step(rng, 1, "extra", []))
        case "widen-audience":
            program.specs["Audience"]["listed"]["users"] = USERS[:5]
        case "narrow-audience":
            program.specs["Audience"]["listed"]["users"] = USERS[:1]
        case "remove-assignment":
            del assignments[rng.choice(sorted(assignments))]
        case "inactivate":
            assignments[rng.choice(sorted(assignments))]["active"] = False
        case "swap-plan":
            target = assignments[rng.choice(sorted(assignments))]
            target["items"][0] = {"plan": "p2" if target["items"][0]["plan"] == "p1" else "p1"}
        case "new-hire":
            program.people[NEW_HIRE] = {"role": rng.choice(["Nurse", "Physician"]),
                                        "language": rng.choice(["en", "es"])}
        case "role-change":
            person["role"] = "Physician" if person["role"] == "Nurse" else "Nurse"
        case "leaver":
            person["status"] = "inactive"
        case "plan-and-audience":
            steps.append(_step(rng, 1, "more", []))
            program.specs["Audience"]["listed"]["users"] = USERS[:5]
        case _:
            steps[0]["items"] = [OBJECTS[-1]]
    return kind


def _write(project: Project, program: Program) -> None:
    project.write_users(program.users_csv())
    for path in project.root.glob("*.yaml"):
        if path.name != "learnops.yaml":
            path.unlink()
    for kind, specs in program.specs.items():
        for name, spec in specs.items():
            project.put(kind, name, spec)


def holdings(project: Project) -> dict[str, dict[str, dict[str, Any]]]:
    """Per learner, what they have access to: item -> {version, completed}."""
    held: dict[str, dict[str, dict[str, Any]]] = {}
    with project.platform() as engine:
        for learner in EVERYONE:
            try:
                view = engine.learner_view(learner, date.today())
            except NotFoundError:
                view = {"enrollments": []}  # not hired yet
            held[learner] = {
                json.dumps(e["item"], sort_keys=True): {
                    "version": e.get("version"), "completed": e["status"] == "completed"}
                for e in view["enrollments"]
            }
    return held


def _progress(rng: random.Random, project: Project) -> None:
    with project.platform() as engine:
        for learner in USERS:
            for name in rng.sample(OBJECTS, rng.randint(0, 3)):
                # No access to it (yet): learners only do what they can.
                with contextlib.suppress(ReconcilerError):
                    engine.record_completion(learner, name, completed_on=date.today(),
                                             actor=learner)


def run_scenario(seed: int, workdir: Path, *, rest: bool = False) -> Outcome:
    """One scenario in ``workdir``; ``rest``: through the rest provider and a server."""
    rng = random.Random(seed)
    program = generate(rng)
    project = Project(workdir / f"s{seed}", program.users_csv())
    if not rest:
        return _scenario(seed, rng, project, program, rest)
    with _served(project) as url:
        project.add_target("lms", f"{{type: rest, url: '{url}', token_env: {TOKEN_ENV}}}")
        return _scenario(seed, rng, project, program, rest)


@contextlib.contextmanager
def _served(project: Project) -> Any:
    """The project's sandbox database behind a real server on 127.0.0.1."""
    (project.root / ".learnops").mkdir(exist_ok=True)
    platform = Platform(project.root / ".learnops" / "sandbox.db")
    try:
        platform.import_users_csv(project.read_users(), actor="hris")
        os.environ[TOKEN_ENV] = platform.create_token("fidelity", ["admin"])
        with running_server(platform) as url:
            yield url
    finally:
        platform.close()


def _scenario(seed: int, rng: random.Random, project: Project, program: Program,
              rest: bool) -> Outcome:
    _write(project, program)
    first = project.apply("--allow-disruptive")
    if first.code != 0:
        return Outcome(seed, "setup", (f"the initial apply failed: {first.err.strip()}",))
    _progress(rng, project)
    kind = edit(rng, program, directory=not rest)
    _write(project, program)
    return Outcome(seed, kind, tuple(_compare(project)))


def _compare(project: Project) -> list[str]:
    flags = ("--allow-disruptive",)
    planned = project.plan(*flags, "--output", "json")
    if planned.code not in (0, 2):
        return [f"plan exited {planned.code}: {planned.err.strip()[:300]}"]
    document = json.loads(planned.out)
    before = holdings(project)
    applied = project.apply(*flags)
    if applied.code != 0:
        return [f"a plan that exited {planned.code} did not apply: {applied.err.strip()[:300]}"]
    after = holdings(project)
    found: list[str] = []
    again = project.plan(*flags)
    if again.code != 0:
        found.append(f"the next plan is not empty (exit {again.code}): {again.out[-300:]}")
    gainers = {u for u in EVERYONE if set(after[u]) - set(before[u])}
    losers = {u for u in EVERYONE if set(before[u]) - set(after[u])}
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
        if change["address"].startswith("CertificationPlan/") and change["action"] == "update":
            found += _versions(change, before, after)
    return found


def _versions(change: dict[str, Any], before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    item = json.dumps({"plan": change["address"].split("/", 1)[1]}, sort_keys=True)
    impact = change["impact"]
    versions = [h[item]["version"] for h in after.values() if item in h]
    newest = max(versions, default=None)
    found: list[str] = []
    for learner in EVERYONE:
        was, now = before[learner].get(item), after[learner].get(item)
        if now is None:
            continue
        if was is None:
            if now["version"] != newest:
                found.append(f"{learner} newly got {item} at version {now['version']}, "
                             f"not the newest ({newest})")
        elif impact.get("migrated") and not was["completed"] and now["version"] != newest:
            found.append(f"{learner} was to move to the new version of {item}, stayed on "
                         f"{now['version']}")
        elif impact.get("new_version") and now["version"] != was["version"]:
            found.append(f"{learner} was to keep version {was['version']} of {item}, "
                         f"is on {now['version']}")
    return found


def run_many(seeds: range, *, rest: bool = False) -> list[Outcome]:
    with tempfile.TemporaryDirectory(prefix="fidelity-") as folder:
        return [run_scenario(seed, Path(folder), rest=rest) for seed in seeds]
