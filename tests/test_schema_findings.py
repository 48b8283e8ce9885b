"""Schema findings (BC101–BC103): each located at the key or value to edit, worded for people."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import write_tree

from validator.checker import RuleSelection, check_paths
from validator.config import Config

ACCOUNT_HEAD = "accounts:\n  - code: acme\n    name: Acme\n    emailAddress: a@acme.example\n"
TEMPLATE_HEAD = (
    "planTemplates:\n  - code: std\n    name: Standard\n    product: api\n"
    "    currency: USD\n    billFrequency: MONTHLY\n    standingCharge: 10\n"
)
PRICING_HEAD = (
    "pricings:\n  - plan: p\n    aggregation: calls\n    startDate: 2025-01-01\n"
    "    pricingBands:\n      - {lowerLimit: 0, unitPrice: 1}\n"
)

CASES = [
    ("unknown field with a close name", ACCOUNT_HEAD + "    emailAdress: x\n",
     ("BC101", 5, 5,
      "unknown field 'emailAdress' in account 'acme' (did you mean 'emailAddress'?)")),
    ("unknown field without a close name", ACCOUNT_HEAD + "    colour: red\n",
     ("BC101", 5, 5, "unknown field 'colour' in account 'acme'")),
    ("missing required field", "accounts:\n  - code: acme\n    name: Acme\n",
     ("BC102", 2, 5, "account 'acme' is missing required field 'emailAddress'")),
    ("missing field in a nested band",
     "pricings:\n  - plan: p\n    aggregation: calls\n    startDate: 2025-01-01\n"
     "    pricingBands:\n      - lowerLimit: 0\n",
     ("BC102", 6, 9, "pricing band of pricing at a.yaml:2 is missing required field 'unitPrice'")),
    ("enum with a did-you-mean", TEMPLATE_HEAD.replace("MONTHLY", "MONTLY"),
     ("BC103", 6, 20, "'billFrequency' must be one of DAILY, WEEKLY, MONTHLY, ANNUALLY, AD_HOC, "
                      "MIXED, not 'MONTLY' (did you mean 'MONTHLY'?)")),
    ("negative standing charge", TEMPLATE_HEAD.replace("standingCharge: 10", "standingCharge: -5"),
     ("BC103", 7, 21, "'standingCharge' must be at least 0, not -5")),
    ("interval out of range", TEMPLATE_HEAD + "    billFrequencyInterval: 400\n",
     ("BC103", 8, 28, "'billFrequencyInterval' must be at most 365, not 400")),
    ("impossible date", PRICING_HEAD.replace("2025-01-01", "2025-02-30"),
     ("BC103", 4, 16, "'startDate' must be a real date written YYYY-MM-DD, not '2025-02-30'")),
    ("wrong type", ACCOUNT_HEAD + "    daysBeforeBillDue: soon\n",
     ("BC103", 5, 24, "'daysBeforeBillDue' must be a whole number, not string 'soon'")),
    ("string expected", ACCOUNT_HEAD.replace("name: Acme", "name: 42"),
     ("BC103", 3, 11, "'name' must be a string, not number 42")),
    ("lower-case currency", ACCOUNT_HEAD + "    currency: usd\n",
     ("BC103", 5, 15, "'currency' 'usd' is not valid: a currency is three upper-case letters "
                      "(ISO 4217, like USD)")),
    ("code with a tab", ACCOUNT_HEAD.replace("code: acme", 'code: "ac\\tme"'),
     ("BC103", 2, 11, "'code' 'ac\\tme' is not valid: a code is 1 to 80 characters with no "
      "control characters and no whitespace other than spaces between other characters")),
    ("code too long", ACCOUNT_HEAD.replace("code: acme", "code: " + "x" * 81),
     ("BC103", 2, 11, "'code' must be at most 80 characters long, not '" + "x" * 56 + "...")),
    ("empty pricing bands", PRICING_HEAD.replace("\n      - {lowerLimit: 0, unitPrice: 1}", " []"),
     ("BC103", 5, 19, "'pricingBands' must hold at least 1 item")),
    ("an entity that is not a mapping", "accounts:\n  - acme\n",
     ("BC103", 2, 5, "'value' must be a mapping, not string 'acme'")),
    ("a binary value inside an entity", ACCOUNT_HEAD + "    purchaseOrderNumber: !!binary aGk=\n",
     ("BC103", 5, 26, "account 'acme' holds a value that is not plain data (a !!binary, !!set, "
                      "!!timestamp or !!omap value, or a key that is not a string)")),
]


@pytest.mark.parametrize(("text", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_schema_finding(text: str, expected: tuple[str, int, int, str], tmp_path: Path,
                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    write_tree(tmp_path, {"a.yaml": text})
    findings = check_paths(["a.yaml"], Config(), RuleSelection(), tmp_path).findings
    schema_findings = [f for f in findings if f.rule.startswith("BC1")]
    assert [(f.rule, f.location.line, f.location.column, f.message) for f in schema_findings] == [
        expected
    ]


def test_a_code_may_hold_repeated_inner_spaces(tmp_path: Path) -> None:
    write_tree(tmp_path, {"a.yaml": ACCOUNT_HEAD.replace("code: acme", 'code: "acme  eu"')})
    assert check_paths(["."], Config(), RuleSelection(), tmp_path).findings == []


def test_an_entity_with_a_schema_error_is_left_out_of_the_rules(tmp_path: Path) -> None:
    write_tree(tmp_path, {"a.yaml": "accounts:\n  - {code: a, name: A}\n"})
    result = check_paths(["."], Config(), RuleSelection(), tmp_path)
    assert result.model.by_code["account"] == {}
    assert "a" in result.model.known_codes["account"]
