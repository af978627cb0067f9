"""A real Kolibri for the tests: installed once, provisioned once, started per session.

Kolibri pins its own Django and more, so it lives in a virtual environment of its
own under ``.cache/services/kolibri/`` (never in learnops' environment). A
provisioned and seeded ``KOLIBRI_HOME`` is kept beside it as a template; each
session copies the template and starts ``kolibri start --foreground`` on
127.0.0.1 at a free port. Every step is timed (:attr:`LiveKolibri.costs`), so
``benchmarks/kolibri_service.py`` can print what the tests pay.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

import requests

VERSION: Final = "0.19.5"
FACILITY: Final = "Acme"
ADMIN_USERNAME: Final = "admin"
ADMIN_PASSWORD: Final = "learnops-admin-1"  # a throwaway test instance's password
INSTALL_TIMEOUT: Final = 900.0
COMMAND_TIMEOUT: Final = 300.0
START_TIMEOUT: Final = 90.0

# Content the tests point LearningObjects at: the nodes of Kolibri's own
# ``content_test`` fixture, renamed as a training team's channel would name them.
# ``copy`` shares its content id with the handwashing video (one resource, two
# places in the tree), as real channels do.
CHANNEL_ID: Final = "6199dde695db4ee4ab392222d5af1e5c"
CHANNEL_NAME: Final = "Compliance"
CONTENT_TITLES: Final[Mapping[str, str]] = {
    "32a941fb77c2576e8f6b294cde4c3b0c": "Handwashing Video",
    "42a941fb77c2576e8f6b294cde4c3b0c": "Handwashing Video (copy)",
    "2b6926ed22025518a8b9da91745b51d3": "HIPAA Quiz",
    "4d0c890de9b65d6880ccfa527800e0f4": "HIPAA Basics",
    "b391bfeec8a458f89f013cf1ca9cf33a": "Privacy 101",
    "2e8bac07947855369fe2d77642dfc870": "HIPAA Module",
}
SEED_SCRIPT: Final = f"""
from kolibri.core.content.models import ChannelMetadata, ContentNode
for node_id, title in {dict(CONTENT_TITLES)!r}.items():
    ContentNode.objects.filter(id=node_id).update(title=title)
ChannelMetadata.objects.filter(id={CHANNEL_ID!r}).update(name={CHANNEL_NAME!r})
"""
# A change to how the template is made gives it a new folder (old ones are stale).
TEMPLATE_KEY: Final = hashlib.sha256(
    f"{VERSION}|{FACILITY}|{ADMIN_PASSWORD}|{SEED_SCRIPT}".encode()
).hexdigest()[:12]


class KolibriUnavailable(Exception):
    """Kolibri could not be installed, provisioned or started here (the reason)."""


# Runs in Kolibri's own interpreter: Django set up once, then code blocks from stdin.
CONSOLE: Final = r"""
import sys, traceback
from kolibri.utils.main import initialize
initialize(skip_update=True)
block = []
for line in sys.stdin:
    if line.rstrip("\n") != "\x00run":
        block.append(line)
        continue
    try:
        exec("".join(block), {})
        print("\x00ok", flush=True)
    except Exception:
        print("\x00failed " + traceback.format_exc().strip().splitlines()[-1], flush=True)
    block = []
