"""Reporters: one per output format, behind one small protocol and a name → class table."""

from __future__ import annotations

from typing import Protocol, TextIO

from ..checker import CheckResult


class Reporter(Protocol):
    """Writes one finished result in one format."""

    def report(self, result: CheckResult, out: TextIO) -> None:
        """Write the whole result to `out`."""


def reporter_for(name: str, *, color: bool = False) -> Reporter:
    """The reporter of a format name (`text`, `json`, ...)."""
    if name == "json":
        from .json_reporter import JsonReporter

        return JsonReporter()
    from .text import TextReporter

    return TextReporter(color=color)


FORMATS: tuple[str, ...] = ("text", "json")
