"""README's quick start works as written on a fresh machine with only Python 3.11+.

A stock Debian/Ubuntu Python refuses `pip install` outside a virtual environment
(externally-managed-environment), so each quick-start command makes its venv itself;
CI runs README's test command verbatim.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def quick_start_commands() -> list[str]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    return [block.strip() for block in re.findall(r"```sh\n(.*?)```", section, re.S)]


def test_quick_start_has_two_commands_that_make_their_own_venv() -> None:
    commands = quick_start_commands()
    assert len(commands) == 2
    for command in commands:
        assert "\n" not in command
        assert command.startswith("python3 -m venv .venv && ")
        # nothing after the venv runs on the system Python or a PATH lookup
        for step in command.split(" && ")[1:]:
            assert step.startswith(".venv/bin/"), step


def test_ci_runs_readmes_test_command_exactly() -> None:
    test_command = quick_start_commands()[1]
    lines = [
        line.strip()
        for line in (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]
    assert lines[-1] == test_command
    checks = [i for i, line in enumerate(lines) if re.search(r"\b(ruff|mypy|lint-imports)\b", line)]
    assert len(checks) == 3 and max(checks) < len(lines) - 1


def _tracked_copy(dest: Path) -> None:
    files = subprocess.run(
        ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True
    ).stdout.decode().split("\0")
    for name in filter(None, files):
        source = ROOT / name
        if source.is_file():
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, dest / name)


@pytest.mark.slow
def test_first_command_applies_the_example_on_a_fresh_clone_twice(tmp_path: Path) -> None:
    """The first command, run as written in a clean copy, then again with .venv present."""
    if not (ROOT / ".git").exists():
        pytest.skip("not a git checkout: no tracked files to copy")
    clone = tmp_path / "clone"
    clone.mkdir()
    _tracked_copy(clone)
    command = quick_start_commands()[0]
    env = {k: v for k, v in os.environ.items() if k not in {"VIRTUAL_ENV", "PYTHONPATH"}}
    # pip's own chores that no newcomer sees the result of: byte-compiling every installed
    # module (the first run compiles what it imports) and asking PyPI for a newer pip.
    env.update(PIP_NO_COMPILE="1", PIP_DISABLE_PIP_VERSION_CHECK="1")
    # python3 of the machine, not of the test venv: what a newcomer has
    base = getattr(sys, "_base_executable", sys.executable)
    env["PATH"] = f"{Path(base).parent}{os.pathsep}{env.get('PATH', '')}"
    first = subprocess.run(
        command, shell=True, cwd=clone, env=env, capture_output=True, text=True, timeout=600
    )
    assert first.returncode == 0, first.stderr[-2000:]
    assert "Apply complete" in first.stdout
    again = subprocess.run(
        command, shell=True, cwd=clone, env=env, capture_output=True, text=True, timeout=600
    )
    assert again.returncode == 0, again.stderr[-2000:]
    assert "No changes" in again.stdout
