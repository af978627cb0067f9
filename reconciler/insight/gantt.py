"""A certification plan's schedule as a mermaid gantt chart (for the markdown plan and
``learnops preview --format mermaid``).

One section per step. A step with a due date is a task bar from its release to its due
date; a step without one is a milestone on its release day. A step that releases after
an earlier one is drawn at its earliest release, plus a second bar (or milestone) at its
latest when that differs, so the chart shows the whole window.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date

from reconciler.insight.preview import StepPreview, plan_preview
from reconciler.insight.programs import Programs, unknown_name
from reconciler.model import JSON, DesiredState

# Mermaid reads ':' as the start of a task's data, '#' and ';' as syntax; a line break
# would end the statement. None of them may appear in a name.
_UNSAFE = re.compile(r"[:;#\r\n]+")


def _text(value: str) -> str:
    return " ".join(_UNSAFE.sub(" ", value).split())


def _bar(name: str, task_id: str, released: date, due: date | None) -> str:
    if due is None or due <= released:
        return f"    {name} :milestone, {task_id}, {released.isoformat()}, 0d"
    return f"    {name} :{task_id}, {released.isoformat()}, {(due - released).days}d"


def _step_lines(index: int, step: StepPreview) -> list[str]:
    names = _text(", ".join(step.items)) or _text(step.step) or f"step {index}"
    lines = [f"    section {_text(step.step) or f'step {index}'}",
             _bar(names, f"s{index}", step.earliest_release, step.due_earliest)]
    if step.after_step is not None:
        waits_for = _text(step.after_step)
        if step.latest_release is None:
            lines.append(f"    %% no latest release: {waits_for} has no due date")
        elif step.latest_release != step.earliest_release:
            lines.append(_bar(f"latest, if {waits_for} is completed on its due date",
                              f"s{index}_latest", step.latest_release, step.due_latest))
    return lines


def gantt(plan_spec: Mapping[str, JSON], start: date, title: str) -> str:
    """The mermaid ``gantt`` source of ``plan_spec`` (a resolved CertificationPlan spec)
    for a learner enrolling on ``start``; ends with a newline."""
    preview = plan_preview(title, plan_spec, start)
    lines = ["gantt", f"    title {_text(title) or 'certification plan'}",
             "    dateFormat YYYY-MM-DD", "    axisFormat %Y-%m-%d"]
    for index, step in enumerate(preview.steps, start=1):
        lines.extend(_step_lines(index, step))
    return "\n".join(lines) + "\n"


def plan_gantt(plan: str, state: DesiredState, start: date) -> str:
    """The gantt of the specs' plan ``plan``, titled ``name - title``. Raises UsageError
    (with a "did you mean") when the specs define no such plan."""
    plans = Programs.of(state).plans
    if plan not in plans:
        raise unknown_name("certification plan", plan, plans)
    spec = plans[plan]
    return gantt(spec, start, f"{plan} - {spec.get('title') or plan}")
