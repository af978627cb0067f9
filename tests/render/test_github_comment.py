"""examples/github/learnops.yml and the markdown renderer together: the pull-request
comment is the whole plan, within GitHub's 65,536 characters, and points at the JSON
plan the workflow keeps. The comment script runs under node when it is installed."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from reconciler.render.markdown import LIMIT, render_markdown

from .test_markdown import huge_plan

ROOT = Path(__file__).resolve().parents[2]
WORKFLOW = ROOT / "examples" / "github" / "learnops.yml"
GITHUB_MAX_BODY = 65_536

# Stand-ins for what actions/github-script gives the script: the comment it would post
# is written to body.txt.
HARNESS = """
const fs = require('fs');
const posted = [];
const github = {
  paginate: async () => [],
  rest: {issues: {listComments: null,
                  createComment: async (a) => posted.push(a.body),
                  updateComment: async (a) => posted.push(a.body)}},
};
const context = {payload: {pull_request: {head: {sha: 'f'.repeat(40)}}},
                 repo: {owner: 'acme', repo: 'specs'}, issue: {number: 7}};
(async () => {
SCRIPT
})().then(() => fs.writeFileSync('body.txt', posted[0]));
"""


def workflow() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    return loaded


def steps(job: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = workflow()["jobs"][job]["steps"]
    return found


def test_learnops_is_installed_from_its_git_repository_as_readme_pins_it() -> None:
    env = workflow()["env"]
    installs = [s["run"] for job in ("plan", "apply") for s in steps(job)
                if "pip install" in s.get("run", "")]
    assert installs == ['pip install "git+https://github.com/${LEARNOPS_REPO}@${LEARNOPS_REF}"'] * 2
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert f"repo: https://github.com/{env['LEARNOPS_REPO']}" in readme
    assert f"rev: {env['LEARNOPS_REF']}" in readme


def test_the_pull_request_job_keeps_the_json_plan_the_comment_points_at() -> None:
    plan_step = next(s for s in steps("plan") if s.get("id") == "plan")
    assert "--out plan.json" in plan_step["run"]
    upload = next(s for s in steps("plan") if s.get("uses", "").startswith(
        "actions/upload-artifact@"))
    assert upload["with"]["name"] == "learnops-plan" and upload["with"]["path"] == "plan.json"
    assert "`learnops-plan` artifact" in render_markdown(huge_plan(5000))


# The longest plan the renderer may print (it guarantees len <= LIMIT), with a few
# characters JavaScript counts twice.
WORST_PLAN = "### plan 🎓\n" + "x" * (LIMIT - 12) + "\n"


def _post(tmp_path: Path, plan: str, errors: str, exitcode: str) -> str:
    script = next(s for s in steps("plan") if s.get("uses", "").startswith(
        "actions/github-script@"))["with"]["script"]
    (tmp_path / "plan.md").write_text(plan, encoding="utf-8")
    (tmp_path / "plan-errors.txt").write_text(errors, encoding="utf-8")
    (tmp_path / "post.js").write_text(HARNESS.replace("SCRIPT", script), encoding="utf-8")
    node = shutil.which("node")
    assert node is not None
    subprocess.run([node, "post.js"], cwd=tmp_path, check=True, timeout=60,
                   env={"EXITCODE": exitcode, "PATH": "/usr/bin:/bin"})
    return (tmp_path / "body.txt").read_text(encoding="utf-8")


def _utf16_length(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2  # how JavaScript counts (the stricter count)


@pytest.mark.skipif(shutil.which("node") is None, reason="node runs the github-script")
def test_the_largest_plan_is_posted_whole_and_fits_a_comment(tmp_path: Path) -> None:
    plan = WORST_PLAN
    assert len(plan) == LIMIT
    body = _post(tmp_path, plan, "", "2")
    assert body.startswith("<!-- learnops-plan -->\n" + plan)  # not cut
    assert _utf16_length(body) <= GITHUB_MAX_BODY


@pytest.mark.skipif(shutil.which("node") is None, reason="node runs the github-script")
def test_a_failed_plan_shortens_its_error_output_never_the_plan(tmp_path: Path) -> None:
    plan = WORST_PLAN
    errors = "\n".join(json.dumps({"line": i}) for i in range(5000))
    body = _post(tmp_path, plan, errors, "1")
    assert body.startswith("<!-- learnops-plan -->\n**learnops plan failed**")
    assert plan in body and "… (the rest is in the job log)" in body
    assert _utf16_length(body) <= GITHUB_MAX_BODY
    short = _post(tmp_path, "", "specs/a.yaml:1:1: error[LO001]: broken", "1")
    assert "specs/a.yaml:1:1: error[LO001]: broken" in short and "job log" not in short
