"""The compiled schema predicates give jsonschema's verdict on every document.

Nearly every document is only ever checked by the predicate, so a predicate that
accepted what jsonschema rejects would let an invalid spec through silently. The
two are compared on the example specs, the invalid fixtures, thousands of
deterministic mutations of valid specs, and the JSON corner cases.
"""

from __future__ import annotations

import copy
import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from referencing import Registry, Resource

from reconciler.load import load_dir
from reconciler.schemas import load_schema, schema_dir
from reconciler.validate.predicates import Unsupported, compile_predicate
from reconciler.validate.schema import SCHEMA_FILES, _explainers


def _by_reference(file_name: str, pointer: str = "") -> Any:
    """jsonschema on the schema files as written, resolving each $ref itself: the
    reference for both the inlining and the compiled predicates."""
    resources = [
        (p.name, Resource.from_contents(load_schema(p.name)))  # refs are by file name
        for p in sorted(schema_dir().glob("*.schema.json"))
    ]
    registry: Registry[Any] = Registry().with_resources(resources)
    schema = {"$ref": f"{file_name}#{pointer}"} if pointer else dict(load_schema(file_name))
    if file_name == "envelope.schema.json":
        schema.pop("allOf")  # the per-kind dispatch is for editors
    return Draft202012Validator(schema, registry=registry)

ROOT = Path(__file__).resolve().parents[2]
ODD_VALUES: list[Any] = [
    None, True, False, 0, 1, 1.0, 2.5, -1, float("nan"), "", "x", "course", "45m", "2027-02-30",
    "2027-01-01", "1y", "Bad Name", "a" * 70, [], ["x", "x"], [1, True], [{}], {}, {"type": "view"},
    {"at": "enrollment"}, {"plan": "p"}, {"not": ["a"]}, {"exists": "yes"},
]


def documents() -> Iterator[Any]:
    for folder in [ROOT / "specs", *sorted((ROOT / "tests/fixtures/invalid").iterdir())]:
        if folder.is_dir():
            yield from (document.body for document in load_dir(folder).documents)


def mutations(body: Any, rng: random.Random, count: int) -> Iterator[Any]:
    """``count`` copies of ``body``, each with one node replaced, removed or added."""
    paths = list(_paths(body, ()))
    for _ in range(count):
        mutated = copy.deepcopy(body)
        path = rng.choice(paths)
        parent = mutated
        for step in path[:-1]:
            parent = parent[step]
        last = path[-1]
        roll = rng.random()
        if roll < 0.6:
            parent[last] = copy.deepcopy(rng.choice(ODD_VALUES))
        elif roll < 0.8 and isinstance(parent, dict):
            del parent[last]
        elif isinstance(parent, dict):
            parent[rng.choice(["extra", "due", "release", "items", "where", "on"])] = (
                copy.deepcopy(rng.choice(ODD_VALUES)))
        else:
            parent.append(copy.deepcopy(rng.choice(ODD_VALUES)))
        yield mutated


def _paths(value: Any, path: tuple[Any, ...]) -> Iterator[tuple[Any, ...]]:
    if path:
        yield path
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _paths(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _paths(item, (*path, index))


def verdicts_agree(validator: Any, instance: Any) -> bool:
    return bool(compile_predicate(validator.schema)(instance) == validator.is_valid(instance))


def test_predicates_and_jsonschema_agree_on_real_and_mutated_documents() -> None:
    validators = _explainers()
    reference_envelope = _by_reference("envelope.schema.json")
    reference_specs = {kind: _by_reference(f, "/$defs/spec") for kind, f in SCHEMA_FILES.items()}
    rng = random.Random(7)
    checked = disagreements = rejected = 0
    envelope = compile_predicate(validators.envelope.schema)
    specs = {kind: compile_predicate(v.schema) for kind, v in validators.specs.items()}
    for body in documents():
        for instance in [body, *mutations(body, rng, 150)]:
            checked += 1
            if envelope(instance) != reference_envelope.is_valid(instance):
                disagreements += 1
            kind = instance.get("kind") if isinstance(instance, dict) else None
            if not isinstance(kind, str) or kind not in specs:
                continue
            spec = instance.get("spec")
            verdict = specs[kind](spec)
            rejected += not verdict
            if verdict != reference_specs[kind].is_valid(spec):
                disagreements += 1
    assert checked > 5_000 and rejected > 1_000  # the mutations do reach invalid shapes
    assert disagreements == 0


def test_the_project_schema_agrees_too() -> None:
    validator = _explainers().project
    reference = _by_reference("project.schema.json")
    for body in [
        {"project": "p"},
        {"project": "p", "provider": {"type": "sandbox", "path": "x.db"}},
        {"project": "p", "provider": {"type": "rest", "url": "http://x", "token_env": "T"}},
        {"project": "", "provider": {}},
        {"project": 1},
        {"provider": {"type": "sandbox"}},
        {"project": "p", "targets": {"a": {"type": "rest"}}, "other": 1},
    ]:
        assert verdicts_agree(validator, body), body
        assert validator.is_valid(body) == reference.is_valid(body), body


@pytest.mark.parametrize(
    ("schema", "instance"),
    [
        ({"type": "integer"}, 1.0),
        ({"type": "integer"}, True),
        ({"type": "number"}, False),
        ({"type": ["string", "null"]}, None),
        ({"const": 1}, True),
        ({"const": True}, 1),
        ({"const": {"a": [1]}}, {"a": [1.0]}),
        ({"enum": [1, "a"]}, 1.0),
        ({"enum": ["a", "b"]}, "c"),
        ({"uniqueItems": True}, [1, True]),
        ({"uniqueItems": True}, [1, 1.0]),
        ({"uniqueItems": True}, [{"a": 1}, {"a": 1}]),
        ({"minimum": 0}, float("nan")),
        ({"exclusiveMinimum": 0}, 0),
        ({"maximum": 5}, True),
        ({"pattern": "^a"}, "ba"),
        ({"pattern": "a"}, "ba"),
        ({"minLength": 2}, "é"),
        ({"oneOf": [{"type": "string"}, {"minLength": 1}]}, "x"),
        ({"anyOf": [{"type": "string"}, {"type": "null"}]}, 3),
        ({"not": {"required": ["a"]}}, {"a": 1}),
        ({"if": {"required": ["a"]}, "then": {"required": ["b"]}, "else": False}, {"a": 1}),
        ({"if": {"required": ["a"]}, "then": {"required": ["b"]}, "else": False}, {}),
        ({"propertyNames": {"pattern": "^[a-z]+$"}}, {"A": 1}),
        ({"minProperties": 1}, {}),
        ({"additionalProperties": {"type": "string"}, "properties": {"a": {}}}, {"a": 1, "b": 2}),
        ({"required": ["a"]}, []),
        ({"items": {"type": "string"}, "minItems": 2}, ["a"]),
        ({"allOf": [{"type": "object"}, {"required": ["x"]}]}, {"x": None}),
        (True, {"anything": 1}),
        (False, None),
    ],
)
def test_json_corner_cases_get_jsonschema_verdicts(schema: Any, instance: Any) -> None:
    assert verdicts_agree(Draft202012Validator(schema), instance)


def test_a_keyword_it_does_not_know_is_refused_not_ignored() -> None:
    with pytest.raises(Unsupported):
        compile_predicate({"type": "object", "patternProperties": {"^x": {"type": "string"}}})
    with pytest.raises(Unsupported):
        compile_predicate({"properties": {"a": {"$ref": "#/$defs/a"}}})
