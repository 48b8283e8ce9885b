"""The finding: one problem billcheck reports, with where it is and what to do about it."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import Literal

Severity = Literal["error", "warning", "info"]

SEVERITY_RANK: dict[str, int] = {"info": 0, "warning": 1, "error": 2}

# The most characters of a config value a message quotes: above any valid code (80), far
# below what an alias can repeat (one 30 MB key quoted in thousands of findings would turn a
# small file into gigabytes of output).
MAX_QUOTED = 100


def shorten(value: object, limit: int = MAX_QUOTED) -> str:
    """A config value as a message quotes it: whole up to `limit` characters, else cut with …."""
    text = str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def close_match(word: object, options: Iterable[str]) -> str | None:
    """The option most like `word` for a did-you-mean, or None.

    Words longer than MAX_QUOTED are never matched: nothing that long is a typo of a name,
    and difflib's cost grows with the word.
    """
    text = str(word)
    if len(text) > MAX_QUOTED:
        return None
    close = difflib.get_close_matches(text, list(options), n=1, cutoff=0.6)
    return close[0] if close else None


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
