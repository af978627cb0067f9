"""What a live Kolibri costs the tests, and what learnops costs against one.

    python3 benchmarks/bench_kolibri.py [--fresh-install]

Uses the tests' own machinery (tests/kolibri/live.py): Kolibri 0.19.5 in its own
virtual environment under .cache/services/kolibri (installed if missing; with
--fresh-install into a temporary folder, so the install itself is timed), a device
provisioned and seeded into a fresh template, copied and started on a free port.
Then the example program (examples/kolibri/specs) is planned, applied, planned again
(no changes) and released, each timed, and Kolibri's memory (RSS of its processes)
is read. Figures, not assertions: the machine decides the numbers.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT))

from kolibri import live  # noqa: E402  (the tests' helpers)

from reconciler.cli.main import main  # noqa: E402


def timed(label: str, figures: dict[str, float], argv: list[str]) -> None:
    started = time.perf_counter()
    code = main(argv)
    figures[label] = time.perf_counter() - started
    if code != 0:
        raise SystemExit(f"learnops {' '.join(argv)} exited {code}")


def rss_mb(home: Path) -> float:
    """Resident memory of the processes running with this KOLIBRI_HOME."""
    total = 0
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            environ = Path(f"/proc/{pid}/environ").read_bytes()
            if f"KOLIBRI_HOME={home}".encode() not in environ.split(b"\0"):
                continue
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            continue
    return total / 1024


def run(fresh_install: bool) -> None:
    from tests import services

    cache = services.cache_dir("kolibri")
    with tempfile.TemporaryDirectory() as scratch_name:
        scratch = Path(scratch_name)
        install_cache = scratch / "install" if fresh_install else cache
        install_cache.mkdir(parents=True, exist_ok=True)
        figures: dict[str, float] = {}
        venv = live.installed(install_cache, figures)
        size = subprocess.run(["du", "-sm", str(venv)], capture_output=True, text=True,
                              check=False).stdout.split()[0]
        program = scratch / "program"
        shutil.copytree(ROOT / "examples" / "kolibri" / "specs", program)
        # A fresh template: provisioning and seeding are what a new machine pays once.
        templates = scratch / "templates"
        templates.mkdir()
        with live.running_kolibri(install_cache, scratch, services.free_port(),
                                  services.free_port(), templates=templates) as server:
            figures.update({k: v for k, v in server.costs.items() if k != "install"})
            text = (program / "learnops.yaml").read_text()
            (program / "learnops.yaml").write_text(
                text.replace("http://127.0.0.1:8080", server.url))
            os.environ["KOLIBRI_USER"] = live.ADMIN_USERNAME
            os.environ["KOLIBRI_PASSWORD"] = live.ADMIN_PASSWORD
            timed("plan (empty classroom)", figures, ["plan", str(program)])
            timed("apply (7 resources)", figures, ["apply", str(program), "--auto-approve"])
            timed("plan (no changes)", figures, ["plan", str(program), "--detailed-exitcode"])
            timed("release (a day's steps)", figures,
                  ["release", str(program), "--date", date(2027, 1, 4).isoformat()])
            memory = rss_mb(server.home)
    print()
    how = "installed now" if fresh_install else "cached"
    print(f"Kolibri {live.VERSION}: venv {size} MB ({how})")
    for label, seconds in figures.items():
        print(f"  {label:28} {seconds:7.2f} s")
    print(f"  {'memory (all processes)':28} {memory:7.0f} MB")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fresh-install", action="store_true",
                        help="time pip install into a temporary folder (about a minute)")
    run(parser.parse_args().fresh_install)
