"""Text output: finding lines, the source excerpt of --show-source, colour, the summary."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

from validator.checker import CheckResult
from validator.findings import Finding, Location
from validator.model import Model
from validator.reporters import reporter_for


def render(result: CheckResult, *, color: bool = False, show_source: bool = True) -> str:
    out = io.StringIO()
    reporter_for("text", color=color, show_source=show_source).report(result, out)
    return out.getvalue()


def result_of(findings: list[Finding], texts: dict[str, str] | None = None,
              baselined: int | None = None) -> CheckResult:
    return CheckResult(findings, 1, Model([]), [], texts or {}, baselined)


def test_show_source_quotes_the_line_with_a_caret_under_the_column(
    tree: Callable[[dict[str, str]], Path]
) -> None:
    tree({"a.yaml": "accounts:\n  - code: acme\n    currency: usd\n"})
    finding = Finding("BC103", "error", "bad currency", Location("a.yaml", 3, 15), hint="use USD")
    assert render(result_of([finding])) == (
        "a.yaml:3:15: error BC103 bad currency\n"
        "    3 |     currency: usd\n"
        "      |               ^\n"
        "    hint: use USD\n"
        "1 file checked: 1 error, 0 warnings, 0 infos\n"
    )


def test_tabs_are_kept_so_the_caret_lines_up_and_control_characters_are_hidden() -> None:
    texts = {"<stdin>": "a:\r\n\tb: \x1b[2Jx\x85c: 1\n"}
    findings = [Finding("BC101", "error", "m", Location("<stdin>", 2, 5)),
                Finding("BC101", "error", "n", Location("<stdin>", 3, 1))]
    assert render(result_of(findings, texts)).splitlines()[1:6] == [
        "    2 | \tb: ?[2Jx",
        "      | \t   ^",
        "<stdin>:3:1: error BC101 n",
        "    3 | c: 1",
        "      | ^",
    ]


def test_no_excerpt_when_the_line_cannot_be_had() -> None:
    findings = [Finding("BC003", "error", "gone", Location("missing.yaml", 1, 1)),
                Finding("BC001", "error", "past the end", Location("<stdin>", 9, 1))]
    output = render(result_of(findings, {"<stdin>": "a: 1\n"}))
    assert output == (
        "missing.yaml:1:1: error BC003 gone\n"
        "<stdin>:9:1: error BC001 past the end\n"
        "1 file checked: 2 errors, 0 warnings, 0 infos\n"
    )


def test_a_column_past_the_end_of_the_line_still_gets_its_caret() -> None:
    finding = Finding("BC001", "error", "eol", Location("<stdin>", 1, 6))
    assert render(result_of([finding], {"<stdin>": "a: b\n"})).splitlines()[1:3] == [
        "    1 | a: b",
        "      |      ^",
    ]


def test_colour_marks_location_severity_and_caret() -> None:
    finding = Finding("BC305", "warning", "gap", Location("<stdin>", 1, 1))
    output = render(result_of([finding], {"<stdin>": "a: 1\n"}), color=True)
    assert output.splitlines()[:3] == [
        "\033[1m<stdin>:1:1:\033[0m \033[33mwarning\033[0m BC305 gap",
        "    \033[2m1\033[0m | a: 1",
        "      | \033[33m^\033[0m",
    ]


def test_without_show_source_only_lines_and_summary_with_baselined_count() -> None:
    finding = Finding("BC210", "info", "no pricing", Location("a.yaml", 2, 5))
    assert render(result_of([finding], baselined=3), show_source=False) == (
        "a.yaml:2:5: info BC210 no pricing\n"
        "1 file checked: 0 errors, 0 warnings, 1 info, 3 baselined\n"
    )
