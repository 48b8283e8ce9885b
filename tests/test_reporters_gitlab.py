"""GitLab Code Quality output: the report's shape and fingerprints that survive edits."""

from __future__ import annotations

import hashlib
import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from click.testing import Result

from validator.checker import CheckResult
from validator.findings import EntityRef, Finding, Location
from validator.model import Model
from validator.reporters import reporter_for


def render(findings: list[Finding]) -> list[dict[str, Any]]:
    out = io.StringIO()
    reporter_for("gitlab").report(CheckResult(findings, 1, Model([])), out)
    return json.loads(out.getvalue())  # type: ignore[no-any-return]


def test_each_finding_is_one_code_quality_issue() -> None:
    findings = [
        Finding("BC302", "error", "overlaps", Location("a.yaml", 12, 5),
                EntityRef("accountPlan", "p"), "end it"),
        Finding("BC305", "warning", "gap", Location("a.yaml", 20, 5)),
        Finding("BC210", "info", "no pricing", Location("b.yaml", 2, 5)),
    ]
    issues = render(findings)
    assert issues[0] == {
        "description": "overlaps",
        "check_name": "BC302",
        "fingerprint": hashlib.sha256(
            b"BC302\0a.yaml\0accountPlan\0p\0overlaps").hexdigest(),
        "severity": "major",
        "location": {"path": "a.yaml", "lines": {"begin": 12}},
    }
    assert [issue["severity"] for issue in issues] == ["major", "minor", "info"]


def test_an_empty_result_is_an_empty_list() -> None:
    assert render([]) == []


def test_identical_findings_in_one_file_get_distinct_fingerprints() -> None:
    twice = [Finding("BC005", "warning", "unquoted 'no'", Location("a.yaml", line, 3),
                     EntityRef("account", "x")) for line in (3, 7)]
    fingerprints = [issue["fingerprint"] for issue in render(twice)]
    assert len(set(fingerprints)) == 2


def test_fingerprints_stay_when_lines_shift(
    tree: Callable[[dict[str, str]], Path], cli: Callable[..., Result]
) -> None:
    body = "accounts:\n  - code: acme\n    name: Acme\n    colour: red\n  - code: b\n    name: B\n"
    tree({"accounts.yaml": body})
    before = json.loads(cli("validate", "--format", "gitlab").stdout)
    tree({"accounts.yaml": "# owned by billing-ops\n\n" + body})
    after = json.loads(cli("validate", "--format", "gitlab").stdout)
    assert [issue["location"]["lines"]["begin"] for issue in before] == [2, 4, 5]
    assert [issue["location"]["lines"]["begin"] for issue in after] == [4, 6, 7]
    assert [issue["fingerprint"] for issue in before] == [issue["fingerprint"] for issue in after]
    assert len({issue["fingerprint"] for issue in before}) == 3
