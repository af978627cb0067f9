"""Safe YAML: builds plain JSON values straight from parser events.

No PyYAML constructor ever runs, so no tag can create an object or call code.
Working on the event stream (libyaml's when available) instead of composed nodes
keeps nesting off the C stack (libyaml's composer recurses and crashes on a deep
enough file) and lets us bound alias expansion while building. Scalars follow the
YAML 1.2 core schema: ``on``/``no`` stay strings (``notify.on`` is a key of the spec
language) and dates stay strings.

This loop runs once per YAML node of every spec file, so it is written for speed:
positions are plain tuples, frames have slots, events are dispatched on their class
by identity, and a ``Location`` is only made for a diagnostic.
"""

from __future__ import annotations

from typing import Any, Final

import yaml
from yaml.events import (
    AliasEvent,
    DocumentEndEvent,
    DocumentStartEvent,
    MappingEndEvent,
    MappingStartEvent,
    ScalarEvent,
    SequenceEndEvent,
    SequenceStartEvent,
    StreamEndEvent,
)

from reconciler.diagnostics import Diagnostic, error
from reconciler.load.document import Document, NodePath, Position
from reconciler.load.scalars import INVALID, TAG, explicit, resolve_plain
from reconciler.model import JSON, Location

# libyaml is ~10x faster; the pure-Python parser reads the same language.
_FastParser: Any = getattr(getattr(yaml, "cyaml", None), "CParser", None)

MAX_ALIAS_EXPANSION: Final = 10_000  # nodes aliases may add to one document
MAX_DEPTH: Final = 64  # real specs nest < 10 deep; deeper is an attack or an accident
_KEY_TAGS: Final = frozenset({None, "!", TAG + "str", TAG + "merge"})
_STRING_TAGS: Final = frozenset({"!", TAG + "str"})


class _Abort(Exception):
    """Ends reading a file: what follows the problem cannot be trusted."""

    def __init__(self, diagnostic: Diagnostic) -> None:
        super().__init__(diagnostic.message)
        self.diagnostic = diagnostic


class _Frame:
    """A mapping or sequence being built."""

    __slots__ = ("anchor", "container", "key", "key_position", "mapping", "merge_pending",
                 "merged", "path", "size")

    def __init__(
        self, container: dict[str, JSON] | list[JSON], path: NodePath, anchor: str | None
    ) -> None:
        self.container = container
        self.mapping = type(container) is dict
        self.path = path
        self.size = 1
        self.key: str | None = None
        self.key_position: Position = (0, 0)
        self.merge_pending = False
        self.merged: set[str] | None = None  # keys a merge (<<) filled in, until overridden
        self.anchor = anchor


