"""Rendering bill previews as text, Markdown and HTML (SPEC §4 "Preview JSON", docs/templates.md).

The golden files in tests/golden/ are the rendering of tests/golden/preview_document.json,
a hand-built document with pooled parent/child lines, a PARENT_SUMMARY line, JPY amounts,
warnings and hostile account names. Regenerate them with `UPDATE_GOLDEN=1 pytest
tests/test_preview_render.py` and review the diff.
"""

from __future__ import annotations

import copy
import json
import os
import re
import shutil
import subprocess
from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from validator.preview.chart import BillTotal, charts
from validator.preview.render import TemplateFailure, escape_markdown, render
from validator.preview.view_model import display_width

GOLDEN = Path(__file__).parent / "golden"
HOSTILE_ACCOUNTS = ["::error::", "<script>alert(1)</script>", "`whoami`", "|"]


def document() -> dict[str, Any]:
    """A fresh copy of the hand-built preview document."""
    return json.loads((GOLDEN / "preview_document.json").read_text(encoding="utf-8"))


def write(path: Path, text: str) -> str:
    path.write_text(text, encoding="utf-8")
    return str(path)


@pytest.mark.parametrize(("fmt", "golden"), [("text", "preview.txt"), ("markdown", "preview.md"),
                                             ("html", "preview.html")])
def test_rendering_matches_the_golden_file(fmt: str, golden: str) -> None:
    rendered = render(document(), fmt)
    path = GOLDEN / golden
    if os.environ.get("UPDATE_GOLDEN") == "1":
        path.write_text(rendered, encoding="utf-8", newline="")
    assert rendered == path.read_text(encoding="utf-8"), (
        f"{golden} differs; if the change is intended, run UPDATE_GOLDEN=1 pytest {__file__}"
    )


# --- text -------------------------------------------------------------------------------


def test_text_shows_warnings_before_the_bills_and_a_total_per_bill() -> None:
    text = render(document(), "text")
    assert text.index("Warnings:") < text.index("Account: ::error::")
    assert "  - accounts/acme.yaml:12:15: warning BC503 child account 'acme-eu'" in text
    assert "Account: tokyo   Bill date: 2025-02-01   Currency: JPY" in text
    assert re.search(r"^ +Total JPY  15284$", text, re.MULTILINE)
    assert re.search(r"^ +Total USD  227\.50$", text, re.MULTILINE)
    assert "Total for account acme: 302.50 USD" in text
    assert "Total of all bills: 10.96 EUR, 30.50 GBP, 25284 JPY, 525.40 USD" in text


def test_text_never_starts_a_line_with_a_value_a_ci_log_would_read_as_a_command() -> None:
    doc = document()
    doc["bills"][0]["account"] = "x\n::error::injected"
    text = render(doc, "text")
    assert not [line for line in text.splitlines() if line.lstrip().startswith("::")]
    assert "Account: x\\x0a::error::injected" in text
    assert "Account: ::error::   Bill date" in render(document(), "text")


def test_text_escapes_terminal_control_and_bidi_characters() -> None:
    doc = document()
    doc["bills"][3]["lineItems"][0]["product"] = "api\x1b[31mred\u202eevil"
    text = render(doc, "text")
    assert "\x1b" not in text and "\u202e" not in text
    assert "api\\x1b[31mred\\u202eevil" in text


def test_text_table_columns_line_up_with_wide_characters() -> None:
    doc = document()
    doc["bills"][8]["lineItems"][0]["product"] = "ストレージ"
    text = render(doc, "text")
    block = text[text.index("Account: tokyo   Bill date: 2025-02-01"):].splitlines()
    heading, first, second = block[1], block[3], block[4]
    assert "ストレージ" in first
    assert display_width(heading) == display_width(first) == display_width(second)
    period_column = {display_width(row[: row.index(start)]) for row, start in
                     [(heading, "Service period"), (first, "2025-01-15"), (second, "2025-01-15")]}
    assert len(period_column) == 1


