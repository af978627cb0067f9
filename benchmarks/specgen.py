"""The benchmarks' workload: a synthetic spec repository of N resources.

    python3 benchmarks/specgen.py OUTDIR [--resources 10000] [--files 200] [--users 1000]

The one generator every benchmark that needs a program uses (validate, plan, apply,
sync), so their figures are about the same 10,000 resources.

Realistic proportions: half learning objects (a tenth of them foundations others
require, a few ``existing: true`` from the platform's catalog), a fifth audiences
(benchmarks/workload.py's mix of groups, listed users, includes, filters and excludes),
the rest certification plans with timed steps (offsets, fixed dates, ``after_step``,
certificates) and assignments of plans or objects to named or inline audiences.
Documents are written as people write them (block style, labels, a schema comment
line) and spread over about ``--files`` files in kind folders. Same arguments, same
bytes; the tree validates without errors. Next to the specs: ``learnops.yaml`` (a
``sandbox`` provider), ``directory/users.csv`` (every attribute the audiences filter
on) and ``directory/catalog.csv`` (the ``existing: true`` objects, which a platform
must hold before a plan; the sandbox provider seeds it, a bare server does not).
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

TYPES = ["course", "video", "document", "assessment", "scorm", "event", "external"]
AREAS = ["compliance", "clinical", "safety", "leadership", "onboarding", "it", "quality"]
USER_COLUMNS = ["employee_id", "first_name", "last_name", "email", "job_role", "department",
                "location", "language", "hire_date", "cost_center", "shift", "groups", "status"]
EXISTING_SHARE = 0.02  # objects authored in the platform, only checked by learnops
USERS_CSV = Path("directory", "users.csv")
CATALOG_CSV = Path("directory", "catalog.csv")

Document = tuple[str, str, dict[str, str], dict[str, Any]]  # kind, name, labels, spec


def shares(total: int) -> tuple[int, int, int, int]:
    """(objects, audiences, plans, assignments) adding up to ``total``."""
    objects, audiences, plans = total // 2, total // 5, (total * 3) // 20
    return objects, audiences, plans, total - objects - audiences - plans


def object_name(n: int) -> str:
    return f"obj-{n + 1:05d}"


def learning_objects(count: int, rng: random.Random) -> Iterator[Document]:
    foundations = max(1, count // 10)
    for n in range(count):
        name = object_name(n)
        labels = {"area": rng.choice(AREAS)}
        if n >= foundations and rng.random() < EXISTING_SHARE:
            yield "LearningObject", name, labels, {
                "title": f"Catalog item {n + 1}", "type": rng.choice(TYPES), "existing": True,
            }
            continue
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
        elif rng.random() < 0.2:
            spec["completion"] = {"type": rng.choice(["submit", "mark_done"])}
        if n >= foundations and rng.random() < 0.15:
            picked = {object_name(rng.randrange(foundations)) for _ in range(rng.randint(1, 2))}
            spec["prerequisites"] = sorted(picked)
        yield "LearningObject", name, labels, spec


def certification_plans(count: int, objects: int, rng: random.Random) -> Iterator[Document]:
    released = 0  # objects are released in turn, so every one of them is used somewhere
    for n in range(count):
        steps: list[dict[str, Any]] = []
        for s in range(rng.randint(2, 5)):
            items = {object_name(released % objects)}
            items |= {object_name(rng.randrange(objects)) for _ in range(rng.randint(0, 2))}
            released += 1
            step: dict[str, Any] = {"name": f"step-{s + 1}", "items": sorted(items)}
            roll = rng.random()
            if s == 0:
                if roll < 0.5:
                    step["release"] = {"at": "enrollment"}
            elif roll < 0.45:
                step["release"] = {"offset": f"{rng.choice([7, 14, 30])}d"}
            elif roll < 0.9:
                step["release"] = {"after_step": f"step-{s}", "delay": f"{rng.choice([0, 2])}d"}
            else:
                step["release"] = {"date": f"2027-{rng.randint(1, 12):02d}-01"}
            if rng.random() < 0.6:
                step["due"] = f"{rng.choice([7, 14, 30])}d"
            if s > 1 and rng.random() < 0.15:
                step["required"] = False
            steps.append(step)
        spec: dict[str, Any] = {
            "title": f"Certification plan {n + 1}",
            "owner": "training@example.com",
            "visibility": rng.choice(["released", "all"]),
            "steps": steps,
        }
        if rng.random() < 0.5:
            spec["certificate"] = {"template": "standard", "valid_for": "1y",
                                   "renew_before": "30d"}
            spec["notify"] = {"admins": ["training@example.com"],
                              "on": ["completed", "overdue", "expiring"]}
        yield "CertificationPlan", f"plan-{n + 1:04d}", {"area": rng.choice(AREAS)}, spec


def assignments(
    count: int, objects: int, plans: int, audiences: list[str], rng: random.Random
) -> Iterator[Document]:
    for n in range(count):
        # Plans and audiences are assigned in turn (each one used), objects now and then.
        items: list[dict[str, str]] = [{"plan": f"plan-{n % plans + 1:04d}"}]
        if rng.random() < 0.3:
            picked = {object_name(rng.randrange(objects)) for _ in range(rng.randint(1, 2))}
            items += [{"object": name} for name in sorted(picked)]
        audience: Any = audiences[-1 - n % len(audiences)]  # later ones include earlier
        if rng.random() < 0.1:  # an inline audience, lifted into its own resource
            audience = {"groups": [rng.choice(["nursing", "physicians", "pharmacy", "it"])],
                        "where": {"language": rng.choice(["en", "es"])}}
        spec: dict[str, Any] = {
            "title": f"Assignment {n + 1}",
            "items": items,
            "audience": audience,
            "start": "immediately" if rng.random() < 0.7 else f"2027-0{rng.randint(1, 9)}-01",
            "due": f"{rng.choice([14, 30, 60])}d",
            "notify": {"on_assign": True, "reminders": ["7d", "1d"]},
        }
        if rng.random() < 0.05:
            spec["active"] = False
        yield "Assignment", f"assign-{n + 1:04d}", {"area": rng.choice(AREAS)}, spec


def users_csv(users: list[User]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(USER_COLUMNS)
    for user in users:
        a = user.attributes
        number = user.employee_id[1:]
        writer.writerow([
            user.employee_id, f"First{number}", f"Last{number}", f"u{number}@example.com",
            *(a.get(column, "") for column in USER_COLUMNS[4:11]),
            ";".join(sorted(user.groups)), "active" if user.active else "inactive",
        ])
    return out.getvalue()


def catalog_csv(documents: list[Document]) -> str:
    """The platform's own content: the objects the specs mark ``existing: true``."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["name", "title", "type", "duration", "url", "languages"])
    for kind, name, _, spec in documents:
        if kind == "LearningObject" and spec.get("existing") is True:
            writer.writerow([name, spec["title"], spec["type"], "", "", "en"])
    return out.getvalue()


