"""GitHub Actions output: one workflow command per finding, which GitHub shows as an
annotation on the pull request's diff, then the summary line.

`::error file=accounts/acme.yaml,line=12,col=5,title=BC302::message` (warnings become
`::warning`, infos `::notice`). Every value is escaped the way the Actions runner decodes
it, so no text from a config file (a message quoting a value, a path with a comma) can
end the annotation early or start a workflow command of its own; other control characters
(an ANSI escape that would recolour the job log) are written as `\\xNN`.
"""

from __future__ import annotations

from typing import TextIO

from ..checker import CheckResult
from ..findings import Finding
from .text import printable, summary_line

COMMANDS = {"error": "error", "warning": "warning", "info": "notice"}


class GithubReporter:
    """Workflow commands for GitHub Actions annotations."""

    def report(self, result: CheckResult, out: TextIO) -> None:
        """Write one annotation per finding and the summary line."""
        for finding in result.findings:
            out.write(annotation(finding) + "\n")
        out.write(summary_line(result) + "\n")


def annotation(finding: Finding) -> str:
    """One finding as a workflow command."""
    loc = finding.location
    properties = ",".join(
        f"{name}={escape_property(value)}"
        for name, value in (
            ("file", printable(loc.path, keep_line_breaks=True)), ("line", str(loc.line)),
            ("col", str(loc.column)), ("title", finding.rule),
        )
    )
    message = printable(finding.message, keep_line_breaks=True)
    return f"::{COMMANDS[finding.severity]} {properties}::{escape_data(message)}"


def escape_data(value: str) -> str:
    """A command's message: `%`, CR and LF percent-encoded, `%` first."""
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(value: str) -> str:
    """A command property: as a message, and `:` and `,` too, which end a property."""
    return escape_data(value).replace(":", "%3A").replace(",", "%2C")
