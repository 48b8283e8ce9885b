"""The view model of a bill preview: the Preview JSON document turned into plain template data.

Templates only format. Everything that takes arithmetic — account totals per currency,
grand totals, the chart's monthly totals and bar geometry, the text table's column
widths — is computed here. Every value a template prints is a string (never None, which
Jinja would print as `None`); a field the document lacks is an error, never a blank.
docs/templates.md lists every variable.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from ..money import EXACT, format_amount
from .chart import BillTotal, account_colour, charts

View = dict[str, Any]

TYPE_LABELS = {
    "STANDING_CHARGE": "Standing charge",
    "USAGE": "Usage",
    "MINIMUM_SPEND": "Minimum spend",
}

# The text table's columns: view-model field of a line → heading.
TEXT_COLUMNS = {
    "type": "Type",
    "product": "Product",
    "plan": "Plan",
    "child_account": "Account",
    "period": "Service period",
    "quantity": "Quantity",
    "proration_factor": "Proration",
    "amount": "Amount",
}
COLUMN_SEPARATOR = "  "

# Characters that reorder the text a reviewer sees (Trojan Source).
_BIDI_CONTROLS = frozenset(
    "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
)


class PreviewDocumentError(ValueError):
    """The preview document lacks a field the renderer needs, or a field has a malformed value."""


def build_view(document: Mapping[str, Any]) -> View:
    """The template context of a Preview JSON document (SPEC §4)."""
    root = "the document"
    window = {
        "start": _text(_field(document, "from", root)),
        "end": _text(_field(document, "to", root)),
    }
    bills = [_bill(bill, f"bills[{i}]") for i, bill in enumerate(_items(document, "bills", root))]
    _align_tables(bills)
    warnings = [
        _warning(warning, f"warnings[{i}]")
        for i, warning in enumerate(_items(document, "warnings", root, optional=True))
    ]
    accounts = _accounts(bills)
    colours = {account["code"]: account["colour"] for account in accounts}
    return {
        "window": window,
        "warnings": warnings,
        "bills": bills,
        "accounts": accounts,
        "totals": _totals_by_currency(bills),
        "charts": charts((_bill_total(bill) for bill in bills), colours),
    }


def _bill_total(bill: View) -> BillTotal:
    """A bill as the chart sees it: the month is the bill date's."""
    month = bill["bill_date"][:7]
    return BillTotal(bill["account"], month, bill["currency"], Decimal(bill["total"]))


def _bill(bill: Any, where: str) -> View:
    account = _text(_field(bill, "account", where))
    currency = _text(_field(bill, "currency", where))
    _decimal(_field(bill, "total", where), f"{where}.total")
    bill_date = _iso_date(_field(bill, "billDate", where), f"{where}.billDate")
    items = _items(bill, "lineItems", where)
    lines = [_line(line, f"{where}.lineItems[{i}]") for i, line in enumerate(items)]
    return {
        "account": account,
        "bill_date": bill_date,
        "currency": currency,
        "total": _text(bill["total"]),
        "lines": lines,
    }


def _line(line: Any, where: str) -> View:
    period = _field(line, "servicePeriod", where)
    start = _text(_field(period, "start", f"{where}.servicePeriod"))
    end = _text(_field(period, "end", f"{where}.servicePeriod"))
    kind = _text(_field(line, "type", where))
    child = _text(_field(line, "childAccount", where))
    unit_price = line.get("unitPrice") if isinstance(line, Mapping) else None
    band_items = _items(line, "bands", where, optional=True)
    bands = [_band(band, f"{where}.bands[{i}]") for i, band in enumerate(band_items)]
    for band, following in zip(bands, bands[1:], strict=False):
        band["upper_limit"] = following["lower_limit"]
    _decimal(_field(line, "amount", where), f"{where}.amount")
    return {
        "type": kind,
        "type_label": TYPE_LABELS.get(kind, kind),
        "product": _text(_field(line, "product", where)),
        "plan": _text(_field(line, "plan", where)),
        "account_plan": _text(_field(line, "accountPlan", where)),
        "child_account": child,
        "is_child_line": bool(child),
        "service_period": {"start": start, "end": end},
        "period": f"{start}..{end}",
        "quantity": _text(_field(line, "quantity", where)),
        "proration_factor": _text(_field(line, "prorationFactor", where)),
        "unit_price": _text(unit_price),
        "bands": bands,
        "amount": _text(line["amount"]),
    }


def _band(band: Any, where: str) -> View:
    fixed = _decimal(_field(band, "fixedPrice", where), f"{where}.fixedPrice")
    return {
        "lower_limit": _text(_field(band, "lowerLimit", where)),
        "upper_limit": "",
        "units": _text(_field(band, "units", where)),
        "unit_price": _text(_field(band, "unitPrice", where)),
        "fixed_price": _text(band["fixedPrice"]),
        "has_fixed_price": fixed != 0,
        "amount": _text(_field(band, "amount", where)),
    }


