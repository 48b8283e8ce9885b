"""JUnit XML output: a test case per checked file, a failure per finding, always well-formed."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET

from validator.checker import CheckResult
from validator.findings import Finding, Location
from validator.model import Model
from validator.reporters import reporter_for


def render(findings: list[Finding], paths: list[str]) -> str:
    out = io.StringIO()
    reporter_for("junit").report(CheckResult(findings, len(paths), Model([]), paths), out)
    return out.getvalue()


def test_one_case_per_file_and_one_failure_per_finding() -> None:
    findings = [
        Finding("BC302", "error", "overlaps", Location("a.yaml", 12, 5), hint="end it"),
        Finding("BC305", "warning", "gap", Location("a.yaml", 20, 5)),
    ]
    output = render(findings, ["a.yaml", "b.yaml"])
    assert output == (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<testsuites name="billcheck" tests="2" failures="1" errors="0">\n'
        '  <testsuite name="billcheck" tests="2" failures="1" errors="0" skipped="0">\n'
        '    <testcase name="a.yaml" classname="billcheck" file="a.yaml">\n'
        '      <failure message="overlaps" type="BC302">a.yaml:12:5: error BC302 overlaps\n'
        'hint: end it</failure>\n'
        '      <failure message="gap" type="BC305">a.yaml:20:5: warning BC305 gap</failure>\n'
        '    </testcase>\n'
        '    <testcase name="b.yaml" classname="billcheck" file="b.yaml" />\n'
        '  </testsuite>\n'
        '</testsuites>\n'
    )


def test_hostile_strings_parse_back_unchanged_or_visibly_escaped() -> None:
    message = 'a "quoted" <b>&amp;</b> \']]> <!-- x --> tab\there\nnext line'
    path = 'dir/<x>&"y".yaml'
    hint = "</failure><failure type='BC999'>forged"
    findings = [
        Finding("BC101", "error", message, Location(path, 1, 1), hint=hint),
        Finding("BC103", "error", "escape \x1b[31m and \x00 nul \ufffe", Location(path, 2, 1)),
    ]
    root = ET.fromstring(render(findings, [path]))
    cases = root.findall("./testsuite/testcase")
    assert [case.get("name") for case in cases] == [path]
    failures = cases[0].findall("failure")
    assert [f.get("type") for f in failures] == ["BC101", "BC103"]
    assert failures[0].get("message") == message
    assert failures[0].text == f"{path}:1:1: error BC101 {message}\nhint: {hint}"
    assert failures[1].get("message") == "escape \\x1b[31m and \\x00 nul \\ufffe"


def test_a_file_with_findings_but_not_listed_still_gets_a_case() -> None:
    root = ET.fromstring(render([Finding("BC001", "error", "x", Location("c.yaml"))], []))
    assert [case.get("name") for case in root.iter("testcase")] == ["c.yaml"]
