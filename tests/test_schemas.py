"""Tests for the JSON Schemas in ``schemas/``.

The schemas are a published contract: editors and check-jsonschema use them as they
are, and the validator compiles them with jsonschema_rs. These tests check that they are
valid Draft 2020-12, that their ``$id``s and relative ``$ref``s hang together, that
python-jsonschema and jsonschema_rs agree on what they accept and at which keyword they
reject, and that check-jsonschema works with ``billcheck.schema.json`` offline.

``billcheck.schema.json`` embeds verbatim copies of the sibling schemas in its ``$defs``
(a compound schema document) so that its relative ``$ref``s resolve without a network.
After editing a schema, run ``python tests/test_schemas.py`` to refresh those copies.
"""

from __future__ import annotations

import copy
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import jsonschema_rs
import pytest
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

SCHEMA_DIR = Path(__file__).resolve().parent.parent / "schemas"
BASE_URI = "https://billcheck.dev/schemas/"
DIALECT = "https://json-schema.org/draft/2020-12/schema"
ENTITY_KINDS = (
    "organization",
    "product",
    "planTemplate",
    "plan",
    "planGroup",
    "account",
    "accountPlan",
    "contract",
    "aggregation",
    "pricing",
    "counter",
    "counterPricing",
)
BUNDLED_KINDS = ("common", *ENTITY_KINDS)
COLLECTIONS = {
    "products": "product",
    "planTemplates": "planTemplate",
    "plans": "plan",
    "planGroups": "planGroup",
    "accounts": "account",
    "accountPlans": "accountPlan",
    "contracts": "contract",
    "aggregations": "aggregation",
    "pricings": "pricing",
    "counters": "counter",
    "counterPricings": "counterPricing",
}

Json = dict[str, Any]
Finding = tuple[str, tuple[str | int, ...]]


def schema_file(kind: str) -> str:
    """Return the file name of the schema for ``kind``."""
    return f"{kind}.schema.json"


def load_schemas() -> dict[str, Json]:
    """Read every schema file, keyed by file name."""
    return {
        path.name: json.loads(path.read_text(encoding="utf-8"))
        for path in sorted(SCHEMA_DIR.glob("*.json"))
    }


SCHEMAS = load_schemas()
PY_REGISTRY: Registry[Any] = Registry().with_resources(
    (schema["$id"], Resource.from_contents(schema, default_specification=DRAFT202012))
    for schema in SCHEMAS.values()
)
RS_REGISTRY = jsonschema_rs.Registry([(schema["$id"], schema) for schema in SCHEMAS.values()])


def python_findings(
    file: str, instance: Any, registry: Registry[Any] = PY_REGISTRY
) -> set[Finding]:
    """Validate with python-jsonschema: the set of (keyword, instance path) of each error."""
    validator = jsonschema.Draft202012Validator(
        SCHEMAS[file],
        registry=registry,
        format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER,
    )
    return {
        (str(error.validator), tuple(error.absolute_path))
        for error in validator.iter_errors(instance)
    }


def rust_findings(
    file: str, instance: Any, registry: jsonschema_rs.Registry | None = RS_REGISTRY
) -> set[Finding]:
    """Validate with jsonschema_rs, the way the validator does: (keyword, instance path)."""
    validator = jsonschema_rs.validator_for(SCHEMAS[file], registry=registry, validate_formats=True)
    return {
        (error.kind.name, tuple(error.instance_path)) for error in validator.iter_errors(instance)
    }


def findings(file: str, instance: Any) -> set[Finding]:
    """Validate with both libraries, assert that they agree and return their findings."""
    from_python = python_findings(file, instance)
    assert rust_findings(file, instance) == from_python
    return from_python


# --- the files themselves -------------------------------------------------------------


def test_every_expected_schema_file_exists() -> None:
    expected = {schema_file(kind) for kind in BUNDLED_KINDS}
    expected |= {"billcheck.schema.json", "config.schema.json"}
    assert set(SCHEMAS) == expected


@pytest.mark.parametrize("file", sorted(SCHEMAS))
def test_schema_is_valid_draft_2020_12(file: str) -> None:
    schema = SCHEMAS[file]
    assert schema["$schema"] == DIALECT
    jsonschema.Draft202012Validator.check_schema(schema)
    assert jsonschema_rs.meta.is_valid(schema)


