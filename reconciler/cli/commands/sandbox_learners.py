"""``learnops sandbox users import | learner view | complete | report``: the sandbox's
people side from the shell, one engine call each (see :mod:`.sandbox_text` for the
readable forms)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from reconciler.cli.arguments import day
from reconciler.cli.commands import sandbox_text as text
from reconciler.cli.commands.sandbox_platform import CLI_ACTOR, add_db_option, open_platform
from reconciler.errors import InvalidRequest, UsageError
from reconciler.rules.directory import parse_users_csv


def register(commands: Any) -> None:
    users = commands.add_parser("users", help="the platform's user directory")
    users_commands = users.add_subparsers(dest="users_command", metavar="COMMAND")
    users_commands.required = True
    imported = users_commands.add_parser(
        "import", help="add and update users from an HRIS CSV (all or nothing)")
    imported.add_argument("file", type=Path, metavar="CSV",
                          help="users CSV (see specs/directory/users.csv)")
    add_db_option(imported)
    imported.set_defaults(handler=import_users)

    learner = commands.add_parser("learner", help="what a learner sees")
    learner_commands = learner.add_subparsers(dest="learner_command", metavar="COMMAND")
    learner_commands.required = True
    view = learner_commands.add_parser(
        "view", help="a learner's items, progress, schedule and certificates")
    view.add_argument("employee_id", metavar="EMPLOYEE_ID")
    view.add_argument("--as-of", type=day, metavar="DATE", help="the day to show (default: today)")
    add_db_option(view)
    view.set_defaults(handler=view_learner)

    complete = commands.add_parser("complete", help="record that a learner completed an object")
    complete.add_argument("employee_id", metavar="EMPLOYEE_ID")
    complete.add_argument("object", metavar="OBJECT", help="the learning object's name")
    complete.add_argument("--on", type=day, metavar="DATE", help="completion day (default: today)")
    complete.add_argument("--score", type=int, metavar="N",
                          help="the score in percent (objects passed with a minimum score)")
    add_db_option(complete)
    complete.set_defaults(handler=record_completion)

    report = commands.add_parser(
        "report", help="every enrollment with progress and certificates")
    report.add_argument("--output", choices=("text", "csv"), default="text")
    report.add_argument("--as-of", type=day, metavar="DATE",
                        help="the day to report (default: today)")
    add_db_option(report)
    report.set_defaults(handler=enrollments_report)


def import_users(args: argparse.Namespace) -> int:
    if not args.file.is_file():
        raise UsageError(f"users file {args.file} does not exist")
    try:
        csv_text = args.file.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise UsageError(f"users file {args.file} is not UTF-8 text") from None
    except OSError as problem:
        raise UsageError(f"cannot read users file {args.file}: {problem.strerror}") from None
    parse_users_csv(csv_text, str(args.file))  # a bad file makes no database
    with open_platform(args, create=True) as platform:
        counts = platform.import_users_csv(csv_text, actor=CLI_ACTOR, source=str(args.file))
    print(f"{args.file}: {counts['added']} added, {counts['updated']} updated,"
          f" {counts.get('unchanged', 0)} unchanged")
    return 0


def view_learner(args: argparse.Namespace) -> int:
    with open_platform(args) as platform:
        page = platform.learner_view(args.employee_id, args.as_of or platform.today())
    sys.stdout.write(text.learner_page(page))
    return 0


def record_completion(args: argparse.Namespace) -> int:
    if args.score is not None and not 0 <= args.score <= 100:
        raise UsageError(f"--score is a percentage from 0 to 100 (got {args.score})")
    with open_platform(args) as platform:
        try:
            result = platform.record_completion(
                args.employee_id, args.object, completed_on=args.on or platform.today(),
                score=args.score, actor=CLI_ACTOR)
        except InvalidRequest as error:
            if error.pointer != "/score":
                raise
            # The engine speaks of the request body; here the score is an option.
            raise UsageError(f"{error.message}: pass --score N") from None
    print(text.completion(result))
    return 0


def enrollments_report(args: argparse.Namespace) -> int:
    with open_platform(args) as platform:
        report = platform.enrollments_report_csv(args.as_of or platform.today())
    sys.stdout.write(report if args.output == "csv" else text.report_table(report))
    return 0
