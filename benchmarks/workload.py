"""A deterministic, realistic directory and audience set for benchmarks.

``generate_users(n)`` draws an HRIS-like population (roles with matching departments and
groups, a few locations dominating, Spanish speakers concentrated in Miami and Austin,
hire dates over two decades, some inactive users, some empty cells); ``generate_audiences``
draws audiences in the canonical resolved form (DESIGN §2) mixing listed users, groups,
includes, ``where`` filters of every operator, and excludes. Same seed, same workload.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any

from reconciler.rules.directory import User

# (job_role, department, group, weight)
ROLES = [
    ("Nurse", "Nursing", "nursing", 34),
    ("Physician", "Medicine", "physicians", 12),
    ("Pharmacist", "Pharmacy", "pharmacy", 5),
    ("Receptionist", "Administration", "front-desk", 9),
    ("Engineer", "IT", "it", 7),
    ("Manager", "Administration", "managers", 6),
    ("Technician", "Facilities", "", 27),
]
LOCATIONS = [("Boston", 30), ("Austin", 22), ("Miami", 20), ("Dallas", 8), ("Orlando", 7),
             ("Phoenix", 5), ("Denver", 4), ("Chicago", 4)]
SPANISH_SHARE = {"Miami": 0.6, "Austin": 0.4, "Orlando": 0.35, "Phoenix": 0.35, "Dallas": 0.3}
SHIFTS = ["day", "night", "rotating"]
FIRST_DAY = date(2005, 1, 1)
LAST_DAY = date(2026, 6, 30)
COST_CENTERS = 400


def _pick(rng: random.Random, weighted: list[tuple[str, int]]) -> str:
    return rng.choices([name for name, _ in weighted], [w for _, w in weighted])[0]


def generate_users(count: int, seed: int = 2027) -> list[User]:
    rng = random.Random(seed)
    span = (LAST_DAY - FIRST_DAY).days
    role_weights = [(f"{i}", weight) for i, (*_, weight) in enumerate(ROLES)]
    users = []
    for n in range(count):
        role, department, group, _ = ROLES[int(_pick(rng, role_weights))]
        location = _pick(rng, LOCATIONS)
        # Recent years hire more (growth): skew towards the end of the span.
        hired = FIRST_DAY + timedelta(days=int(span * rng.random() ** 0.6))
        groups = {group} if group else set()
        contractor = rng.random() < 0.07
        if contractor:
            groups.add("contractors")
            department = "Contractors"
        if hired.year == 2026:
            groups.add("new-hires")
        if role != "Manager" and rng.random() < 0.04:
            groups.add("managers")
        attributes = {
            "job_role": role,
            "department": department,
            "location": location if rng.random() > 0.02 else "",
            "language": "es" if rng.random() < SPANISH_SHARE.get(location, 0.08) else "en",
            "hire_date": hired.isoformat(),
            "cost_center": f"CC{rng.randrange(COST_CENTERS):04d}",
            "shift": rng.choice(SHIFTS) if role in ("Nurse", "Physician", "Technician") else "",
        }
        if rng.random() < 0.02:
            attributes["language"] = ""
        users.append(User(
            f"E{100001 + n}",
            {key: value for key, value in attributes.items() if value},
            frozenset(groups),
            active=rng.random() > 0.04,
        ))
    return users


def _selective_condition(rng: random.Random) -> tuple[str, Any]:
    """A condition that picks out part of the organisation: roles, sites, cost centres,
    a hiring cohort."""
    roles = [role for role, *_ in ROLES]
    locations = [name for name, _ in LOCATIONS]
    kind = rng.randrange(5)
    if kind == 0:
        return "job_role", rng.sample(roles, rng.randint(1, 2))
    if kind == 1:
        return "location", rng.sample(locations, rng.randint(1, 2))
    if kind == 2:
        year = rng.randint(2008, 2025)
        return "hire_date", {"after": f"{year}-{rng.randint(1, 12):02d}-01",
                             "before": f"{year + rng.randint(1, 2)}-01-01"}
    if kind == 3:
        return "hire_date", {"after": f"2025-{rng.randint(1, 12):02d}-01"}
    return "cost_center", [f"CC{rng.randrange(COST_CENTERS):04d}" for _ in range(rng.randint(1, 8))]


def _broad_condition(rng: random.Random) -> tuple[str, Any]:
    """A condition most people pass: a language, a shift, "not a contractor"..."""
    kind = rng.randrange(4)
    if kind == 0:
        return "language", rng.choice(["en", "es"])
    if kind == 1:
        return "department", {"not": rng.sample(["Contractors", "Facilities", "IT"], 1)}
    if kind == 2:
        return "location", {"exists": rng.random() < 0.8}
    return "shift", rng.choice(SHIFTS)


def _conditions(rng: random.Random, selective: int, broad: int) -> dict[str, Any]:
    picked = [_selective_condition(rng) for _ in range(selective)]
    picked += [_broad_condition(rng) for _ in range(broad)]
    return dict(picked)


def generate_audiences(count: int, users: list[User], seed: int = 6) -> dict[str, dict[str, Any]]:
    """``count`` audiences named ``aud-0001``... in this mix: 35% groups narrowed by
    0-2 conditions, 25% ``where`` only with a selective condition (a role, a site, a
    cohort, cost centres) plus 0-2 broad ones, 10% listed users, 20% includes of 1-3
    earlier audiences (sometimes with a group) narrowed by 0-2 conditions, 10% organisation-wide
    (broad conditions only); 30% also exclude 1-2 earlier audiences. Includes and excludes
    point only at earlier audiences (no cycles), as a reviewed spec directory would."""
    rng = random.Random(seed)
    ids = [user.employee_id for user in users]
    groups = sorted({group for user in users for group in user.groups})
    audiences: dict[str, dict[str, Any]] = {}
    for n in range(count):
        earlier = list(audiences)
        spec: dict[str, Any] = {"users": [], "groups": [], "include": [], "where": {},
                                "exclude": []}
        shape = rng.random()
        if shape < 0.35:
            spec["groups"] = rng.sample(groups, rng.randint(1, 2))
            spec["where"] = _conditions(rng, rng.randint(0, 1), rng.randint(0, 1))
        elif shape < 0.60:
            spec["where"] = _conditions(rng, 1, rng.randint(0, 2))
        elif shape < 0.70:
            spec["users"] = rng.sample(ids, min(len(ids), rng.randint(5, 60)))
        elif shape < 0.90 and earlier:
            spec["include"] = rng.sample(earlier, min(len(earlier), rng.randint(1, 3)))
            if rng.random() < 0.3:
                spec["groups"] = [rng.choice(groups)]
            spec["where"] = _conditions(rng, rng.randint(0, 1), rng.randint(0, 1))
        else:
            spec["where"] = _conditions(rng, 0, rng.randint(1, 2))
        if earlier and rng.random() < 0.3:
            spec["exclude"] = rng.sample(earlier, min(len(earlier), rng.randint(1, 2)))
        audiences[f"aud-{n + 1:04d}"] = spec
    return audiences
