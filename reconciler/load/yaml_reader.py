"""Safe YAML: builds plain JSON values straight from parser events.

No PyYAML constructor ever runs, so no tag can create an object or call code.
Working on the event stream (libyaml's when available) instead of composed nodes
keeps nesting off the C stack and lets us bound alias expansion while building.
Scalars follow the YAML 1.2 core schema: ``on``/``no`` stay strings (``notify.on``
is a key of the spec language) and dates stay strings.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Final

import yaml

from reconciler.diagnostics import Diagnostic, error
from reconciler.load.document import Document, NodePath
from reconciler.load.scalars import INVALID, TAG, explicit, resolve_plain
from reconciler.model import JSON, Location

# libyaml is ~10x faster; the pure-Python parser reads the same language.
_FastParser: Any = getattr(getattr(yaml, "cyaml", None), "CParser", None)

MAX_ALIAS_EXPANSION: Final = 10_000  # nodes aliases may add to one document
MAX_DEPTH: Final = 64  # real specs nest < 10 deep; deeper is an attack or an accident


class _Abort(Exception):
    """Ends reading a file: what follows the problem cannot be trusted."""

    def __init__(self, diagnostic: Diagnostic) -> None:
        super().__init__(diagnostic.message)
        self.diagnostic = diagnostic


@dataclass
class _Frame:
    """A mapping or sequence being built."""

    container: dict[str, JSON] | list[JSON]
    path: NodePath
    size: int = 1
    key: str | None = None
    key_location: Location | None = None
    merge_pending: bool = False
    merged: set[str] = field(default_factory=set)
    anchor: str | None = None


@dataclass(frozen=True)
class _Anchored:
    value: JSON
    size: int


class _DocumentBuilder:
    """Builds one document's value and the location of every node in it."""

    def __init__(self, file: str, index: int, diagnostics: list[Diagnostic]) -> None:
        self.file = file
        self.index = index
        self.diagnostics = diagnostics
        self.locations: dict[NodePath, Location] = {}
        self.key_locations: dict[NodePath, Location] = {}
        self.stack: list[_Frame] = []
        self.anchors: dict[str, _Anchored] = {}
        self.open_anchors: set[str] = set()
        self.expanded = 0
        self.root: JSON = None

    def where(self, mark: Any) -> Location:
        if mark is None:
            return Location(self.file, 1, 1)
        return Location(self.file, mark.line + 1, mark.column + 1)

    # -- events --------------------------------------------------------------

    def scalar(self, event: yaml.ScalarEvent) -> None:
        location = self.where(event.start_mark)
        frame = self.stack[-1] if self.stack else None
        if isinstance(frame, _Frame) and isinstance(frame.container, dict) and frame.key is None:
            self.key(frame, event, location)
            return
        value = self.scalar_value(event, location)
        self.attach(value, 1, location, event.anchor)

    def key(self, frame: _Frame, event: yaml.ScalarEvent, location: Location) -> None:
        if event.tag not in (None, "!", TAG + "str", TAG + "merge"):
            self.diagnostics.append(
                error("LO305", f"tag {event.tag} is not allowed on a key", location)
            )
        if event.value == "<<" and event.tag is None and event.implicit[0]:
            frame.merge_pending = True
        frame.key = event.value
        frame.key_location = location

    def start(
        self, event: yaml.CollectionStartEvent, container: dict[str, JSON] | list[JSON]
    ) -> None:
        location = self.where(event.start_mark)
        expected = TAG + ("map" if isinstance(container, dict) else "seq")
        if event.tag not in (None, "!", expected):
            self.tag_problem(str(event.tag), location)
        if self.stack and isinstance(self.stack[-1].container, dict) and self.stack[-1].key is None:
            raise _Abort(
                error("LO309", "a key must be a plain value, not a list or mapping", location)
            )
        if len(self.stack) >= MAX_DEPTH:
            raise _Abort(error("LO310", f"nested more than {MAX_DEPTH} levels deep", location))
        path = self.child_path()
        self.locations[path] = location
        if event.anchor is not None:
            self.open_anchors.add(event.anchor)
        self.stack.append(_Frame(container, path, anchor=event.anchor))

    def end(self) -> None:
        frame = self.stack.pop()
        if frame.anchor is not None:
            self.open_anchors.discard(frame.anchor)
        self.attach(
            frame.container, frame.size, self.locations[frame.path], frame.anchor, placed=True
        )

    def alias(self, event: yaml.AliasEvent) -> None:
        location = self.where(event.start_mark)
        name = str(event.anchor)
        if name in self.open_anchors:
            raise _Abort(
                error("LO306", f"alias *{name} refers to a node that contains it", location)
            )
        anchored = self.anchors.get(name)
        if anchored is None:
            raise _Abort(
                error("LO306", f"alias *{name} refers to no anchor &{name} before it", location)
            )
        frame = self.stack[-1] if self.stack else None
        if frame is not None and isinstance(frame.container, dict) and frame.key is None:
            if not isinstance(anchored.value, str):
                raise _Abort(
                    error("LO309", "a key must be a plain value, not a list or mapping", location)
                )
            frame.key, frame.key_location = anchored.value, location
            return
        self.expanded += anchored.size
        if self.expanded > MAX_ALIAS_EXPANSION:
            raise _Abort(
                error(
                    "LO306",
                    f"aliases expand to more than {MAX_ALIAS_EXPANSION} nodes in this document "
                    "(an alias bomb?); write the values out or split the file",
                    location,
                )
            )
        # The anchored value is shared, not copied: nothing downstream mutates it.
        self.attach(anchored.value, anchored.size, location, None)

    # -- building ------------------------------------------------------------

    def child_path(self) -> NodePath:
        if not self.stack:
            return ()
        frame = self.stack[-1]
        if isinstance(frame.container, list):
            return (*frame.path, len(frame.container))
        return (*frame.path, frame.key or "")

    def attach(
        self,
        value: JSON,
        size: int,
        location: Location,
        anchor: str | None,
        *,
        placed: bool = False,
    ) -> None:
        if anchor is not None:
            self.anchors[anchor] = _Anchored(value, size)
        if not self.stack:
            self.root = value
            self.locations[()] = location
            return
        frame = self.stack[-1]
        frame.size += size
        if isinstance(frame.container, list):
            if not placed:
                self.locations[(*frame.path, len(frame.container))] = location
            frame.container.append(value)
            return
        key, key_location = frame.key, frame.key_location
        frame.key = frame.key_location = None
        assert key is not None and key_location is not None  # a value always follows its key
        if frame.merge_pending:
            frame.merge_pending = False
            self.merge(frame, value, key_location)
            return
        path = (*frame.path, key)
        if key in frame.container and key not in frame.merged:
            first = self.key_locations[path]
            self.diagnostics.append(
                error(
                    "LO304",
                    f"duplicate key {key!r} (first written at line {first.line})",
                    key_location,
                )
            )
            return
        frame.merged.discard(key)
        frame.container[key] = value
        self.key_locations[path] = key_location
        if not placed:
            self.locations[path] = location

    def merge(self, frame: _Frame, value: JSON, location: Location) -> None:
        sources = value if isinstance(value, list) else [value]
        assert isinstance(frame.container, dict)
        for source in sources:
            if not isinstance(source, dict):
                raise _Abort(
                    error(
                        "LO303", "a merge key (<<) takes a mapping or a list of mappings", location
                    )
                )
            for key, item in source.items():
                if key not in frame.container:
                    frame.container[key] = item
                    frame.merged.add(key)
                    self.key_locations[(*frame.path, key)] = location

    def scalar_value(self, event: yaml.ScalarEvent, location: Location) -> JSON:
        text: str = event.value
        tag = event.tag
        if tag is None:
            return resolve_plain(text) if event.implicit[0] else text
        if tag in ("!", TAG + "str"):
            return text
        converted = explicit(tag, text)
        if converted is INVALID:
            self.tag_problem(tag, location, text)
            return text
        return converted

    def tag_problem(self, tag: str, location: Location, text: str | None = None) -> None:
        shown = tag.replace(TAG, "!!")
        if text is not None and tag.removeprefix(TAG) in ("int", "float", "bool", "null"):
            message = f"{text!r} is not a valid {shown} value"
        else:
            message = (
                f"tag {shown} is not allowed: specs are plain YAML "
                "(strings, numbers, booleans, null, lists and mappings)"
            )
        self.diagnostics.append(error("LO305", message, location))

    def document(self) -> Document:
        return Document(self.file, self.index, self.root, self.locations, self.key_locations)


