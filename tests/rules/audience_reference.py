"""Who an audience reaches, written again from DESIGN §2 and nothing of reconciler's.

The indexed engine and ``naive_members`` share ``reconciler.rules.conditions`` (the
parsing and meaning of ``where``), so checking one against the other cannot catch a
mistake there. This evaluator shares no code with them: plain dicts and sets, one
user at a time, dates parsed with ``date.fromisoformat`` on ``YYYY-MM-DD`` only.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from reconciler.rules.directory import User

_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


class Cycle(Exception):
    """Audiences that include or exclude each other in a loop."""


def _text(value: Any) -> str:
    # A YAML true compares with the CSV cell "true", 7 with "7".
    if value is True:
        return "true"
    if value is False:
        return "false"
    return str(value)


def _day(text: str | None) -> date | None:
    if text is None or not _ISO_DAY.fullmatch(text):
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def _condition_holds(condition: Any, value: str | None) -> bool:
    if isinstance(condition, list):
        return value is not None and value in {_text(v) for v in condition}
    if not isinstance(condition, dict):
        return value is not None and value == _text(condition)
    ok = True
    if "not" in condition:
        negated = condition["not"]
        options = negated if isinstance(negated, list) else [negated]
        ok = ok and (value is None or value not in {_text(v) for v in options})
    if "exists" in condition:
        ok = ok and ((value is not None) is condition["exists"])
    if "after" in condition or "before" in condition:
        day = _day(value)
        after = _day(_text(condition["after"])) if "after" in condition else None
        before = _day(_text(condition["before"])) if "before" in condition else None
        ok = ok and day is not None and (after is None or day > after) \
            and (before is None or day < before)
    return ok


def _member(user: User, name: str, audiences: Mapping[str, Any], path: tuple[str, ...]) -> bool:
    if name in path:
        raise Cycle(" -> ".join((*path, name)))
    spec = audiences[name]
    here = (*path, name)
    users = [_text(u) for u in spec.get("users") or []]
    groups = [_text(g) for g in spec.get("groups") or []]
    includes = list(spec.get("include") or [])
    if not user.active:
        return False
    if users or groups or includes:
        in_base = (user.employee_id in users or any(g in user.groups for g in groups)
                   or any(_member(user, other, audiences, here) for other in includes))
    else:
        in_base = True  # nothing listed: every active user
    where = spec.get("where") or {}
    if not in_base or not all(_condition_holds(c, user.attributes.get(attribute))
                              for attribute, c in where.items()):
        return False
    return not any(_member(user, other, audiences, here) for other in spec.get("exclude") or [])


def reference_members(name: str, audiences: Mapping[str, Any], users: Iterable[User]) -> set[str]:
    """Employee ids of the members of ``name``; a later row of the same id wins."""
    latest = {user.employee_id: user for user in users}
    return {uid for uid, user in latest.items() if _member(user, name, audiences, ())}
