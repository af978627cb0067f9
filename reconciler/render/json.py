"""The plan as JSON (DESIGN §6, ``schema/plan.schema.json``): the same document
``--out FILE`` saves and ``apply PLANFILE`` reads back."""

from __future__ import annotations

import json

from reconciler.plan.model import Plan
from reconciler.plan.serialize import plan_to_json


def render_json(plan: Plan, *, indent: int | None = 2) -> str:
    return json.dumps(plan_to_json(plan), indent=indent, ensure_ascii=False) + "\n"
