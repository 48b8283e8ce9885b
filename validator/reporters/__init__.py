"""Reporters: one per output format, behind one small protocol and a name → class table.

Each reporter module is imported only when its format is asked for, so `billcheck
validate` pays for the formats it writes and no more.
"""

from __future__ import annotations

import importlib
from typing import Protocol, TextIO

from ..checker import CheckResult


class Reporter(Protocol):
    """Writes one finished result in one format."""

    def report(self, result: CheckResult, out: TextIO) -> None:
        """Write the whole result to `out`."""


# Format name → "module:class" of its reporter, relative to this package.
REPORTERS: dict[str, str] = {
    "text": "text:TextReporter",
    "json": "json_reporter:JsonReporter",
    "sarif": "sarif:SarifReporter",
    "github": "github:GithubReporter",
    "junit": "junit:JunitReporter",
    "gitlab": "gitlab:GitlabReporter",
}

FORMATS: tuple[str, ...] = tuple(REPORTERS)


def reporter_for(name: str, *, color: bool = False, show_source: bool = False) -> Reporter:
    """The reporter of a format name (`text`, `json`, `sarif`, ...).

    `color` and `show_source` only change the text format.
    """
    module_name, class_name = REPORTERS[name].split(":")
    module = importlib.import_module(f".{module_name}", __name__)
    reporter_class = getattr(module, class_name)
    if name == "text":
        return reporter_class(color=color, show_source=show_source)  # type: ignore[no-any-return]
    return reporter_class()  # type: ignore[no-any-return]