"""


class KolibriConsole:
    """A Python process inside Kolibri's Django, for the tests' own actions."""

    def __init__(self, venv: Path, home: Path) -> None:
        self._process = subprocess.Popen(
            [str(venv / "bin" / "python"), "-c", CONSOLE], env=kolibri_environment(home),
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
            text=True, start_new_session=True,
        )

    def run(self, code: str) -> None:
        assert self._process.stdin is not None and self._process.stdout is not None
        self._process.stdin.write(code.rstrip("\n") + "\n\x00run\n")
        self._process.stdin.flush()
        for line in self._process.stdout:
            if line.startswith("\x00ok"):
                return
            if line.startswith("\x00failed"):
                raise AssertionError(f"in Kolibri: {line.removeprefix(chr(0) + 'failed ')}")
        raise KolibriUnavailable("the Kolibri console exited")

    def close(self) -> None:
        # The session's home is thrown away after: nothing of the console's to keep.
        if self._process.stdin is not None:
            self._process.stdin.close()
        self._process.kill()
        self._process.wait(timeout=10)


@dataclass(frozen=True)
class LiveKolibri:
    """A running Kolibri: where it answers, how to log in, and how to reach its shell."""

    url: str
    home: Path
    venv: Path
    facility_id: str
    console: KolibriConsole
    costs: Mapping[str, float] = field(default_factory=dict)

    def shell(self, code: str) -> None:
        """Run Python inside Kolibri's Django: what a learner or a coach does in Kolibri's
        own UI, done without a browser. One process serves the session (Django starts
        once); a failure comes back as the traceback's last line."""
        self.console.run(code)

    def assigned_learners(self, lesson_id: str, answer: Path) -> set[str]:
        """The usernames Kolibri itself counts as assigned the lesson (its
        ``Lesson.get_all_learners``), handed back through the file ``answer``."""
        self.shell(f"""
import json
from kolibri.core.lessons.models import Lesson
learners = Lesson.objects.get(id={lesson_id!r}).get_all_learners()
with open({str(answer)!r}, "w") as out:
    json.dump(sorted(learner.username for learner in learners), out)
""")
        found: list[str] = json.loads(answer.read_text(encoding="utf-8"))
        return set(found)

    def complete(self, username: str, node_id: str, on: str) -> None:
        """``username`` finishes the content of node ``node_id`` on day ``on`` (ISO), as
        Kolibri's player records it: a summary log at progress 1."""
        self.shell(f"""
import datetime
from kolibri.core.auth.models import FacilityUser
from kolibri.core.content.models import ContentNode
from kolibri.core.logger.models import ContentSummaryLog
node = ContentNode.objects.get(id={node_id!r})
user = FacilityUser.objects.get(username={username!r})
when = datetime.datetime.fromisoformat({on!r} + "T12:00:00+00:00")
ContentSummaryLog.objects.update_or_create(
    user=user, content_id=node.content_id,
    defaults=dict(channel_id=node.channel_id, kind=node.kind, progress=1.0, time_spent=60,
                  start_timestamp=when, end_timestamp=when, completion_timestamp=when))
""")


def kolibri_environment(home: Path) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("KOLIBRI_")}
    env.update({
        "KOLIBRI_HOME": str(home),
        "KOLIBRI_LISTEN_ADDRESS": "127.0.0.1",
        "KOLIBRI_DISABLE_PING": "1",          # no telemetry calls from a test instance
        "KOLIBRI_ZEROCONF_ENABLED": "0",      # nor multicast announcements
        "KOLIBRI_RUN_MODE": "learnops-tests",
        "KOLIBRI_REGULAR_PRIORITY_WORKERS": "1",
        "KOLIBRI_HIGH_PRIORITY_WORKERS": "1",
        "PYTHONDONTWRITEBYTECODE": "1",
    })
    env.pop("VIRTUAL_ENV", None)
    return env


def _run(argv: list[str], *, home: Path | None = None,
         timeout: float = COMMAND_TIMEOUT) -> subprocess.CompletedProcess[str]:
    env = kolibri_environment(home) if home is not None else None
    try:
        done = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=timeout,
                              check=False)
    except (OSError, subprocess.TimeoutExpired) as problem:
        raise KolibriUnavailable(f"{' '.join(argv[:3])}: {problem}") from None
    if done.returncode != 0:
        tail = (done.stderr or done.stdout).strip().splitlines()[-3:]
        raise KolibriUnavailable(
            f"{' '.join(argv[:4])} exited {done.returncode}: {' | '.join(tail)}"
        )
    return done


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    """One process at a time builds a cached folder; the others wait and reuse it."""
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def installed(cache: Path, costs: dict[str, float]) -> Path:
    """Kolibri's own virtual environment, installed once (marked complete when it works)."""
    venv = cache / f"venv-{VERSION}"
    ready = venv / ".learnops-ready"
    with _locked(cache / ".install.lock"):
        if ready.exists() and (venv / "bin" / "kolibri").exists():
            return venv
        shutil.rmtree(venv, ignore_errors=True)
        started = time.perf_counter()
        _run([sys.executable, "-m", "venv", str(venv)])
        _run([str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet",
              "--disable-pip-version-check", f"kolibri=={VERSION}"], timeout=INSTALL_TIMEOUT)
        _run([str(venv / "bin" / "python"), "-c", "import kolibri"])
        ready.write_text(VERSION, encoding="utf-8")
        costs["install"] = time.perf_counter() - started
        return venv


