"""Output injection: no key, code, name or file name in the config tree can forge output.

The tree below puts markup, CI workflow commands, line breaks, ANSI escapes and
bidirectional overrides everywhere a finding quotes config text (keys, codes, field names,
file names), then every format is checked for what its consumer would see: one line per
finding in text, one annotation per finding on GitHub, documents that parse back with
nothing added in SARIF, JUnit, GitLab and JSON.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
from conftest import REPO_ROOT
from test_reporters_sarif import assert_valid_sarif

from validator.reporters.github import annotation
from validator.reporters.text import TextReporter, printable, printable_path

PAYLOADS = [
    "<script>alert(1)</script>",
    "|",
    "::error::x",
    "\n::error file=x.yaml,line=1::forged",
    "\r::warning::carriage",
    "\x1b[31mred\x1b[0m",
    "\x9b31mcsi",
    "\u202egnp.exe",
    "\u2028::error::after a line separator",
    "\x85::error::after NEL",
    "##vso[task.setvariable variable=PATH]/tmp/evil",
    "%0A::error::percent",
    "]]><evil/>",
    "&lt;b&gt;",
    "`code` [link](javascript:alert(1))",
    '"quoted" \\back',
]
FILE_NAMES = [
    "a\n::error file=x.yaml::forged.yaml",
    "::warning::x.yaml",
    " ::error::y.yaml",
    "##[error]z.yaml",
    "##vso[task.complete result=Failed].yaml",
    "<img src=x onerror=alert(1)>.yaml",
    "\x1b[31mred.yaml",
    "\u202eevil.yaml",
]
# Unprintable: what no line of text output may hold besides its final newline.
UNPRINTABLE = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029\u200e\u200f\u202a-\u202e"
                         "\u2066-\u2069]")
TEXT_FINDING = re.compile(r"(?P<path>.+?):\d+:\d+: (error|warning|info) BC\d{3} ")
SUMMARY = re.compile(r"\d+ files? checked: \d+ errors?, \d+ warnings?, \d+ infos?\Z")
ANNOTATION = re.compile(
    r"::(error|warning|notice) file=[^,:]*,line=\d+,col=\d+,title=BC\d{3}::[^\r\n]*\Z"
)


def hostile_tree(root: Path) -> None:
    """Payloads as top-level keys, account codes, field names, and file names."""
    keys = "".join(f"{json.dumps(payload)}: 1\n" for payload in PAYLOADS)
    accounts = "".join(
        f"  - {{code: {json.dumps(payload)}, name: N, emailAddress: a@b.example, "
        f"{json.dumps('x' + payload)}: 1}}\n"
        for payload in PAYLOADS
    )
    (root / "keys.yaml").write_text(keys, encoding="utf-8")
    (root / "accounts.yaml").write_text("accounts:\n" + accounts, encoding="utf-8")
    for name in FILE_NAMES:
        (root / name).write_text("colour: red\n", encoding="utf-8")
    with open(os.path.join(os.fsencode(root), b"\xff\xfe.yaml"), "wb") as out:
        out.write(b"colour: red\n")


@pytest.fixture(scope="module")
def outputs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The hostile tree's report in every format, from a real process."""
    root = tmp_path_factory.mktemp("hostile-output")
    hostile_tree(root)
    env = dict(os.environ, PYTHONPATH=str(REPO_ROOT), NO_COLOR="1")
    env.pop("GITHUB_ACTIONS", None)
    reports = {}
    for name in ("json", "text", "github", "sarif", "junit", "gitlab"):
        result = subprocess.run(
            [sys.executable, "-m", "validator", "validate", "--format", name], cwd=root,
            env=env, capture_output=True, text=True, timeout=60, check=False,
        )
        assert result.returncode == 1, result.stderr
        assert result.stderr == ""
        reports[name] = result.stdout
    return reports


def findings_of(outputs: dict[str, str]) -> list[dict[str, Any]]:
    return json.loads(outputs["json"])["findings"]  # type: ignore[no-any-return]


def test_the_payloads_reach_the_findings(outputs: dict[str, str]) -> None:
    messages = " ".join(finding["message"] for finding in findings_of(outputs))
    paths = {finding["path"] for finding in findings_of(outputs)}
    assert "unknown top-level key '<script>alert(1)</script>'" in messages
    assert "in account '\x1b[31mred\x1b[0m'" in messages  # JSON carries it, escaped by JSON
    assert set(FILE_NAMES) | {"\\xff\\xfe.yaml"} <= paths


