"""Schema validation: the JSON Schemas in `schemas/`, applied entity by entity.

One compiled `jsonschema_rs` validator per entity kind checks the loaded data; each error
becomes a BC101 (unknown field), BC102 (missing field) or BC103 (invalid value) finding,
located at the key or value to edit and worded for people, not for schema authors.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema_rs

from .entities import Entity
from .findings import Finding, Location, close_match, shorten
from .resources import schemas_dir


@cache
def schema_documents() -> dict[str, dict[str, Any]]:
    """Every schema file shipped with billcheck, by file name."""
    return {
        path.name: json.loads(path.read_text(encoding="utf-8"))
        for path in sorted(Path(schemas_dir()).glob("*.schema.json"))
    }


@cache
def _registry() -> jsonschema_rs.Registry:
    return jsonschema_rs.Registry([(doc["$id"], doc) for doc in schema_documents().values()])


@cache
def validator(name: str) -> Any:
    """The compiled validator of one schema file (`account` → account.schema.json)."""
    document = schema_documents()[f"{name}.schema.json"]
    return jsonschema_rs.validator_for(document, registry=_registry(), validate_formats=True)


def check_entity(entity: Entity) -> list[Finding]:
    """The schema findings of one entity (empty when it is valid)."""
    check = validator(entity.kind)
    try:
        if check.is_valid(entity.data):
            return []
        errors = list(check.iter_errors(entity.data))
    except ValueError:
        return [_unsupported_value(entity)]
    return [finding for error in errors for finding in _findings(entity, error)]


def _findings(entity: Entity, error: Any) -> list[Finding]:
    kind = error.kind
    name = kind.name
    where = tuple(error.instance_path)
    if name == "additionalProperties":
        return [_unknown_field(entity, where, field, error) for field in kind.unexpected]
    if name == "required":
        return [_missing_field(entity, where, kind.property)]
    return [_invalid_value(entity, where, error)]


def _unknown_field(entity: Entity, where: tuple[Any, ...], field: str, error: Any) -> Finding:
    allowed = _allowed_fields(entity.kind, tuple(error.schema_path))
    message = f"unknown field '{shorten(field)}' in {_owner(entity, where)}"
    hint = None
    close = close_match(field, allowed)
    if close:
        message += f" (did you mean '{close}'?)"
        hint = f"rename '{field}' to '{close}'"
    elif allowed:
        hint = "allowed fields: " + ", ".join(allowed)
    return _finding(entity, "BC101", message, entity.location_at((*where, field), key=True), hint)


def _missing_field(entity: Entity, where: tuple[Any, ...], field: str) -> Finding:
    message = f"{_owner(entity, where)} is missing required field '{field}'"
    return _finding(entity, "BC102", message, entity.location_at(where), f"add '{field}'")


def _owner(entity: Entity, where: tuple[Any, ...]) -> str:
    """How a message names the object an error is in: the entity, or a part of it."""
    if not where:
        return entity.label
    field = next((step for step in reversed(where) if isinstance(step, str)), None)
    noun = {"pricingBands": "pricing band", "overagePricingBands": "overage pricing band",
            "currencyConversions": "currency conversion"}.get(str(field), f"'{shorten(field)}'")
    return f"{noun} of {entity.label}"


def _invalid_value(entity: Entity, where: tuple[Any, ...], error: Any) -> Finding:
    field = next((shorten(step) for step in reversed(where) if isinstance(step, str)), "value")
    value = _value_at(entity.data, where)
    message, hint = _describe(error.kind, field, value)
    return _finding(entity, "BC103", message, entity.location_at(where), hint)


def _describe(kind: Any, field: str, value: Any) -> tuple[str, str | None]:
    """A readable message and hint for one failed schema keyword."""
    name = kind.name
    shown = _show(value)
    if name == "type":
        wanted = " or ".join(_TYPE_NOUNS.get(t, t) for t in kind.types)
        hint = "quote the value" if "string" in kind.types else None
        return f"'{field}' must be {wanted}, not {_type_noun(value)} {shown}", hint
    if name == "enum":
        options = [str(option) for option in kind.options]
        close = close_match(value, options)
        suffix = f" (did you mean '{close}'?)" if close else ""
        return (f"'{field}' must be one of {', '.join(options)}, not {shown}{suffix}",
                f"use '{close}'" if close else None)
    if name == "format":
        return _format_message(kind.format, field, shown), None
    if name == "pattern":
        return f"'{field}' {shown} is not valid: {_PATTERN_RULES.get(field, _CODE_RULE)}", None
    if name in _LIMIT_MESSAGES:
        limit = _number(kind.limit)
        rule = _LIMIT_MESSAGES[name].format(limit=limit, s="" if limit == "1" else "s")
        return f"'{field}' {rule}" + (f", not {shown}" if shown else ""), None
    return f"'{field}' is invalid: {_readable(kind)}", None


def _format_message(format_name: str, field: str, shown: str) -> str:
    if format_name == "date":
        return f"'{field}' must be a real date written YYYY-MM-DD, not {shown}"
    if format_name == "email":
        return f"'{field}' must be an email address, not {shown}"
    return f"'{field}' must be a valid {format_name}, not {shown}"


_CODE_RULE = ("a code is 1 to 80 characters with no control characters and no "
              "whitespace other than spaces between other characters")
_PATTERN_RULES = {
    "currency": "a currency is three upper-case letters (ISO 4217, like USD)",
    "from": "a currency is three upper-case letters (ISO 4217, like USD)",
    "to": "a currency is three upper-case letters (ISO 4217, like USD)",
}
_TYPE_NOUNS = {
    "string": "a string", "number": "a number", "integer": "a whole number",
    "boolean": "true or false", "object": "a mapping", "array": "a list", "null": "empty",
}
_LIMIT_MESSAGES = {
    "minimum": "must be at least {limit}",
    "maximum": "must be at most {limit}",
    "exclusiveMinimum": "must be greater than {limit}",
    "exclusiveMaximum": "must be less than {limit}",
    "minLength": "must be at least {limit} character{s} long",
    "maxLength": "must be at most {limit} character{s} long",
    "minItems": "must hold at least {limit} item{s}",
    "maxItems": "must hold at most {limit} item{s}",
    "minProperties": "must have at least {limit} field{s}",
    "maxProperties": "must have at most {limit} field{s}",
}


def _readable(kind: Any) -> str:
    if kind.name == "uniqueItems":
        return "items must not repeat"
    return kind.name


def _number(limit: Any) -> str:
    return str(int(limit)) if isinstance(limit, float) and limit.is_integer() else str(limit)


def _type_noun(value: Any) -> str:
    if value is None:
        return "empty"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, dict):
        return "mapping"
    if isinstance(value, list):
        return "list"
    return type(value).__name__


def _show(value: Any) -> str:
    if value is None or isinstance(value, (dict, list)):
        return ""
    text = repr(value) if isinstance(value, str) else json.dumps(value, default=str)
    return text if len(text) <= 60 else text[:57] + "..."


def _value_at(data: Any, where: tuple[Any, ...]) -> Any:
    for step in where:
        try:
            data = data[step]
        except (KeyError, IndexError, TypeError):
            return None
    return data


def _allowed_fields(kind: str, schema_path: tuple[Any, ...]) -> list[str]:
    """The property names allowed where an additionalProperties error was raised."""
    parent = schema_path[:-1]
    names = [f"{kind}.schema.json", "common.schema.json"]
    for name in names:
        node: Any = schema_documents().get(name, {})
        for step in parent:
            node = node.get(step) if isinstance(node, dict) else None
            if node is None:
                break
        if isinstance(node, dict) and "properties" in node:
            return list(node["properties"])
    return []


def _unsupported_value(entity: Entity) -> Finding:
    """A value the validator cannot take: not plain data (a !!binary, !!set or !!timestamp,
    a non-string key), or lists and mappings nested deeper than it follows (a `maxDepth`
    raised far above the default lets such data through the loader)."""
    where = _first_unsupported(entity.data)
    if where is None and _depth(entity.data) > _SHALLOW:
        message = f"{entity.label} nests lists and mappings too deeply to be validated"
        hint = "flatten the nested lists and mappings"
        return _finding(entity, "BC004", message, entity.location(), hint)
    message = (
        f"{entity.label} holds a value that is not plain data "
        "(a !!binary, !!set, !!timestamp or !!omap value, or a key that is not a string)"
    )
    return _finding(entity, "BC103", message, entity.location_at(where or ()), "remove the tag")


# jsonschema_rs follows about 250 levels; nothing near that is needed by real config.
_SHALLOW = 100


def _depth(data: Any) -> int:
    """How many levels of lists and mappings `data` nests (iteratively: it may be deep)."""
    deepest = 0
    stack = [(data, 0)]
    while stack:
        value, level = stack.pop()
        deepest = max(deepest, level)
        if isinstance(value, dict):
            stack.extend((item, level + 1) for item in value.values())
        elif isinstance(value, list):
            stack.extend((item, level + 1) for item in value)
    return deepest


def _first_unsupported(data: Any) -> tuple[Any, ...] | None:
    """Where the first value that is not plain data is, depth first (None: there is none).

    Iterative, so data nested thousands of levels deep cannot exhaust the Python stack.
    """
    stack: list[tuple[Any, tuple[Any, ...]]] = [(data, ())]
    while stack:
        value, where = stack.pop()
        if isinstance(value, dict):
            if not all(isinstance(key, str) for key in value):
                return where
            stack.extend((item, (*where, key)) for key, item in reversed(value.items()))
        elif isinstance(value, list):
            items = list(enumerate(value))
            stack.extend((item, (*where, index)) for index, item in reversed(items))
        elif not (value is None or isinstance(value, (str, int, float, bool))):
            return where
    return None


def _finding(
    entity: Entity, rule: str, message: str, location: Location, hint: str | None
) -> Finding:
    return Finding(rule, "error", message, location, entity.ref, hint, (entity.mark[0],))