def template(cache: Path, venv: Path, costs: dict[str, float]) -> Path:
    """A provisioned device with seeded content, made once and copied per session."""
    home = cache / f"home-{TEMPLATE_KEY}"
    ready = home / ".learnops-ready"
    with _locked(cache / ".template.lock"):
        if ready.exists():
            return home
        shutil.rmtree(home, ignore_errors=True)
        home.mkdir(parents=True)
        kolibri = str(venv / "bin" / "kolibri")
        started = time.perf_counter()
        _run([kolibri, "manage", "provisiondevice", "--facility", FACILITY,
              "--superusername", ADMIN_USERNAME, "--superuserpassword", ADMIN_PASSWORD,
              "--preset", "formal", "--language_id", "en", "--noinput"], home=home)
        costs["provision"] = time.perf_counter() - started
        started = time.perf_counter()
        _run([kolibri, "manage", "loaddata", "content_test"], home=home)
        _run([kolibri, "manage", "shell", "-c", SEED_SCRIPT], home=home)
        costs["seed"] = time.perf_counter() - started
        ready.write_text(TEMPLATE_KEY, encoding="utf-8")
        return home


def _copy_home(source: Path, target: Path) -> None:
    # Logs, pid files and sockets belong to the process that made them.
    shutil.copytree(source, target, ignore=shutil.ignore_patterns(
        "logs", "*.pid", "*.sock", "process_cache", ".learnops-ready"))


def _wait_until_up(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            tail = log.read_text(errors="replace").strip().splitlines()[-3:]
            raise KolibriUnavailable(f"kolibri start exited {process.returncode}: {tail}")
        with contextlib.suppress(requests.RequestException):
            if requests.get(f"{url}/api/public/info/", timeout=2).status_code == 200:
                return
        time.sleep(0.25)
    raise KolibriUnavailable(f"kolibri did not answer {url}/api/public/info/ "
                             f"within {START_TIMEOUT:g}s")


def _stop(process: subprocess.Popen[bytes]) -> None:
    """SIGKILL to the server and its workers: the session's copy of the home is deleted
    after, so Kolibri's graceful shutdown (2 s) would save nothing anyone reads."""
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=10)


@contextlib.contextmanager
def running_kolibri(cache: Path, workdir: Path, port: int, zip_port: int, *,
                    templates: Path | None = None) -> Iterator[LiveKolibri]:
    """Install (cached), provision (cached in ``templates``, default ``cache``), copy,
    start; stopped when the block ends."""
    costs: dict[str, float] = {}
    venv = installed(cache, costs)
    source = template(templates or cache, venv, costs)
    home = workdir / "kolibri-home"
    started = time.perf_counter()
    _copy_home(source, home)
    costs["copy"] = time.perf_counter() - started
    url = f"http://127.0.0.1:{port}"
    log = workdir / "kolibri.log"
    started = time.perf_counter()
    with log.open("wb") as output:
        process = subprocess.Popen(
            [str(venv / "bin" / "kolibri"), "start", "--foreground", "--port", str(port),
             "--zip-port", str(zip_port)],
            env=kolibri_environment(home), stdout=output, stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: stopped with its workers
        )
    try:
        _wait_until_up(url, process, log)
        costs["start"] = time.perf_counter() - started
        facilities = requests.get(f"{url}/api/public/v1/facility/", timeout=10).json()
        [facility_id] = [f["id"] for f in facilities if f["name"] == FACILITY]
        console = KolibriConsole(venv, home)
        try:
            yield LiveKolibri(url=url, home=home, venv=venv, facility_id=facility_id,
                              console=console, costs=costs)
        finally:
            console.close()
    finally:
        _stop(process)