def generate(resources: int = 10_000, users: int = 1_000, seed: int = 2027) -> list[Document]:
    """Every document of the workload, in kind order."""
    rng = random.Random(seed)
    n_objects, n_audiences, n_plans, n_assignments = shares(resources)
    directory = generate_users(users, seed=seed)
    audience_specs = generate_audiences(n_audiences, directory, seed=seed)
    documents = list(learning_objects(n_objects, rng))
    documents += [("Audience", name, {}, spec) for name, spec in audience_specs.items()]
    documents += certification_plans(n_plans, n_objects, rng)
    documents += assignments(n_assignments, n_objects, n_plans, list(audience_specs), rng)
    return documents


def write_specs(
    out: Path, resources: int = 10_000, files: int = 200, users: int = 1_000, seed: int = 2027
) -> Path:
    """Writes the spec directory under ``out`` (with learnops.yaml, users.csv and the
    catalog the sandbox provider seeds from) and returns it."""
    documents = generate(resources, users, seed)
    per_file = max(1, -(-len(documents) // files))
    folders = {"LearningObject": "objects", "Audience": "audiences",
               "CertificationPlan": "plans", "Assignment": "assignments"}
    out.mkdir(parents=True, exist_ok=True)
    (out / "learnops.yaml").write_text(
        "project: spec-benchmark\n"
        "provider: {type: sandbox, path: .learnops/sandbox.db, users: directory/users.csv,"
        " catalog: directory/catalog.csv}\n",
        encoding="utf-8",
    )
    (out / "directory").mkdir(exist_ok=True)
    directory = generate_users(users, seed=seed)
    (out / USERS_CSV).write_text(users_csv(directory), encoding="utf-8")
    (out / CATALOG_CSV).write_text(catalog_csv(documents), encoding="utf-8")
    for kind, folder in folders.items():
        of_kind = [doc for doc in documents if doc[0] == kind]
        (out / folder).mkdir(exist_ok=True)
        for start in range(0, len(of_kind), per_file):
            chunk = of_kind[start:start + per_file]
            text = "# yaml-language-server: $schema=https://learnops.dev/schema/envelope.schema.json\n"
            text += yaml.safe_dump_all(
                (_document(kind, name, labels, spec) for kind, name, labels, spec in chunk),
                sort_keys=False, explicit_start=True, width=100,
            )
            path = out / folder / f"{folder}-{start // per_file + 1:03d}.yaml"
            path.write_text(text, encoding="utf-8")
    return out


def _document(kind: str, name: str, labels: dict[str, str], spec: dict[str, Any]) -> dict[str, Any]:
    metadata: dict[str, Any] = {"name": name}
    if labels:
        metadata["labels"] = labels
    return {"apiVersion": "learnops/v1", "kind": kind, "metadata": metadata, "spec": spec}


def add_workload_options(parser: argparse.ArgumentParser) -> None:
    """--resources, --files and --users, the same in every benchmark."""
    parser.add_argument("--resources", type=int, default=10_000, metavar="N",
                        help="resources in the workload (default: 10000)")
    parser.add_argument("--files", type=int, default=200, metavar="F",
                        help="spec files they are spread over (default: 200)")
    parser.add_argument("--users", type=int, default=1_000, metavar="U",
                        help="users in directory/users.csv (default: 1000)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("out", type=Path, help="folder to write (created if missing)")
    add_workload_options(parser)
    args = parser.parse_args(argv)
    write_specs(args.out, args.resources, args.files, args.users)
    written = sum(1 for _ in args.out.rglob("*.yaml")) - 1
    print(f"wrote {args.resources:,} resources in {written} files under {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
