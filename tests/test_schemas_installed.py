"""An installed learnops (a wheel, not the source tree) finds its JSON Schemas."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

CHECK = """
import pathlib, sys
import reconciler, reconciler.schemas
from reconciler.compiler import compile_dir
from reconciler.errors import SpecError
installed = pathlib.Path(sys.argv[1])
assert pathlib.Path(reconciler.__file__).is_relative_to(installed), reconciler.__file__
assert reconciler.schemas.schema_dir() == installed / "reconciler" / "schema"
print(len(compile_dir(pathlib.Path(sys.argv[2])).state.resources))
try:
    compile_dir(pathlib.Path(sys.argv[3]))
except SpecError as failed:
    print(sorted({d.code for d in failed.diagnostics}))
"""


@pytest.mark.slow
@pytest.mark.timeout(60)
def test_a_built_wheel_carries_and_finds_the_schemas(tmp_path: Path) -> None:
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
         "-w", str(tmp_path / "dist"), str(ROOT)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    if built.returncode != 0:
        pytest.fail(f"wheel build failed: {built.stderr[-2000:]}")
    (wheel,) = (tmp_path / "dist").glob("learnops-*.whl")
    installed = tmp_path / "site"
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        archive.extractall(installed)
    for schema in ("envelope", "defs", "learning-object", "audience", "certification-plan",
                   "assignment", "project"):  # fmt: skip
        assert f"reconciler/schema/{schema}.schema.json" in names
    # what `learnops init` writes, CI example included
    assert "reconciler/scaffold/github-workflow.yml" in names
    assert "reconciler/scaffold/template/users.csv" in names

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    result = subprocess.run(
        [sys.executable, "-c", CHECK, str(installed), str(ROOT / "specs"),
         str(ROOT / "tests" / "fixtures" / "invalid" / "bad-duration")],
        capture_output=True, text=True, check=False, cwd=elsewhere,
        env={**os.environ, "PYTHONPATH": str(installed)},
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout.split("\n")[:2] == ["36", "['LO406']"]
