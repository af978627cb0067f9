"""`learnops init` and `learnops schema`: a newcomer's own repository works in their
editor (yaml-language-server), with standard validators (check-jsonschema), offline,
and against the sandbox."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from reconciler.cli.main import main
from tests.lsp import LanguageServer
from tests.services import cache_dir

Capture = pytest.CaptureFixture[str]
ROOT = Path(__file__).resolve().parents[2]
KIND_FOLDERS = {"objects": "learning-object", "audiences": "audience",
                "plans": "certification-plan", "assignments": "assignment"}
# Any network access fails fast: what resolves must resolve from the files.
OFFLINE = {"HTTP_PROXY": "http://127.0.0.1:9", "HTTPS_PROXY": "http://127.0.0.1:9",
           "http_proxy": "http://127.0.0.1:9", "https_proxy": "http://127.0.0.1:9",
           "NO_PROXY": "", "no_proxy": ""}
YLS_VERSION = "1.15.0"


@pytest.fixture(scope="module")
def scaffolded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    repo = tmp_path_factory.mktemp("newcomer") / "programs"
    assert main(["init", str(repo)]) == 0
    return repo


def check_jsonschema(*args: str) -> subprocess.CompletedProcess[str]:
    tool = Path(sys.executable).parent / "check-jsonschema"
    assert tool.exists(), "check-jsonschema comes with the dev extra"
    return subprocess.run([str(tool), *args], capture_output=True, text=True, timeout=120,
                          env={**os.environ, **OFFLINE}, check=False)


def test_init_writes_a_repository_that_validates_plans_and_applies(
    tmp_path: Path, capsys: Capture
) -> None:
    repo = tmp_path / "new"
    assert main(["init", str(repo)]) == 0
    out = capsys.readouterr().out
    for name in (".gitignore", ".pre-commit-config.yaml", ".github/workflows/learnops.yml",
                 ".vscode/settings.json", "specs/learnops.yaml", "specs/directory/users.csv",
                 "schema/defs.schema.json"):
        assert f"wrote {repo / name}\n" in out
    assert f"learnops validate {repo / 'specs'}" in out
    assert main(["validate", str(repo / "specs")]) == 0
    assert main(["plan", str(repo / "specs"), "--detailed-exitcode"]) == 2
    assert "Plan: 5 to create" in capsys.readouterr().out
    assert main(["apply", str(repo / "specs"), "--auto-approve"]) == 0
    assert "Apply complete: 5 applied" in capsys.readouterr().out
    assert main(["plan", str(repo / "specs"), "--detailed-exitcode"]) == 0
    # the sandbox database is kept out of git
    assert (repo / "specs" / ".learnops" / "sandbox.db").is_file()
    assert ".learnops/" in (repo / ".gitignore").read_text(encoding="utf-8").splitlines()


def test_init_refuses_to_overwrite_and_writes_nothing(tmp_path: Path, capsys: Capture) -> None:
    repo = tmp_path / "mine"
    (repo / "specs").mkdir(parents=True)
    (repo / "specs" / "learnops.yaml").write_text("project: mine\n", encoding="utf-8")
    (repo / "README.md").write_text("mine\n", encoding="utf-8")
    assert main(["init", str(repo)]) == 1
    err = capsys.readouterr().err
    assert "would overwrite specs/learnops.yaml" in err and "nothing written" in err
    assert sorted(p.name for p in repo.rglob("*")) == ["README.md", "learnops.yaml", "specs"]
    assert (repo / "specs" / "learnops.yaml").read_text(encoding="utf-8") == "project: mine\n"
    # a folder with other files (a README) but no clash is fine
    (repo / "specs" / "learnops.yaml").unlink()
    assert main(["init", str(repo)]) == 0


def test_init_empty_writes_kind_folders_without_examples(tmp_path: Path, capsys: Capture) -> None:
    assert main(["init", str(tmp_path), "--empty"]) == 0
    specs = tmp_path / "specs"
    for folder in KIND_FOLDERS:
        assert [p.name for p in (specs / folder).iterdir()] == [".gitkeep"]
    assert (specs / "learnops.yaml").is_file() and (specs / "directory" / "users.csv").is_file()
    capsys.readouterr()
    # one object added by hand validates
    (specs / "objects" / "intro.yaml").write_text(
        "apiVersion: learnops/v1\nkind: LearningObject\nmetadata: {name: intro}\n"
        "spec: {title: Intro, type: video}\n", encoding="utf-8")
    assert main(["validate", str(specs)]) == 0


def test_scaffolded_files_name_their_schema_by_a_relative_path(scaffolded: Path) -> None:
    specs = scaffolded / "specs"
    for folder, schema in KIND_FOLDERS.items():
        for path in (specs / folder).glob("*.yaml"):
            line = path.read_text(encoding="utf-8").splitlines()[0]
            assert line == f"# yaml-language-server: $schema=../../schema/{schema}.schema.json"
    line = (specs / "learnops.yaml").read_text(encoding="utf-8").splitlines()[0]
    assert line == "# yaml-language-server: $schema=../schema/project.schema.json"
    settings = json.loads((scaffolded / ".vscode" / "settings.json").read_text(encoding="utf-8"))
    for schema, globs in settings["yaml.schemas"].items():
        assert (scaffolded / schema).is_file()
        assert all(glob.startswith("specs/") for glob in globs)
    # the CI workflow is the documented example; pre-commit's file is complete
    workflow = (scaffolded / ".github" / "workflows" / "learnops.yml").read_text(encoding="utf-8")
    assert workflow == (ROOT / "examples" / "github" / "learnops.yml").read_text(encoding="utf-8")
    hooks = yaml.safe_load((scaffolded / ".pre-commit-config.yaml").read_text(encoding="utf-8"))
    assert hooks["repos"][0]["hooks"] == [{"id": "learnops-validate", "args": ["specs"]}]


@pytest.mark.slow
def test_check_jsonschema_validates_the_scaffold_offline(scaffolded: Path, tmp_path: Path) -> None:
    schemas = sorted(str(p) for p in (scaffolded / "schema").glob("*.schema.json"))
    result = check_jsonschema("--check-metaschema", *schemas)  # one process for them all
    assert result.returncode == 0, result.stdout + result.stderr
    assert len(schemas) == len(list((ROOT / "schema").glob("*.schema.json")))
    specs = scaffolded / "specs"
    for folder, schema in KIND_FOLDERS.items():
        files = sorted(str(p) for p in (specs / folder).glob("*.yaml"))
        result = check_jsonschema("--schemafile", str(scaffolded / "schema" /
                                                      f"{schema}.schema.json"), *files)
        assert result.returncode == 0, result.stdout + result.stderr
    result = check_jsonschema("--schemafile", str(scaffolded / "schema" / "project.schema.json"),
                              str(specs / "learnops.yaml"))
    assert result.returncode == 0, result.stdout + result.stderr
    # an impossible date fails there too ("format": "date"), not only in learnops validate
    broken = tmp_path / "broken.yaml"
    text = (specs / "assignments" / "security-annual-all-staff.yaml").read_text(encoding="utf-8")
    broken.write_text(text.replace("due: 30d", "start: 2027-02-30\n  due: 30d"), encoding="utf-8")
    result = check_jsonschema("--schemafile", str(scaffolded / "schema" /
                                                  "assignment.schema.json"), str(broken))
    assert result.returncode == 1
    assert "2027-02-30" in result.stdout


def test_schema_command_writes_this_versions_schemas(tmp_path: Path, capsys: Capture) -> None:
    out = tmp_path / "schemas"
    assert main(["schema", "--out", str(out)]) == 0
    first = capsys.readouterr().out
    shipped = sorted(p.name for p in (ROOT / "schema").glob("*.schema.json"))
    assert sorted(p.name for p in out.iterdir()) == shipped
    assert f"{len(shipped)} written" in first
    for name in shipped:
        assert (out / name).read_bytes() == (ROOT / "schema" / name).read_bytes()
        assert "$id" not in json.loads((out / name).read_text(encoding="utf-8"))
    (out / "defs.schema.json").write_text("{}", encoding="utf-8")  # an older version
    assert main(["schema", "--out", str(out)]) == 0
    again = capsys.readouterr().out
    assert f"wrote {out / 'defs.schema.json'}\n" in again
    assert f"unchanged {out / 'assignment.schema.json'}\n" in again
    assert (out / "defs.schema.json").read_bytes() == (ROOT / "schema" / "defs.schema.json"
                                                       ).read_bytes()


def _yaml_language_server() -> list[str]:
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        pytest.skip("yaml-language-server needs Node.js and npm (an editor tool, not a service)")
    prefix = cache_dir(f"yaml-language-server-{YLS_VERSION}")
    server = prefix / "node_modules" / "yaml-language-server" / "bin" / "yaml-language-server"
    if not server.exists():
        installed = subprocess.run(
            [npm, "install", "--prefix", str(prefix), "--no-audit", "--no-fund",
             f"yaml-language-server@{YLS_VERSION}"],
            capture_output=True, text=True, timeout=300, check=False,
        )
        if installed.returncode != 0 or not server.exists():
            pytest.skip(f"cannot install yaml-language-server: {installed.stderr[-300:]}")
    return [node, str(server), "--stdio"]


@pytest.mark.slow
def test_yaml_language_server_resolves_the_schemas_offline(
    scaffolded: Path, tmp_path: Path
) -> None:
    command = _yaml_language_server()
    specs = scaffolded / "specs"
    broken = specs / "assignments" / "broken.yaml"
    text = (specs / "assignments" / "security-annual-all-staff.yaml").read_text(encoding="utf-8")
    broken.write_text(text.replace("due: 30d", "due: 30d\n  start: 2027-13-01\n  colour: red"),
                      encoding="utf-8")
    server = LanguageServer(command, scaffolded)
    try:
        problems = server.diagnose(broken)
        messages = " | ".join(d["message"] for d in problems)
        assert "Property colour is not allowed" in messages, messages  # schema loaded
        # month 13 is no date ("format": "date"): start falls back to its other choice
        assert 'Value must be "immediately"' in messages, messages
        assert "Unable to load schema" not in messages
        files = [specs / "learnops.yaml", *sorted(specs.glob("*/*.yaml"))]
        for path in files:
            if path != broken:
                assert server.diagnose(path) == [], path
    finally:
        server.close()
        broken.unlink()


def test_readmes_pre_commit_file_is_the_complete_one_init_writes(scaffolded: Path) -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = readme.split("**pre-commit:**", 1)[1].split("```yaml\n", 1)[1].split("```", 1)[0]
    assert block == (scaffolded / ".pre-commit-config.yaml").read_text(encoding="utf-8")
    config = yaml.safe_load(block)
    assert set(config) == {"repos"}  # what pre-commit requires at the top level
    (repo,) = config["repos"]
    assert set(repo) == {"repo", "rev", "hooks"}
    offered = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    assert {hook["id"] for hook in repo["hooks"]} <= {hook["id"] for hook in offered}
    pre_commit = Path(sys.executable).parent / "pre-commit"
    checked = subprocess.run([str(pre_commit), "validate-config",
                              str(scaffolded / ".pre-commit-config.yaml")],
                             capture_output=True, text=True, timeout=60, check=False)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    checked = subprocess.run([str(pre_commit), "validate-manifest",
                              str(ROOT / ".pre-commit-hooks.yaml")],
                             capture_output=True, text=True, timeout=60, check=False)
    assert checked.returncode == 0, checked.stdout + checked.stderr