class _DocumentBuilder:
    """Builds one document's value and the position of every node in it."""

    def __init__(self, file: str, index: int, diagnostics: list[Diagnostic]) -> None:
        self.file = file
        self.index = index
        self.diagnostics = diagnostics
        self.positions: dict[NodePath, Position] = {}
        self.key_positions: dict[NodePath, Position] = {}
        self.stack: list[_Frame] = []
        self.anchors: dict[str, tuple[JSON, int]] = {}  # anchor -> (value, node count)
        self.open_anchors: set[str] = set()
        self.expanded = 0
        self.root: JSON = None

    def location(self, position: Position) -> Location:
        return Location(self.file, position[0], position[1])

    # -- events --------------------------------------------------------------

    def scalar(self, event: Any) -> None:
        mark = event.start_mark
        position = (mark.line + 1, mark.column + 1)
        stack = self.stack
        frame = stack[-1] if stack else None
        if frame is not None and frame.mapping and frame.key is None:
            tag = event.tag
            if tag is not None:
                if tag not in _KEY_TAGS:
                    self.diagnostics.append(error(
                        "LO305", f"tag {tag} is not allowed on a key", self.location(position)
                    ))
            elif event.value == "<<" and event.implicit[0]:
                frame.merge_pending = True
            frame.key = event.value
            frame.key_position = position
            return
        text: str = event.value
        tag = event.tag
        if tag is None:
            value = resolve_plain(text) if event.implicit[0] else text
        elif tag in _STRING_TAGS:
            value = text
        else:
            value = explicit(tag, text)
            if value is INVALID:
                self.tag_problem(tag, position, text)
                value = text
        anchor = event.anchor
        if frame is not None and anchor is None and frame.mapping and not frame.merge_pending:
            # The common case, a plain value under a new key, without attach()'s detours.
            key = frame.key
            assert key is not None and isinstance(frame.container, dict)
            if key not in frame.container:
                frame.key = None
                frame.size += 1
                frame.container[key] = value
                path = (*frame.path, key)
                self.key_positions[path] = frame.key_position
                self.positions[path] = position
                return
        self.attach(value, 1, position, anchor, False)

    def start(self, event: Any, container: dict[str, JSON] | list[JSON]) -> None:
        mark = event.start_mark
        position = (mark.line + 1, mark.column + 1)
        tag = event.tag
        expected = TAG + ("map" if type(container) is dict else "seq")
        if tag is not None and tag != "!" and tag != expected:
            self.tag_problem(str(tag), position)
        stack = self.stack
        if not stack:
            path: NodePath = ()
        else:
            frame = stack[-1]
            if frame.mapping:
                if frame.key is None:
                    raise _Abort(error("LO309", "a key must be a plain value, not a list or "
                                       "mapping", self.location(position)))
                path = (*frame.path, frame.key)
            else:
                path = (*frame.path, len(frame.container))
            if len(stack) >= MAX_DEPTH:
                raise _Abort(error("LO310", f"nested more than {MAX_DEPTH} levels deep",
                                   self.location(position)))
        self.positions[path] = position
        anchor = event.anchor
        if anchor is not None:
            self.open_anchors.add(anchor)
        stack.append(_Frame(container, path, anchor))

    def end(self) -> None:
        frame = self.stack.pop()
        if frame.anchor is not None:
            self.open_anchors.discard(frame.anchor)
        self.attach(frame.container, frame.size, self.positions[frame.path], frame.anchor, True)

    def alias(self, event: Any) -> None:
        mark = event.start_mark
        position = (mark.line + 1, mark.column + 1)
        name = str(event.anchor)
        if name in self.open_anchors:
            raise _Abort(error("LO306", f"alias *{name} refers to a node that contains it",
                               self.location(position)))
        anchored = self.anchors.get(name)
        if anchored is None:
            raise _Abort(error("LO306", f"alias *{name} refers to no anchor &{name} before it",
                               self.location(position)))
        value, size = anchored
        frame = self.stack[-1] if self.stack else None
        if frame is not None and frame.mapping and frame.key is None:
            if not isinstance(value, str):
                raise _Abort(error("LO309", "a key must be a plain value, not a list or mapping",
                                   self.location(position)))
            frame.key, frame.key_position = value, position
            return
        self.expanded += size
        if self.expanded > MAX_ALIAS_EXPANSION:
            raise _Abort(
                error(
                    "LO306",
                    f"aliases expand to more than {MAX_ALIAS_EXPANSION} nodes in this document "
                    "(an alias bomb?); write the values out or split the file",
                    self.location(position),
                )
            )
        # The anchored value is shared, not copied: nothing downstream mutates it.
        self.attach(value, size, position, None, False)

    # -- building ------------------------------------------------------------

    def attach(
        self, value: JSON, size: int, position: Position, anchor: str | None, placed: bool
    ) -> None:
        """Puts a finished node into its parent; ``placed``: its position is recorded."""
        if anchor is not None:
            self.anchors[anchor] = (value, size)
        stack = self.stack
        if not stack:
            self.root = value
            self.positions[()] = position
            return
        frame = stack[-1]
        frame.size += size
        container = frame.container
        if not frame.mapping:
            assert isinstance(container, list)
            if not placed:
                self.positions[(*frame.path, len(container))] = position
            container.append(value)
            return
        assert isinstance(container, dict)
        key, key_position = frame.key, frame.key_position
        frame.key = None
        assert key is not None  # a value always follows its key
        if frame.merge_pending:
            frame.merge_pending = False
            self.merge(frame, container, value, key_position)
            return
        path = (*frame.path, key)
        merged = frame.merged
        if key in container and (merged is None or key not in merged):
            first = self.key_positions[path]
            self.diagnostics.append(
                error(
                    "LO304",
                    f"duplicate key {key!r} (first written at line {first[0]})",
                    self.location(key_position),
                )
            )
            return
        if merged is not None:
            merged.discard(key)
        container[key] = value
        self.key_positions[path] = key_position
        if not placed:
            self.positions[path] = position

    def merge(
        self, frame: _Frame, container: dict[str, JSON], value: JSON, position: Position
    ) -> None:
        sources = value if isinstance(value, list) else [value]
        merged = frame.merged if frame.merged is not None else set()
        frame.merged = merged
        for source in sources:
            if not isinstance(source, dict):
                raise _Abort(
                    error(
                        "LO303",
                        "a merge key (<<) takes a mapping or a list of mappings",
                        self.location(position),
                    )
                )
            for key, item in source.items():
                if key not in container:
                    container[key] = item
                    merged.add(key)
                    self.key_positions[(*frame.path, key)] = position

    def tag_problem(self, tag: str, position: Position, text: str | None = None) -> None:
        shown = tag.replace(TAG, "!!")
        if text is not None and tag.removeprefix(TAG) in ("int", "float", "bool", "null"):
            message = f"{text!r} is not a valid {shown} value"
        else:
            message = (
                f"tag {shown} is not allowed: specs are plain YAML "
                "(strings, numbers, booleans, null, lists and mappings)"
            )
        self.diagnostics.append(error("LO305", message, self.location(position)))

    def document(self) -> Document:
        return Document(self.file, self.index, self.root, self.positions, self.key_positions)


