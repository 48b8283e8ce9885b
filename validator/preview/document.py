"""The preview document (SPEC "Preview JSON"): lines grouped into bills, as plain data.

This is the one shape every output format starts from: `--format json` writes it as is,
the text, Markdown and HTML renderers receive it. Amounts and quantities are decimal
strings; bills are sorted by account code then bill date; zero lines are left out and an
account with no lines on a date gets no bill.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from fractions import Fraction
from functools import lru_cache
from typing import Any, TextIO

from validator.findings import Finding
from validator.money import round_half_up
from validator.rating import BandLine

from .schedule import Window

PRORATION_PLACES = 6
TYPE_ORDER = {"STANDING_CHARGE": 0, "USAGE": 1, "MINIMUM_SPEND": 2}


@dataclass(slots=True)
class Line:
    """One bill line, already in its bill's currency and rounded."""

    account: str  # the account whose bill carries the line
    bill_date: date
    type: str
    product: str
    plan: str | None
    account_plan: str | None
    child_account: str | None
    aggregation: str | None
    pricing: str | None
    period: tuple[date, date]
    quantity: Decimal | None
    unit_price: Decimal | None
    bands: tuple[BandLine, ...] | None
    proration: Fraction | None
    amount: Decimal
    summary: str | None = None  # "target" / "joiner": PARENT_SUMMARY merging

    def merge_key(self) -> tuple[Any, ...]:
        """Lines merged into one PARENT_SUMMARY line share this key."""
        return (self.account, self.bill_date, self.product, self.type, self.aggregation,
                self.period)

    def merged(self, others: Sequence[Line]) -> Line:
        """This summary line with children's summary lines added: covers several accounts."""
        lines = (self, *others)
        amount = sum((line.amount for line in lines), Decimal(0))
        quantities = [line.quantity for line in lines if line.quantity is not None]
        return replace(
            self,
            child_account=None,
            plan=_common(line.plan for line in lines),
            account_plan=_common(line.account_plan for line in lines),
            pricing=_common(line.pricing for line in lines),
            quantity=sum(quantities, Decimal(0)) if len(quantities) == len(lines) else None,
            unit_price=_common(line.unit_price for line in lines),
            bands=None,
            proration=_common(line.proration for line in lines),
            amount=amount,
        )

    def sort_key(self) -> tuple[Any, ...]:
        """Order on a bill: service period, product, plan; then the standing charge, each
        aggregation's usage and pricing minimum, the plan's minimum; children after."""
        if self.type == "STANDING_CHARGE":
            group = 0
        elif self.type == "MINIMUM_SPEND" and self.aggregation is None:
            group = 2
        else:
            group = 1
        return (
            self.period, self.product, self.plan or "", self.account_plan or "", group,
            self.aggregation or "", TYPE_ORDER.get(self.type, 9),
            self.child_account is not None, self.child_account or "",
        )


def _common(values: Iterable[Any]) -> Any:
    """The value all lines share, else None."""
    distinct = set(values)
    return distinct.pop() if len(distinct) == 1 else None


class Preview:
    """A finished preview: the window, the warnings, and the lines grouped into bills.

    `document()` is the whole preview as plain data (what renderers receive);
    `write_json()` writes the same document a bill at a time.
    """

    def __init__(
        self,
        window: Window,
        warnings: Iterable[Finding],
        lines: Iterable[Line],
        currency_of: Callable[[str], str],
        accounts: set[str],
    ) -> None:
        self.window = window
        self.warnings = sorted(warnings, key=Finding.sort_key)
        self.currency_of = currency_of
        grouped: dict[tuple[str, date], list[Line]] = defaultdict(list)
        for line in lines:
            if line.amount != 0 and (not accounts or line.account in accounts):
                grouped[(line.account, line.bill_date)].append(line)
        self.bills = {key: grouped[key] for key in sorted(grouped)}

    def head(self) -> dict[str, Any]:
        """Everything but the bills."""
        return {
            "from": self.window.start.isoformat(),
            "to": self.window.end.isoformat(),
            "warnings": [finding.to_dict() for finding in self.warnings],
        }

    def bill_dicts(self) -> Iterator[dict[str, Any]]:
        """The bills in order (account code, then bill date), made one at a time."""
        for (account, bill_date), lines in self.bills.items():
            yield bill_dict(account, bill_date, self.currency_of(account), lines)

    def document(self) -> dict[str, Any]:
        """The preview document: from, to, warnings and bills."""
        return {**self.head(), "bills": list(self.bill_dicts())}

    def write_json(self, out: TextIO) -> None:
        """The document as JSON: one key per line, and each warning or bill on one line.

        Still one JSON document, written a bill at a time by the C encoder, so a year of
        bills for thousands of accounts is neither slow nor held in memory as text.
        """
        out.write("{")
        for key, value in self.head().items():
            out.write(f"\n  {json.dumps(key)}: ")
            if isinstance(value, list):
                _write_items(out, value)
            else:
                out.write(_json(value))
            out.write(",")
        out.write('\n  "bills": ')
        _write_items(out, self.bill_dicts())
        out.write("\n}\n")


def _write_items(out: TextIO, items: Iterable[Any]) -> None:
    """A JSON array with one item per line."""
    separator = "["
    for item in items:
        out.write(f"{separator}\n    {_json(item)}")
        separator = ","
    out.write("[]" if separator == "[" else "\n  ]")


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def bill_dict(account: str, bill_date: date, currency: str, lines: list[Line]) -> dict[str, Any]:
    """One bill: its lines in order, the total the sum of their rounded amounts."""
    total = sum((line.amount for line in lines), Decimal(0))
    return {
        "account": account,
        "billDate": _iso(bill_date),
        "currency": currency,
        "total": f"{total:f}",
        "lineItems": [line_dict(line) for line in sorted(lines, key=Line.sort_key)],
    }


def line_dict(line: Line) -> dict[str, Any]:
    """One line item; every key is always present (null where it does not apply)."""
    return {
        "type": line.type,
        "product": line.product,
        "plan": line.plan,
        "accountPlan": line.account_plan,
        "childAccount": line.child_account,
        "aggregation": line.aggregation,
        "pricing": line.pricing,
        "servicePeriod": {"start": _iso(line.period[0]), "end": _iso(line.period[1])},
        "quantity": _plain(line.quantity),
        "unitPrice": _plain(line.unit_price),
        "bands": None if line.bands is None else [_band_dict(band) for band in line.bands],
        "prorationFactor": None if line.proration is None else proration_text(line.proration),
        "amount": f"{line.amount:f}",
    }


def _band_dict(band: BandLine) -> dict[str, str | None]:
    return {
        "lowerLimit": _plain(band.lower_limit),
        "units": _plain(band.units),
        "unitPrice": _plain(band.unit_price),
        "fixedPrice": _plain(band.fixed_price),
        "amount": _plain(band.amount),
    }


def proration_text(factor: Fraction) -> str:
    """The proration factor rounded half up to 6 places, without trailing zeros: `0.451613`."""
    return _plain(round_half_up(factor, PRORATION_PLACES)) or "0"


@lru_cache(maxsize=4096)
def _iso(day: date) -> str:
    """ISO text of a date; a year of bills repeats the same few hundred dates."""
    return day.isoformat()


def _plain(number: Decimal | None) -> str | None:
    """A decimal string without exponent or trailing zeros: `150`, `0.5`, `-2.25`."""
    if number is None:
        return None
    if number == 0:
        return "0"
    text = f"{number:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text

