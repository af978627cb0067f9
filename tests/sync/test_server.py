"""The sync's HTTP endpoints on a real server: status, metrics, webhook."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families

from reconciler.sync.loop import SyncLoop
from reconciler.sync.metrics import SyncMetrics
from reconciler.sync.server import SyncServer, signature

from .repo import HIPAA, SpecRepo, make_syncer

SECRET = b"it-is-a-secret"


class Served:
    def __init__(self, loop: SyncLoop, server: SyncServer) -> None:
        self.loop = loop
        self.server = server
        self.url = server.url

    def push(self, *, signed_with: bytes | None = SECRET, ref: str = "refs/heads/main",
             tamper: bool = False) -> requests.Response:
        body = json.dumps({"ref": ref, "after": "0" * 40}).encode()
        headers = {"X-GitHub-Event": "push", "Content-Type": "application/json"}
        if signed_with is not None:
            headers["X-Hub-Signature-256"] = signature(signed_with, body)
        if tamper:
            body = body.replace(b"main", b"mainx")
        return requests.post(f"{self.url}/webhook", data=body, headers=headers, timeout=10)


@pytest.fixture
def served(repo: SpecRepo, workdir: Path) -> Iterator[Served]:
    syncer = make_syncer(repo, workdir, auto_apply=True)
    metrics = SyncMetrics()
    loop = SyncLoop(syncer, interval=3600, listeners=[metrics])
    with SyncServer(loop, metrics, host="127.0.0.1", port=0, secret=SECRET) as server:
        yield Served(loop, server)
    syncer.close()


def test_healthz_and_status(served: Served, repo: SpecRepo) -> None:
    assert requests.get(f"{served.url}/healthz", timeout=10).json() == {"ok": True}
    served.loop.run_once()
    status = requests.get(f"{served.url}/status", timeout=10).json()
    assert status["status"] == "Synced"
    assert status["revision"] == repo.first
    assert status["last_applied"]["revision"] == repo.first
    assert len(status["last_applied"]["changes"]) == 5


def test_status_shows_a_bad_revision_with_file_and_line(served: Served, repo: SpecRepo) -> None:
    served.loop.run_once()
    bad = repo.commit("typo", {
        "specs/assignments/hipaa.yaml": HIPAA.replace("audience: nurses", "audience: nursez"),
    })
    served.loop.run_once()

    status = requests.get(f"{served.url}/status", timeout=10).json()

    assert status["status"] == "Failed"
    assert status["head"] == bad
    assert status["revision"] == repo.first
    error = status["last_error"]
    assert error["where"].startswith("specs/assignments/hipaa.yaml:6:")
    assert error["revision"] == bad
    assert any(line.startswith("specs/assignments/hipaa.yaml:6:") and "nursez" in line
               for line in error["details"])


def test_metrics_parse_with_prometheus_client(served: Served, repo: SpecRepo) -> None:
    served.loop.run_once()  # five creates
    served.loop.run_once()  # idle
    repo.commit("typo", {"specs/objects.yaml": "kind: [unclosed\n"})
    served.loop.run_once()  # a failure

    response = requests.get(f"{served.url}/metrics", timeout=10)

    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/plain")
    families = {family.name: family for family in text_string_to_metric_families(response.text)}
    changes = families["learnops_sync_changes_applied"].samples
    applied = {s.labels["action"]: s.value for s in changes if s.name.endswith("_total")}
    assert applied == {"create": 5.0}
    failures = [s.value for s in families["learnops_sync_failures"].samples
                if s.name.endswith("_total")]
    assert failures == [1.0]
    counts = {s.labels["idle"]: s.value for s in families["learnops_sync_duration_seconds"].samples
              if s.name.endswith("_count")}
    assert counts == {"true": 1.0, "false": 2.0}
    assert [s.value for s in families["learnops_sync_drifted_resources"].samples] == [0.0]
    states = {s.labels["status"]: s.value for s in families["learnops_sync_status"].samples}
    assert states["Failed"] == 1.0 and states["Synced"] == 0.0


@pytest.mark.parametrize("how", ["unsigned", "wrong secret", "body changed after signing"])
def test_webhook_refuses_what_is_not_signed_with_the_secret(served: Served, how: str) -> None:
    match how:
        case "unsigned":
            response = served.push(signed_with=None)
        case "wrong secret":
            response = served.push(signed_with=b"guess")
        case _:
            response = served.push(tamper=True)

    assert response.status_code == 401
    assert not served.loop.trigger_pending
    assert served.loop.status.cycles == 0


@pytest.mark.parametrize(("method", "path", "allowed"), [
    ("GET", "/webhook", "POST"), ("POST", "/status", "GET"), ("POST", "/healthz", "GET"),
])
def test_a_known_path_with_the_wrong_method_is_405_naming_the_right_one(
    served: Served, method: str, path: str, allowed: str
) -> None:
    response = requests.request(method, f"{served.url}{path}", timeout=10)
    assert response.status_code == 405
    assert response.headers["Allow"] == allowed
    assert response.json()["error"]["code"] == "method_not_allowed"
    assert requests.get(f"{served.url}/nowhere", timeout=10).status_code == 404
    assert served.loop.status.cycles == 0


def test_webhook_signed_push_to_the_branch_triggers_a_cycle(served: Served) -> None:
    other = served.push(ref="refs/heads/feature")
    assert other.status_code == 202 and other.json()["triggered"] is False
    assert not served.loop.trigger_pending

    response = served.push()

    assert response.status_code == 202 and response.json()["triggered"] is True
    assert served.loop.trigger_pending


def test_a_webhook_wakes_the_running_loop_for_the_new_commit(
    served: Served, repo: SpecRepo
) -> None:
    runner = threading.Thread(target=served.loop.run_forever, daemon=True)
    runner.start()
    try:
        _wait_for(lambda: served.loop.status.revision == repo.first)
        changed = repo.commit("hipaa: 45 days", {
            "specs/assignments/hipaa.yaml": HIPAA.replace("due: 30d", "due: 45d"),
        })
        # The interval is an hour: only the webhook can bring the new commit in.
        assert served.push().status_code == 202
        _wait_for(lambda: (applied := served.loop.status.last_applied) is not None
                  and applied.revision == changed)
        status = requests.get(f"{served.url}/status", timeout=10).json()
        assert status["last_applied"]["changes"] == [
            {"address": "Assignment/hipaa-nurses", "action": "update"}
        ]
    finally:
        served.loop.stop()
        runner.join(timeout=30)
    assert not runner.is_alive()


def _wait_for(condition: object, timeout: float = 30.0) -> None:
    assert callable(condition)
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "the sync did not get there"
        time.sleep(0.02)


def signed_push(served: Served, delivery: str | None) -> requests.Response:
    body = json.dumps({"ref": "refs/heads/main"}).encode()
    headers = {"X-GitHub-Event": "push", "X-Hub-Signature-256": signature(SECRET, body)}
    if delivery is not None:
        headers["X-GitHub-Delivery"] = delivery
    return requests.post(f"{served.url}/webhook", data=body, headers=headers, timeout=10)


def test_a_replayed_delivery_triggers_one_cycle(
    served: Served, monkeypatch: pytest.MonkeyPatch
) -> None:
    triggered: list[int] = []
    monkeypatch.setattr(served.loop, "trigger", lambda: triggered.append(1))
    answers = [signed_push(served, "72d3162e-cc78-11e3-81ab-4c9367dc0958") for _ in range(5)]
    assert [a.status_code for a in answers] == [202] * 5
    assert [a.json()["triggered"] for a in answers] == [True, False, False, False, False]
    assert "already received" in answers[1].json()["reason"]
    assert len(triggered) == 1
    assert signed_push(served, "another-delivery").json()["triggered"] is True
    assert len(triggered) == 2


def test_remembered_deliveries_are_bounded(
    served: Served, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(served.server.deliveries, "capacity", 3)
    monkeypatch.setattr(served.loop, "trigger", lambda: None)
    for n in range(10):
        assert signed_push(served, f"d{n}").json()["triggered"] is True
    seen = served.server.deliveries
    assert len(seen) == 3  # memory stays bounded whatever a sender replays
    assert signed_push(served, "d9").json()["triggered"] is False
    assert signed_push(served, "d0").json()["triggered"] is True  # long forgotten


def test_an_oversized_webhook_is_413_without_a_traceback(
    served: Served, capfd: pytest.CaptureFixture[str]
) -> None:
    import socket
    import struct

    for _ in range(20):  # a sender that gives up at once: the answer meets a reset
        with socket.create_connection(served.server.address, timeout=5) as client:
            client.sendall(b"POST /webhook HTTP/1.1\r\nHost: x\r\n"
                           b"Content-Length: 99999999\r\n\r\n" + b"x" * 65536)
            client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    time.sleep(0.5)
    err = capfd.readouterr().err
    assert "Traceback" not in err and "BrokenPipeError" not in err, err
    with socket.create_connection(served.server.address, timeout=5) as client:
        client.sendall(b"POST /webhook HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999\r\n\r\n")
        assert client.recv(100).startswith(b"HTTP/1.0 413")  # still answered, and politely


def test_a_deeply_nested_signed_payload_is_400_not_a_crash(served: Served) -> None:
    body = b'{"ref":' * 100_000 + b'"x"' + b"}" * 100_000
    headers = {"X-GitHub-Event": "push", "X-Hub-Signature-256": signature(SECRET, body)}
    answer = requests.post(f"{served.url}/webhook", data=body, headers=headers, timeout=10)
    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == "bad_json"
    assert not served.loop.trigger_pending
