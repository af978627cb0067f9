"""A small program repository targeting the test's Kolibri: objects that are the
seeded content nodes, two audiences, a three-step certification plan and an
assignment handing it out with a video."""

from __future__ import annotations

from pathlib import Path

import yaml
from providers.conftest import USERS_CSV as CONTRACT_USERS

from reconciler.compiler import Compiled, compile_dir
from reconciler.model import JSON

HIPAA_BASICS = "4d0c890de9b65d6880ccfa527800e0f4"  # node ids of live.CONTENT_TITLES
PRIVACY_101 = "b391bfeec8a458f89f013cf1ca9cf33a"
HIPAA_QUIZ = "2b6926ed22025518a8b9da91745b51d3"
HANDWASHING = "32a941fb77c2576e8f6b294cde4c3b0c"
HANDWASHING_CONTENT_ID = "c6f49ea527824f398f4d5d26faf19396"

# The contract suite's directory, and one more nurse (in Boston) for audiences to narrow.
USERS_CSV = CONTRACT_USERS + (
    "E1004,Di,Fox,di@example.com,Nurse,Nursing,Boston,en,2022-09-01,nursing,\n")
OBJECTS = """\
apiVersion: learnops/v1
kind: LearningObject
metadata: {name: hipaa-basics}
spec: {title: HIPAA Basics, type: document, existing: true}
---
apiVersion: learnops/v1
kind: LearningObject
metadata: {name: privacy-101}
spec: {title: Privacy 101, type: video, existing: true}
---
apiVersion: learnops/v1
kind: LearningObject
metadata: {name: hipaa-quiz}
spec: {title: HIPAA Quiz, type: assessment, existing: true}
---
apiVersion: learnops/v1
kind: LearningObject
metadata: {name: c6f49ea527824f398f4d5d26faf19396}
spec: {title: Handwashing Video, type: video, existing: true}
"""
AUDIENCES = """\
apiVersion: learnops/v1
kind: Audience
metadata: {name: nurses}
spec: {where: {job_role: Nurse}}
---
apiVersion: learnops/v1
kind: Audience
metadata: {name: boston-nurses}
spec: {include: [nurses], where: {location: Boston}}
"""
PLAN = """\
apiVersion: learnops/v1
kind: CertificationPlan
metadata: {name: hipaa-annual}
spec:
  title: Annual HIPAA
  steps:
    - {name: basics, items: [hipaa-basics], release: {at: enrollment}}
    - {name: quiz, items: [hipaa-quiz], release: {after_step: basics, delay: 2d}}
    - {name: refresher, items: [privacy-101], release: {date: 2027-06-01}}
"""
ASSIGNMENT = """\
apiVersion: learnops/v1
kind: Assignment
metadata: {name: hipaa-nurses}
spec:
  title: HIPAA for nurses
  items: [{plan: hipaa-annual}, {object: c6f49ea527824f398f4d5d26faf19396}]
  audience: nurses
"""


def write_program(root: Path, target: dict[str, JSON], *, files: dict[str, str] | None = None,
                  ) -> Path:
    """The repository at ``root``: learnops.yaml with the Kolibri as its provider."""
    root.mkdir(parents=True, exist_ok=True)
    project = {"project": "acme-kolibri", "provider": target}
    (root / "learnops.yaml").write_text(yaml.safe_dump(project, sort_keys=False),
                                        encoding="utf-8")
    chosen = {"objects.yaml": OBJECTS, "audiences.yaml": AUDIENCES, "plans.yaml": PLAN,
              "assignments.yaml": ASSIGNMENT} if files is None else files
    for name, text in {**chosen, "directory/users.csv": USERS_CSV}.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")
    return root


def compiled(root: Path) -> Compiled:
    return compile_dir(root)