def test_text_output_is_one_printable_line_per_finding(outputs: dict[str, str]) -> None:
    lines = outputs["text"].split("\n")
    assert lines[-1] == "" and SUMMARY.match(lines[-2])
    finding_lines = [line for line in lines[:-2] if not line.startswith("    hint: ")]
    assert len(finding_lines) == len(findings_of(outputs))
    for line in lines:
        assert not UNPRINTABLE.search(line), repr(line)
        assert not line.lstrip().startswith(("::", "##")), repr(line)
        assert "##vso[" not in line
    for line in finding_lines:
        assert TEXT_FINDING.match(line), repr(line)


def test_text_output_shows_escapes_in_place_of_control_characters(
    outputs: dict[str, str]
) -> None:
    text = outputs["text"]
    assert "in account '\\x1b[31mred\\x1b[0m'" in text
    assert "./::warning::x.yaml:1:1: error BC101" in text
    assert "a\\x0a::error file=x.yaml::forged.yaml:1:1: error BC101" in text
    assert "\\u202egnp.exe" in text
    assert "##vso\\x5btask.setvariable" in text


def test_github_output_is_one_annotation_per_finding_and_nothing_else(
    outputs: dict[str, str]
) -> None:
    lines = outputs["github"].split("\n")
    assert lines[-1] == "" and SUMMARY.match(lines[-2])
    annotations = lines[:-2]
    assert len(annotations) == len(findings_of(outputs))
    for line in annotations:
        assert ANNOTATION.match(line), repr(line)
        assert not UNPRINTABLE.search(line), repr(line)


def test_sarif_is_valid_and_carries_every_message_unchanged(outputs: dict[str, str]) -> None:
    document = json.loads(outputs["sarif"])
    assert_valid_sarif(document)
    results = document["runs"][0]["results"]
    assert [r["message"]["text"] for r in results] == [
        f["message"] for f in findings_of(outputs)
    ]


def test_junit_parses_back_with_no_injected_elements(outputs: dict[str, str]) -> None:
    root = ET.fromstring(outputs["junit"])
    assert {element.tag for element in root.iter()} == {
        "testsuites", "testsuite", "testcase", "failure",
    }
    failures = root.findall("./testsuite/testcase/failure")
    assert len(failures) == len(findings_of(outputs))
    assert "<script>" not in outputs["junit"] and "<evil/>" not in outputs["junit"]


def test_gitlab_is_one_issue_per_finding_with_only_its_keys(outputs: dict[str, str]) -> None:
    issues = json.loads(outputs["gitlab"])
    assert [issue["description"] for issue in issues] == [
        f["message"] for f in findings_of(outputs)
    ]
    for issue in issues:
        assert set(issue) == {"description", "check_name", "fingerprint", "severity",
                              "location"}
    assert len({issue["fingerprint"] for issue in issues}) == len(issues)


@pytest.mark.parametrize("payload", PAYLOADS)
def test_printable_text_never_holds_a_line_break_or_a_control_character(payload: str) -> None:
    shown = printable(payload)
    assert not UNPRINTABLE.search(shown) and "\n" not in shown
    assert not printable_path(payload).lstrip().startswith(("::", "##"))


def test_printable_leaves_ordinary_text_alone() -> None:
    ordinary = "account 'Société Générale' — 東京 (tab-free), 100% ::fine:: in the middle"
    assert printable(ordinary) == ordinary
    assert printable_path("accounts/acme.yaml") == "accounts/acme.yaml"


def test_an_annotation_keeps_line_breaks_encoded_and_escapes_other_controls() -> None:
    from validator.findings import Finding, Location

    finding = Finding("BC101", "error", "a\nb\x1b[31m", Location("x\x1b.yaml", 1, 1))
    assert annotation(finding) == (
        "::error file=x\\x1b.yaml,line=1,col=1,title=BC101::a%0Ab\\x1b[31m"
    )


def test_colour_codes_come_only_from_billcheck_itself() -> None:
    from validator.findings import Finding, Location

    finding = Finding("BC101", "error", "\x1b[0mforged", Location("a.yaml", 1, 1))
    line = TextReporter(color=True).line(finding)
    assert line.endswith("BC101 \\x1b[0mforged")
    assert line.count("\x1b[") == 4  # bold and reset around the location, colour and reset
