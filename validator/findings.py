"""The finding: one problem billcheck reports, with where it is and what to do about it."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Literal

Severity = Literal["error", "warning", "info"]

SEVERITY_RANK: dict[str, int] = {"info": 0, "warning": 1, "error": 2}


@dataclass(frozen=True, order=True)
class Location:
    """Where a finding points: a relative, `/`-separated path and a 1-based line and column."""

    path: str
    line: int = 1
    column: int = 1


@dataclass(frozen=True)
class EntityRef:
    """The entity a finding belongs to: its kind (`accountPlan`) and code (None if it has none)."""

    kind: str
    code: str | None


@dataclass(frozen=True)
class Finding:
    """One reported problem. Immutable; the engine stamps the configured severity on it."""

    rule: str
    severity: Severity
    message: str
    location: Location
    entity: EntityRef | None = None
    hint: str | None = None
    # Lines whose `# billcheck: ignore[...]` comments may silence this finding, besides its own.
    anchor_lines: tuple[int, ...] = field(default=(), compare=False)

    def sort_key(self) -> tuple[str, int, int, str, str]:
        """The order of the text and JSON output: path, line, column, then rule and message."""
        loc = self.location
        return (loc.path, loc.line, loc.column, self.rule, self.message)

    def with_severity(self, severity: Severity) -> Finding:
        """This finding with another severity."""
        return replace(self, severity=severity)

    def to_dict(self) -> dict[str, object]:
        """The finding in the JSON shape of SPEC §3."""
        data: dict[str, object] = {
            "rule": self.rule,
            "severity": self.severity,
            "message": self.message,
            "path": self.location.path,
            "line": self.location.line,
            "column": self.location.column,
        }
        if self.entity is not None:
            data["entity"] = {"kind": self.entity.kind, "code": self.entity.code}
        if self.hint is not None:
            data["hint"] = self.hint
        return data
