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


RICH = """\
apiVersion: learnops/v1
kind: LearningObject
metadata: {name: quiz}
spec: {title: Quiz, type: assessment, completion: {type: min_score, min_score: 80}}
---
apiVersion: learnops/v1
kind: Audience
metadata: {name: everyone}
spec: {}
---
apiVersion: learnops/v1
kind: CertificationPlan
metadata: {name: yearly}
spec:
  title: Yearly
  notify: {on: [completed], admins: [ops@example.com]}
  steps:
    - {name: one, items: [quiz], due: 14d}
    - {name: two, items: [quiz], release: {offset: 7d}}
    - {name: three, items: [quiz], release: {date: 2026-01-01}}
    - {name: four, items: [quiz], release: {after_step: one}}
  certificate: {template: compliance, valid_for: 1y}
  in_progress: keep
---
apiVersion: learnops/v1
kind: Assignment
metadata: {name: yearly-everyone}
spec:
  audience: everyone
  items: [{plan: yearly}]
  due: 30d
  notify: {on_assign: true, reminders: [7d]}
"""


def test_the_short_cut_for_a_platform_lacking_nothing_misses_no_lack(tmp_path: Path) -> None:
    """Any one capability taken from the reference platform: the short cut answers what
    checking every document answers (a new check must keep the short cut in step)."""
    from dataclasses import fields, replace

    from reconciler.load import load_dir
    from reconciler.providers.honoured import every_unsupported, unsupported

    (tmp_path / "rich.yaml").write_text(RICH)
    documents = load_dir(tmp_path).documents
    assert unsupported(documents, REFERENCE, "sandbox") == []
    weaker = [replace(REFERENCE, kinds=frozenset({"LearningObject"}))]
    weaker += [replace(REFERENCE, release_modes=REFERENCE.release_modes - {mode})
               for mode in REFERENCE.release_modes]
    weaker += [replace(REFERENCE, **{f.name: False}) for f in fields(Capabilities)
               if getattr(REFERENCE, f.name) is True]
    for capabilities in weaker:
        assert (unsupported(documents, capabilities, "t")
                == every_unsupported(documents, capabilities, "t")), capabilities
    assert sum(bool(every_unsupported(documents, c, "t")) for c in weaker) == 10


def test_keeping_learners_on_their_version_is_refused_where_no_versions_are_kept(
    tmp_path: Path,
) -> None:
    from reconciler.load import load_dir
    from reconciler.providers.honoured import unsupported

    (tmp_path / "plan.yaml").write_text(
        "apiVersion: learnops/v1\nkind: CertificationPlan\nmetadata: {name: yearly}\n"
        "spec:\n  title: Yearly\n  steps: [{name: one, items: [quiz]}]\n"
        "  in_progress: keep\n")
    documents = load_dir(tmp_path).documents
    assert unsupported(documents, REFERENCE, "sandbox") == []
    [refused] = unsupported(documents, Capabilities(), "target 'school' (kolibri)")
    assert refused.code == "LO901" and refused.location is not None
    assert refused.location.line == 7  # in_progress, where it is written
    assert "keeps no plan versions" in refused.message
