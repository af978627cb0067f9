"""A test that runs out of time fails, wherever the clock runs out.

pytest-timeout's default ``signal`` method raises ``Failed: Timeout`` from a SIGALRM
handler, i.e. in whatever code runs at that moment; inside a garbage-collector callback
(hypothesis installs one to time examples) the exception is printed and ignored and the
test passes. This runs such a test under the project's own pytest settings.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

SPINS_IN_A_GC_CALLBACK = '''
import gc, time

def test_runs_out_of_time_inside_the_collector():
    spent = []

    def slow_callback(phase, info):
        if phase == "start" and not spent:
            spent.append(1)
            end = time.monotonic() + 6
            while time.monotonic() < end:  # the alarm goes off in here
                pass

    gc.callbacks.append(slow_callback)
    try:
        gc.collect()
    finally:
        gc.callbacks.remove(slow_callback)
'''


def test_a_timeout_inside_a_gc_callback_fails_the_test(tmp_path: Path) -> None:
    options = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    ini = options["tool"]["pytest"]["ini_options"]
    (tmp_path / "test_slow.py").write_text(SPINS_IN_A_GC_CALLBACK, encoding="utf-8")
    (tmp_path / "pytest.ini").write_text(
        "[pytest]\n" + "".join(f"{key} = {ini[key]}\n" for key in ("timeout_method",)
                               if key in ini),
        encoding="utf-8",
    )
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-o", "timeout=1",
         "test_slow.py"],
        cwd=tmp_path, capture_output=True, text=True, timeout=60,
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
    )
    assert done.returncode != 0, done.stdout
    assert "Timeout" in done.stdout + done.stderr