@pytest.mark.parametrize("file", sorted(SCHEMAS))
def test_id_is_the_published_url_of_the_file(file: str) -> None:
    assert SCHEMAS[file]["$id"] == BASE_URI + file


def test_ids_are_unique() -> None:
    ids = [schema["$id"] for schema in SCHEMAS.values()]
    assert len(ids) == len(set(ids))


def iter_nodes(node: Any) -> Iterator[Json]:
    """Yield every object inside a schema, depth first."""
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from iter_nodes(value)
    elif isinstance(node, list):
        for value in node:
            yield from iter_nodes(value)


@pytest.mark.parametrize("file", sorted(SCHEMAS))
def test_refs_are_relative_and_point_at_sibling_files(file: str) -> None:
    for node in iter_nodes(SCHEMAS[file]):
        reference = node.get("$ref")
        if not isinstance(reference, str):
            continue
        target_file, _, _ = reference.partition("#")
        assert "://" not in reference
        assert target_file == "" or target_file in SCHEMAS


@pytest.mark.parametrize("file", sorted(SCHEMAS))
def test_every_schema_has_a_title_and_every_property_a_description(file: str) -> None:
    schema = SCHEMAS[file]
    assert schema["title"]
    for node in iter_nodes(schema):
        properties = node.get("properties")
        if not isinstance(properties, dict):
            continue
        for name, subschema in properties.items():
            assert subschema.get("description"), f"{file}: property {name} has no description"


@pytest.mark.parametrize("kind", ENTITY_KINDS)
def test_entity_objects_reject_unknown_fields(kind: str) -> None:
    assert SCHEMAS[schema_file(kind)]["additionalProperties"] is False


def bundled_billcheck_schema() -> Json:
    """Return billcheck.schema.json with fresh copies of the schemas it embeds."""
    bundle = copy.deepcopy(SCHEMAS["billcheck.schema.json"])
    bundle["$defs"] = {kind: SCHEMAS[schema_file(kind)] for kind in BUNDLED_KINDS}
    return bundle


def test_billcheck_schema_embeds_current_copies_of_its_siblings() -> None:
    assert SCHEMAS["billcheck.schema.json"] == bundled_billcheck_schema(), (
        "schemas changed: run `python tests/test_schemas.py` to refresh billcheck.schema.json"
    )


def test_billcheck_schema_lists_every_collection() -> None:
    properties = SCHEMAS["billcheck.schema.json"]["properties"]
    assert set(properties) == {"organization", *COLLECTIONS}
    assert properties["organization"]["$ref"] == "organization.schema.json"
    for collection, kind in COLLECTIONS.items():
        assert properties[collection]["items"]["$ref"] == schema_file(kind)


@pytest.mark.parametrize(
    ("file", "instance", "expected"),
    [
        (
            "billcheck.schema.json",
            {"accounts": [{"code": " acme"}]},
            {("pattern", ("accounts", 0, "code")), ("required", ("accounts", 0))},
        ),
        ("config.schema.json", {"asOf": "2025-02-30"}, {("format", ("asOf",))}),
    ],
)
def test_top_level_schemas_resolve_without_any_other_file(
    file: str, instance: Json, expected: set[Finding]
) -> None:
    assert python_findings(file, instance, registry=Registry()) == expected
    assert rust_findings(file, instance, registry=None) == expected


# --- what the entity schemas accept ----------------------------------------------------

