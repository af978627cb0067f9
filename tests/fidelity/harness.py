"""The plan-fidelity harness: a small random program, then a chain of edits, each
planned and applied through the CLI and compared with what the platform then holds
(tests/fidelity/checks.py says what is compared). Used by
tests/fidelity/test_harness.py (hypothesis, bounded) and benchmarks/fidelity.py
(``--scenarios N``, through tests/fidelity/pool.py).

A scenario: the program's first apply (checked like any other), then ``rounds``
rounds of: the platform's date moves ahead (``learnops sandbox tick``, as a cron job
would: step releases, certificates issued, expiring and renewed, assignments starting
on their date), checked with nothing changed in code; learners make progress on that
day; one random edit; plan, apply, compare. After the last edit the date moves ahead
once more, checked the same way. Edits pile up, so a plan goes through
several versions, some kept and some migrated (a migrate moves learners from every
older version), and every step of the chain is checked, not only the last.

Directory edits (a new hire, a role change, a leaver) change the users file the
sandbox provider names, which is the project's directory: a planned change like any
other. ``rest=True`` runs the same scenario through the ``rest`` provider against a
real sandbox server on 127.0.0.1 (resource edits only: the directory of a rest target
is the platform's own users).
"""

from __future__ import annotations

import contextlib
import copy
import os
import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from reconciler_sandbox.clock import wall_clock
from reconciler_sandbox.engine import Platform
from reconciler_sandbox.server import running_server

from fidelity.checks import Versions, newest_versions, plan_and_apply, time_passes
from fidelity.project import Project, user_row
from reconciler.errors import ReconcilerError

USERS = [f"E{n}" for n in range(1, 7)]
NEW_HIRE = "E7"
EVERYONE = [*USERS, NEW_HIRE]
TOKEN_ENV = "LEARNOPS_FIDELITY_TOKEN"
OBJECTS = [f"o{n}" for n in range(1, 6)]
EDITS = (
    "add-step", "remove-step", "reorder-steps", "rename-step", "change-offset",
    "migrate", "keep", "widen-audience", "narrow-audience", "remove-assignment",
    "inactivate", "swap-plan", "plan-and-audience", "certificate",
)
DIRECTORY_EDITS = ("new-hire", "role-change", "leaver")
ROUNDS = 3  # edits in a chain
DAYS = (0, 1, 4, 9, 30)  # how far the platform's date moves before an edit


@dataclass
class Program:
    """The specs of one scenario, as plain dicts (kind -> name -> spec)."""

    specs: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)
    people: dict[str, dict[str, str]] = field(default_factory=dict)  # id -> role, language
    day: date = field(default_factory=wall_clock())  # the scenario's first day

    def users_csv(self) -> str:
        return "".join(
            user_row(u, role=p["role"], language=p["language"], status=p.get("status", ""))
            for u, p in self.people.items()
        )

    def put(self, kind: str, name: str, spec: dict[str, Any]) -> None:
        self.specs.setdefault(kind, {})[name] = spec

    def on(self, days: int) -> str:
        """The ISO date ``days`` after the scenario's first day."""
        return (self.day + timedelta(days=days)).isoformat()

    def starts(self) -> dict[str, str]:
        """Each assignment's ``start`` (a date, or ``immediately``)."""
        return {name: spec.get("start", "immediately")
                for name, spec in self.specs["Assignment"].items()}


@dataclass(frozen=True)
class Outcome:
    seed: int
    edit: str
    mismatches: tuple[str, ...]


def _step(rng: random.Random, program: Program, index: int, name: str,
          earlier: list[str]) -> dict[str, Any]:
    release: dict[str, Any]
    kind = "enrollment" if index == 0 else rng.choice(["offset", "date", "after", "enrollment"])
    if kind == "offset":
        release = {"offset": rng.choice(["0d", "3d", "7d"])}
    elif kind == "date":
        release = {"date": rng.choice(["2020-01-01", program.on(5), program.on(12),
                                       "2099-01-01"])}
    elif kind == "after" and earlier:
        release = {"after_step": rng.choice(earlier)}
    else:
        release = {"at": "enrollment"}
    return {"name": name, "items": rng.sample(OBJECTS, rng.randint(1, 2)), "release": release}


