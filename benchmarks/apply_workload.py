"""A synthetic spec repository for the apply benchmark: N resources in realistic shape.

    python3 benchmarks/apply_workload.py OUTDIR [--resources 10000] [--users 1000]

Half learning objects (a tenth of them foundations others require), a fifth audiences
(benchmarks/workload.py's mix of groups, listed users, includes, filters and excludes),
and the rest certification plans with timed steps and assignments of plans or objects
to audiences. Spread over files of 100 documents, with a users.csv the sandbox imports.
Same arguments, same bytes.
"""

from __future__ import annotations

import argparse
import csv
import io
import random
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))

from workload import generate_audiences, generate_users

from reconciler.rules.directory import User

DOCS_PER_FILE = 100
TYPES = ["course", "video", "document", "assessment", "scorm", "event", "external"]
USER_COLUMNS = ["employee_id", "first_name", "last_name", "email", "job_role", "department",
                "location", "language", "hire_date", "groups", "status"]


def shares(total: int) -> tuple[int, int, int, int]:
    """(objects, audiences, plans, assignments) adding up to ``total``."""
    objects, audiences, plans = total // 2, total // 5, (total * 3) // 20
    return objects, audiences, plans, total - objects - audiences - plans


def learning_objects(count: int, rng: random.Random) -> Iterator[tuple[str, dict[str, Any]]]:
    foundations = max(1, count // 10)
    for n in range(count):
        name = f"obj-{n + 1:05d}"
        kind = rng.choice(TYPES)
        spec: dict[str, Any] = {
            "title": f"Learning object {n + 1}",
            "type": kind,
            "duration": f"{rng.choice([10, 15, 20, 30, 45, 60])}m",
            "languages": ["en", "es"] if rng.random() < 0.4 else ["en"],
            "url": f"https://lms.example.com/c/{name}",
        }
        if kind == "assessment":
            spec["completion"] = {"type": "min_score", "min_score": rng.choice([70, 80, 90])}
        if n >= foundations and rng.random() < 0.15:
            spec["prerequisites"] = [f"obj-{rng.randrange(foundations) + 1:05d}"]
        yield name, spec


def certification_plans(
    count: int, objects: int, rng: random.Random
) -> Iterator[tuple[str, dict[str, Any]]]:
    for n in range(count):
        steps: list[dict[str, Any]] = []
        for s in range(rng.randint(2, 4)):
            items = [f"obj-{rng.randrange(objects) + 1:05d}" for _ in range(rng.randint(1, 3))]
            step: dict[str, Any] = {"name": f"step-{s + 1}", "items": sorted(set(items))}
            if s == 0:
                step["release"] = {"at": "enrollment"}
            elif rng.random() < 0.5:
                step["release"] = {"offset": f"{rng.choice([7, 14, 30])}d"}
            else:
                step["release"] = {"after_step": f"step-{s}", "delay": f"{rng.choice([0, 2])}d"}
            if rng.random() < 0.6:
                step["due"] = f"{rng.choice([7, 14, 30])}d"
            steps.append(step)
        spec: dict[str, Any] = {
            "title": f"Certification plan {n + 1}",
            "owner": "training@example.com",
            "steps": steps,
        }
        if rng.random() < 0.5:
            spec["certificate"] = {"template": "standard", "valid_for": "1y",
                                   "renew_before": "30d"}
            spec["notify"] = {"admins": ["training@example.com"], "on": ["completed"]}
        yield f"plan-{n + 1:04d}", spec


def assignments(
    count: int, objects: int, plans: int, audiences: list[str], rng: random.Random
) -> Iterator[tuple[str, dict[str, Any]]]:
    for n in range(count):
        if rng.random() < 0.6:
            items: list[dict[str, str]] = [{"plan": f"plan-{rng.randrange(plans) + 1:04d}"}]
        else:
            picked = {f"obj-{rng.randrange(objects) + 1:05d}" for _ in range(rng.randint(1, 3))}
            items = [{"object": name} for name in sorted(picked)]
        spec: dict[str, Any] = {
            "title": f"Assignment {n + 1}",
            "items": items,
            "audience": rng.choice(audiences),
            "start": "immediately" if rng.random() < 0.7 else f"2027-0{rng.randint(1, 9)}-01",
            "due": f"{rng.choice([14, 30, 60])}d",
            "notify": {"on_assign": True, "reminders": ["7d", "1d"]},
        }
        yield f"assign-{n + 1:04d}", spec


def users_csv(users: list[User]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(USER_COLUMNS)
    for user in users:
        a = user.attributes
        number = user.employee_id[1:]
        writer.writerow([
            user.employee_id, f"First{number}", f"Last{number}", f"u{number}@example.com",
            a.get("job_role", ""), a.get("department", ""), a.get("location", ""),
            a.get("language", ""), a.get("hire_date", ""), ";".join(sorted(user.groups)),
            "active" if user.active else "inactive",
        ])
    return out.getvalue()


def write_workload(
    out: Path, resources: int = 10_000, users: int = 1_000, seed: int = 2027
) -> Path:
    """Writes the spec directory under ``out`` and returns it."""
    rng = random.Random(seed)
    n_objects, n_audiences, n_plans, n_assignments = shares(resources)
    directory = generate_users(users, seed=seed)
    audience_specs = generate_audiences(n_audiences, directory, seed=seed)
    # A filter on a column the CSV does not carry (cost centre, shift) would match
    # nobody: keep the filters the directory can answer.
    for spec in audience_specs.values():
        spec["where"] = {k: v for k, v in spec["where"].items()
                         if k not in ("cost_center", "shift")}
    documents = {
        "objects": [("LearningObject", name, spec)
                    for name, spec in learning_objects(n_objects, rng)],
        "audiences": [("Audience", name, spec) for name, spec in audience_specs.items()],
        "plans": [("CertificationPlan", name, spec)
                  for name, spec in certification_plans(n_plans, n_objects, rng)],
        "assignments": [("Assignment", name, spec) for name, spec in
                        assignments(n_assignments, n_objects, n_plans, list(audience_specs), rng)],
    }
    out.mkdir(parents=True, exist_ok=True)
    (out / "learnops.yaml").write_text(
        "project: apply-benchmark\n"
        "provider: {type: sandbox, path: .learnops/sandbox.db, users: directory/users.csv}\n",
        encoding="utf-8",
    )
    (out / "directory").mkdir(exist_ok=True)
    (out / "directory" / "users.csv").write_text(users_csv(directory), encoding="utf-8")
    for folder, docs in documents.items():
        (out / folder).mkdir(exist_ok=True)
        for start in range(0, len(docs), DOCS_PER_FILE):
            chunk = docs[start:start + DOCS_PER_FILE]
            text = yaml.safe_dump_all(
                ({"apiVersion": "learnops/v1", "kind": kind, "metadata": {"name": name},
                  "spec": spec} for kind, name, spec in chunk),
                sort_keys=False, explicit_start=True, width=100,
            )
            (out / folder / f"{folder}-{start // DOCS_PER_FILE + 1:03d}.yaml").write_text(
                text, encoding="utf-8"
            )
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--resources", type=int, default=10_000)
    parser.add_argument("--users", type=int, default=1_000)
    args = parser.parse_args(argv)
    write_workload(args.out, args.resources, args.users)
    print(f"wrote {args.resources:,} resources and {args.users:,} users under {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