MINIMAL: dict[str, Json] = {
    "organization": {},
    "product": {"code": "api", "name": "API"},
    "planTemplate": {
        "code": "api-monthly",
        "name": "API monthly",
        "product": "api",
        "currency": "USD",
        "billFrequency": "MONTHLY",
        "standingCharge": 0,
    },
    "plan": {"code": "api-pro", "name": "API Pro", "planTemplate": "api-monthly"},
    "planGroup": {"code": "bundle", "name": "Bundle", "currency": "USD", "plans": ["api-pro"]},
    "account": {"code": "acme", "name": "Acme", "emailAddress": "billing@acme.example"},
    "accountPlan": {"account": "acme", "plan": "api-pro", "startDate": "2025-01-01"},
    "contract": {
        "code": "acme-2025",
        "name": "Acme 2025",
        "account": "acme",
        "startDate": "2025-01-01",
        "endDate": "2026-01-01",
    },
    "aggregation": {"code": "api_calls", "name": "API calls", "unit": "call", "aggregation": "SUM"},
    "pricing": {
        "plan": "api-pro",
        "aggregation": "api_calls",
        "startDate": "2025-01-01",
        "pricingBands": [{"lowerLimit": 0, "unitPrice": 0.01}],
    },
    "counter": {"code": "seats", "name": "Seats", "unit": "seat"},
    "counterPricing": {
        "counter": "seats",
        "planTemplate": "api-monthly",
        "startDate": "2025-01-01",
        "pricingBands": [{"lowerLimit": 0, "unitPrice": 10}],
    },
}

# Every field of each kind, plan and planGroup (or planTemplate) together included: the
# choice of exactly one is rule BC203's, not the schema's.
FULL: dict[str, Json] = {
    "organization": {
        "timezone": "Europe/London",
        "currency": "GBP",
        "dayEpoch": "2022-01-01",
        "weekEpoch": "2022-01-03",
        "monthEpoch": "2022-01-01",
        "yearEpoch": "2022-01-01",
        "allowOverlappingPlans": False,
        "standingChargeBillInAdvance": True,
        "minimumSpendBillInAdvance": False,
        "currencyConversions": [{"from": "USD", "to": "GBP", "multiplier": 0.79}],
        "daysBeforeBillDue": 30,
        "customFields": {"account": {"tier": "standard"}, "accountPlan": {"discount": 0}},
    },
    "product": {"code": "api", "name": "API", "customFields": {"team": "core", "cost centre": 42}},
    "planTemplate": MINIMAL["planTemplate"]
    | {
        "billFrequencyInterval": 3,
        "standingCharge": 99.5,
        "standingChargeInterval": 365,
        "standingChargeOffset": 364,
        "minimumSpend": 100,
        "standingChargeBillInAdvance": True,
        "minimumSpendBillInAdvance": False,
        "standingChargeDescription": "Platform fee",
        "minimumSpendDescription": "Minimum commitment",
        "customFields": {},
    },
    "plan": MINIMAL["plan"]
    | {
        "standingCharge": 0,
        "minimumSpend": 12.34,
        "standingChargeBillInAdvance": False,
        "minimumSpendBillInAdvance": True,
        "account": "acme",
        "customFields": {"owner": "sales"},
    },
    "planGroup": MINIMAL["planGroup"]
    | {"minimumSpend": 500, "standingCharge": 50, "account": "acme", "customFields": {}},
    "account": MINIMAL["account"]
    | {
        "parentAccount": "acme-group",
        "billEpoch": "2024-02-29",
        "currency": "EUR",
        "daysBeforeBillDue": 1,
        "purchaseOrderNumber": "PO-1",
        "address": {
            "addressLine1": "1 Main St",
            "addressLine2": "Floor 2",
            "addressLine3": "",
            "addressLine4": "",
            "locality": "Springfield",
            "region": "IL",
            "postCode": "62701",
            "country": "US",
        },
        "creditApplicationOrder": ["PREPAYMENT", "BALANCE"],
        "customFields": {"segment": "enterprise"},
    },
    "accountPlan": {
        "code": "acme api",
        "account": "acme",
        "plan": "api-pro",
        "planGroup": "bundle",
        "startDate": "2025-01-01",
        "endDate": "2026-01-01",
        "billEpoch": "2025-01-15",
        "childBillingMode": "PARENT_SUMMARY",
        "contract": "acme-2025",
        "customFields": {"discount": 0.1},
    },
    "contract": MINIMAL["contract"]
    | {"description": "Annual", "purchaseOrderNumber": "PO-2", "customFields": {}},
    "aggregation": MINIMAL["aggregation"]
    | {"aggregation": "UNIQUE", "rounding": "UP", "quantityPerUnit": 0.5},
    "pricing": {
        "code": "api-pro-calls",
        "plan": "api-pro",
        "planTemplate": "api-monthly",
        "aggregation": "api_calls",
        "startDate": "2025-01-01",
        "endDate": "2025-07-01",
        "pricingBands": [
            {"lowerLimit": 0, "unitPrice": 7, "fixedPrice": 0},
            {"lowerLimit": 5, "unitPrice": 6.5, "fixedPrice": 10},
        ],
        "cumulative": True,
        "tiersSpanPlan": False,
        "overagePricingBands": [{"lowerLimit": 0, "unitPrice": 8}],
        "minimumSpend": 0,
        "type": "PRODUCT_CREDIT",
        "description": "API calls",
    },
    "counter": MINIMAL["counter"] | {"product": "api"},
    "counterPricing": MINIMAL["counterPricing"]
    | {"code": "seat-pricing", "endDate": "2026-01-01", "plan": "api-pro"},
}


