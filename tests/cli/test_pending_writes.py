"""An apply killed between a platform write and its state record (``state: local``):
the next plan settles the pending write from the platform, so the resource is not
someone else's (LO701) and apply records it; a write that never reached the platform
is forgotten and planned again."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from reconciler_sandbox.provider import SandboxProvider

from reconciler.cli.main import main
from reconciler.state.sql import SqlState
from reconciler.testing.state_contract import Killed

SPECS = Path(__file__).resolve().parents[2] / "specs"
Capture = pytest.CaptureFixture[str]
OBJECT = "LearningObject/fire-safety"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "specs"
    shutil.copytree(SPECS, root, ignore=shutil.ignore_patterns(".learnops"))
    config = root / "learnops.yaml"
    config.write_text(config.read_text(encoding="utf-8") + "state: local\n", encoding="utf-8")
    return root


def run(capsys: Capture, *argv: str) -> tuple[int, str]:
    capsys.readouterr()
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out + err


def state(capsys: Capture, project: Path) -> dict[str, Any]:
    code, out = run(capsys, "state", "list", str(project), "--output", "json")
    assert code == 0, out
    document: dict[str, Any] = json.loads(out)
    return document


@pytest.fixture
def killed_after_the_first_write(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The apply dies once the platform took its first write, before learnops records it
    (once: the next run lives)."""
    written: list[str] = []
    record = SqlState.record

    def dying(self: SqlState, lease: Any, made: Any) -> None:
        if not written:
            written.append(str(made.address))
            raise Killed
        record(self, lease, made)

    monkeypatch.setattr(SqlState, "record", dying)
    return written


def applied_and_settled(capsys: Capture, project: Path, address: str) -> None:
    """The next apply records ``address``, leaves nothing pending, and the plan after it
    is empty."""
    code, out = run(capsys, "apply", str(project), "--auto-approve")
    assert code == 0, out
    after = state(capsys, project)
    assert after["pending"] == [] and address in after["addresses"]
    code, out = run(capsys, "plan", str(project), "--detailed-exitcode")
    assert code == 0 and "No changes" in out, out


def test_a_write_that_landed_before_the_kill_is_recorded_by_the_next_apply(
    capsys: Capture, project: Path, killed_after_the_first_write: list[str],
) -> None:
    with pytest.raises(Killed):
        main(["apply", str(project), "--auto-approve", "--parallelism", "1"])
    [address] = killed_after_the_first_write
    assert state(capsys, project)["pending"] == [address]
    assert address not in state(capsys, project)["addresses"]

    code, out = run(capsys, "plan", str(project))
    assert code == 0, out  # not someone else's resource (LO701)
    assert "LO701" not in out
    assert f"{address}: the interrupted create landed; recorded as managed" in out
    assert f"create {address}" not in out  # it is there already: not written again
    code, comment = run(capsys, "plan", str(project), "--output", "markdown")
    assert code == 0, comment  # the pull request's reviewers see it too
    assert f"- `{address}: the interrupted create landed; recorded as managed`" in comment

    applied_and_settled(capsys, project, address)


def test_a_write_that_never_reached_the_platform_is_forgotten_and_made_again(
    capsys: Capture, project: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    write, killed = SandboxProvider.write, []

    def dying(self: SandboxProvider, request: Any) -> Any:
        if not killed:  # the apply dies before its first write reaches the platform
            killed.append(str(request.address))
            raise Killed
        return write(self, request)

    monkeypatch.setattr(SandboxProvider, "write", dying)
    with pytest.raises(Killed):
        main(["apply", str(project), "--auto-approve", "--parallelism", "1"])
    [address] = killed
    assert state(capsys, project)["pending"] == [address]

    code, out = run(capsys, "plan", str(project))
    assert code == 0, out
    assert f"{address}: the interrupted create did not land; forgotten" in out
    assert f"+ create {address}" in out
    code, comment = run(capsys, "plan", str(project), "--output", "markdown")
    assert code == 0, comment
    assert f"- `{address}: the interrupted create did not land; forgotten`" in comment

    applied_and_settled(capsys, project, address)


def test_a_saved_plan_carries_the_settlement_to_its_apply(
    capsys: Capture, project: Path, killed_after_the_first_write: list[str], tmp_path: Path,
) -> None:
    with pytest.raises(Killed):
        main(["apply", str(project), "--auto-approve", "--parallelism", "1"])
    [address] = killed_after_the_first_write
    saved = tmp_path / "plan.json"
    code, out = run(capsys, "plan", str(project), "--out", str(saved))
    assert code == 0, out
    settled = json.loads(saved.read_text())["target"]["state"]["settled"]
    assert [(s["address"], s["landed"]) for s in settled] == [(address, True)]
    code, out = run(capsys, "apply", str(saved))
    assert code == 0, out
    after = state(capsys, project)
    assert after["pending"] == [] and address in after["addresses"]
