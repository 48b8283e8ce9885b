"""SARIF output: valid against the SARIF 2.1.0 schema, every rule described, results located."""

from __future__ import annotations

import io
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from click.testing import Result
from conftest import REPO_ROOT

from validator import __version__
from validator.checker import CheckResult
from validator.engine import all_rules
from validator.findings import EntityRef, Finding, Location
from validator.model import Model
from validator.reporters import reporter_for

SCHEMA_NAME = "sarif-schema-2.1.0.json"


def sarif_schema() -> dict[str, Any]:
    """The SARIF schema from the shared reference folder next to the checkout (never copied in).

    The checkout may be the main tree (../shared) or a worktree one level further down.
    """
    for folder in REPO_ROOT.parents:
        candidate = folder / "shared" / "reference" / SCHEMA_NAME
        if candidate.is_file():
            return json.loads(candidate.read_text(encoding="utf-8"))  # type: ignore[no-any-return]
    raise AssertionError(f"{SCHEMA_NAME} not found in shared/reference above {REPO_ROOT}")


# RFC 3986: only these characters, `%` only before two hex digits.
URI_CHARACTERS = re.compile(r"(?:[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=]|%[0-9A-Fa-f]{2})*\Z")
SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:")
FORMATS = jsonschema.FormatChecker()


@FORMATS.checks("uri-reference")
def is_uri_reference(value: object) -> bool:
    """A URI or a relative reference whose first segment cannot be read as a scheme."""
    if not isinstance(value, str) or not URI_CHARACTERS.match(value):
        return False
    return bool(SCHEME.match(value)) or ":" not in value.split("/", 1)[0]


@FORMATS.checks("uri")
def is_uri(value: object) -> bool:
    """An absolute URI: a scheme, then URI characters."""
    return isinstance(value, str) and bool(SCHEME.match(value)) and is_uri_reference(value)


def assert_valid_sarif(document: dict[str, Any]) -> None:
    # The reference file keeps the log's own schema under definitions/Root; its top level
    # constrains nothing, so validate against Root explicitly.
    schema = {**sarif_schema(), "$ref": "#/definitions/Root"}
    validator = jsonschema.Draft7Validator(schema, format_checker=FORMATS)
    errors = sorted(validator.iter_errors(document), key=str)
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors)


def render(findings: list[Finding]) -> dict[str, Any]:
    out = io.StringIO()
    reporter_for("sarif").report(CheckResult(findings, 2, Model([])), out)
    return json.loads(out.getvalue())  # type: ignore[no-any-return]


FINDINGS = [
    Finding("BC302", "error", "account plan 'b' overlaps 'a'",
            Location("accounts/acme.yaml", 12, 5), EntityRef("accountPlan", "b"),
            "end 'a' on 2024-03-01"),
    Finding("BC005", "warning", "unquoted 'no'", Location("dir with space/x:y.yaml", 3, 11),
            EntityRef("account", "no")),
    Finding("BC009", "info", "suppression silences nothing", Location("/abs/out.yaml", 1, 1)),
]


def test_the_log_is_valid_sarif_2_1_0() -> None:
    document = render(FINDINGS)
    assert_valid_sarif(document)
    assert document["version"] == "2.1.0"


def test_each_finding_is_one_result_with_rule_level_message_and_location() -> None:
    results = render(FINDINGS)["runs"][0]["results"]
    rules = [rule.id for rule in all_rules()]
    first = results[0]
    assert first["ruleId"] == "BC302"
    assert first["level"] == "error"
    assert first["message"] == {"text": "account plan 'b' overlaps 'a'"}
    assert first["locations"] == [{"physicalLocation": {
        "artifactLocation": {"uri": "accounts/acme.yaml", "uriBaseId": "%SRCROOT%"},
        "region": {"startLine": 12, "startColumn": 5},
    }}]
    assert first["properties"] == {
        "entity": {"kind": "accountPlan", "code": "b"}, "hint": "end 'a' on 2024-03-01",
    }
    assert [r["level"] for r in results] == ["error", "warning", "note"]
    assert results[1]["ruleIndex"] == rules.index("BC005")