@pytest.mark.parametrize("kind", ENTITY_KINDS)
def test_minimal_entity_is_valid(kind: str) -> None:
    assert findings(schema_file(kind), MINIMAL[kind]) == set()


@pytest.mark.parametrize("kind", ENTITY_KINDS)
def test_entity_with_every_field_is_valid(kind: str) -> None:
    assert set(FULL[kind]) == set(SCHEMAS[schema_file(kind)]["properties"])
    assert findings(schema_file(kind), FULL[kind]) == set()


@pytest.mark.parametrize("code", ["a", "a b", "a  b", "API_calls-2.v1", "日本 語", "x" * 80])
def test_code_accepts_inner_spaces_and_any_printable_character(code: str) -> None:
    assert findings("product.schema.json", {"code": code, "name": "n"}) == set()


@pytest.mark.parametrize(
    "code",
    ["", " a", "a ", "a\tb", "a\nb", "a\n", "\ta", "a\u00a0b", "a\u2003b", "a\x7fb", "a\x00", " "],
)
def test_code_rejects_control_characters_and_outer_or_non_space_whitespace(code: str) -> None:
    assert findings("product.schema.json", {"code": code, "name": "n"}) == {("pattern", ("code",))}


def changed(kind: str, **fields: Any) -> Json:
    """Return the minimal entity of ``kind`` with ``fields`` set."""
    return MINIMAL[kind] | fields


def without(kind: str, field: str) -> Json:
    """Return the minimal entity of ``kind`` without ``field``."""
    return {key: value for key, value in MINIMAL[kind].items() if key != field}


REQUIRED = {
    "product": ["code", "name"],
    "planTemplate": ["code", "name", "product", "currency", "billFrequency", "standingCharge"],
    "plan": ["code", "name", "planTemplate"],
    "planGroup": ["code", "name", "currency", "plans"],
    "account": ["code", "name", "emailAddress"],
    "accountPlan": ["account", "startDate"],
    "contract": ["code", "name", "account", "startDate", "endDate"],
    "aggregation": ["code", "name", "unit", "aggregation"],
    "pricing": ["aggregation", "startDate", "pricingBands"],
    "counter": ["code", "name", "unit"],
    "counterPricing": ["counter", "startDate", "pricingBands"],
}


@pytest.mark.parametrize(
    ("kind", "field"),
    [(kind, field) for kind, fields in REQUIRED.items() for field in fields],
)
def test_missing_required_field_is_reported_on_the_entity(kind: str, field: str) -> None:
    assert findings(schema_file(kind), without(kind, field)) == {("required", ())}


def test_plan_or_plan_group_choice_is_left_to_the_rules() -> None:
    neither = without("accountPlan", "plan")
    both = changed("accountPlan", planGroup="bundle")
    assert findings("accountPlan.schema.json", neither) == set()
    assert findings("accountPlan.schema.json", both) == set()


