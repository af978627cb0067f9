"""``learnops graph``: DOT, Mermaid and JSON of the example specs; errors exit 1."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from reconciler.cli.main import main
from tests.services import unavailable

ROOT = Path(__file__).resolve().parents[2]


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(args)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture(autouse=True)
def _at_root(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)


def test_json_lists_nodes_edges_and_generations(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["graph", "specs", "--format", "json"], capsys)
    document = json.loads(out)
    assert code == 0
    assert len(document["nodes"]) == 36
    assert document["generations"][0][0] == "LearningObject/benefits-overview"
    assert document["generations"][-1][-1].startswith("Assignment/")
    assert {
        "from": "Audience/managers",
        "to": "Assignment/leadership-2027",
        "relation": "targets",
        "label": "targeted by",
    } in document["edges"]


def test_dot_is_the_default_and_renders(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, out, _ = run(["graph", "specs"], capsys)
    assert code == 0 and out.startswith("digraph learnops {")
    assert (
        '"LearningObject/privacy-101" -> "LearningObject/hipaa-basics" [label="required by"];'
        in out
    )

    # tests/graph/test_graph_export.py parses the DOT itself; this renders it with Graphviz.
    if shutil.which("dot") is None:
        unavailable("graphviz's `dot` is not installed (.ci/run installs it with apt-get)")
    rendered = subprocess.run(
        ["dot", "-Tsvg"], input=out, capture_output=True, text=True, check=False
    )
    assert rendered.returncode == 0, rendered.stderr
    assert "<svg" in rendered.stdout


def test_mermaid(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["graph", "specs", "--format", "mermaid"], capsys)
    assert code == 0 and out.startswith("flowchart LR\n")
    assert "-->|included by|" in out


def test_invalid_specs_print_diagnostics_and_exit_1(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(["graph", "tests/fixtures/invalid/audience-cycle"], capsys)
    assert (code, out) == (1, "")
    assert "error[LO508]: audience cycle: Audience/clinical" in err


def test_an_unknown_format_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(["graph", "specs", "--format", "png"], capsys)
    assert (code, out) == (1, "")
    assert "invalid choice" in err
