"""The monthly-totals chart of the HTML preview: bar geometry computed here, drawn by a template.

One chart per currency: a group of bars per month (the month of the bill date), one bar
per account, its height the sum of that account's bill totals dated in that month. Every
coordinate is computed here and handed to the template as a string of pixels, so the
template only places `<rect>` and `<text>` elements.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from fractions import Fraction
from typing import Any

from ..money import EXACT, format_amount, round_half_up

# Okabe–Ito colours: distinguishable with the common colour-vision deficiencies.
PALETTE = ("#0072b2", "#e69f00", "#009e73", "#d55e00", "#cc79a7", "#56b4e9", "#8c6d31", "#666666")

PLOT_HEIGHT = 200
BAR_WIDTH = 24
BAR_GAP = 4
GROUP_GAP = 28
CHAR_WIDTH = 6  # the labels use a 10px monospace font: about 6px per character
LABEL_PAD = 4
MONTH_LABEL_HEIGHT = 18
MARGIN = 8
TICK_COUNT = 4


@dataclass(frozen=True)
class BillTotal:
    """One bill as the chart sees it: whose, in which month and currency, for how much."""

    account: str
    month: str  # YYYY-MM of the bill date
    currency: str
    total: Decimal


def account_colour(index: int) -> str:
    """The colour of the account at `index` (0-based, accounts sorted as in the preview)."""
    if index < len(PALETTE):
        return PALETTE[index]
    hue = (index * 137.508) % 360  # golden angle: successive hues stay far apart
    return f"hsl({hue:.0f}, 60%, 42%)"


def charts(totals: Iterable[BillTotal], colours: dict[str, str]) -> list[dict[str, Any]]:
    """One chart view per currency (sorted by currency code) of the monthly bill totals."""
    by_currency: dict[str, list[BillTotal]] = {}
    for bill in totals:
        by_currency.setdefault(bill.currency, []).append(bill)
    return [_chart(currency, by_currency[currency], colours) for currency in sorted(by_currency)]


def _chart(currency: str, bills: Sequence[BillTotal], colours: dict[str, str]) -> dict[str, Any]:
    accounts = list(dict.fromkeys(bill.account for bill in bills))
    months = _month_range(min(b.month for b in bills), max(b.month for b in bills))
    sums = _monthly_sums(bills)
    scale = _Scale.fit(min(sums.values()), max(sums.values()))
    labels = {key: format_amount(value, currency) for key, value in sums.items()}
    layout = _Layout.of(scale, accounts, months, labels)
    return {
        "currency": currency,
        "title": f"Monthly bill totals in {currency}",
        "width": _px(layout.width),
        "height": _px(layout.height),
        "grid_x1": _px(layout.plot_left),
        "grid_x2": _px(layout.width - MARGIN),
        "baseline_y": _px(layout.y(Decimal(0))),
        "ticks": [_tick(layout, value) for value in scale.ticks()],
        "months": [_month_label(layout, index, month) for index, month in enumerate(months)],
        "bars": [
            _bar(layout, index, account, sums[(account, month)], labels[(account, month)])
            | {"month": month, "colour": colours[account]}
            for index, month in enumerate(months)
            for account in accounts
            if (account, month) in sums
        ],
        "legend": [{"account": account, "colour": colours[account]} for account in accounts],
        "table": {
            "accounts": accounts,
            "rows": [
                {"month": month, "amounts": [labels.get((a, month), "") for a in accounts]}
                for month in months
            ],
        },
    }


def _monthly_sums(bills: Iterable[BillTotal]) -> dict[tuple[str, str], Decimal]:
    sums: dict[tuple[str, str], Decimal] = {}
    for bill in bills:
        key = (bill.account, bill.month)
        sums[key] = EXACT.add(sums.get(key, Decimal(0)), bill.total)
    return sums


def _month_range(first: str, last: str) -> list[str]:
    """Every YYYY-MM from `first` to `last` inclusive, so empty months keep their place."""
    year, month = int(first[:4]), int(first[5:7])
    months = []
    while f"{year:04d}-{month:02d}" <= last:
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


@dataclass(frozen=True)
class _Scale:
    """The value axis: from `low` to `high` (both multiples of `step`, 0 between them)."""

    low: Decimal
    high: Decimal
    step: Decimal

    @classmethod
    def fit(cls, smallest: Decimal, largest: Decimal) -> _Scale:
        low, high = min(smallest, Decimal(0)), max(largest, Decimal(0))
        if low == high:
            high = Decimal(1)
        step = _nice_step((high - low) / TICK_COUNT)
        return cls(
            low=(low / step).to_integral_value(ROUND_FLOOR) * step + 0,
            high=(high / step).to_integral_value(ROUND_CEILING) * step + 0,
            step=step,
        )

    def ticks(self) -> list[Decimal]:
        count = int((self.high - self.low) / self.step)
        return [self.low + self.step * i for i in range(count + 1)]


def _nice_step(raw: Decimal) -> Decimal:
    """The smallest of 1, 2, 2.5, 5 × 10^k that is at least `raw`."""
    magnitude = Decimal(1).scaleb(raw.adjusted())
    for factor in (Decimal(1), Decimal(2), Decimal("2.5"), Decimal(5)):
        if magnitude * factor >= raw:
            return magnitude * factor
    return magnitude * 10


@dataclass(frozen=True)
class _Layout:
    """Where everything goes: margins sized to the longest labels, one group per month."""

    scale: _Scale
    accounts: Sequence[str]
    plot_left: Fraction
    plot_top: Fraction
    month_label_y: Fraction
    width: Fraction
    height: Fraction

    @classmethod
    def of(
        cls,
        scale: _Scale,
        accounts: Sequence[str],
        months: Sequence[str],
        labels: dict[tuple[str, str], str],
    ) -> _Layout:
        tick_chars = max(len(_plain(value)) for value in scale.ticks())
        above = max((len(text) for text in labels.values() if not text.startswith("-")), default=0)
        below = max((len(text) for text in labels.values() if text.startswith("-")), default=0)
        plot_left = Fraction(MARGIN + tick_chars * CHAR_WIDTH + LABEL_PAD * 2)
        plot_top = Fraction(MARGIN + above * CHAR_WIDTH + LABEL_PAD)
        plot_bottom = plot_top + PLOT_HEIGHT
        month_label_y = plot_bottom + below * CHAR_WIDTH + LABEL_PAD + 12
        group = _group_width(len(accounts))
        return cls(
            scale=scale,
            accounts=accounts,
            plot_left=plot_left,
            plot_top=plot_top,
            month_label_y=month_label_y,
            width=plot_left + GROUP_GAP + len(months) * (group + GROUP_GAP) + MARGIN,
            height=month_label_y + MONTH_LABEL_HEIGHT - 12 + MARGIN,
        )

    def y(self, value: Decimal) -> Fraction:
        """The vertical pixel position of `value` on the axis."""
        span = Fraction(self.scale.high - self.scale.low)
        return self.plot_top + (Fraction(self.scale.high) - Fraction(value)) / span * PLOT_HEIGHT

    def group_left(self, month_index: int) -> Fraction:
        """The left edge of the bars of the month at `month_index`."""
        group = _group_width(len(self.accounts))
        return self.plot_left + GROUP_GAP + month_index * (group + GROUP_GAP)

    def bar_left(self, month_index: int, account: str) -> Fraction:
        """The left edge of `account`'s bar in the month at `month_index`."""
        return self.group_left(month_index) + self.accounts.index(account) * (BAR_WIDTH + BAR_GAP)


