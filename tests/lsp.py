"""A minimal Language Server Protocol client over stdio: what an editor does to get a
YAML file's diagnostics from yaml-language-server (initialize, open, wait)."""

from __future__ import annotations

import json
import queue
import subprocess
import threading
import time
from pathlib import Path
from typing import IO, Any


class LanguageServer:
    def __init__(self, command: list[str], root: Path) -> None:
        self._process = subprocess.Popen(
            command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL
        )
        self._messages: queue.Queue[dict[str, Any]] = queue.Queue()
        assert self._process.stdout is not None
        threading.Thread(target=self._read, args=(self._process.stdout,), daemon=True).start()
        self._next_id = 0
        self.diagnostics: dict[str, list[dict[str, Any]]] = {}
        self._request("initialize", {
            "processId": None, "rootUri": root.as_uri(),
            "workspaceFolders": [{"uri": root.as_uri(), "name": root.name}],
            "capabilities": {"workspace": {"configuration": True},
                             "textDocument": {"publishDiagnostics": {}}},
        })
        self._notify("initialized", {})
        self._notify("workspace/didChangeConfiguration", {"settings": self._settings()})

    @staticmethod
    def _settings() -> dict[str, Any]:
        # The modeline in each file names its schema: no schemas configured here,
        # and no schema store (that would need the network).
        return {"yaml": {"validate": True, "schemaStore": {"enable": False}, "schemas": {}}}

    def diagnose(self, path: Path, timeout: float = 30.0) -> list[dict[str, Any]]:
        """The diagnostics the server publishes for ``path`` once it has opened it."""
        uri = path.resolve().as_uri()
        self.diagnostics.pop(uri, None)
        self._notify("textDocument/didOpen", {"textDocument": {
            "uri": uri, "languageId": "yaml", "version": 1,
            "text": path.read_text(encoding="utf-8"),
        }})
        deadline = time.monotonic() + timeout
        while uri not in self.diagnostics:
            self._handle(self._messages.get(timeout=max(0.0, deadline - time.monotonic())))
        return self.diagnostics[uri]

    def close(self) -> None:
        try:
            self._request("shutdown", None)
            self._notify("exit", None)
            self._process.wait(timeout=10)
        except (queue.Empty, OSError, subprocess.TimeoutExpired):
            self._process.kill()
            self._process.wait()

    def _request(self, method: str, params: Any) -> Any:
        self._next_id += 1
        request_id = self._next_id
        self._send({"jsonrpc": "2.0", "id": request_id, "method": method, "params": params})
        while True:
            message = self._messages.get(timeout=30)
            if message.get("id") == request_id and "method" not in message:
                return message.get("result")
            self._handle(message)

    def _notify(self, method: str, params: Any) -> None:
        self._send({"jsonrpc": "2.0", "method": method, "params": params})

    def _handle(self, message: dict[str, Any]) -> None:
        method = message.get("method")
        if method == "textDocument/publishDiagnostics":
            self.diagnostics[message["params"]["uri"]] = message["params"]["diagnostics"]
        elif "id" in message and method is not None:  # a request from the server
            result: Any = None
            if method == "workspace/configuration":
                settings = self._settings()
                result = [settings.get(item.get("section", ""), settings)
                          for item in message["params"]["items"]]
            self._send({"jsonrpc": "2.0", "id": message["id"], "result": result})

    def _send(self, message: dict[str, Any]) -> None:
        body = json.dumps(message).encode()
        stdin = self._process.stdin
        assert stdin is not None
        stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        stdin.flush()

    def _read(self, stream: IO[bytes]) -> None:
        while True:
            length = 0
            while (line := stream.readline()) not in (b"\r\n", b""):
                name, _, value = line.decode().partition(":")
                if name.lower() == "content-length":
                    length = int(value)
            if not line:
                return
            self._messages.put(json.loads(stream.read(length)))
