"""The user directory as audience rules see it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True)
class User:
    """A person in the platform's directory. ``attributes`` holds every HRIS column
    but ``employee_id``, ``groups`` and ``status``; an empty cell is an absent attribute
    (so ``exists: false`` matches it). Inactive users belong to no audience."""

    employee_id: str
    attributes: Mapping[str, str] = field(default_factory=dict)
    groups: frozenset[str] = frozenset()
    active: bool = True
