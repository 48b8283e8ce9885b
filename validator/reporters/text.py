"""Text output: one line per finding, `path:line:col: severity RULE message`, then a summary.

With `show_source`, the offending source line follows each finding, with a caret under the
column. Lines are read from the files only when they are reported (documents from
standard input are kept in the result), so a run without the option reads nothing more.

Paths, messages and hints carry text from the config tree (keys, codes, file names), which
anyone opening a pull request writes. None of it can forge output: control characters,
line separators and bidirectional overrides are written as `\\xNN` / `\\uNNNN`, so a
finding is always one line and cannot recolour the terminal; a path that would make its
line read as a CI logging command (`::error::`, `##[...]` on GitHub Actions, `##vso[` on
Azure Pipelines) is written so that it does not.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TextIO

from ..checker import CheckResult
from ..findings import Finding
from ..tree import SourceFile, link_boundary, read_bytes

_COLORS = {"error": "\033[31m", "warning": "\033[33m", "info": "\033[36m"}
_RESET = "\033[0m"
_BOLD = "\033[1m"
_DIM = "\033[2m"
# The line breaks libyaml counts, so a finding's line number finds its line here too.
_LINE_BREAK = re.compile("\r\n|[\r\n\x85\u2028\u2029]")
# Control characters in a quoted line could move the cursor or recolour the terminal.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_MAX_SOURCE_BYTES = 64 * 1024 * 1024
# What text from a config may not print raw: C0 and C1 controls, DEL, the Unicode line and
# paragraph separators, and the bidirectional marks and overrides ("Trojan Source").
_BIDI = "\u200e\u200f\u202a-\u202e\u2066-\u2069"
_UNPRINTABLE = re.compile(f"[\x00-\x1f\x7f-\x9f\u2028\u2029{_BIDI}]")
# The same but CR and LF, for formats that encode line breaks their own way.
_UNPRINTABLE_INLINE = re.compile(f"[\x00-\x09\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029{_BIDI}]")
# Lines starting like this (after spaces) are commands to GitHub Actions' runner.
_CI_COMMAND_STARTS = ("::", "##")
_AZURE_COMMAND = "##vso["


def printable(text: str, *, keep_line_breaks: bool = False) -> str:
    """Config text made safe to print on one line of a terminal or CI log.

    Each unprintable character becomes `\\xNN` (or `\\uNNNN` above U+00FF), and Azure
    Pipelines' `##vso[` command prefix loses its bracket. With `keep_line_breaks`, CR and
    LF are left for the caller to encode (GitHub's workflow commands percent-encode them).
    """
    pattern = _UNPRINTABLE_INLINE if keep_line_breaks else _UNPRINTABLE
    return pattern.sub(escape_match, text).replace(_AZURE_COMMAND, "##vso\\x5b")


def escape_match(match: re.Match[str]) -> str:
    """The matched character written as `\\xNN`, or `\\uNNNN` above U+00FF."""
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def printable_path(path: str) -> str:
    """A path as the first thing on a line: printable, and never read as a CI command."""
    shown = printable(path)
    if shown.lstrip().startswith(_CI_COMMAND_STARTS):
        return "./" + shown
    return shown


class SourceLines:
    """The lines of the checked files, read lazily by display path and kept once read."""

    def __init__(self, texts: dict[str, str]) -> None:
        self._lines = {path: _LINE_BREAK.split(text) for path, text in texts.items()}

    def line(self, path: str, number: int) -> str | None:
        """Line `number` (1-based) of a file, or None when it cannot be had."""
        if path not in self._lines:
            self._lines[path] = _read_lines(Path(path))
        lines = self._lines[path]
        return lines[number - 1] if 1 <= number <= len(lines) else None


def _read_lines(path: Path) -> list[str]:
    """A file's lines, read as carefully as the loader reads it (no FIFOs, no links out)."""
    source = SourceFile(path.as_posix(), path, link_boundary(path, Path.cwd()))
    data, _ = read_bytes(source, _MAX_SOURCE_BYTES)
    return _LINE_BREAK.split(data.decode("utf-8-sig", "replace")) if data is not None else []


class TextReporter:
    """Human-readable lines, coloured only when asked."""

    def __init__(self, *, color: bool = False, show_source: bool = False) -> None:
        self.color = color
        self.show_source = show_source

    def report(self, result: CheckResult, out: TextIO) -> None:
        """Write each finding (with its source line when asked) and the summary line."""
        sources = SourceLines(result.texts) if self.show_source else None
        for finding in result.findings:
            out.write(self.line(finding) + "\n")
            if sources is not None:
                out.write(self.source_excerpt(finding, sources))
            if finding.hint:
                out.write(f"    hint: {printable(finding.hint)}\n")
        out.write(summary_line(result) + "\n")

    def line(self, finding: Finding) -> str:
        """One finding as `path:line:col: severity RULE message`."""
        loc = finding.location
        where = f"{printable_path(loc.path)}:{loc.line}:{loc.column}:"
        severity: str = finding.severity
        if self.color:
            where = f"{_BOLD}{where}{_RESET}"
            severity = f"{_COLORS[severity]}{severity}{_RESET}"
        return f"{where} {severity} {finding.rule} {printable(finding.message)}"

    def source_excerpt(self, finding: Finding, sources: SourceLines) -> str:
        """The finding's source line and a caret under its column, or nothing."""
        loc = finding.location
        text = sources.line(loc.path, loc.line)
        if text is None:
            return ""
        text = _CONTROL.sub("?", text).replace(_AZURE_COMMAND, "##vso?")
        # Tabs before the column stay tabs, so the caret lines up however they are shown.
        pad = "".join("\t" if char == "\t" else " " for char in text[: loc.column - 1])
        pad += " " * max(0, loc.column - 1 - len(text))
        gutter = str(loc.line)
        caret = "^"
        if self.color:
            gutter = f"{_DIM}{gutter}{_RESET}"
            caret = f"{_COLORS[finding.severity]}{caret}{_RESET}"
        blank = " " * len(str(loc.line))
        return f"    {gutter} | {text}\n    {blank} | {pad}{caret}\n"


def summary_line(result: CheckResult) -> str:
    """`3 files checked: 1 error, 0 warnings, 0 infos` (and `, 2 baselined` with a baseline)."""
    counts = result.counts()
    files = "file" if result.files == 1 else "files"
    line = (
        f"{result.files} {files} checked: {plural(counts['error'], 'error')}, "
        f"{plural(counts['warning'], 'warning')}, {plural(counts['info'], 'info')}"
    )
    if result.baselined is not None:
        line += f", {result.baselined} baselined"
    return line


def plural(count: int, noun: str, plural_noun: str | None = None) -> str:
    """`1 error`, `3 errors` (or the given plural)."""
    return f"{count} {noun if count == 1 else plural_noun or noun + 's'}"

