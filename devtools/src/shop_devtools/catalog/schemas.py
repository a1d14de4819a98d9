"""JSON Schema as the catalog holds it: `$ref` resolution, and the changes that break a published event version.

A change breaks a published version when a consumer on the new schema would refuse an event that was valid before
(events wait in queues, DLQs and archives, and producers deploy apart from consumers), or when a field consumers
read is gone: a field removed or renamed, a type narrowed (string -> integer, number -> integer, null no longer
accepted), enum values removed, a bound raised or lowered the strict way (minimum, maxLength, ...), a pattern or
format added or changed, a required field added or a field made required, additionalProperties closed. Adding an
optional field, changing a description or an example, widening a type or a bound does not break.
A keyword this module does not know that changed counts as breaking: it cannot prove the change harmless.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from .routes import CatalogError

__all__ = ["SchemaComparison", "resolve"]

# Keywords that describe but never refuse a value.
ANNOTATIONS = frozenset(
    {"title", "description", "examples", "example", "default", "deprecated", "readOnly", "writeOnly", "$comment"}
    | {"discriminator"}  # names the property a union is told apart by; the variants themselves are compared
)
LOWER_BOUNDS = ("minLength", "minItems", "minProperties")
UPPER_BOUNDS = ("maxLength", "maxItems", "maxProperties")
# Keywords compared below; any other assertion keyword that changed is reported as not checkable.
HANDLED = frozenset(
    {"$ref", "type", "enum", "const", "anyOf", "oneOf", "properties", "required", "additionalProperties", "items"}
    | {"prefixItems", "minimum", "exclusiveMinimum", "maximum", "exclusiveMaximum", "pattern", "format"}
    | {"multipleOf", "uniqueItems", *LOWER_BOUNDS, *UPPER_BOUNDS}
)
JSON_TYPES = {bool: "boolean", int: "integer", float: "number", str: "string", type(None): "null", list: "array"}


def resolve(document: dict[str, Any], schema: Any) -> dict[str, Any]:
    """The schema with its `$ref` chain followed inside `document` (siblings of `$ref` kept); booleans as schemas."""
    seen: set[str] = set()
    while isinstance(schema, dict) and "$ref" in schema:
        ref = schema["$ref"]
        if ref in seen:
            raise CatalogError(f"$ref cycle at {ref}")
        seen.add(ref)
        siblings = {key: value for key, value in schema.items() if key != "$ref"}
        schema = {**_pointer(document, ref), **siblings}
    if schema is True:
        return {}
    if schema is False:
        return {"not": {}}
    if not isinstance(schema, dict):
        raise CatalogError(f"not a schema: {schema!r}")
    return schema


def _pointer(document: dict[str, Any], ref: str) -> Any:
    if not ref.startswith("#/"):
        raise CatalogError(f"only references inside the document are supported, not {ref}")
    target: Any = document
    for part in ref[2:].split("/"):
        part = part.replace("~1", "/").replace("~0", "~")
        if not isinstance(target, dict) or part not in target:
            raise CatalogError(f"unresolvable $ref {ref}")
        target = target[part]
    return target


@dataclass
class SchemaComparison:
    """Compares a schema of `old_document` with one of `new_document`; `narrowings` lists what breaks, by path."""

    old_document: dict[str, Any]
    new_document: dict[str, Any]
    _comparing: set[tuple[str, str]] = field(default_factory=set)

    def narrowings(self, old: Any, new: Any, path: str = "") -> list[str]:
        refs = (_ref(old), _ref(new))
        if refs[0] and refs[1]:
            if refs in self._comparing:  # a recursive model: this pair is being compared further up
                return []
            self._comparing.add(refs)
            try:
                return self._compare(resolve(self.old_document, old), resolve(self.new_document, new), path)
            finally:
                self._comparing.discard(refs)
        return self._compare(resolve(self.old_document, old), resolve(self.new_document, new), path)

    def _compare(self, old: dict[str, Any], new: dict[str, Any], path: str) -> list[str]:
        old_variants, new_variants = _variants(old), _variants(new)
        if len(old_variants) == 1 and len(new_variants) == 1:
            return self._compare_one(old_variants[0], new_variants[0], path)
        problems = []
        for variant in old_variants:
            resolved = resolve(self.old_document, variant)
            candidates = [n for n in new_variants if _overlap(resolved, resolve(self.new_document, n))]
            if not candidates:
                problems.append(f"{_at(path)}: no longer accepts {_describe(resolved)}")
                continue
            # The closest alternative: the one this variant's values still mostly fit.
            outcomes: list[list[str]] = [self.narrowings(variant, candidate, path) for candidate in candidates]
            closest = min(outcomes, key=len)
            problems += closest
        return problems

    def _compare_one(self, old_schema: Any, new_schema: Any, path: str) -> list[str]:
        old, new = resolve(self.old_document, old_schema), resolve(self.new_document, new_schema)
        at = _at(path)
        problems = [f"{at}: {problem}" for problem in _value_narrowings(old, new)]
        problems += self._object_narrowings(old, new, path)
        if "items" in old or "items" in new:
            old_items, new_items = old.get("items", {}), new.get("items", {})
            if isinstance(old_items, list) or isinstance(new_items, list):
                problems += self._tuple_narrowings(old_items, new_items, path)
            else:
                problems += self.narrowings(old_items, new_items, f"{path}[]")
        if "prefixItems" in old or "prefixItems" in new:
            problems += self._tuple_narrowings(old.get("prefixItems", []), new.get("prefixItems", []), path)
        for key in sorted((old.keys() | new.keys()) - HANDLED - ANNOTATIONS):
            if not key.startswith("x-") and old.get(key) != new.get(key):
                problems.append(f"{at}: {key} changed, which the catalog cannot check: treat it as breaking")
        return problems

    def _object_narrowings(self, old: dict[str, Any], new: dict[str, Any], path: str) -> list[str]:
        old_fields, new_fields = old.get("properties", {}), new.get("properties", {})
        added = [name for name in new_fields if name not in old_fields]
        problems = []
        for name, schema in old_fields.items():
            if name in new_fields:
                problems += self.narrowings(schema, new_fields[name], _join(path, name))
            else:
                renamed = f" (or renamed: {', '.join(added)} appeared)" if added else ""
                problems.append(f"{_join(path, name)}: field removed{renamed}")
        old_required, new_required = set(old.get("required", [])), new.get("required", [])
        for name in new_required:
            if name not in old_required:
                kind = "required field added" if name not in old_fields else "field became required"
                problems.append(f"{_join(path, name)}: {kind}")
        old_extra, new_extra = old.get("additionalProperties", True), new.get("additionalProperties", True)
        if new_extra is False and old_extra is not False:
            problems.append(f"{_at(path)}: additionalProperties closed, so fields it did not name are now refused")
        elif new_extra is not True and new_extra is not False and old_extra is not False:
            problems += self.narrowings({} if old_extra is True else old_extra, new_extra, _join(path, "*"))
        return problems

    def _tuple_narrowings(self, old: Any, new: Any, path: str) -> list[str]:
        if not isinstance(old, list) or not isinstance(new, list) or len(old) != len(new):
            return [f"{_at(path)}: tuple positions changed, which the catalog cannot check: treat it as breaking"]
        problems = []
        for index, (old_item, new_item) in enumerate(zip(old, new, strict=True)):
            problems += self.narrowings(old_item, new_item, f"{path}[{index}]")
        return problems


def _value_narrowings(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """Narrowings of the value itself: type, allowed values, bounds, pattern, format, multipleOf, uniqueness."""
    problems = []
    old_types, new_types = _types(old), _types(new)
    if new_types is not None:
        lost = [kind for kind in sorted(old_types or {"any"}) if not _covered(kind, new_types)]
        if lost:
            problems.append(f"type narrowed: {_or(old_types or {'any value'})} -> {_or(new_types)}")
    old_values, new_values = _allowed(old), _allowed(new)
    if new_values is not None:
        if old_values is None:
            problems.append(f"now restricted to the values {', '.join(new_values)}")
        elif removed := [value for value in old_values if value not in new_values]:
            problems.append(f"values no longer accepted: {', '.join(removed)}")
    problems += _bound_narrowings(old, new, "minimum", "exclusiveMinimum", tighter=1)
    problems += _bound_narrowings(old, new, "maximum", "exclusiveMaximum", tighter=-1)
    for key in (*LOWER_BOUNDS, *UPPER_BOUNDS):
        if key in new and key not in old:
            problems.append(f"{key} added: {new[key]}")
        elif key in new and (new[key] - old[key]) * (1 if key in LOWER_BOUNDS else -1) > 0:
            problems.append(f"{key} {'raised' if key in LOWER_BOUNDS else 'lowered'}: {old[key]} -> {new[key]}")
    for key in ("pattern", "format"):
        if key in new and new[key] != old.get(key):
            problems.append(
                f"{key} added: {new[key]}" if key not in old else f"{key} changed: {old[key]} -> {new[key]}"
            )
    if "multipleOf" in new and ("multipleOf" not in old or _decimal(old["multipleOf"]) % _decimal(new["multipleOf"])):
        problems.append(f"multipleOf changed: {old.get('multipleOf', 'none')} -> {new['multipleOf']}")
    if new.get("uniqueItems") is True and old.get("uniqueItems") is not True:
        problems.append("items must now be unique")
    return problems


def _bound_narrowings(
    old: dict[str, Any], new: dict[str, Any], inclusive: str, exclusive: str, tighter: int
) -> list[str]:
    """A numeric bound (`tighter` 1 for a lower bound, -1 for an upper) that now refuses values it accepted."""
    old_bound, new_bound = _bound(old, inclusive, exclusive, tighter), _bound(new, inclusive, exclusive, tighter)
    if new_bound is None:
        return []
    if old_bound is None:
        return [f"{new_bound[2]} added: {new_bound[0]}"]
    (old_value, old_exclusive, old_key), (new_value, new_exclusive, new_key) = old_bound, new_bound
    if (new_value - old_value) * tighter > 0 or (new_value == old_value and new_exclusive and not old_exclusive):
        if old_key == new_key:
            return [f"{new_key} {'raised' if tighter > 0 else 'lowered'}: {old_value} -> {new_value}"]
        return [f"bound narrowed: {old_key} {old_value} -> {new_key} {new_value}"]
    return []


def _bound(schema: dict[str, Any], inclusive: str, exclusive: str, tighter: int) -> tuple[Decimal, bool, str] | None:
    bounds = [(_decimal(schema[key]), key == exclusive, key) for key in (inclusive, exclusive) if key in schema]
    # The tighter of the two: the larger lower bound (the exclusive one on a tie), the smaller upper bound.
    return max(bounds, key=lambda bound: (bound[0] * tighter, bound[1]), default=None)


def _decimal(number: Any) -> Decimal:
    return Decimal(str(number))


def _types(schema: dict[str, Any]) -> set[str] | None:
    """The JSON types a schema accepts; None when it does not restrict the type."""
    if "type" in schema:
        kind = schema["type"]
        return set(kind) if isinstance(kind, list) else {kind}
    values = _raw_allowed(schema)
    if values is not None:
        return {JSON_TYPES.get(type(value), "object") for value in values}
    if "properties" in schema:
        return {"object"}
    return None


def _covered(kind: str, types: set[str]) -> bool:
    return kind in types or (kind == "integer" and "number" in types)


def _overlap(old: dict[str, Any], new: dict[str, Any]) -> bool:
    old_types, new_types = _types(old), _types(new)
    if old_types is None or new_types is None:
        return True
    return any(_covered(kind, new_types) or _covered(other, {kind}) for kind in old_types for other in new_types)


def _variants(schema: dict[str, Any]) -> list[Any]:
    """The alternatives of a union (anyOf, oneOf or a list of types), else the schema itself."""
    for key in ("anyOf", "oneOf"):
        if key in schema:
            return list(schema[key])
    kind = schema.get("type")
    if isinstance(kind, list) and len(kind) > 1:
        return [{**schema, "type": one} for one in kind]
    return [schema]


def _raw_allowed(schema: dict[str, Any]) -> list[Any] | None:
    if "const" in schema:
        return [schema["const"]]
    if "enum" in schema:
        return list(schema["enum"])
    return None


def _allowed(schema: dict[str, Any]) -> list[str] | None:
    """The allowed values as canonical JSON (so 1 and true, or 1 and 1.0, stay apart); None when unrestricted."""
    values = _raw_allowed(schema)
    return None if values is None else [json.dumps(value, sort_keys=True) for value in values]


def _describe(schema: dict[str, Any]) -> str:
    values = _raw_allowed(schema)
    if values is not None:
        return ", ".join(json.dumps(value) for value in values)
    types = _types(schema)
    return _or(types) if types else "what it accepted"


def _ref(schema: Any) -> str:
    return schema.get("$ref", "") if isinstance(schema, dict) else ""


def _or(kinds: set[str]) -> str:
    return " or ".join(sorted(kinds))


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def _at(path: str) -> str:
    return path or "the envelope"