def _group_width(accounts: int) -> int:
    return accounts * BAR_WIDTH + (accounts - 1) * BAR_GAP


def _tick(layout: _Layout, value: Decimal) -> dict[str, str]:
    return {
        "label": _plain(value),
        "y": _px(layout.y(value)),
        "label_x": _px(layout.plot_left - LABEL_PAD),
    }


def _month_label(layout: _Layout, index: int, month: str) -> dict[str, str]:
    centre = layout.group_left(index) + Fraction(_group_width(len(layout.accounts)), 2)
    return {"label": month, "x": _px(centre), "y": _px(layout.month_label_y)}


def _bar(
    layout: _Layout, month_index: int, account: str, value: Decimal, label: str
) -> dict[str, str]:
    left = layout.bar_left(month_index, account)
    zero, top = layout.y(Decimal(0)), layout.y(value)
    negative = value < 0
    return {
        "account": account,
        "amount": label,
        "x": _px(left),
        "y": _px(min(zero, top)),
        "width": _px(Fraction(BAR_WIDTH)),
        "height": _px(abs(top - zero)),
        # The value is written vertically just past the bar's end (below a negative bar).
        "label_x": _px(left + Fraction(BAR_WIDTH, 2)),
        "label_y": _px(top + LABEL_PAD if negative else top - LABEL_PAD),
        "label_anchor": "end" if negative else "start",
    }


def _plain(value: Decimal) -> str:
    """A tick value without exponent or trailing zeros: `250`, `2.5`, `-100`."""
    return f"{(value.normalize() + 0):f}"


def _px(value: Fraction | int) -> str:
    """A pixel coordinate to one decimal place, as SVG wants it."""
    return f"{round_half_up(Fraction(value), 1):f}"