def test_text_shows_the_band_breakdown_under_a_usage_line() -> None:
    text = render(document(), "text")
    assert "band 0-5: 5 x 7.00 + 10.00 fixed = 45.00" in text
    assert "band 10+: 15 x 6.00 = 90.00" in text


# --- markdown ---------------------------------------------------------------------------


def test_markdown_has_a_section_per_account_with_bill_and_account_totals() -> None:
    markdown = render(document(), "markdown")
    assert markdown.startswith("## Bill preview 2025-01-01 to 2025-03-01\n")
    assert "\n### acme\n" in markdown and "\n### tokyo\n" in markdown
    assert "#### Bill 2025-03-01 (USD)" in markdown
    assert "| **Bill total** | | | | | | | | **75.00 USD** |" in markdown
    assert "Account total: **302.50 USD**" in markdown
    assert "Account total: **25284 JPY**" in markdown
    assert markdown.index("**Warnings**") < markdown.index("### ")


def test_markdown_escapes_hostile_names_so_they_render_as_text() -> None:
    markdown = render(document(), "markdown")
    assert "\n### \\<script\\>alert(1)\\</script\\>\n" in markdown
    assert "\n### \\`whoami\\`\n" in markdown
    assert "\n### \\|\n" in markdown
    assert "| Usage | \\| | a\\|b |" in markdown
    assert "plan\\_\\*star\\*\\_\\[x\\](y)" in markdown
    assert "<script>" not in markdown and "<b>" not in markdown


def test_markdown_table_rows_keep_their_column_count_whatever_the_values() -> None:
    markdown = render(document(), "markdown")
    rows = [line for line in markdown.splitlines() if line.startswith("| ")]
    assert rows
    for row in rows:
        unescaped_pipes = re.findall(r"(?<!\\)\|", row)
        assert len(unescaped_pipes) == 10, row


@pytest.mark.parametrize(
    ("value", "escaped"),
    [
        ("a|b", "a\\|b"),
        ("`code`", "\\`code\\`"),
        ("<script>", "\\<script\\>"),
        ("*x* _y_ [z]", "\\*x\\* \\_y\\_ \\[z\\]"),
        ("a # b", "a \\# b"),
        ("$x$ ~~s~~ &amp;", "\\$x\\$ \\~\\~s\\~\\~ \\&amp;"),
        ("back\\slash", "back\\\\slash"),
        ("- item", "\\- item"),
        ("1. first", "1\\. first"),
        ("---", "\\---"),
        ("-5.00", "-5.00"),
        ("125.00", "125.00"),
        ("2025-01-01", "2025-01-01"),
        ("::error::", "::error::"),
    ],
)
def test_escape_markdown(value: str, escaped: str) -> None:
    assert escape_markdown(value) == escaped


# --- html -------------------------------------------------------------------------------


class _Page(HTMLParser):
    """The tags and the text of each h2 of an HTML page."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.headings: list[str] = []
        self._in_h2 = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        if tag == "h2":
            self._in_h2 = True
            self.headings.append("")

    def handle_endtag(self, tag: str) -> None:
        if tag == "h2":
            self._in_h2 = False

    def handle_data(self, data: str) -> None:
        if self._in_h2:
            self.headings[-1] += data


def test_html_escapes_every_hostile_value() -> None:
    page = _Page()
    page.feed(render(document(), "html"))
    assert "script" not in page.tags
    assert "b" not in page.tags  # the product named <b>api</b>
    for account in HOSTILE_ACCOUNTS:
        assert account in page.headings


def test_html_is_self_contained() -> None:
    html = render(document(), "html")
    assert not re.search(r"""(src|href)=["'](?!#)""", html), "only in-page links"
    assert "@import" not in html and "url(" not in html
    assert "Content-Security-Policy" in html


def test_html_chart_has_a_labelled_bar_per_account_and_month() -> None:
    html = render(document(), "html")
    assert html.count("<svg") == 4  # EUR, GBP, JPY, USD
    assert "<title>acme, 2025-02: 227.50 USD</title>" in html
    assert "<title>acme, 2025-03: 75.00 USD</title>" in html
    assert "<title>&lt;script&gt;alert(1)&lt;/script&gt;, 2025-02: 12.40 USD</title>" in html
    assert ">2025-03</text>" in html


