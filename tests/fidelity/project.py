"""A program repository in a temporary folder, driven through the CLI (``main(argv)``
in-process) on its own embedded sandbox, for the plan-fidelity tests."""

from __future__ import annotations

import io
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, redirect_stderr, redirect_stdout
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import yaml
from reconciler_sandbox.engine import Platform

from reconciler.cli.main import main

# libyaml's dumper where installed (the same text, a fifth of the time: the harness
# writes every spec before each plan).
DUMPER: Any = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
USERS_HEADER = (
    "employee_id,first_name,last_name,email,job_role,department,location,language,"
    "hire_date,groups,status\n"
)


@dataclass(frozen=True)
class Run:
    code: int
    out: str
    err: str


def user_row(employee_id: str, role: str = "Nurse", language: str = "en",
             groups: str = "", department: str = "Nursing", status: str = "") -> str:
    return (f"{employee_id},F{employee_id},L{employee_id},{employee_id.lower()}@x.example,"
            f"{role},{department},Miami,{language},2020-01-01,{groups},{status}\n")


class Project:
    """``root`` holds learnops.yaml, users.csv and one YAML file per resource."""

    def __init__(self, root: Path, users: str, extra_config: str = "") -> None:
        self.root = root
        self.target: str | None = None  # --target for plan and apply (None: the provider)
        self._engine: Platform | None = None  # the harness's own handle, once opened
        root.mkdir(parents=True, exist_ok=True)
        self.write_users(users)
        (root / "learnops.yaml").write_text(
            "project: fidelity\n"
            "provider: {type: sandbox, path: .learnops/sandbox.db, users: users.csv}\n"
            + extra_config,
            encoding="utf-8",
        )

    def write_users(self, rows: str) -> None:
        """The directory (the users file the sandbox provider names): rows after the header."""
        (self.root / "users.csv").write_text(USERS_HEADER + rows, encoding="utf-8")

    def read_users(self) -> str:
        return (self.root / "users.csv").read_text(encoding="utf-8")

    def add_target(self, name: str, flow: str) -> None:
        """A ``targets:`` entry (``flow``: its YAML flow mapping), used from now on."""
        config = self.root / "learnops.yaml"
        config.write_text(config.read_text(encoding="utf-8")
                          + f"targets:\n  {name}: {flow}\n", encoding="utf-8")
        self.target = name

    def put(self, kind: str, name: str, spec: Mapping[str, Any]) -> None:
        document = {"apiVersion": "learnops/v1", "kind": kind,
                    "metadata": {"name": name}, "spec": dict(spec)}
        (self.root / f"{kind.lower()}-{name}.yaml").write_text(
            yaml.dump(document, Dumper=DUMPER, sort_keys=False), encoding="utf-8")

    def drop(self, kind: str, name: str) -> None:
        (self.root / f"{kind.lower()}-{name}.yaml").unlink()

    def cli(self, *argv: str) -> Run:
        out, err = io.StringIO(), io.StringIO()
        with redirect_stdout(out), redirect_stderr(err):
            code = main(list(argv))
        return Run(code, out.getvalue(), err.getvalue())

    def _targeted(self) -> tuple[str, ...]:
        return ("--target", self.target) if self.target else ()

    def plan(self, *flags: str) -> Run:
        return self.cli("plan", str(self.root), "--detailed-exitcode", *self._targeted(),
                        *flags)

    def apply(self, *flags: str) -> Run:
        return self.cli("apply", str(self.root), "--auto-approve", *self._targeted(), *flags)

    @contextmanager
    def platform(self) -> Iterator[Platform]:
        """The project's sandbox, opened once and kept until :meth:`close`: each read
        is its own transaction, so it sees every CLI run's writes; and with it open, a
        CLI run's close is not the file's last (which checkpoints the log and deletes it:
        a fifth of the harness's CPU went on opening and closing it)."""
        if self._engine is None:
            self._engine = Platform(self.root / ".learnops" / "sandbox.db")
        yield self._engine

    def close(self) -> None:
        """Close the handle :meth:`platform` keeps (a project collected closes with it)."""
        if self._engine is not None:
            self._engine.close()
            self._engine = None

    def view(self, employee_id: str, as_of: date | None = None) -> dict[str, Any]:
        with self.platform() as engine:
            return engine.learner_view(employee_id, as_of or date.today())

    def enrollment(self, employee_id: str, item: Mapping[str, str]) -> dict[str, Any] | None:
        """The learner's current entry for ``item`` (``{"plan": name}``), if they have access."""
        return next((e for e in self.view(employee_id)["enrollments"] if e["item"] == item),
                    None)
