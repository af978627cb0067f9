"""What every command shares, as users of mature CLIs expect: --debug anywhere, unknown
options named with the right command's help, a description for each command,
consistent metavars, and the spec DIR for sandbox commands too."""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path

import pytest

from reconciler.cli.main import _commands, build_parser, main
from reconciler.errors import UsageError

Capture = pytest.CaptureFixture[str]
ROOT = Path(__file__).resolve().parents[2]


def every_command() -> list[argparse.ArgumentParser]:
    parser = build_parser()
    return [parser, *(command for command, _ in _commands(parser))]


def test_debug_after_the_command_shows_the_traceback(tmp_path: Path, capsys: Capture) -> None:
    missing = str(tmp_path / "nowhere")
    assert main(["plan", missing]) == 1
    assert "does not exist" in capsys.readouterr().err
    for argv in (["--debug", "plan", missing], ["plan", missing, "--debug"],
                 ["plan", "--debug", missing]):
        with pytest.raises(UsageError):
            main(argv)


@pytest.mark.parametrize(("argv", "named", "helped"), [
    (["--bogus"], "unknown option --bogus", "learnops --help"),
    (["--bogus", "plan"], "unknown option --bogus", "learnops --help"),
    (["plan", "--bogus"], "unknown option --bogus", "learnops plan --help"),
    (["plan", "--outt", "x.json"], "unknown option --outt; did you mean --out?",
     "learnops plan --help"),
    (["sandbox", "token", "create", "--scoep", "read"], "did you mean --scope?",
     "learnops sandbox token create --help"),
    (["validate", "a", "b"], "unexpected argument b", "learnops validate --help"),
])
def test_an_unknown_option_is_named_with_its_commands_help(
    argv: list[str], named: str, helped: str, capsys: Capture
) -> None:
    assert main(argv) == 1
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert named in err and f"(see '{helped}')" in err


def test_every_command_has_a_summary_and_a_description() -> None:
    parser = build_parser()
    for command, summary in _commands(parser):
        assert summary, f"{command.prog} has no one-line summary in its parent's --help"
        assert command.description, f"{command.prog} --help has no description"
        assert "--debug" in command.format_help()


def test_metavars_are_consistent() -> None:
    for command in every_command():
        for action in command._actions:
            if isinstance(action, argparse._SubParsersAction | argparse._HelpAction |
                          argparse._VersionAction) or action.nargs == 0:
                continue
            where = f"{command.prog} {'/'.join(action.option_strings) or action.dest}"
            if action.dest == "target":
                assert action.metavar == "NAME", where
            if action.dest == "dir":
                assert action.metavar == "DIR", where
            # an option's value is named for what it is, never argparse's dest.upper()
            assert action.metavar is not None or action.choices is not None, where


def test_sandbox_commands_take_the_spec_dir(tmp_path: Path, capsys: Capture) -> None:
    specs = tmp_path / "specs"
    shutil.copytree(ROOT / "specs", specs, ignore=shutil.ignore_patterns(".learnops"))
    users = str(specs / "directory" / "users.csv")
    # run from elsewhere: no cd, no --db
    assert main(["sandbox", "users", "import", users, str(specs)]) == 0
    assert (specs / ".learnops" / "sandbox.db").is_file()  # the file learnops.yaml names
    assert main(["apply", str(specs), "--auto-approve"]) == 0
    capsys.readouterr()
    assert main(["sandbox", "learner", "view", "E1001", str(specs)]) == 0
    assert "E1001" in capsys.readouterr().out
    assert main(["sandbox", "token", "create", "ci", str(specs), "--scope", "write"]) == 0
    assert "token 'ci' (write)" in capsys.readouterr().err
    assert main(["sandbox", "report", str(specs), "--output", "csv"]) == 0
    assert "E1001" in capsys.readouterr().out
    assert main(["sandbox", "report", str(tmp_path / "empty")]) == 1
    assert "does not exist" in capsys.readouterr().err