# --- the chart's geometry ---------------------------------------------------------------


def test_chart_bars_are_as_tall_as_their_monthly_totals() -> None:
    bills = [
        BillTotal("acme", "2025-01", "USD", Decimal("100.00")),
        BillTotal("acme", "2025-01", "USD", Decimal("100.00")),
        BillTotal("beta", "2025-03", "USD", Decimal("50.00")),
    ]
    (chart,) = charts(bills, {"acme": "#111111", "beta": "#222222"})
    assert [tick["label"] for tick in chart["ticks"]] == ["0", "50", "100", "150", "200"]
    assert [month["label"] for month in chart["months"]] == ["2025-01", "2025-02", "2025-03"]
    heights = {(bar["account"], bar["month"]): Decimal(bar["height"]) for bar in chart["bars"]}
    assert heights == {("acme", "2025-01"): Decimal(200), ("beta", "2025-03"): Decimal(50)}
    assert chart["table"]["rows"][0]["amounts"] == ["200.00", ""]


def test_chart_draws_a_negative_month_below_the_baseline() -> None:
    bills = [BillTotal("acme", "2025-01", "USD", Decimal("-20.00")),
             BillTotal("acme", "2025-02", "USD", Decimal("80.00"))]
    (chart,) = charts(bills, {"acme": "#111111"})
    baseline = Decimal(chart["baseline_y"])
    negative, positive = chart["bars"]
    assert Decimal(negative["y"]) == baseline and Decimal(negative["height"]) > 0
    assert Decimal(positive["y"]) + Decimal(positive["height"]) == baseline
    assert chart["ticks"][0]["label"] == "-25"


# --- strictness, user templates and the sandbox -----------------------------------------


def test_a_document_missing_a_field_is_an_error_naming_it() -> None:
    doc = document()
    del doc["bills"][3]["lineItems"][1]["quantity"]
    missing = r"bills\[3\]\.lineItems\[1\] has no field 'quantity'"
    with pytest.raises(TemplateFailure, match=missing):
        render(doc, "text")


def test_a_malformed_amount_is_an_error_naming_it() -> None:
    doc = document()
    doc["bills"][0]["total"] = "twelve"
    with pytest.raises(TemplateFailure, match=r"bills\[0\]\.total is not a decimal number"):
        render(doc, "html")


def test_a_user_template_using_an_undefined_field_fails_naming_its_line(tmp_path: Path) -> None:
    text = "# Bills\n{% for bill in bills %}\n- {{ bill.totl }}\n{% endfor %}\n"
    template = write(tmp_path / "mine.md.j2", text)
    with pytest.raises(TemplateFailure) as failure:
        render(document(), "markdown", template)
    assert str(failure.value).startswith(f"{template}:3: undefined")
    assert "totl" in str(failure.value)


def test_a_user_template_with_a_syntax_error_fails_naming_file_and_line(tmp_path: Path) -> None:
    text = "one\n{% for bill in bills %}\n{{ bill.account }\n"
    template = write(tmp_path / "broken.txt.j2", text)
    with pytest.raises(TemplateFailure, match=rf"^{re.escape(template)}:3: syntax error"):
        render(document(), "text", template)


def test_the_sandbox_stops_a_user_template_reaching_python_internals(tmp_path: Path) -> None:
    template = write(tmp_path / "evil.txt.j2", "hello\n{{ ''.__class__.__mro__ }}\n")
    with pytest.raises(TemplateFailure, match=rf"^{re.escape(template)}:2: sandbox violation"):
        render(document(), "text", template)


def test_a_missing_user_template_fails(tmp_path: Path) -> None:
    with pytest.raises(TemplateFailure, match="no such template file"):
        render(document(), "text", str(tmp_path / "absent.j2"))