# (kind, field, bad value, keyword): setting one field of the minimal entity to the bad
# value must fail at that keyword, at that field.
INVALID_VALUES: list[tuple[str, str, Any, str]] = [
    # types, lengths, patterns and formats shared by every kind
    ("product", "code", 42, "type"),
    ("product", "code", "x" * 81, "maxLength"),
    ("product", "name", "", "minLength"),
    ("product", "name", "n" * 201, "maxLength"),
    ("product", "customFields", {f"field{i}": i for i in range(101)}, "maxProperties"),
    ("planTemplate", "currency", "usd", "pattern"),
    ("planTemplate", "currency", "USDX", "pattern"),
    ("contract", "startDate", "2024-02-30", "format"),
    ("contract", "endDate", "2025-1-1", "format"),
    ("contract", "endDate", 20250101, "type"),
    ("contract", "description", "d" * 501, "maxLength"),
    ("account", "emailAddress", "billing.acme.example", "format"),
    ("account", "parentAccount", " acme", "pattern"),
    ("account", "daysBeforeBillDue", 0, "minimum"),
    ("account", "purchaseOrderNumber", "p" * 101, "maxLength"),
    ("account", "address", {"street": "x"}, "additionalProperties"),
    # plan templates, plans and plan groups
    ("planTemplate", "billFrequency", "YEARLY", "enum"),
    ("planTemplate", "billFrequencyInterval", 0, "minimum"),
    ("planTemplate", "billFrequencyInterval", 366, "maximum"),
    ("planTemplate", "billFrequencyInterval", 1.5, "type"),
    ("planTemplate", "standingCharge", -1, "minimum"),
    ("planTemplate", "standingCharge", "10", "type"),
    ("planTemplate", "standingChargeInterval", 0, "minimum"),
    ("planTemplate", "standingChargeInterval", 366, "maximum"),
    ("planTemplate", "standingChargeOffset", -1, "minimum"),
    ("planTemplate", "standingChargeOffset", 365, "maximum"),
    ("planTemplate", "minimumSpend", -0.01, "minimum"),
    ("planTemplate", "standingChargeBillInAdvance", "yes", "type"),
    ("planTemplate", "standingChargeDescription", "d" * 201, "maxLength"),
    ("plan", "minimumSpend", -5, "minimum"),
    ("planGroup", "plans", [], "minItems"),
    ("planGroup", "plans", ["api-pro", "api-pro"], "uniqueItems"),
    ("planGroup", "plans", "api-pro", "type"),
    # account plans
    ("accountPlan", "childBillingMode", "PARENT", "enum"),
    ("accountPlan", "startDate", "2025-13-01", "format"),
    # aggregations
    ("aggregation", "aggregation", "CUSTOM_SQL", "enum"),
    ("aggregation", "rounding", "HALF_UP", "enum"),
    ("aggregation", "quantityPerUnit", 0, "exclusiveMinimum"),
    ("aggregation", "unit", "", "minLength"),
    # pricings
    ("pricing", "pricingBands", [], "minItems"),
    ("pricing", "type", "CREDIT", "enum"),
    ("pricing", "cumulative", "true", "type"),
    ("pricing", "description", "d" * 201, "maxLength"),
    ("counterPricing", "pricingBands", [], "minItems"),
    # organization
    ("organization", "currency", "dollars", "pattern"),
    ("organization", "monthEpoch", "2023-02-29", "format"),
    ("organization", "allowOverlappingPlans", "no", "type"),
    ("organization", "daysBeforeBillDue", 0, "minimum"),
    ("organization", "customFields", {"contract": {}}, "additionalProperties"),
]


@pytest.mark.parametrize(
    ("kind", "field", "value", "keyword"),
    INVALID_VALUES,
    ids=[f"{kind}.{field}-{keyword}" for kind, field, _, keyword in INVALID_VALUES],
)
def test_invalid_value_fails_at_the_expected_keyword(
    kind: str, field: str, value: Any, keyword: str
) -> None:
    entity = changed(kind, **{field: value})
    assert findings(schema_file(kind), entity) == {(keyword, (field,))}


ONE_BAND = {"lowerLimit": 0, "unitPrice": 1}
EURO_TO_DOLLAR = {"from": "EUR", "to": "USD", "multiplier": 1.08}

