"""How fast the compiler reads a large spec repository, against the fastest possible read.

    python3 benchmarks/bench_validate.py [--resources 10000] [--files 200] [--users 1000]
                                         [--repeat 3] [--dir DIR]

Generates the workload (benchmarks/specgen.py) and prints, best of ``--repeat``:

* the parse floor: ``yaml.load_all`` with libyaml's ``CSafeLoader`` of the same files
  (read and parsed, nothing else): no loader can do less;
* ``compile_dir`` in-process (load + validate + resolve + graph), with each stage;
* ``learnops validate DIR`` as a subprocess (interpreter start and imports included),
  with the child's peak RSS.

Goal (issue 2): validate under 3 s and at most 2x the parse floor. Figures only.
"""

from __future__ import annotations

import argparse
import gc
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))

from specgen import add_workload_options, write_specs
from timing import wall_best

from reconciler.compiler import compile_dir
from reconciler.graph import ProgramGraph
from reconciler.load import load_dir
from reconciler.load.files import spec_files
from reconciler.resolve import resolve
from reconciler.validate import validate_specs

GOAL_SECONDS = 3.0
GOAL_RATIO = 2.0


def parse_floor(root: Path) -> int:
    """Every spec file read and parsed by libyaml into Python values; the document count."""
    count = 0
    for relative in spec_files(root)[0]:
        text = (root / relative).read_text(encoding="utf-8")
        count += sum(1 for _ in yaml.load_all(text, Loader=yaml.CSafeLoader))
    return count


def stages(root: Path) -> dict[str, float]:
    """One compile, timed stage by stage (without the cyclic collector, as compile_dir)."""
    gc.disable()
    try:
        return _stages(root)
    finally:
        gc.enable()


def _stages(root: Path) -> dict[str, float]:
    took: dict[str, float] = {}
    start = time.perf_counter()
    loaded = load_dir(root)
    took["load"] = time.perf_counter() - start
    start = time.perf_counter()
    validated = validate_specs(loaded)
    took["validate"] = time.perf_counter() - start
    start = time.perf_counter()
    state = resolve(validated)
    took["resolve"] = time.perf_counter() - start
    start = time.perf_counter()
    ProgramGraph.build(state).generations()
    took["graph"] = time.perf_counter() - start
    return took


def validate_subprocess(root: Path) -> tuple[float, float, int, str]:
    """(seconds, peak RSS in MiB, exit code, summary line) of ``learnops validate``."""
    command = [sys.executable, "-m", "reconciler", "validate", str(root)]
    start = time.perf_counter()
    child = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    assert child.stdout is not None
    output = child.stdout.read().decode()
    # wait4 gives this child's own rusage (RUSAGE_CHILDREN would be the max of all).
    _, status, usage = os.wait4(child.pid, 0)
    took = time.perf_counter() - start
    child.returncode = os.waitstatus_to_exitcode(status)
    lines = output.strip().splitlines()
    return took, usage.ru_maxrss / 1024, child.returncode, lines[-1] if lines else ""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    add_workload_options(parser)
    parser.add_argument("--repeat", type=int, default=3, metavar="R",
                        help="runs of each measure; the best counts (default: 3)")
    parser.add_argument("--dir", type=Path, help="generate here (kept) instead of a temp dir")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-validate-") as scratch:
        root = write_specs(args.dir or Path(scratch) / "specs", args.resources, args.files,
                           args.users)
        names = spec_files(root)[0]
        files = len(names)
        size = sum((root / f).stat().st_size for f in names) / 2**20
        print(f"workload: {args.resources:,} resources in {files} files ({size:.1f} MiB), "
              f"best of {args.repeat}")
        documents = parse_floor(root)
        floor, _ = wall_best(args.repeat, lambda: parse_floor(root))
        print(f"  parse floor (CSafeLoader)   {floor:6.2f} s   {documents:,} documents")
        compiled, _ = wall_best(args.repeat, lambda: compile_dir(root))
        print(f"  compile_dir (in-process)    {compiled:6.2f} s   {compiled / floor:.2f}x floor")
        took = min((stages(root) for _ in range(args.repeat)), key=lambda t: sum(t.values()))
        print("    " + ", ".join(f"{name} {seconds:.2f} s" for name, seconds in took.items()))
        runs = [validate_subprocess(root) for _ in range(args.repeat)]
        seconds, rss, code, summary = min(runs)
        print(f"  learnops validate (process) {seconds:6.2f} s   {seconds / floor:.2f}x floor, "
              f"peak RSS {rss:.0f} MiB, exit {code}")
        print(f"    {summary}")
        tiny = root.parent / f"{root.name}-one-object"
        tiny.mkdir(exist_ok=True)
        (tiny / "one.yaml").write_text(
            "apiVersion: learnops/v1\nkind: LearningObject\nmetadata: {name: one}\n"
            "spec: {title: One, type: course}\n")
        startup, _ = wall_best(args.repeat, lambda: subprocess.run(
            [sys.executable, "-m", "reconciler", "validate", str(tiny)],
            check=True, capture_output=True))
        print(f"  validate of 1 object (process) {startup:4.2f} s   "
              "interpreter start and imports")
        self_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"  this process's peak RSS     {self_rss:.0f} MiB")
        for what, took in (("compile_dir", compiled), ("learnops validate", seconds)):
            met = took < GOAL_SECONDS and took / floor <= GOAL_RATIO
            print(f"goal (under {GOAL_SECONDS:.0f} s, at most {GOAL_RATIO:.0f}x the parse floor), "
                  f"{what}: {'met' if met else 'not met'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
