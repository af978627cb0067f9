"""A YAML document as loaded: its plain value and where every node of it was written."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from reconciler.model import JSON, Location

# The keys and indexes leading from a document's root to a node, e.g. ("spec", "steps", 2).
NodePath = tuple[str | int, ...]
# (line, column), both 1-based. Plain tuples, not Locations: a large spec directory has
# hundreds of thousands of nodes and only the few a diagnostic names need a Location.
Position = tuple[int, int]


@dataclass(frozen=True, eq=False)
class Document:
    """``body`` is JSON-compatible (dicts, lists, str, int, float, bool, None).
    ``positions`` holds each node's value position, ``key_positions`` the position of
    the key naming it; a node reached through an alias maps to the alias' position."""

    file: str
    index: int  # 0-based, among the file's non-empty documents
    body: JSON
    positions: Mapping[NodePath, Position]
    key_positions: Mapping[NodePath, Position]

    @property
    def location(self) -> Location:
        return Location(self.file, *self.positions[()])

    def at(self, path: NodePath) -> Location:
        """Where the node at ``path`` was written, or its nearest written ancestor."""
        for end in range(len(path), -1, -1):
            found = self.positions.get(path[:end])
            if found is not None:
                return Location(self.file, *found)
        return self.location

    def key_at(self, path: NodePath) -> Location:
        """Where the key naming ``path`` was written (the value's place if it has no key)."""
        found = self.key_positions.get(path)
        return Location(self.file, *found) if found is not None else self.at(path)

    def get(self, path: NodePath) -> JSON:
        """The value at ``path``, or ``None`` when the document has no such node."""
        node: JSON = self.body
        for step in path:
            if isinstance(node, dict) and isinstance(step, str):
                node = node.get(step)
            elif isinstance(node, list) and isinstance(step, int) and 0 <= step < len(node):
                node = node[step]
            else:
                return None
        return node