# (kind, entity, keyword, instance path): errors on the entity itself or deeper inside.
INVALID_ENTITIES: list[tuple[str, Json, str, tuple[str | int, ...]]] = [
    ("product", changed("product", colour="red"), "additionalProperties", ()),
    ("plan", changed("plan", planTemplateId="api-monthly"), "additionalProperties", ()),
    ("counterPricing", changed("counterPricing", cumulative=True), "additionalProperties", ()),
    ("organization", {"code": "org"}, "additionalProperties", ()),
    ("account", changed("account", customFields={"vip": True}), "type", ("customFields", "vip")),
    ("account", changed("account", customFields={"t": ["a"]}), "type", ("customFields", "t")),
    (
        "account",
        changed("account", address={"postCode": "9" * 21}),
        "maxLength",
        ("address", "postCode"),
    ),
    (
        "account",
        changed("account", creditApplicationOrder=["CASH"]),
        "enum",
        ("creditApplicationOrder", 0),
    ),
    (
        "pricing",
        changed("pricing", pricingBands=[{"lowerLimit": 0}]),
        "required",
        ("pricingBands", 0),
    ),
    (
        "pricing",
        changed("pricing", pricingBands=[{"unitPrice": 1}]),
        "required",
        ("pricingBands", 0),
    ),
    (
        "pricing",
        changed("pricing", pricingBands=[ONE_BAND | {"lowerLimit": -1}]),
        "minimum",
        ("pricingBands", 0, "lowerLimit"),
    ),
    (
        "pricing",
        changed("pricing", pricingBands=[ONE_BAND | {"unitPrice": -1}]),
        "minimum",
        ("pricingBands", 0, "unitPrice"),
    ),
    (
        "pricing",
        changed("pricing", pricingBands=[ONE_BAND | {"fixedPrice": -1}]),
        "minimum",
        ("pricingBands", 0, "fixedPrice"),
    ),
    (
        "pricing",
        changed("pricing", pricingBands=[ONE_BAND | {"upperLimit": 5}]),
        "additionalProperties",
        ("pricingBands", 0),
    ),
    (
        "pricing",
        changed("pricing", overagePricingBands=[{"lowerLimit": 0}]),
        "required",
        ("overagePricingBands", 0),
    ),
    (
        "organization",
        {"currencyConversions": [EURO_TO_DOLLAR | {"multiplier": 0}]},
        "exclusiveMinimum",
        ("currencyConversions", 0, "multiplier"),
    ),
    (
        "organization",
        {"currencyConversions": [EURO_TO_DOLLAR | {"from": "eur"}]},
        "pattern",
        ("currencyConversions", 0, "from"),
    ),
    (
        "organization",
        {"currencyConversions": [{"from": "EUR", "to": "USD"}]},
        "required",
        ("currencyConversions", 0),
    ),
    (
        "organization",
        {"customFields": {"account": {"vip": None}}},
        "type",
        ("customFields", "account", "vip"),
    ),
]


@pytest.mark.parametrize(
    ("kind", "entity", "keyword", "path"),
    INVALID_ENTITIES,
    ids=[
        f"{kind}-{keyword}-{'.'.join(map(str, path)) or 'entity'}"
        for kind, _, keyword, path in INVALID_ENTITIES
    ],
)
def test_invalid_entity_fails_at_the_expected_keyword(
    kind: str, entity: Json, keyword: str, path: tuple[str | int, ...]
) -> None:
    assert findings(schema_file(kind), entity) == {(keyword, path)}


# --- one config file and the settings file ----------------------------------------------


def test_config_file_with_every_collection_is_valid() -> None:
    document: Json = {"organization": FULL["organization"]}
    document |= {
        collection: [MINIMAL[kind], FULL[kind]] for collection, kind in COLLECTIONS.items()
    }
    assert findings("billcheck.schema.json", document) == set()


@pytest.mark.parametrize(
    ("document", "keyword", "path"),
    [
        ({"account": []}, "additionalProperties", ()),
        ({"accounts": {"code": "acme"}}, "type", ("accounts",)),
        ({"accounts": [{"code": "acme"}]}, "required", ("accounts", 0)),
        ({"organization": [{}]}, "type", ("organization",)),
        (
            {"pricings": [changed("pricing", startDate="2025-02-30")]},
            "format",
            ("pricings", 0, "startDate"),
        ),
    ],
)
def test_invalid_config_file_fails_at_the_expected_keyword(
    document: Json, keyword: str, path: tuple[str | int, ...]
) -> None:
    assert findings("billcheck.schema.json", document) == {(keyword, path)}


