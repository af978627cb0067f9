"""validate --target: what a target's capabilities lack is a located error, checked
without contacting the platform."""

from __future__ import annotations

from pathlib import Path

import pytest

from reconciler.cli.main import main
from reconciler.providers.capabilities import REFERENCE, Capabilities

PLAN = """\
apiVersion: learnops/v1
kind: LearningObject
metadata: {name: hipaa-basics}
spec: {title: HIPAA Basics, type: document, existing: true}
---
apiVersion: learnops/v1
kind: CertificationPlan
metadata: {name: hipaa-annual}
spec:
  title: Annual HIPAA
  steps:
    - {name: basics, items: [hipaa-basics]}
    - {name: again, items: [hipaa-basics], release: {offset: 7d}}
  certificate: {template: compliance, valid_for: 1y}
"""
PROJECT = """\
project: acme
provider: {type: sandbox, path: .learnops/sandbox.db}
targets:
  school: {type: kolibri, url: http://kolibri.invalid:8080, facility: Acme,
           username_env: KOLIBRI_USER, password_env: KOLIBRI_PASSWORD}
"""


@pytest.fixture
def specs(tmp_path: Path) -> Path:
    (tmp_path / "learnops.yaml").write_text(PROJECT)
    (tmp_path / "plans.yaml").write_text(PLAN)
    return tmp_path


def test_a_target_that_cannot_honour_the_specs_gets_located_errors(
    specs: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["validate", str(specs), "--target", "school"]) == 1
    out = capsys.readouterr().out.splitlines()
    assert [line for line in out if "error[" in line] == [
        f"{specs}/plans.yaml:13:54: error[LO901]: spec.steps[1].release.offset: target "
        "'school' (kolibri) cannot release a step by offset (it can: after_step, date, "
        "enrollment)",
        f"{specs}/plans.yaml:14:3: error[LO901]: spec.certificate: target 'school' (kolibri) "
        "issues no certificates",
    ]
    assert out[-1] == f"invalid: 2 errors, 1 warning in {specs}"


def test_the_reference_platform_honours_them_and_plain_validate_asks_nothing(
    specs: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["validate", str(specs), "--target", "provider"]) == 0
    assert main(["validate", str(specs)]) == 0
    assert main(["validate", str(specs), "--target", "nowhere"]) == 1
    assert "unknown target 'nowhere' (learnops.yaml defines: provider, school)" in (
        capsys.readouterr().err)


def test_defaults_describe_a_platform_without_extras() -> None:
    bare = Capabilities()
    assert not (bare.certificates or bare.creates_objects or bare.due_dates or bare.min_score)
    assert REFERENCE.creates_objects and REFERENCE.due_dates and REFERENCE.min_score