class _PythonParser(yaml.reader.Reader, yaml.scanner.Scanner, yaml.parser.Parser):
    def __init__(self, text: str) -> None:
        yaml.reader.Reader.__init__(self, text)
        yaml.scanner.Scanner.__init__(self)
        yaml.parser.Parser.__init__(self)


def _build(text: str, file: str, documents: list[Document], diagnostics: list[Diagnostic]) -> bool:
    """Feeds every event of ``text`` to a builder per document; whether any document
    (even an empty one) was seen. Raises the parser's errors and ``_Abort``."""
    parser: Any = _FastParser(text) if _FastParser is not None else _PythonParser(text)
    next_event = parser.get_event
    builder = _DocumentBuilder(file, 0, diagnostics)
    seen_document = False
    # An if-chain on the class by identity: ``match`` with class patterns runs an
    # isinstance chain per event, measurably slower at a few hundred thousand events.
    while True:
        event = next_event()
        kind = event.__class__
        if kind is ScalarEvent:
            builder.scalar(event)
        elif kind is MappingStartEvent:
            builder.start(event, {})
        elif kind is MappingEndEvent or kind is SequenceEndEvent:
            builder.end()
        elif kind is SequenceStartEvent:
            builder.start(event, [])
        elif kind is AliasEvent:
            builder.alias(event)
        elif kind is DocumentStartEvent:
            builder = _DocumentBuilder(file, len(documents), diagnostics)
        elif kind is DocumentEndEvent:
            seen_document = True
            if builder.root is not None:
                documents.append(builder.document())
        elif kind is StreamEndEvent:
            return seen_document


def read_yaml(text: str, file: str) -> tuple[list[Document], list[Diagnostic]]:
    """Every non-empty document of ``text``, and every problem found reading it."""
    documents: list[Document] = []
    diagnostics: list[Diagnostic] = []
    try:
        seen_document = _build(text, file, documents, diagnostics)
    except _Abort as stop:
        diagnostics.append(stop.diagnostic)
        return documents, diagnostics
    except yaml.MarkedYAMLError as problem:
        diagnostics.append(_syntax_error(problem, text, file))
        return documents, diagnostics
    except yaml.reader.ReaderError as problem:  # a character YAML forbids
        before = text[: problem.position]
        location = Location(
            file, before.count("\n") + 1, len(before) - (before.rfind("\n") + 1) + 1
        )
        shown = (
            f"#x{problem.character:04x}"
            if isinstance(problem.character, int)
            else repr(problem.character)
        )
        diagnostics.append(
            error("LO303", f"character {shown} is not allowed in YAML ({problem.reason})", location)
        )
        return documents, diagnostics
    except yaml.YAMLError as problem:
        diagnostics.append(
            error("LO303", f"YAML syntax error: {_one_line(str(problem))}", Location(file, 1, 1))
        )
        return documents, diagnostics
    if not documents and not diagnostics:
        what = "holds only empty documents" if seen_document else "is empty"
        diagnostics.append(
            error("LO307", f"file {what}: add a document or delete the file", Location(file, 1, 1))
        )
    return documents, diagnostics


def _syntax_error(problem: yaml.MarkedYAMLError, text: str, file: str) -> Diagnostic:
    mark = problem.problem_mark or problem.context_mark
    line = mark.line + 1 if mark else 1
    col = mark.column + 1 if mark else 1
    message = problem.problem or "invalid YAML"
    if "maximum nesting depth" in message:  # libyaml >= 0.2.5 stops at 1000 levels itself
        where = Location(file, line, col)
        return error("LO310", f"nested more than {MAX_DEPTH} levels deep", where)
    if problem.context and problem.context not in message:
        message = f"{message} ({problem.context})"
    if mark is not None and _char_at(text, mark.line, mark.column) == "\t":
        message += "; YAML indents with spaces, not tabs"
    return error("LO303", f"YAML syntax error: {message}", Location(file, line, col))


def _char_at(text: str, line: int, column: int) -> str:
    lines = text.split("\n")
    if line >= len(lines) or column >= len(lines[line]):
        return ""
    return lines[line][column]


def _one_line(text: str) -> str:
    return " ".join(text.split())