def _certificate(rng: random.Random) -> dict[str, str]:
    """Short enough for a chain of edits to see it expire and its renewal open."""
    certificate = {"template": "t", "valid_for": rng.choice(["10d", "30d"])}
    if rng.random() < 0.5:
        certificate["renew_before"] = "3d"
    return certificate


def _plan(rng: random.Random, program: Program) -> dict[str, Any]:
    steps: list[dict[str, Any]] = []
    for index in range(rng.randint(1, 3)):
        steps.append(_step(rng, program, index, f"s{index + 1}", [s["name"] for s in steps]))
    plan: dict[str, Any] = {"title": "Plan", "steps": steps,
                            "in_progress": rng.choice(["keep", "keep", "migrate"])}
    if rng.random() < 0.5:
        plan["certificate"] = _certificate(rng)
    return plan


def generate(rng: random.Random) -> Program:
    """A directory and a program: objects, audiences, plans, assignments (some starting
    on a later day)."""
    program = Program()
    program.people = {u: {"role": rng.choice(["Nurse", "Physician"]),
                          "language": rng.choice(["en", "es"])} for u in USERS}
    for name in OBJECTS:
        program.put("LearningObject", name, {"title": name, "type": "course"})
    program.put("Audience", "nurses", {"where": {"job_role": ["Nurse"]}})
    program.put("Audience", "listed", {"users": rng.sample(USERS, rng.randint(1, 4))})
    program.put("Audience", "spanish", {"where": {"language": "es"}, "exclude": ["listed"]})
    for name in ("p1", "p2"):
        program.put("CertificationPlan", name, _plan(rng, program))
    for index in range(rng.randint(1, 3)):
        items: list[dict[str, str]] = [{"plan": rng.choice(["p1", "p2"])}]
        if rng.random() < 0.5:
            items.append({"object": rng.choice(OBJECTS)})
        audience: Any = (rng.choice(["nurses", "listed", "spanish"]) if rng.random() < 0.7
                         else {"users": rng.sample(USERS, rng.randint(1, 3))})
        spec: dict[str, Any] = {"items": items, "audience": audience}
        if rng.random() < 0.2:
            spec["start"] = program.on(rng.choice([3, 10]))
        program.put("Assignment", f"a{index + 1}", spec)
    return program


def _fresh(steps: list[dict[str, Any]], base: str) -> str:
    """A step name not yet in ``steps`` (edits in a chain add several)."""
    names = {step["name"] for step in steps}
    return next(name for n in range(len(steps) + 2)
                if (name := f"{base}{n or ''}") not in names)