def _events(text: str) -> Iterator[yaml.Event]:
    parser: Any = _FastParser(text) if _FastParser is not None else _PythonParser(text)
    while True:
        event: yaml.Event = parser.get_event()
        yield event
        if isinstance(event, yaml.StreamEndEvent):
            return


class _PythonParser(yaml.reader.Reader, yaml.scanner.Scanner, yaml.parser.Parser):
    def __init__(self, text: str) -> None:
        yaml.reader.Reader.__init__(self, text)
        yaml.scanner.Scanner.__init__(self)
        yaml.parser.Parser.__init__(self)


def read_yaml(text: str, file: str) -> tuple[list[Document], list[Diagnostic]]:
    """Every non-empty document of ``text``, and every problem found reading it."""
    documents: list[Document] = []
    diagnostics: list[Diagnostic] = []
    builder: _DocumentBuilder | None = None
    seen_document = False
    try:
        for event in _events(text):
            match event:
                case yaml.DocumentStartEvent():
                    builder = _DocumentBuilder(file, len(documents), diagnostics)
                case yaml.DocumentEndEvent():
                    assert builder is not None
                    seen_document = True
                    if builder.root is not None:
                        documents.append(builder.document())
                case yaml.ScalarEvent():
                    assert builder is not None
                    builder.scalar(event)
                case yaml.MappingStartEvent():
                    assert builder is not None
                    builder.start(event, {})
                case yaml.SequenceStartEvent():
                    assert builder is not None
                    builder.start(event, [])
                case yaml.MappingEndEvent() | yaml.SequenceEndEvent():
                    assert builder is not None
                    builder.end()
                case yaml.AliasEvent():
                    assert builder is not None
                    builder.alias(event)
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
