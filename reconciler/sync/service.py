"""The facade ``learnops sync`` calls: the working copy, the loop, its listeners
(metrics, notifications) and, with ``listen``, the HTTP endpoints, wired once."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from types import TracebackType

from reconciler.sync.cycle import Syncer, SyncOptions
from reconciler.sync.git import Remote, WorkingCopy
from reconciler.sync.loop import Listener, SyncLoop
from reconciler.sync.metrics import SyncMetrics
from reconciler.sync.notify import Notifier
from reconciler.sync.server import SyncServer, parse_listen


@dataclass(frozen=True)
class ServiceConfig:
    repo: str
    branch: str = "main"
    workdir: Path | None = None  # None: .learnops/sync/<repo>-<hash> under the cwd
    options: SyncOptions = field(default_factory=SyncOptions)
    interval: float = 60.0
    listen: str | None = None
    notify_url: str | None = None
    webhook_secret: bytes | None = None


def default_workdir(remote: Remote) -> Path:
    """One working copy per (repository, branch), named so a person can tell which."""
    stem = re.sub(r"[^A-Za-z0-9._-]+", "-", Path(remote.location.rstrip("/")).name)
    stem = stem.removesuffix(".git").strip("-.") or "repo"
    digest = hashlib.sha256(f"{remote.location}\n{remote.branch}".encode()).hexdigest()[:10]
    return Path(".learnops") / "sync" / f"{stem}-{digest}"


class SyncService:
    """``with SyncService(config, clock=now, listeners=...) as service:
    service.loop.run_forever()``. ``clock`` (an aware datetime) is the only time the
    sync knows: its status, its reports and its releases' day come from it."""

    def __init__(self, config: ServiceConfig, *, clock: Callable[[], datetime],
                 listeners: Sequence[Listener] = ()) -> None:
        remote = Remote.of(config.repo, config.branch)
        self.copy = WorkingCopy(remote, config.workdir or default_workdir(remote))
        self.syncer = Syncer(self.copy, config.options, clock=clock)
        self.metrics = SyncMetrics()
        self.notifier = Notifier(config.notify_url) if config.notify_url else None
        every: list[Listener] = [self.metrics]
        if self.notifier is not None:
            every.append(self.notifier)
        every.extend(listeners)
        self.loop = SyncLoop(self.syncer, interval=config.interval, listeners=every)
        self.server: SyncServer | None = None
        if config.listen is not None:
            host, port = parse_listen(config.listen)
            self.server = SyncServer(self.loop, self.metrics, host=host, port=port,
                                     secret=config.webhook_secret)

    def __enter__(self) -> SyncService:
        if self.server is not None:
            self.server.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self.server is not None:
            self.server.close()
        self.syncer.close()