def edit(rng: random.Random, program: Program, directory: bool = True) -> str:
    """One random edit of ``program``, in place; returns its name. ``directory``: the
    edit may be a directory change."""
    kind = rng.choice(EDITS + DIRECTORY_EDITS if directory else EDITS)
    person = program.people[rng.choice(USERS)]
    plan = program.specs["CertificationPlan"][rng.choice(["p1", "p2"])]
    steps = plan["steps"]
    assignments = program.specs["Assignment"]
    chosen = assignments[rng.choice(sorted(assignments))] if assignments else None
    match kind:
        case "add-step":
            steps.insert(rng.randint(1, len(steps)), _step(rng, program, 1,
                                                           _fresh(steps, "new"), []))
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
            old, new = steps[-1]["name"], _fresh(steps, "renamed")
            steps[-1]["name"] = new
            for step in steps:
                if step["release"].get("after_step") == old:
                    step["release"] = {"after_step": new}
        case "change-offset":
            steps[-1]["release"] = {"offset": rng.choice(["1d", "14d"])}
        case "migrate" | "keep":
            plan["in_progress"] = kind
            steps.append(_step(rng, program, 1, _fresh(steps, "extra"), []))
        case "certificate":
            if "certificate" in plan and rng.random() < 0.5:
                del plan["certificate"]
            else:
                plan["certificate"] = _certificate(rng)
        case "widen-audience":
            program.specs["Audience"]["listed"]["users"] = USERS[:5]
        case "narrow-audience":
            program.specs["Audience"]["listed"]["users"] = USERS[:1]
        case "remove-assignment" if chosen is not None:
            del assignments[next(n for n, a in assignments.items() if a is chosen)]
        case "inactivate" if chosen is not None:
            chosen["active"] = False
        case "swap-plan" if chosen is not None:
            chosen["items"][0] = {"plan": "p2" if chosen["items"][0]["plan"] == "p1" else "p1"}
        case "new-hire":
            program.people[NEW_HIRE] = {"role": rng.choice(["Nurse", "Physician"]),
                                        "language": rng.choice(["en", "es"])}
        case "role-change":
            person["role"] = "Physician" if person["role"] == "Nurse" else "Nurse"
        case "leaver":
            person["status"] = "inactive"
        case "plan-and-audience":
            steps.append(_step(rng, program, 1, _fresh(steps, "more"), []))
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


def _progress(rng: random.Random, project: Project) -> None:
    """Learners complete what they can, on the platform's day."""
    with project.platform() as engine:
        today = engine.today()
        for learner in USERS:
            for name in rng.sample(OBJECTS, rng.randint(0, 3)):
                # No access to it (yet): learners only do what they can.
                with contextlib.suppress(ReconcilerError):
                    engine.record_completion(learner, name, completed_on=today,
                                             actor=learner)


def run_scenario(seed: int, workdir: Path, *, rest: bool = False,
                 rounds: int = ROUNDS) -> Outcome:
    """One scenario in ``workdir``; ``rest``: through the rest provider and a server;
    ``rounds``: edits in its chain."""
    rng = random.Random(seed)
    program = generate(rng)
    project = Project(workdir / f"s{seed}", program.users_csv())
    try:
        if not rest:
            return _scenario(seed, rng, project, program, rest, rounds)
        with _served(project) as url:
            project.add_target("lms", f"{{type: rest, url: '{url}', token_env: {TOKEN_ENV}}}")
            return _scenario(seed, rng, project, program, rest, rounds)
    finally:
        project.close()


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
              rest: bool, rounds: int) -> Outcome:
    _write(project, program)
    steps = ["setup"]
    versions: Versions = {}  # each plan version's spec, as the harness wrote it
    found = [f"setup: {mismatch}"
             for mismatch in plan_and_apply(project, EVERYONE, program.starts())]
    for round_ in range(rounds + 1):
        if found:
            break  # later rounds would build on a platform already off its plan
        _remember(project, program, versions)
        days = rng.choice(DAYS)
        found += [f"{days} day(s) after {steps[-1]}: {mismatch}" for mismatch in
                  time_passes(project, EVERYONE, days, program.starts(), versions)]
        if round_ == rounds:
            break  # the last edit, too, is followed some days on
        _progress(rng, project)
        steps.append(edit(rng, program, directory=not rest))
        _write(project, program)
        found += [f"{steps[-1]}: {mismatch}"
                  for mismatch in plan_and_apply(project, EVERYONE, program.starts())]
    return Outcome(seed, " > ".join(steps), tuple(found))


def _remember(project: Project, program: Program, versions: Versions) -> None:
    """The spec of each plan's newest version, as written, once an apply made it."""
    for plan, version in newest_versions(project).items():
        if version is not None and version not in versions.setdefault(plan, {}):
            versions[plan][version] = copy.deepcopy(program.specs["CertificationPlan"][plan])
