"""A JSON Schema compiled into one Python predicate: the fast "is it valid?" answer.

jsonschema interprets a schema node by node for every document, which dominates
validating thousands of documents. Nearly every document is valid, so each one is
first checked by a predicate compiled from the same (``$ref``-inlined) schema, and
jsonschema only runs to *explain* a document the predicate rejects. The predicate
covers the keywords ``schema/`` uses with Draft 2020-12 semantics (type rules,
bool never a number, ``const``/``enum``/``uniqueItems`` equality as jsonschema's);
a schema with any other keyword is not compiled and the caller keeps jsonschema.
tests/validate/test_predicates.py holds the two to the same verdicts.

The schema becomes Python source (one function, each nested node's tests written
inline and returning ``False`` at the first failure) run through ``exec`` once: a
closure per node cost a call per node of every spec, most of the predicate's time.
Only names of this module and constants made here reach the source; a subschema
that needs a value of its own (``anyOf``, ``not``, ``if``) or sits too deep becomes
a function of the same source.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any, Final

Predicate = Callable[[Any], bool]

# Keywords that only describe: they never change a verdict.
_ANNOTATIONS: Final = frozenset({
    "$schema", "$id", "$defs", "$comment", "title", "description", "default", "examples",
    "deprecated", "readOnly", "writeOnly", "markdownDescription",
    # Draft 2020-12: an annotation unless a validator opts into format assertion
    # (editors and check-jsonschema do; the engine checks dates itself, LO407)
    "format",
})
_OBJECT_KEYWORDS: Final = frozenset({"properties", "required", "additionalProperties"})
# Each JSON type as a test of the value ``{v}``; bool is never a number.
_TYPES: Final[Mapping[str, str]] = {
    "object": "type({v}) is dict",
    "array": "type({v}) is list",
    "string": "type({v}) is str",
    "boolean": "type({v}) is bool",
    "null": "{v} is None",
    "number": "(type({v}) is int or type({v}) is float)",
    "integer": "(type({v}) is int or (type({v}) is float and {v}.is_integer()))",
}
_PYTHON_TYPES: Final = {"object": "dict", "array": "list", "string": "str"}
_NUMBER: Final = "(type({v}) is int or type({v}) is float)"
# Each ``min*`` keyword and the type whose ``len`` it bounds.
_AT_LEAST: Final = {"minProperties": "dict", "minItems": "list", "minLength": "str"}
# Each bound keyword and how a number fails it (NaN passes, as in jsonschema).
_BOUNDS: Final = {"minimum": "<", "maximum": ">", "exclusiveMinimum": "<=",
                  "exclusiveMaximum": ">="}
_INLINE_DEPTH: Final = 12  # indentation levels; deeper nodes become functions (Python nests < 20)


class Unsupported(Exception):
    """The schema uses a keyword this module does not compile."""


def compile_predicate(schema: Any) -> Predicate:
    """``schema`` (no ``$ref`` left) as a predicate; raises ``Unsupported``."""
    source = _Source()
    name = source.function(schema)
    namespace = dict(source.names)
    exec("\n".join(source.functions), namespace)  # our own source, see above
    predicate: Predicate = namespace[name]
    return predicate


Lines = list[str]


class _Source:
    """The functions of one predicate and the constants they name."""

    def __init__(self) -> None:
        self.names: dict[str, Any] = {"_equal": _equal, "_unique": _unique, "_in": _in}
        self.functions: list[str] = []
        self._made = 0

    def fresh(self, prefix: str) -> str:
        self._made += 1
        return f"{prefix}{self._made}"

    def constant(self, value: Any) -> str:
        name = self.fresh("_c")
        self.names[name] = value
        return name

    def function(self, schema: Any) -> str:
        """A function ``name(v) -> bool`` of the source, for ``schema``."""
        name = self.fresh("_valid")
        body = self.checks(schema, "v", None, 1)
        self.functions.append("\n".join(
            [f"def {name}(v):", *_indent(body, 1), "    return True", ""]))
        return name

    def checks(self, schema: Any, v: str, known: str | None, depth: int) -> Lines:
        """Statements returning ``False`` when the value named ``v`` fails ``schema``;
        ``known``: the Python type ``v`` already has (a test above returned otherwise),
        ``depth``: how deep in its function these lines will stand."""
        if schema is True or schema == {}:
            return []
        if schema is False:
            return ["return False"]
        if not isinstance(schema, Mapping):
            raise Unsupported(f"schema node {schema!r}")
        unknown = (set(schema) - _ANNOTATIONS - _KEYWORDS.keys() - _BOUNDS.keys()
                   - _AT_LEAST.keys() - _OBJECT_KEYWORDS - {"type", "then", "else"})
        if unknown:
            raise Unsupported(", ".join(sorted(unknown)))
        if depth > _INLINE_DEPTH:
            return [f"if not {self.function(schema)}({v}): return False"]
        lines: Lines = []
        if "type" in schema:
            wanted = schema["type"]
            names = wanted if isinstance(wanted, list) else [wanted]
            if not all(isinstance(name, str) and name in _TYPES for name in names):
                raise Unsupported(f"type {wanted!r}")
            tests = " or ".join(_TYPES[name].format(v=v) for name in names)
            lines.append(f"if not ({tests}): return False")
            if len(names) == 1:
                known = _PYTHON_TYPES.get(names[0], known)
        for keyword, write in _KEYWORDS.items():
            if keyword in schema:
                lines += write(self, schema, v, known, depth)
        for keyword, python_type in _AT_LEAST.items():
            if keyword in schema:
                least = self.constant(schema[keyword])
                lines.append(f"if {_is(known, python_type, v)}len({v}) < {least}: return False")
        for keyword, fails in _BOUNDS.items():
            if keyword in schema:
                bound = self.constant(schema[keyword])
                lines.append(f"if {_NUMBER.format(v=v)} and {v} {fails} {bound}: return False")
        if not _OBJECT_KEYWORDS.isdisjoint(schema):
            lines += _when(known, "dict", v, lambda inner: self._object(schema, v, inner), depth)
        return lines

    def _object(self, schema: Mapping[str, Any], v: str, depth: int) -> Lines:
        """``properties``, ``required`` and ``additionalProperties`` of a dict ``v``."""
        properties: Mapping[str, Any] = schema.get("properties", {})
        required = list(schema.get("required", ()))
        extra = schema.get("additionalProperties", True)
        lines = [f"if {key!r} not in {v}: return False" for key in required]
        listed = self.constant(frozenset(properties))
        if extra is False:
            lines.append(f"if not {v}.keys() <= {listed}: return False")
        else:
            key, item = self.fresh("k"), self.fresh("x")
            tests = self.checks(extra, item, None, depth + 2)
            if tests:
                lines += [f"for {key} in {v}:", f"    if {key} not in {listed}:",
                          f"        {item} = {v}[{key}]", *_indent(tests, 2)]
        for key, sub in properties.items():
            item = self.fresh("x")
            present = key in required  # tested above
            tests = self.checks(sub, item, None, depth + (not present))
            if not tests:
                continue
            if present:
                lines += [f"{item} = {v}[{key!r}]", *tests]
            else:
                lines += [f"if {key!r} in {v}:", f"    {item} = {v}[{key!r}]",
                          *_indent(tests, 1)]
        return lines

    def _each(self, schema: Any, items: str, depth: int) -> Lines:
        """``schema`` for every member of ``items`` (a value's name: its keys or items)."""
        item = self.fresh("x")
        tests = self.checks(schema, item, None, depth + 1)
        return [f"for {item} in {items}:", *_indent(tests, 1)] if tests else []

    def _property_names(self, schema: Mapping[str, Any], v: str, known: str | None,
                        depth: int) -> Lines:
        return _when(known, "dict", v,
                     lambda inner: self._each(schema["propertyNames"], v, inner), depth)

    def _items(self, schema: Mapping[str, Any], v: str, known: str | None, depth: int) -> Lines:
        return _when(known, "list", v, lambda inner: self._each(schema["items"], v, inner),
                     depth)

    def _all_of(self, schema: Mapping[str, Any], v: str, known: str | None,
                depth: int) -> Lines:
        return [line for sub in schema["allOf"] for line in self.checks(sub, v, known, depth)]

    def _any_of(self, schema: Mapping[str, Any], v: str, known: str | None,
                depth: int) -> Lines:
        calls = " or ".join(f"{self.function(sub)}({v})" for sub in schema["anyOf"])
        return [f"if not ({calls or 'False'}): return False"]

    def _one_of(self, schema: Mapping[str, Any], v: str, known: str | None,
                depth: int) -> Lines:
        calls = " + ".join(f"{self.function(sub)}({v})" for sub in schema["oneOf"])
        return [f"if ({calls or '0'}) != 1: return False"]

    def _not(self, schema: Mapping[str, Any], v: str, known: str | None, depth: int) -> Lines:
        return [f"if {self.function(schema['not'])}({v}): return False"]

    def _if(self, schema: Mapping[str, Any], v: str, known: str | None, depth: int) -> Lines:
        condition = self.function(schema["if"])
        then = self.checks(schema.get("then", True), v, known, depth + 1)
        otherwise = self.checks(schema.get("else", True), v, known, depth + 1)
        if not then and not otherwise:
            return []
        return [f"if {condition}({v}):", *_indent(then or ["pass"], 1),
                "else:", *_indent(otherwise or ["pass"], 1)]

    def _unique_items(self, schema: Mapping[str, Any], v: str, known: str | None,
                      depth: int) -> Lines:
        if not schema["uniqueItems"]:
            return []
        items = schema.get("items")
        if known == "list" and isinstance(items, Mapping) and items.get("type") == "string":
            # ``items`` ran first (see _KEYWORDS) and returned unless all are strings
            return [f"if len(set({v})) != len({v}): return False"]
        return [f"if {_is(known, 'list', v)}not _unique({v}): return False"]

    def _pattern(self, schema: Mapping[str, Any], v: str, known: str | None,
                 depth: int) -> Lines:
        search = self.constant(re.compile(schema["pattern"]).search)  # jsonschema searches
        return [f"if {_is(known, 'str', v)}{search}({v}) is None: return False"]

    def _const(self, schema: Mapping[str, Any], v: str, known: str | None,
               depth: int) -> Lines:
        wanted = self.constant(schema["const"])
        if type(schema["const"]) is str:  # _equal of a string is ==
            return [f"if {v} != {wanted}: return False"]
        return [f"if not _equal({v}, {wanted}): return False"]

    def _enum(self, schema: Mapping[str, Any], v: str, known: str | None,
              depth: int) -> Lines:
        options = list(schema["enum"])
        if all(type(option) is str for option in options):
            strings = self.constant(frozenset(options))
            return [f"if type({v}) is not str or {v} not in {strings}: return False"]
        return [f"if not _in({v}, {self.constant(options)}): return False"]


def _indent(lines: Lines, levels: int) -> Lines:
    pad = "    " * levels
    return [pad + line for line in lines]


def _is(known: str | None, python_type: str, v: str) -> str:
    """The guard of a keyword that applies to one type only (others pass it)."""
    return "" if known == python_type else f"type({v}) is {python_type} and "


def _when(known: str | None, python_type: str, v: str, write: Callable[[int], Lines],
          depth: int) -> Lines:
    """``write``'s statements, for a ``v`` of ``python_type`` only (others pass them)."""
    if known == python_type:
        return write(depth)
    inner = write(depth + 1)
    return [f"if type({v}) is {python_type}:", *_indent(inner, 1)] if inner else []


_Write = Callable[[_Source, Mapping[str, Any], str, str | None, int], Lines]
# In this order: a keyword's lines may count on those of the keywords above it.
_KEYWORDS: Final[Mapping[str, _Write]] = {
    "propertyNames": _Source._property_names,
    "items": _Source._items,
    "uniqueItems": _Source._unique_items,
    "pattern": _Source._pattern,
    "const": _Source._const,
    "enum": _Source._enum,
    "allOf": _Source._all_of,
    "anyOf": _Source._any_of,
    "oneOf": _Source._one_of,
    "not": _Source._not,
    "if": _Source._if,
}


def _unique(items: list[Any]) -> bool:
    if all(type(item) is str for item in items):
        return len(set(items)) == len(items)
    return not any(
        _equal(first, second)
        for index, first in enumerate(items)
        for second in items[index + 1:]
    )


def _in(value: Any, options: list[Any]) -> bool:
    return any(_equal(value, option) for option in options)


def _equal(one: Any, other: Any) -> bool:
    """jsonschema's equality: ``true`` is not ``1``, containers compare deeply."""
    if one is other:
        return True
    if type(one) is str or type(other) is str:
        return bool(one == other)
    if type(one) is bool or type(other) is bool:
        return type(one) is type(other) and bool(one == other)
    if type(one) is dict and type(other) is dict:
        return one.keys() == other.keys() and all(_equal(one[k], other[k]) for k in one)
    if type(one) is list and type(other) is list:
        return len(one) == len(other) and all(map(_equal, one, other))
    if type(one) in (dict, list) or type(other) in (dict, list):
        return False
    return bool(one == other)