def _warning(warning: Any, where: str) -> View:
    view = {key: _text(_field(warning, key, where))
            for key in ("rule", "severity", "message", "path", "line", "column")}
    view["location"] = f"{view['path']}:{view['line']}:{view['column']}"
    view["hint"] = _text(warning.get("hint"))
    return view


def _accounts(bills: Sequence[View]) -> list[View]:
    """The billed accounts in the document's order (by code), each with its bills and totals."""
    by_account: dict[str, list[View]] = {}
    for bill in bills:
        by_account.setdefault(bill["account"], []).append(bill)
    return [
        {
            "code": code,
            "anchor": f"account-{index + 1}",
            "colour": account_colour(index),
            "bills": account_bills,
            "totals": _totals_by_currency(account_bills),
        }
        for index, (code, account_bills) in enumerate(by_account.items())
    ]


def _totals_by_currency(bills: Iterable[View]) -> list[View]:
    """`[{currency, amount}]`: the sum of the bills' totals per currency, by currency code."""
    sums: dict[str, Decimal] = {}
    for bill in bills:
        currency = bill["currency"]
        sums[currency] = EXACT.add(sums.get(currency, Decimal(0)), Decimal(bill["total"]))
    return [{"currency": c, "amount": format_amount(sums[c], c)} for c in sorted(sums)]


def _align_tables(bills: Sequence[View]) -> None:
    """Give every bill the same text column widths, so all the tables line up.

    A column is as wide as its heading and its widest cell in any bill; the table is as
    wide as its columns, or as its widest total line.
    """
    lines = [line for bill in bills for line in bill["lines"]]
    widths = {
        field: max([display_width(heading)] + [display_width(line[field]) for line in lines])
        for field, heading in TEXT_COLUMNS.items()
    }
    columns_width = sum(widths.values()) + len(COLUMN_SEPARATOR) * (len(widths) - 1)
    table_width = max([columns_width] + [display_width(_total_line(bill)) for bill in bills])
    for bill in bills:
        bill["column_widths"] = widths
        bill["table_width"] = table_width


def _total_line(bill: View) -> str:
    """The text template's total line (`Total USD  125.00`), to size the table for it."""
    return f"Total {bill['currency']}{COLUMN_SEPARATOR}{bill['total']}"


def display_width(text: str) -> int:
    """How many terminal cells `text` takes: a wide East Asian character 2, a combining mark 0."""
    return sum(_char_width(char) for char in text)


def _char_width(char: str) -> int:
    if unicodedata.combining(char) or unicodedata.category(char) in ("Mn", "Me", "Cf"):
        return 0
    return 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1


def printable(text: str) -> str:
    """`text` with control, line-separator and bidi-override characters written as escapes.

    A code or message can then neither break a table row, start a new line (where a CI log
    would read `::error::` as a command), nor reorder what a reviewer sees.
    """
    return "".join(_escape_char(char) for char in text)


def _escape_char(char: str) -> str:
    if unicodedata.category(char) in ("Cc", "Zl", "Zp") or char in _BIDI_CONTROLS:
        code = ord(char)
        return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"
    return char


def _text(value: object) -> str:
    """A document value as printable text; null is the empty string."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return printable(str(value))


def _field(container: Any, key: str, where: str) -> Any:
    if not isinstance(container, Mapping):
        raise PreviewDocumentError(f"preview document: {where} is not an object")
    if key not in container:
        raise PreviewDocumentError(f"preview document: {where} has no field {key!r}")
    return container[key]


def _items(container: Any, key: str, where: str, *, optional: bool = False) -> list[Any]:
    """The list under `key`; an optional one that is absent or null is empty."""
    if optional and isinstance(container, Mapping) and container.get(key) is None:
        return []
    value = _field(container, key, where)
    if not isinstance(value, list):
        raise PreviewDocumentError(f"preview document: {key} of {where} is not a list")
    return value


def _iso_date(value: object, where: str) -> str:
    """A YYYY-MM-DD string, checked, or an error naming where it is."""
    if isinstance(value, str):
        try:
            return date.fromisoformat(value).isoformat()
        except ValueError:
            pass
    raise PreviewDocumentError(
        f"preview document: {where} is not a date written YYYY-MM-DD: {value!r}"
    )


def _decimal(value: object, where: str) -> Decimal:
    """A decimal string (or number) as a Decimal, or an error naming where it is."""
    if isinstance(value, (str, int)) and not isinstance(value, bool):
        try:
            number = Decimal(value)
        except InvalidOperation:
            pass
        else:
            if number.is_finite():
                return number
    raise PreviewDocumentError(f"preview document: {where} is not a decimal number: {value!r}")