def test_settings_file_with_every_option_is_valid() -> None:
    settings = {
        "paths": ["billing/", "accounts.yaml"],
        "exclude": ["**/draft-*.yaml"],
        "rules": {"BC302": "off", "BC305": "error", "BC210": "warning", "BC999": "info"},
        "limits": {
            "maxFileBytes": 1024,
            "maxTotalBytes": 4096,
            "maxDepth": 10,
            "maxAliasNodes": 100,
            "maxEntities": 1000,
        },
        "asOf": "2025-03-10",
    }
    assert findings("config.schema.json", settings) == set()


@pytest.mark.parametrize(
    ("settings", "keyword", "path"),
    [
        ({"path": ["."]}, "additionalProperties", ()),
        ({"paths": "."}, "type", ("paths",)),
        ({"exclude": [7]}, "type", ("exclude", 0)),
        ({"rules": {"bc302": "off"}}, "additionalProperties", ("rules",)),
        ({"rules": {"BC3020": "off"}}, "additionalProperties", ("rules",)),
        ({"rules": {"BC302": "fatal"}}, "enum", ("rules", "BC302")),
        ({"rules": {"BC302": False}}, "enum", ("rules", "BC302")),
        ({"limits": {"maxDepth": 0}}, "minimum", ("limits", "maxDepth")),
        ({"limits": {"maxEntities": "many"}}, "type", ("limits", "maxEntities")),
        ({"limits": {"maxNodes": 5}}, "additionalProperties", ("limits",)),
        ({"asOf": "2025-02-30"}, "format", ("asOf",)),
    ],
)
def test_invalid_settings_fail_at_the_expected_keyword(
    settings: Json, keyword: str, path: tuple[str | int, ...]
) -> None:
    assert findings("config.schema.json", settings) == {(keyword, path)}


# --- check-jsonschema, offline ---------------------------------------------------------

VALID_YAML = """\
organization:
  currency: USD
products:
  - code: api
    name: API
accountPlans:
  - account: acme
    plan: api-pro
    startDate: 2025-01-01
    childBillingMode: CHILD
"""

INVALID_YAML = """\
contracts:
  - code: acme-2025
    name: Acme 2025
    account: acme
    startDate: 2025-02-30
    endDate: 2026-01-01
"""


def run_check_jsonschema(instance: Path) -> subprocess.CompletedProcess[str]:
    """Run check-jsonschema on ``instance`` with billcheck.schema.json and no network."""
    executable = shutil.which("check-jsonschema")
    assert executable is not None, "check-jsonschema is not installed"
    unreachable_proxy = "http://127.0.0.1:9"
    environment = os.environ | {"HTTPS_PROXY": unreachable_proxy, "HTTP_PROXY": unreachable_proxy}
    return subprocess.run(
        [
            executable,
            "--no-cache",
            "--schemafile",
            str(SCHEMA_DIR / "billcheck.schema.json"),
            str(instance),
        ],
        capture_output=True,
        text=True,
        env=environment,
        timeout=120,
        check=False,
    )


def test_check_jsonschema_accepts_a_valid_config_file_offline(tmp_path: Path) -> None:
    instance = tmp_path / "valid.yaml"
    instance.write_text(VALID_YAML, encoding="utf-8")
    result = run_check_jsonschema(instance)
    assert result.returncode == 0, result.stdout + result.stderr


def test_check_jsonschema_rejects_an_impossible_date_offline(tmp_path: Path) -> None:
    instance = tmp_path / "invalid.yaml"
    instance.write_text(INVALID_YAML, encoding="utf-8")
    result = run_check_jsonschema(instance)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "$.contracts[0].startDate: '2025-02-30' is not a 'date'" in result.stdout


# --- maintenance ----------------------------------------------------------------------


def refresh_bundle() -> None:
    """Rewrite billcheck.schema.json with current copies of the schemas it embeds."""
    path = SCHEMA_DIR / "billcheck.schema.json"
    path.write_text(
        json.dumps(bundled_billcheck_schema(), indent=2, ensure_ascii=False) + "\n",
        encoding="utf-8",
    )


if __name__ == "__main__":
    refresh_bundle()
    sys.exit(0)
