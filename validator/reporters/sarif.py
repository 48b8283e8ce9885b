"""SARIF 2.1.0 output, for GitHub code scanning and other SARIF viewers.

One run, whose tool lists every registered rule with its documentation (summary, full
description, help as text and markdown, default level), and one result per finding:
rule id and index, level, message, and the location as a path relative to `%SRCROOT%`
(the directory billcheck ran in — run it from the repository root) with line and column.
Columns count Unicode code points (`columnKind`). `partialFingerprints` carries a hash
that ignores line numbers, so code scanning keeps an alert's identity across edits.
"""

from __future__ import annotations

import json
import re
from typing import Any, TextIO
from urllib.parse import quote

from .. import __version__
from ..checker import CheckResult
from ..engine import Rule, all_rules
from ..findings import Finding
from .fingerprints import fingerprints

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = "https://billcheck.dev/"
FINGERPRINT_KEY = "billcheck/v1"
LEVELS = {"error": "error", "warning": "warning", "info": "note"}
SECTION_TITLES = frozenset({"Why is this bad?", "Example", "Use instead"})


class SarifReporter:
    """A SARIF log with one run."""

    def report(self, result: CheckResult, out: TextIO) -> None:
        """Write the result as one SARIF document."""
        json.dump(sarif_log(result), out, indent=2, ensure_ascii=False)
        out.write("\n")


def sarif_log(result: CheckResult) -> dict[str, Any]:
    """The whole SARIF log as JSON-ready data."""
    rules = all_rules()
    index = {registered.id: position for position, registered in enumerate(rules)}
    results = [
        sarif_result(finding, fingerprint, index.get(finding.rule))
        for finding, fingerprint in zip(result.findings, fingerprints(result.findings), strict=True)
    ]
    driver = {
        "name": "billcheck",
        "version": __version__,
        "semanticVersion": __version__,
        "informationUri": INFORMATION_URI,
        "rules": [rule_descriptor(registered) for registered in rules],
    }
    return {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [{"tool": {"driver": driver}, "columnKind": "unicodeCodePoints",
                  "results": results}],
    }


def sarif_result(finding: Finding, fingerprint: str, rule_index: int | None) -> dict[str, Any]:
    """One finding as a SARIF result."""
    loc = finding.location
    result: dict[str, Any] = {"ruleId": finding.rule}
    if rule_index is not None:
        result["ruleIndex"] = rule_index
    result.update({
        "level": LEVELS[finding.severity],
        "message": {"text": finding.message},
        "locations": [{"physicalLocation": {
            "artifactLocation": artifact_location(loc.path),
            "region": {"startLine": loc.line, "startColumn": loc.column},
        }}],
        "partialFingerprints": {FINGERPRINT_KEY: fingerprint},
    })
    properties = _result_properties(finding)
    if properties:
        result["properties"] = properties
    return result


def _result_properties(finding: Finding) -> dict[str, Any]:
    properties: dict[str, Any] = {}
    if finding.entity is not None:
        properties["entity"] = {"kind": finding.entity.kind, "code": finding.entity.code}
    if finding.hint is not None:
        properties["hint"] = finding.hint
    return properties


def artifact_location(path: str) -> dict[str, str]:
    """A display path as a URI: relative to %SRCROOT%, or a file URI when it is absolute."""
    if path.startswith("/"):
        return {"uri": "file://" + quote(path)}
    # Percent-encoding `:` keeps a name like `a:b.yaml` from reading as a URI scheme.
    return {"uri": quote(path, safe="/"), "uriBaseId": "%SRCROOT%"}


def rule_descriptor(registered: Rule) -> dict[str, Any]:
    """A rule's reportingDescriptor: id, slug, descriptions, help and default level."""
    summary, why = doc_summary(registered.doc), doc_section(registered.doc, "Why is this bad?")
    return {
        "id": registered.id,
        "name": registered.slug,
        "shortDescription": {"text": summary},
        "fullDescription": {"text": f"{summary} {why}".strip()},
        "help": {"text": registered.doc, "markdown": doc_markdown(registered.doc)},
        "defaultConfiguration": {"level": LEVELS[registered.severity]},
        "properties": {"tags": ["billing-config"]},
    }


def doc_summary(doc: str) -> str:
    """The first paragraph of a rule's documentation, on one line."""
    return " ".join(_paragraphs(doc)[0]) if doc.strip() else ""


def doc_section(doc: str, title: str) -> str:
    """The prose under a section title ("Why is this bad?"), on one line."""
    lines = doc.splitlines()
    if title not in lines:
        return ""
    prose = []
    for line in lines[lines.index(title) + 1:]:
        if not line.strip() or line.startswith(" ") or line in SECTION_TITLES:
            break
        prose.append(line.strip())
    return " ".join(prose)


def _paragraphs(doc: str) -> list[list[str]]:
    paragraphs: list[list[str]] = [[]]
    for line in doc.strip().splitlines():
        if line.strip():
            paragraphs[-1].append(line.strip())
        elif paragraphs[-1]:
            paragraphs.append([])
    return paragraphs


def doc_markdown(doc: str) -> str:
    """A rule's documentation as markdown: section titles as headings, examples fenced."""
    out: list[str] = []
    block: list[str] = []
    for line in doc.splitlines():
        if line.startswith(" ") or (block and not line.strip()):
            block.append(line)
            continue
        _flush_code(block, out)
        if line in SECTION_TITLES:
            out.extend(["", f"## {line}", ""])
        else:
            out.append(line)
    _flush_code(block, out)
    return re.sub(r"\n{3,}", "\n\n", "\n".join(out)).strip() + "\n"


def _flush_code(block: list[str], out: list[str]) -> None:
    while block and not block[-1].strip():
        block.pop()
    if block:
        indent = min(len(line) - len(line.lstrip()) for line in block if line.strip())
        out.extend(["```yaml", *(line[indent:] for line in block), "```", ""])
    block.clear()