def test_a_user_template_that_is_not_utf8_fails(tmp_path: Path) -> None:
    path = tmp_path / "latin1.txt.j2"
    path.write_bytes(b"caf\xe9 {{ bills|length }}\n")
    not_utf8 = rf"^{re.escape(str(path))}: cannot read a template as UTF-8"
    with pytest.raises(TemplateFailure, match=not_utf8):
        render(document(), "text", str(path))


def test_a_user_template_renders_the_view_model_with_markdown_escaping(tmp_path: Path) -> None:
    template = write(
        tmp_path / "summary.md.j2",
        "{% for account in accounts %}\n"
        "- {{ account.code }}: {{ account.totals[0].amount }} {{ account.totals[0].currency }}\n"
        "{% endfor %}\n",
    )
    lines = render(document(), "markdown", template).splitlines()
    assert "- acme: 302.50 USD" in lines
    assert "- tokyo: 25284 JPY" in lines
    assert "- \\<script\\>alert(1)\\</script\\>: 12.40 USD" in lines


def test_a_user_html_template_is_autoescaped_and_can_extend_the_builtin_one(tmp_path: Path) -> None:
    template = write(
        tmp_path / "branded.html.j2",
        '{% extends "billcheck/preview.html.j2" %}\n'
        "{% block footer %}<footer>Reviewed by {{ accounts[1].code }}</footer>{% endblock %}\n",
    )
    html = render(document(), "html", template)
    assert "<footer>Reviewed by &lt;script&gt;alert(1)&lt;/script&gt;</footer>" in html
    assert "<h1>Bill preview</h1>" in html


def test_html_format_escapes_a_user_template_whatever_its_name(tmp_path: Path) -> None:
    template = write(tmp_path / "page.txt", "{{ accounts[1].code }}\n")
    assert render(document(), "html", template) == "&lt;script&gt;alert(1)&lt;/script&gt;\n"
    assert render(document(), "text", template) == "<script>alert(1)</script>\n"


def test_an_unknown_format_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown preview format 'pdf'"):
        render(document(), "pdf")


def test_no_bills_says_so_in_every_format() -> None:
    empty = {"from": "2025-01-01", "to": "2025-02-01", "bills": [], "warnings": []}
    for fmt in ("text", "markdown", "html"):
        assert "No bills in this window." in render(empty, fmt)


def test_rendering_leaves_the_document_unchanged() -> None:
    doc = document()
    before = copy.deepcopy(doc)
    render(doc, "html")
    assert doc == before


# --- in a real browser ------------------------------------------------------------------


def _chromium() -> str:
    binary = shutil.which("chromium") or shutil.which("chromium-browser")
    if binary is None:
        pytest.skip("no chromium binary installed: the headless-browser check of the HTML "
                    "preview needs it")
    return binary


def _headless(binary: str, profile: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [binary, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run",
         f"--user-data-dir={profile}", *args],
        capture_output=True, text=True, timeout=120, check=False,
    )


def test_the_html_preview_loads_in_a_headless_browser(tmp_path: Path) -> None:
    binary = _chromium()
    page = tmp_path / "preview.html"
    page.write_text(render(document(), "html"), encoding="utf-8")
    dumped = _headless(binary, tmp_path / "profile", "--dump-dom", page.as_uri())
    assert dumped.returncode == 0, dumped.stderr
    dom = dumped.stdout
    assert "<h1>Bill preview</h1>" in dom
    assert '<dd class="money" id="grand-total-USD">525.40</dd>' in dom
    assert '<dd class="money" id="grand-total-JPY">25284</dd>' in dom
    assert '<td class="num money bill-total">227.50 USD</td>' in dom
    assert '<td class="num money bill-total">15284 JPY</td>' in dom
    assert "&lt;script&gt;alert(1)&lt;/script&gt;</h2>" in dom
    assert "<script" not in dom
    assert "<title>acme, 2025-02: 227.50 USD</title>" in dom  # the inline SVG chart
    screenshot = tmp_path / "preview.png"
    shot = _headless(binary, tmp_path / "profile", "--window-size=1280,2000",
                     f"--screenshot={screenshot}", page.as_uri())
    assert shot.returncode == 0, shot.stderr
    assert screenshot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
