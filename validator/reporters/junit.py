"""JUnit XML output, for CI systems that show test reports (GitLab, Jenkins, Azure).

One test suite, `billcheck`, with one test case per checked file; each finding in the
file is a `<failure>` whose `type` is the rule id. `failures` counts the test cases (files)
that fail, as JUnit consumers expect, not the findings. ElementTree escapes markup; characters
XML 1.0 cannot carry at all (most control characters) are written as `\\xNN`, so any
value from a config file still gives a well-formed document.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from typing import TextIO

from ..checker import CheckResult
from ..findings import Finding
from .text import escape_match

# Characters that XML 1.0 forbids even as character references.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


class JunitReporter:
    """A JUnit XML report: a test case per file, a failure per finding."""

    def report(self, result: CheckResult, out: TextIO) -> None:
        """Write the report as one XML document."""
        root = junit_tree(result)
        ET.indent(root)
        out.write('<?xml version="1.0" encoding="UTF-8"?>\n')
        out.write(ET.tostring(root, encoding="unicode"))
        out.write("\n")


def junit_tree(result: CheckResult) -> ET.Element:
    """The report as an element tree: <testsuites><testsuite><testcase>..."""
    by_path: dict[str, list[Finding]] = {path: [] for path in result.paths}
    for finding in result.findings:
        by_path.setdefault(finding.location.path, []).append(finding)
    failing = sum(1 for findings in by_path.values() if findings)
    counts = {"tests": str(len(by_path)), "failures": str(failing), "errors": "0"}
    root = ET.Element("testsuites", {"name": "billcheck", **counts})
    suite = ET.SubElement(root, "testsuite", {"name": "billcheck", **counts, "skipped": "0"})
    for path in sorted(by_path):
        case = ET.SubElement(suite, "testcase", {
            "name": xml_text(path), "classname": "billcheck", "file": xml_text(path),
        })
        for finding in by_path[path]:
            failure = ET.SubElement(case, "failure", {
                "message": xml_text(finding.message), "type": finding.rule,
            })
            failure.text = xml_text(failure_text(finding))
    return root


def failure_text(finding: Finding) -> str:
    """`line:col: severity RULE message`, then the hint on its own line."""
    loc = finding.location
    where = f"{loc.path}:{loc.line}:{loc.column}:"
    text = f"{where} {finding.severity} {finding.rule} {finding.message}"
    return text + (f"\nhint: {finding.hint}" if finding.hint else "")


def xml_text(value: str) -> str:
    """The value with every character XML cannot hold written as `\\xNN` (or `\\uNNNN`)."""
    return _NOT_XML.sub(escape_match, value)
