"""Bill previews of a config with hostile codes render them as text, through the real CLI.

Codes may hold markup (`<img src=x onerror=...>`), Markdown (`](javascript:...)`, `|`) and
CI commands; the same tree with plain codes is rendered too, and the hostile preview must
have exactly the benign one's structure: the same HTML elements and attributes, the same
Markdown table cells and headings, the same number of lines.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import Path

import pytest

Process = Callable[..., "subprocess.CompletedProcess[str]"]

HOSTILE = {
    "PRODUCT": "<script>alert(1)</script>|x",
    "TEMPLATE": "t|1 **bold**",
    "PLAN": "<img src=x onerror=alert(1)>",
    "ACCOUNT": "acme](javascript:alert(1))",
    "ATTACHMENT": "::error::x ##vso[task.complete]",
}
BENIGN = {name: name.lower() for name in HOSTILE}
CONFIG = """\
organization: {currency: USD}
products:
  - {code: "PRODUCT", name: Product}
planTemplates:
  - {code: "TEMPLATE", name: T, product: "PRODUCT", currency: USD, billFrequency: MONTHLY,
     standingCharge: 10}
plans:
  - {code: "PLAN", name: Plan, planTemplate: "TEMPLATE"}
accounts:
  - {code: "ACCOUNT", name: Acme, emailAddress: a@b.example}
accountPlans:
  - {code: "ATTACHMENT", account: "ACCOUNT", plan: "PLAN", startDate: 2025-01-01}
"""


class Elements(HTMLParser):
    """Every start tag with its attribute names, and every attribute value."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, tuple[str, ...]]] = []
        self.values: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, tuple(sorted(name for name, _ in attrs))))
        self.values.extend(value or "" for _, value in attrs)


def preview(process: Process, root: Path, codes: dict[str, str], fmt: str) -> str:
    config = CONFIG
    for placeholder, code in codes.items():
        config = config.replace(f'"{placeholder}"', '"' + code.replace('"', '\\"') + '"')
    (root / "config.yaml").write_text(config, encoding="utf-8")
    result = process("preview", "config.yaml", "--from", "2025-01-01", "--to", "2025-02-01",
                     "--format", fmt, cwd=root, timeout=60)
    assert result.returncode == 0 and "Traceback" not in result.stderr, result.stderr
    return result.stdout


@pytest.fixture
def render(tmp_path: Path, billcheck_process: Process) -> Callable[[str, bool], str]:
    def run(fmt: str, hostile: bool) -> str:
        return preview(billcheck_process, tmp_path, HOSTILE if hostile else BENIGN, fmt)

    return run


def test_html_gets_no_element_or_attribute_from_a_code(
    render: Callable[[str, bool], str]
) -> None:
    hostile, benign = Elements(), Elements()
    hostile.feed(render("html", True))
    benign.feed(render("html", False))
    assert hostile.tags == benign.tags
    assert not any(value.lower().startswith("javascript:") for value in hostile.values)
    assert "&lt;img src=x onerror=alert(1)&gt;" in render("html", True)


def unescaped_pipes(line: str) -> int:
    return len(re.findall(r"(?<!\\)\|", line))


def test_markdown_keeps_its_table_cells_links_and_headings(
    render: Callable[[str, bool], str]
) -> None:
    hostile = render("markdown", True).splitlines()
    benign = render("markdown", False).splitlines()
    assert len(hostile) == len(benign)
    for shown, plain in zip(hostile, benign, strict=True):
        assert unescaped_pipes(shown) == unescaped_pipes(plain), shown
        assert shown.startswith("#") == plain.startswith("#")
        assert not re.search(r"(?<!\\)<", shown), shown
        assert not re.search(r"(?<!\\)\]\(", shown), shown


def test_text_keeps_one_line_per_row_and_no_ci_command_starts_a_line(
    render: Callable[[str, bool], str]
) -> None:
    hostile = render("text", True).splitlines()
    assert len(hostile) == len(render("text", False).splitlines())
    assert not any(line.lstrip().startswith("::") for line in hostile)
