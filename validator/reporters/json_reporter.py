"""JSON output: one document with the tool, its version, the findings and a summary."""

from __future__ import annotations

import json
from typing import Any, TextIO

from .. import __version__
from ..checker import CheckResult


class JsonReporter:
    """The SPEC §3 JSON shape, findings in the text output's order."""

    def report(self, result: CheckResult, out: TextIO) -> None:
        """Write the result as one JSON document."""
        json.dump(result_document(result), out, indent=2, ensure_ascii=False)
        out.write("\n")


def result_document(result: CheckResult) -> dict[str, Any]:
    """The result as JSON-ready data (`summary.baselined` only when a baseline was used)."""
    counts = result.counts()
    summary = {
        "files": result.files,
        "errors": counts["error"],
        "warnings": counts["warning"],
        "infos": counts["info"],
    }
    if result.baselined is not None:
        summary["baselined"] = result.baselined
    return {
        "tool": "billcheck",
        "version": __version__,
        "findings": [finding.to_dict() for finding in result.findings],
        "summary": summary,
    }