def test_uris_are_encoded_and_absolute_paths_become_file_uris() -> None:
    locations = [r["locations"][0]["physicalLocation"]["artifactLocation"]
                 for r in render(FINDINGS)["runs"][0]["results"]]
    assert locations[1] == {"uri": "dir%20with%20space/x%3Ay.yaml", "uriBaseId": "%SRCROOT%"}
    assert locations[2] == {"uri": "file:///abs/out.yaml"}


def test_the_driver_describes_every_registered_rule() -> None:
    driver = render([])["runs"][0]["tool"]["driver"]
    assert driver["name"] == "billcheck"
    assert driver["version"] == __version__
    assert driver["informationUri"].startswith("https://")
    registered = all_rules()
    assert [rule["id"] for rule in driver["rules"]] == [rule.id for rule in registered]
    for descriptor, rule in zip(driver["rules"], registered, strict=True):
        assert descriptor["name"] == rule.slug
        short = descriptor["shortDescription"]["text"]
        assert short.startswith(rule.summary)
        assert descriptor["fullDescription"]["text"].startswith(short)
        assert descriptor["help"]["text"] == rule.doc
        assert "## Why is this bad?" in descriptor["help"]["markdown"]
        assert descriptor["defaultConfiguration"]["level"] == {
            "error": "error", "warning": "warning", "info": "note"}[rule.severity]


def test_a_summary_spread_over_two_lines_is_kept_whole() -> None:
    driver = render([])["runs"][0]["tool"]["driver"]
    bc103 = next(rule for rule in driver["rules"] if rule["id"] == "BC103")
    assert bc103["shortDescription"]["text"].endswith("length or range.")
    assert "```yaml\nplanTemplates:\n  - code: std\n" in bc103["help"]["markdown"]


def test_fingerprints_ignore_lines_and_tell_identical_findings_apart() -> None:
    def fingerprint_of(line: int) -> list[str]:
        twice = [Finding("BC005", "warning", "unquoted 'no'", Location("a.yaml", line + n, 3),
                         EntityRef("account", "x")) for n in (0, 4)]
        results = render(twice)["runs"][0]["results"]
        return [result["partialFingerprints"]["billcheck/v1"] for result in results]

    assert fingerprint_of(3) == fingerprint_of(40)
    assert len(set(fingerprint_of(3))) == 2


def test_sarif_from_the_cli_is_valid(
    tree: Callable[[dict[str, str]], Path], cli: Callable[..., Result]
) -> None:
    tree({"accounts.yaml": "accounts:\n  - code: acme\n    name: Acme\n    colour: red\n"})
    result = cli("validate", "--format", "sarif")
    assert result.exit_code == 1
    document = json.loads(result.stdout)
    assert_valid_sarif(document)
    assert [(r["ruleId"], r["locations"][0]["physicalLocation"]["region"])
            for r in document["runs"][0]["results"]] == [
        ("BC102", {"startLine": 2, "startColumn": 5}),
        ("BC101", {"startLine": 4, "startColumn": 5}),
    ]


@pytest.mark.parametrize("bad", [
    {"version": "2.0.0"}, {"runs": "x"}, {"extra": 1},
    {"runs": [{"tool": {"driver": {"name": "b", "informationUri": "not a uri"}}}]},
    {"runs": [{"tool": {"driver": {"name": "b"}},
               "artifacts": [{"location": {"uri": "a:b c.yaml"}}]}]},
])
def test_the_schema_check_itself_rejects_a_broken_log(bad: dict[str, Any]) -> None:
    document = {**render(FINDINGS), **bad}
    with pytest.raises(AssertionError):
        assert_valid_sarif(document)
