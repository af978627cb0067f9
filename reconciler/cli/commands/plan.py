"""``learnops plan``: what apply would change, for a reviewer or a CI job.

Exit codes (DESIGN §5): 0 done (no changes, or changes without
``--detailed-exitcode``), 1 error (specs do not compile, the platform failed, or
the plan holds errors such as conflicts and refusals), 2 changes with
``--detailed-exitcode``.
"""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path
from typing import Any, Literal, assert_never

from reconciler.cli import clock, console
from reconciler.cli.arguments import add_dir, add_target, day
from reconciler.cli.project_file import project_zone
from reconciler.plan.facade import plan_directory
from reconciler.plan.model import Plan
from reconciler.render.json import render_json
from reconciler.render.text import render_text

Output = Literal["text", "markdown", "json"]


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "plan", help="show what apply would change on the platform, and for whom"
    )
    add_dir(parser)
    add_target(parser)
    parser.add_argument("--out", type=Path, metavar="FILE",
                        help="save the plan (JSON) for 'learnops apply FILE'")
    parser.add_argument("--output", choices=("text", "markdown", "json"), default="text",
                        help="text for a terminal, markdown for a PR comment, json for tools")
    parser.add_argument("--detailed-exitcode", action="store_true",
                        help="exit 2 when there are changes (0: none, 1: error)")
    parser.add_argument("--schedule-start", type=day, default=None, metavar="DATE",
                        help="markdown: chart changed plans' schedules for a learner "
                             "enrolling on DATE (default: today)")
    parser.add_argument("--allow-delete", action="store_true",
                        help="allow deleting resources removed with on_remove: delete")
    parser.add_argument("--allow-disruptive", action="store_true",
                        help="allow moving learners in progress (in_progress: migrate)")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    plan = plan_directory(
        Path(args.dir),
        target=args.target,
        allow_delete=args.allow_delete,
        allow_disruptive=args.allow_disruptive,
        source_dir=args.dir,
        today=clock.today(project_zone(Path(args.dir))),
    )
    start = args.schedule_start or clock.today(project_zone(Path(args.dir)))
    sys.stdout.write(render(plan, args.output, start))
    if args.out is not None:
        if plan.errors:
            console.error(f"the plan has errors: not saved to {args.out}")
        else:
            args.out.parent.mkdir(parents=True, exist_ok=True)
            args.out.write_text(render_json(plan), encoding="utf-8")
            print(f"Saved the plan to {args.out}; apply it with: learnops apply {args.out}",
                  file=sys.stderr)
    return exit_code(plan, detailed=args.detailed_exitcode)


def render(plan: Plan, output: Output, schedule_start: date) -> str:
    match output:
        case "text":
            return render_text(plan, colour=console.colour_enabled(sys.stdout))
        case "markdown":
            # Imported for its one format: it brings the schedule previews along.
            from reconciler.render.markdown import render_markdown

            return render_markdown(plan, schedule_start=schedule_start)
        case "json":
            return render_json(plan)
        case _:
            assert_never(output)


def exit_code(plan: Plan, *, detailed: bool) -> int:
    if plan.errors:
        return 1
    return 2 if detailed and plan.has_changes else 0

