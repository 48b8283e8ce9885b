"""GitLab Code Quality output: the JSON list GitLab reads from `artifacts:reports:codequality`.

Each finding becomes `{description, check_name, fingerprint, severity, location}`.
billcheck's three severities map onto GitLab's five as error → major, warning → minor,
info → info; critical and blocker are not used. Fingerprints do not depend on line
numbers (see `fingerprints`), so an edit elsewhere in a file does not make GitLab report
an old finding as new.
"""

from __future__ import annotations

import json
from typing import Any, TextIO

from ..checker import CheckResult
from .fingerprints import fingerprints

SEVERITIES = {"error": "major", "warning": "minor", "info": "info"}


class GitlabReporter:
    """The Code Quality report, one JSON list."""

    def report(self, result: CheckResult, out: TextIO) -> None:
        """Write the findings as one JSON document."""
        json.dump(code_quality(result), out, indent=2, ensure_ascii=False)
        out.write("\n")


def code_quality(result: CheckResult) -> list[dict[str, Any]]:
    """The findings as Code Quality issues, in the text output's order."""
    return [
        {
            "description": finding.message,
            "check_name": finding.rule,
            "fingerprint": fingerprint,
            "severity": SEVERITIES[finding.severity],
            "location": {"path": finding.location.path, "lines": {"begin": finding.location.line}},
        }
        for finding, fingerprint in zip(result.findings, fingerprints(result.findings), strict=True)
    ]
