"""A JSON Schema compiled into one Python predicate: the fast "is it valid?" answer.

jsonschema interprets a schema node by node for every document, which dominates
validating thousands of documents. Nearly every document is valid, so each one is
first checked by a predicate compiled from the same (``$ref``-inlined) schema, and
jsonschema only runs to *explain* a document the predicate rejects. The predicate
covers the keywords ``schema/`` uses with Draft 2020-12 semantics (type rules,
bool never a number, ``const``/``enum``/``uniqueItems`` equality as jsonschema's);
a schema with any other keyword is not compiled and the caller keeps jsonschema.
tests/validate/test_predicates.py holds the two to the same verdicts.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
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
_TYPES: Final[Mapping[str, Predicate]] = {
    "object": lambda value: type(value) is dict,
    "array": lambda value: type(value) is list,
    "string": lambda value: type(value) is str,
    "boolean": lambda value: type(value) is bool,
    "null": lambda value: value is None,
    "number": lambda value: type(value) is int or type(value) is float,
    "integer": lambda value: type(value) is int
    or (type(value) is float and value.is_integer()),
}


class Unsupported(Exception):
    """The schema uses a keyword this module does not compile."""


def compile_predicate(schema: Any) -> Predicate:
    """``schema`` (no ``$ref`` left) as a predicate; raises ``Unsupported``."""
    if schema is True or schema == {}:
        return _always
    if schema is False:
        return _never
    if not isinstance(schema, Mapping):
        raise Unsupported(f"schema node {schema!r}")
    unknown = set(schema) - _ANNOTATIONS - _COMPILERS.keys() - _OBJECT_KEYWORDS - {"then", "else"}
    if unknown:
        raise Unsupported(", ".join(sorted(unknown)))
    checks = [
        compile_keyword(schema)
        for keyword, compile_keyword in _COMPILERS.items()
        if keyword in schema
    ]
    if not _OBJECT_KEYWORDS.isdisjoint(schema):
        checks.append(_object(schema))
    return _every(checks)


def _every(checks: Sequence[Predicate]) -> Predicate:
    """All of ``checks``, cheapest call shape first (this runs per node of every spec)."""
    match checks:
        case []:
            return _always
        case [only]:
            return only
        case [first, second]:
            return lambda value: first(value) and second(value)
        case [first, second, third]:
            return lambda value: first(value) and second(value) and third(value)
    return lambda value: all(test(value) for test in checks)


def _always(value: Any) -> bool:
    return True


def _never(value: Any) -> bool:
    return False


def _type(schema: Mapping[str, Any]) -> Predicate:
    wanted = schema["type"]
    names = wanted if isinstance(wanted, list) else [wanted]
    tests = [_TYPES[name] for name in names]
    if len(tests) == 1:
        return tests[0]
    return lambda value: any(test(value) for test in tests)


def _object(schema: Mapping[str, Any]) -> Predicate:
    """``properties``, ``required`` and ``additionalProperties`` in one pass over the keys."""
    properties = {key: compile_predicate(sub) for key, sub in schema.get("properties", {}).items()}
    required: Sequence[str] = schema.get("required", ())
    extra = schema.get("additionalProperties", True)
    other = None if extra is True else compile_predicate(extra)

    def check(value: Any) -> bool:
        if type(value) is not dict:
            return True
        for key in required:
            if key not in value:
                return False
        for key, item in value.items():
            test = properties.get(key, other)
            if test is not None and not test(item):
                return False
        return True

    return check


def _property_names(schema: Mapping[str, Any]) -> Predicate:
    test = compile_predicate(schema["propertyNames"])
    return lambda value: type(value) is not dict or all(test(key) for key in value)


def _min_properties(schema: Mapping[str, Any]) -> Predicate:
    least = schema["minProperties"]
    return lambda value: type(value) is not dict or len(value) >= least


def _items(schema: Mapping[str, Any]) -> Predicate:
    test = compile_predicate(schema["items"])

    def check(value: Any) -> bool:
        if type(value) is list:
            for item in value:
                if not test(item):
                    return False
        return True

    return check


def _min_items(schema: Mapping[str, Any]) -> Predicate:
    least = schema["minItems"]
    return lambda value: type(value) is not list or len(value) >= least


def _unique_items(schema: Mapping[str, Any]) -> Predicate:
    if not schema["uniqueItems"]:
        return _always
    return lambda value: type(value) is not list or _unique(value)


def _unique(items: list[Any]) -> bool:
    if all(type(item) is str for item in items):
        return len(set(items)) == len(items)
    return not any(
        _equal(first, second)
        for index, first in enumerate(items)
        for second in items[index + 1:]
    )


def _min_length(schema: Mapping[str, Any]) -> Predicate:
    least = schema["minLength"]
    return lambda value: type(value) is not str or len(value) >= least


def _pattern(schema: Mapping[str, Any]) -> Predicate:
    search = re.compile(schema["pattern"]).search  # jsonschema searches, it does not match
    return lambda value: type(value) is not str or search(value) is not None


# Bounds fail the way jsonschema's do (``value < minimum``...), so NaN passes as there.
def _number(fails: Callable[[Any], bool]) -> Predicate:
    return lambda value: not (type(value) is int or type(value) is float) or not fails(value)


def _minimum(schema: Mapping[str, Any]) -> Predicate:
    least = schema["minimum"]
    return _number(lambda value: value < least)


def _maximum(schema: Mapping[str, Any]) -> Predicate:
    most = schema["maximum"]
    return _number(lambda value: value > most)


def _exclusive_minimum(schema: Mapping[str, Any]) -> Predicate:
    bound = schema["exclusiveMinimum"]
    return _number(lambda value: value <= bound)


def _exclusive_maximum(schema: Mapping[str, Any]) -> Predicate:
    bound = schema["exclusiveMaximum"]
    return _number(lambda value: value >= bound)


def _const(schema: Mapping[str, Any]) -> Predicate:
    wanted = schema["const"]
    return lambda value: _equal(value, wanted)


def _enum(schema: Mapping[str, Any]) -> Predicate:
    options = list(schema["enum"])
    if all(type(option) is str for option in options):
        strings = frozenset(options)
        return lambda value: type(value) is str and value in strings
    return lambda value: any(_equal(value, option) for option in options)


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


def _all_of(schema: Mapping[str, Any]) -> Predicate:
    return _every([compile_predicate(sub) for sub in schema["allOf"]])


def _any_of(schema: Mapping[str, Any]) -> Predicate:
    tests = [compile_predicate(sub) for sub in schema["anyOf"]]
    return lambda value: any(test(value) for test in tests)


def _one_of(schema: Mapping[str, Any]) -> Predicate:
    tests = [compile_predicate(sub) for sub in schema["oneOf"]]
    return lambda value: sum(1 for test in tests if test(value)) == 1


def _not(schema: Mapping[str, Any]) -> Predicate:
    test = compile_predicate(schema["not"])
    return lambda value: not test(value)


def _if(schema: Mapping[str, Any]) -> Predicate:
    condition = compile_predicate(schema["if"])
    then = compile_predicate(schema.get("then", True))
    otherwise = compile_predicate(schema.get("else", True))
    return lambda value: then(value) if condition(value) else otherwise(value)


_COMPILERS: Final[Mapping[str, Callable[[Mapping[str, Any]], Predicate]]] = {
    "type": _type,
    "propertyNames": _property_names,
    "minProperties": _min_properties,
    "items": _items,
    "minItems": _min_items,
    "uniqueItems": _unique_items,
    "minLength": _min_length,
    "pattern": _pattern,
    "minimum": _minimum,
    "maximum": _maximum,
    "exclusiveMinimum": _exclusive_minimum,
    "exclusiveMaximum": _exclusive_maximum,
    "const": _const,
    "enum": _enum,
    "allOf": _all_of,
    "anyOf": _any_of,
    "oneOf": _one_of,
    "not": _not,
    "if": _if,
}
