"""GitHub Actions annotations: the command shape, and escaping that no config value can break."""

from __future__ import annotations

import io
import re

from validator.checker import CheckResult
from validator.findings import EntityRef, Finding, Location
from validator.model import Model
from validator.reporters import reporter_for
from validator.reporters.github import annotation, escape_data, escape_property


def render(findings: list[Finding], files: int = 1) -> str:
    out = io.StringIO()
    reporter_for("github").report(CheckResult(findings, files, Model([])), out)
    return out.getvalue()


def finding(severity: str = "error", message: str = "overlaps", path: str = "a.yaml") -> Finding:
    return Finding("BC302", severity, message, Location(path, 12, 5),  # type: ignore[arg-type]
                   EntityRef("accountPlan", "p"), "end it on 2024-01-01")


def test_each_severity_has_its_command_and_the_summary_follows() -> None:
    output = render([finding("error"), finding("warning"), finding("info")])
    assert output == (
        "::error file=a.yaml,line=12,col=5,title=BC302::overlaps\n"
        "::warning file=a.yaml,line=12,col=5,title=BC302::overlaps\n"
        "::notice file=a.yaml,line=12,col=5,title=BC302::overlaps\n"
        "1 file checked: 1 error, 1 warning, 1 info\n"
    )


def test_a_message_cannot_start_a_command_of_its_own() -> None:
    hostile = "bad value\n::error file=x.yaml,line=1::forged\r\n::set-output name=a::b 100%"
    line = annotation(finding(message=hostile))
    assert line == (
        "::error file=a.yaml,line=12,col=5,title=BC302::bad value%0A::error file=x.yaml,"
        "line=1::forged%0D%0A::set-output name=a::b 100%25"
    )
    assert "\n" not in line and "\r" not in line


def test_a_path_cannot_add_or_end_properties() -> None:
    line = annotation(finding(path="dir,line=99:x/a%0A.yaml\n::error::x"))
    properties = line.split("::")[1]
    assert properties == (
        "error file=dir%2Cline=99%3Ax/a%250A.yaml%0A%3A%3Aerror%3A%3Ax,line=12,col=5,title=BC302"
    )
    assert properties.count(",") == 3


def test_escaping_decodes_back_to_the_original() -> None:
    original = "50% off:\r\n a,b"
    decode = {"%0D": "\r", "%0A": "\n", "%3A": ":", "%2C": ",", "%25": "%"}

    def unescape(text: str) -> str:  # one pass, as the Actions runner decodes
        return re.sub("%0D|%0A|%3A|%2C|%25", lambda match: decode[match.group()], text)

    assert unescape(escape_property(original)) == original
    assert unescape(escape_data(original)) == original
    assert escape_data(original) == "50%25 off:%0D%0A a,b"
