"""Where the people come from: the directory a project names (a CSV export or a SCIM 2.0
service), read as one :class:`DirectorySnapshot`.

``learnops.yaml`` names it with ``directory:``; without it, the target's ``users:`` file
(the sandbox's HRIS seed) is the directory, else the platform's own users are (then
there is nothing to plan for the directory: the platform is its own source). A source
is desired state: the planner compares its snapshot with the platform's users.
"""

from __future__ import annotations

from reconciler.directory.source import (
    DirectorySnapshot,
    DirectorySource,
    open_directory,
    read_snapshot,
    snapshot,
    snapshot_digest,
)

__all__ = [
    "DirectorySnapshot", "DirectorySource", "open_directory", "read_snapshot", "snapshot",
    "snapshot_digest",
]
