"""Text output: one line per finding, `path:line:col: severity RULE message`, then a summary."""

from __future__ import annotations

from typing import TextIO

from ..checker import CheckResult
from ..findings import Finding

_COLORS = {"error": "\033[31m", "warning": "\033[33m", "info": "\033[36m"}
_RESET = "\033[0m"
_BOLD = "\033[1m"


class TextReporter:
    """Human-readable lines, coloured only when asked (a terminal without NO_COLOR)."""

    def __init__(self, *, color: bool = False) -> None:
        self.color = color

    def report(self, result: CheckResult, out: TextIO) -> None:
        """Write each finding and the summary line."""
        for finding in result.findings:
            out.write(self.line(finding) + "\n")
            if finding.hint:
                out.write(f"    hint: {finding.hint}\n")
        out.write(summary_line(result) + "\n")

    def line(self, finding: Finding) -> str:
        """One finding as `path:line:col: severity RULE message`."""
        loc = finding.location
        where = f"{loc.path}:{loc.line}:{loc.column}:"
        severity = finding.severity
        if self.color:
            where = f"{_BOLD}{where}{_RESET}"
            severity = f"{_COLORS[severity]}{severity}{_RESET}"
        return f"{where} {severity} {finding.rule} {finding.message}"


def summary_line(result: CheckResult) -> str:
    """`3 files checked: 1 error, 0 warnings, 0 infos`."""
    counts = result.counts()
    files = "file" if result.files == 1 else "files"
    return (
        f"{result.files} {files} checked: {_plural(counts['error'], 'error')}, "
        f"{_plural(counts['warning'], 'warning')}, {_plural(counts['info'], 'info')}"
    )


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" + ("" if count == 1 else "s")
