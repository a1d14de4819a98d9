"""The breaking-change rules on small synthetic schemas and catalogs: each breaking kind is caught, each harmless
kind passes."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from shop_devtools.catalog import CatalogError, breaking_changes
from shop_devtools.catalog.schemas import SchemaComparison

STRING = {"type": "string"}
NULLABLE_STRING = {"anyOf": [{"type": "string"}, {"type": "null"}], "default": None}


def obj(required: tuple[str, ...] = ("a",), **fields: Any) -> dict[str, Any]:
    return {"type": "object", "properties": fields, "required": list(required), "additionalProperties": False}


def narrowings(old: Any, new: Any) -> list[str]:
    return SchemaComparison({}, {}).narrowings(old, new)


BREAKING = [
    pytest.param(obj(a=STRING, b=STRING), obj(a=STRING), "b: field removed", id="field removed"),
    pytest.param(
        obj(a=STRING, b=STRING), obj(a=STRING, c=STRING), "b: field removed (or renamed: c appeared)", id="renamed"
    ),
    pytest.param(obj(a=STRING), obj(("a", "c"), a=STRING, c=STRING), "c: required field added", id="required added"),
    pytest.param(
        obj(a=STRING, b=STRING), obj(("a", "b"), a=STRING, b=STRING), "b: field became required", id="now req"
    ),
    pytest.param(STRING, {"type": "integer"}, "type narrowed: string -> integer", id="string to integer"),
    pytest.param({"type": "number"}, {"type": "integer"}, "type narrowed: number -> integer", id="number to integer"),
    pytest.param({}, STRING, "type narrowed: any value -> string", id="any to string"),
    pytest.param(NULLABLE_STRING, STRING, "no longer accepts null", id="nullable to not nullable"),
    pytest.param({"type": ["string", "null"]}, STRING, "no longer accepts null", id="type list loses null"),
    pytest.param(
        {"anyOf": [{"type": "number"}, {"type": "string"}]}, STRING, "no longer accepts number", id="union narrowed"
    ),
    pytest.param({"enum": ["a", "b"]}, {"enum": ["a"]}, 'values no longer accepted: "b"', id="enum value removed"),
    pytest.param({"enum": ["a", "b"]}, {"const": "a"}, 'values no longer accepted: "b"', id="enum to const"),
    pytest.param(STRING, {"type": "string", "enum": ["a"]}, 'now restricted to the values "a"', id="enum added"),
    pytest.param({"maxLength": 254}, {"maxLength": 100}, "maxLength lowered: 254 -> 100", id="maxLength lowered"),
    pytest.param(STRING, {"type": "string", "maxLength": 9}, "maxLength added: 9", id="maxLength added"),
    pytest.param({"minLength": 1}, {"minLength": 2}, "minLength raised: 1 -> 2", id="minLength raised"),
    pytest.param({"minItems": 0}, {"minItems": 1}, "minItems raised: 0 -> 1", id="minItems raised"),
    pytest.param({"minimum": 0}, {"minimum": 1}, "minimum raised: 0 -> 1", id="minimum raised"),
    pytest.param({"maximum": 10}, {"maximum": 5}, "maximum lowered: 10 -> 5", id="maximum lowered"),
    pytest.param({"type": "integer"}, {"type": "integer", "minimum": 0}, "minimum added: 0", id="minimum added"),
    pytest.param(
        {"minimum": 0}, {"exclusiveMinimum": 0}, "bound narrowed: minimum 0 -> exclusiveMinimum 0", id="made exclusive"
    ),
    pytest.param(STRING, {"type": "string", "pattern": "^[a-z]+$"}, "pattern added: ^[a-z]+$", id="pattern added"),
    pytest.param({"pattern": "^a"}, {"pattern": "^b"}, "pattern changed: ^a -> ^b", id="pattern changed"),
    pytest.param(STRING, {"type": "string", "format": "uuid"}, "format added: uuid", id="format added"),
    pytest.param({"multipleOf": 0.5}, {"multipleOf": 1}, "multipleOf changed: 0.5 -> 1", id="multipleOf coarser"),
    pytest.param({"type": "array"}, {"type": "array", "uniqueItems": True}, "items must now be unique", id="unique"),
    pytest.param(
        {"type": "object", "properties": {"a": STRING}},
        {"type": "object", "properties": {"a": STRING}, "additionalProperties": False},
        "the envelope: additionalProperties closed, so fields it did not name are now refused",
        id="additionalProperties closed",
    ),
    pytest.param(
        {"type": "object", "additionalProperties": STRING},
        {"type": "object", "additionalProperties": {"type": "integer"}},
        "*: type narrowed: string -> integer",
        id="additionalProperties narrowed",
    ),
    pytest.param(
        obj(items={"type": "array", "items": obj(("q",), q={"type": "integer", "minimum": 1})}),
        obj(items={"type": "array", "items": obj(("q",), q={"type": "integer", "minimum": 2})}),
        "items[].q: minimum raised: 1 -> 2",
        id="nested in an array",
    ),
    pytest.param(
        obj(a=NULLABLE_STRING),
        obj(a={"anyOf": [{"type": "string", "maxLength": 3}, {"type": "null"}]}),
        "a: maxLength added: 3",
        id="inside a nullable field",
    ),
    pytest.param(
        STRING, {"type": "string", "not": {"const": ""}}, "not changed, which the catalog cannot check", id="not"
    ),
]


@pytest.mark.parametrize(("old", "new", "expected"), BREAKING)
def test_a_breaking_change_is_caught(old: Any, new: Any, expected: str) -> None:
    problems = narrowings(old, new)

    assert any(expected in problem for problem in problems), problems


HARMLESS = [
    pytest.param(obj(a=STRING), obj(a=STRING, b=NULLABLE_STRING), id="optional field added"),
    pytest.param(
        obj(a=STRING), obj(a={**STRING, "description": "new words", "title": "A", "examples": ["x"]}), id="doc"
    ),
    pytest.param(STRING, NULLABLE_STRING, id="made nullable"),
    pytest.param({"type": "integer"}, {"type": "number"}, id="integer to number"),
    pytest.param(STRING, {"anyOf": [{"type": "number"}, {"type": "string"}]}, id="union widened"),
    pytest.param({"enum": ["a"]}, {"enum": ["a", "b"]}, id="enum value added"),
    pytest.param({"const": "a"}, {"type": "string"}, id="const to any string"),
    pytest.param({"maxLength": 100}, {"maxLength": 254}, id="maxLength raised"),
    pytest.param({"minimum": 1}, {"minimum": 0}, id="minimum lowered"),
    pytest.param({"exclusiveMinimum": 0}, {"minimum": 0}, id="exclusive made inclusive"),
    pytest.param({"type": "string", "pattern": "^a"}, STRING, id="pattern removed"),
    pytest.param({"type": "string", "format": "uuid"}, STRING, id="format removed"),
    pytest.param({"multipleOf": 1}, {"multipleOf": 0.5}, id="multipleOf finer"),
    pytest.param(obj(a=STRING), {**obj(a=STRING), "additionalProperties": True}, id="additionalProperties opened"),
    pytest.param(obj(("a", "b"), a=STRING, b=STRING), obj(a=STRING, b=STRING), id="required made optional"),
    pytest.param(obj(a=STRING), {**obj(a=STRING), "x-note": "extension"}, id="x- extension"),
]


@pytest.mark.parametrize(("old", "new"), HARMLESS)
def test_a_harmless_change_passes(old: Any, new: Any) -> None:
    assert narrowings(old, new) == []


def test_references_are_followed_in_each_document_and_a_renamed_component_is_no_change() -> None:
    line = obj(("q",), q={"type": "integer", "minimum": 1})
    old = {"components": {"schemas": {"Line": line}}}
    renamed = {"components": {"schemas": {"OrderLine": line}}}
    narrowed = {"components": {"schemas": {"Line": obj(("q",), q={"type": "integer", "minimum": 5})}}}
    schema = obj(lines={"type": "array", "items": {"$ref": "#/components/schemas/Line"}})
    renamed_schema = obj(lines={"type": "array", "items": {"$ref": "#/components/schemas/OrderLine"}})

    assert SchemaComparison(old, renamed).narrowings(schema, renamed_schema) == []
    assert SchemaComparison(old, narrowed).narrowings(schema, schema) == ["lines[].q: minimum raised: 1 -> 5"]


def test_a_recursive_model_is_compared_without_looping() -> None:
    node = {"type": "object", "properties": {"children": {"type": "array", "items": {"$ref": "#/$defs/Node"}}}}
    document = {"$defs": {"Node": node}}

    assert SchemaComparison(document, document).narrowings({"$ref": "#/$defs/Node"}, {"$ref": "#/$defs/Node"}) == []


def test_a_reference_that_leads_nowhere_is_an_error_not_a_pass() -> None:
    with pytest.raises(CatalogError, match="unresolvable"):
        SchemaComparison({}, {}).narrowings({"$ref": "#/components/schemas/Gone"}, STRING)


# Whole catalogs: one message per (event type, version), the payload an envelope of metadata and data.


def message(event_type: str, version: int, data: dict[str, Any], source: str = "shop.test") -> dict[str, Any]:
    metadata = obj(("event_id",), event_id={"type": "string", "format": "uuid"}, trace_id=NULLABLE_STRING)
    return {
        "payload": obj(("metadata", "data"), metadata=metadata, data=data),
        "x-event-type": event_type,
        "x-event-version": version,
        "x-source": source,
    }


def catalog(*messages: dict[str, Any]) -> dict[str, Any]:
    return {"components": {"messages": {f"{m['x-event-type']}.v{m['x-event-version']}": m for m in messages}}}


V1 = message("thing.happened", 1, obj(("a",), a=STRING))
V2 = message("thing.happened", 2, obj(("a", "b"), a=STRING, b={"type": "integer"}))


def test_a_new_version_next_to_the_old_one_breaks_nothing() -> None:
    assert breaking_changes(catalog(V1), catalog(V1, V2)) == []


def test_a_breaking_change_is_reported_with_its_event_version_and_path() -> None:
    changed = message("thing.happened", 1, obj(("a", "b"), a=STRING, b=STRING))

    assert breaking_changes(catalog(V1), catalog(changed)) == ["thing.happened v1: data.b: required field added"]


def test_a_change_to_the_envelope_metadata_is_caught_too() -> None:
    changed = copy.deepcopy(V1)
    changed["payload"]["properties"]["metadata"]["properties"]["trace_id"] = {
        "type": "string",
        "pattern": "^[0-9a-f]+$",
    }

    assert breaking_changes(catalog(V1), catalog(changed)) == [
        "thing.happened v1: metadata.trace_id: pattern added: ^[0-9a-f]+$",
        "thing.happened v1: metadata.trace_id: no longer accepts null",
    ]


def test_a_version_removed_while_its_type_is_still_produced_is_breaking() -> None:
    (problem,) = breaking_changes(catalog(V1, V2), catalog(V2))

    assert problem.startswith("thing.happened v1: removed while thing.happened is still produced (as v2)")


def test_a_version_bumped_in_place_is_a_removal_of_the_old_one() -> None:
    (problem,) = breaking_changes(catalog(V1), catalog(V2))

    assert "v1: removed while thing.happened is still produced" in problem


def test_a_retired_version_may_leave_but_never_come_back() -> None:
    retired = frozenset({("thing.happened", 1)})

    assert breaking_changes(catalog(V1, V2), catalog(V2), retired=retired) == []
    assert breaking_changes(catalog(V2), catalog(V1, V2), retired=retired) == [
        "thing.happened v1: retired (RETIRED_VERSIONS), so never published again: use a new version"
    ]


def test_an_event_type_no_longer_produced_at_all_may_leave() -> None:
    other = message("other.happened", 1, obj(("a",), a=STRING))

    assert breaking_changes(catalog(V1, other), catalog(other)) == []


def test_a_changed_source_is_breaking_because_rules_match_on_it() -> None:
    moved = {**V1, "x-source": "shop.elsewhere"}

    assert breaking_changes(catalog(V1), catalog(moved)) == [
        "thing.happened v1: source changed from shop.test to shop.elsewhere, so the rules that route it no longer match"
    ]


def test_a_baseline_without_event_versions_is_an_error() -> None:
    with pytest.raises(CatalogError, match="x-event-type"):
        breaking_changes({"components": {"messages": {"m": {"payload": {}}}}}, catalog(V1))
