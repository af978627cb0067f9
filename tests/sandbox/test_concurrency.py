"""Several writers on one SQLite file: threads sharing a Platform, and separate
processes each with their own. Nothing may be lost, doubled or corrupted."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import textwrap
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from reconciler_sandbox.engine import Platform

from reconciler.errors import PreconditionFailed

from .conftest import obj, put

WRITER = textwrap.dedent("""
    import sys
    from reconciler.errors import PreconditionFailed
    from reconciler_sandbox.engine import Platform

    path, who, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
    platform = Platform(path)
    body = lambda title: {"metadata": {"labels": {}, "annotations": {}},
                          "spec": {"title": title, "type": "course", "completion": {"type": "view"},
                                   "prerequisites": []}}
    for index in range(count):
        platform.put_resource("LearningObject", f"{who}-{index:03d}", body(who),
                              if_none_match=True, actor=who)
        while True:  # read-modify-write on one shared resource, as two applies would
            current = platform.get_resource("LearningObject", "shared")
            try:
                platform.put_resource("LearningObject", "shared", body(f"{who}-{index}"),
                                      if_match=current["metadata"]["version"], actor=who)
                break
            except PreconditionFailed:
                continue
    platform.close()
""")


def test_two_processes_writing_at_once_lose_nothing(tmp_path: Path) -> None:
    path = tmp_path / "shared.db"
    platform = Platform(path)
    put(platform, "LearningObject", "shared", obj("start"))
    start = platform.state_version()
    count = 40
    writers = [
        subprocess.Popen([sys.executable, "-c", WRITER, str(path), who, str(count)],
                         stderr=subprocess.PIPE, text=True)
        for who in ("alpha", "beta")
    ]
    for writer in writers:
        _, errors = writer.communicate(timeout=120)
        assert writer.returncode == 0, errors

    names = [r["metadata"]["name"] for r in platform.list_resources("LearningObject", limit=500)]
    assert sorted(names) == sorted(
        [f"{who}-{i:03d}" for who in ("alpha", "beta") for i in range(count)] + ["shared"])
    # Every update of the shared resource landed exactly once, in some order.
    assert platform.get_resource("LearningObject", "shared")["metadata"]["version"] == 1 + 2 * count
    assert platform.state_version() == start + 4 * count
    audit = [e for e in platform.audit(limit=1000) if e["actor"] in ("alpha", "beta")]
    assert len(audit) == 4 * count
    platform.close()
    with sqlite3.connect(path) as check:
        assert check.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_threads_sharing_a_platform_keep_versions_consistent(platform: Platform) -> None:
    put(platform, "LearningObject", "shared", obj("start"))

    def bump(worker: int) -> int:
        conflicts = 0
        for _ in range(15):
            while True:
                current = platform.get_resource("LearningObject", "shared")
                spec = obj(f"w{worker}-{current['metadata']['version']}")
                try:
                    platform.put_resource(
                        "LearningObject", "shared",
                        {"metadata": {"labels": {}, "annotations": {}}, "spec": spec},
                        if_match=current["metadata"]["version"], actor=f"w{worker}")
                    break
                except PreconditionFailed:
                    conflicts += 1
        return conflicts

    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(bump, range(4)))
    assert platform.get_resource("LearningObject", "shared")["metadata"]["version"] == 61
