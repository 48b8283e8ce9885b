"""Rating arithmetic for the bill preview (SPEC §4 items 8–11): pure functions, no I/O.

Aggregating a period's usage rows, turning the raw figure into billable units, pricing
units through bands (tiered or volume), the minimum-spend top-up, and splitting a pooled
charge across the accounts of a hierarchy. Amounts stay exact (unrounded) until a line's
final amount; only `apportion` rounds, because its shares are final line amounts.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import (
    MAX_EMAX,
    MIN_EMIN,
    ROUND_HALF_UP,
    Context,
    Decimal,
    DivisionByZero,
    InvalidOperation,
    Overflow,
)
from fractions import Fraction
from itertools import pairwise

from validator.money import EXACT, Amount, round_half_up, round_money

AGGREGATION_FUNCTIONS = ("SUM", "MIN", "MAX", "COUNT", "LATEST", "MEAN", "UNIQUE")
ROUNDING_MODES = ("UP", "DOWN", "NEAREST", "NONE")

# Significant digits of a quotient that may not terminate (a MEAN, a NONE-rounded
# quantityPerUnit division); every terminating quotient of realistic data fits.
QUOTIENT_DIGITS = 50
_QUOTIENT = Context(
    prec=QUOTIENT_DIGITS,
    Emax=MAX_EMAX,
    Emin=MIN_EMIN,
    rounding=ROUND_HALF_UP,
    traps=[InvalidOperation, DivisionByZero, Overflow],
)
_ZERO = Decimal(0)


@dataclass(frozen=True)
class Band:
    """One pricing band: it starts at `lower_limit` and prices units at `unit_price`."""

    lower_limit: Decimal
    unit_price: Decimal
    fixed_price: Decimal = _ZERO


@dataclass(frozen=True)
class BandLine:
    """How one band contributed to a charge, for the preview's band breakdown."""

    lower_limit: Decimal
    units: Decimal
    unit_price: Decimal
    fixed_price: Decimal
    amount: Decimal


@dataclass(frozen=True)
class BandCharge:
    """A quantity's charge through a set of bands: the exact amount and its breakdown."""

    amount: Decimal
    breakdown: tuple[BandLine, ...]


def band_charge(quantity: Decimal, bands: Sequence[Band], cumulative: bool) -> BandCharge:
    """Price `quantity` through `bands` (SPEC §4.9); the amount is exact, not rounded.

    Band i is reached when quantity > its lower limit, so a quantity equal to a lower
    limit stays in the band below. Tiered (`cumulative`): each reached band prices the
    units between its lower limit and the next band's (or the quantity) plus its fixed
    price once. Volume: the highest reached band prices every unit plus its fixed price.
    A quantity of 0 (or below) reaches no band and costs 0. Raises ValueError when the
    lower limits are not strictly increasing.
    """
    _check_increasing(bands)
    reached = sum(1 for band in bands if quantity > band.lower_limit)
    if reached == 0:
        return BandCharge(_ZERO, ())
    if cumulative:
        lines = _tiered_lines(quantity, bands[:reached])
    else:
        lines = (_band_line(bands[reached - 1], quantity),)
    amount = _ZERO
    for line in lines:
        amount = EXACT.add(amount, line.amount)
    return BandCharge(amount, lines)


def _check_increasing(bands: Sequence[Band]) -> None:
    """Refuse bands whose lower limits are not strictly increasing (BC601's condition)."""
    for lower, upper in pairwise(bands):
        if upper.lower_limit <= lower.lower_limit:
            raise ValueError(
                f"pricing band lower limits must increase: {upper.lower_limit} "
                f"follows {lower.lower_limit}"
            )


def _tiered_lines(quantity: Decimal, reached: Sequence[Band]) -> tuple[BandLine, ...]:
    """One line per reached band: its units run up to the next band's lower limit.

    The highest reached band's units run up to the quantity, which does not pass the
    lower limit of the band after it (if any).
    """
    uppers = [band.lower_limit for band in reached[1:]] + [quantity]
    return tuple(
        _band_line(band, EXACT.subtract(upper, band.lower_limit))
        for band, upper in zip(reached, uppers, strict=True)
    )


def _band_line(band: Band, units: Decimal) -> BandLine:
    """`units` priced in `band`: units × unit price plus the band's fixed price."""
    amount = EXACT.add(EXACT.multiply(units, band.unit_price), band.fixed_price)
    return BandLine(band.lower_limit, units, band.unit_price, band.fixed_price, amount)


def span_charge(
    quantity_before: Decimal,
    quantity_in_period: Decimal,
    bands: Sequence[Band],
    cumulative: bool,
) -> Decimal:
    """A tiersSpanPlan period's charge: the cumulative charge at its end minus at its start.

    `quantity_before` is the plan's usage from its start up to the period (including
    usage before the preview window); the result is exact, not rounded.
    """
    quantity_after = EXACT.add(quantity_before, quantity_in_period)
    end = band_charge(quantity_after, bands, cumulative).amount
    start = band_charge(quantity_before, bands, cumulative).amount
    return EXACT.subtract(end, start)


class Accumulator(ABC):
    """Streaming aggregation of one period's usage rows for one aggregation function.

    Create one with `Accumulator.for_function("SUM")`, feed rows with `add(timestamp,
    value)` in any order, read `result()`. Every function gives `Decimal(0)` for no rows.
    Only LATEST looks at timestamps; all timestamps fed to one accumulator must be
    comparable (all naive or all aware).
    """

    __slots__ = ()

    @staticmethod
    def for_function(function: str) -> Accumulator:
        """A fresh accumulator for `function` (one of AGGREGATION_FUNCTIONS)."""
        try:
            accumulator_class = _ACCUMULATORS[function]
        except KeyError:
            raise ValueError(
                f"unknown aggregation {function!r}; expected one of "
                f"{', '.join(AGGREGATION_FUNCTIONS)}"
            ) from None
        return accumulator_class()

    @abstractmethod
    def add(self, timestamp: datetime, value: Decimal) -> None:
        """Take one usage row into the aggregate."""

    @abstractmethod
    def result(self) -> Decimal:
        """The aggregate of the rows added so far."""


class SumAccumulator(Accumulator):
    """SUM: the exact total of the values."""

    __slots__ = ("_total",)

    def __init__(self) -> None:
        self._total = _ZERO

    def add(self, timestamp: datetime, value: Decimal) -> None:
        """Add the value to the total."""
        self._total = EXACT.add(self._total, value)

    def result(self) -> Decimal:
        """The total."""
        return self._total


class CountAccumulator(Accumulator):
    """COUNT: the number of rows, whatever their values."""

    __slots__ = ("_count",)

    def __init__(self) -> None:
        self._count = 0

    def add(self, timestamp: datetime, value: Decimal) -> None:
        """Count the row."""
        self._count += 1

    def result(self) -> Decimal:
        """The number of rows."""
        return Decimal(self._count)


class MinAccumulator(Accumulator):
    """MIN: the smallest value."""

    __slots__ = ("_smallest",)

    def __init__(self) -> None:
        self._smallest: Decimal | None = None

    def add(self, timestamp: datetime, value: Decimal) -> None:
        """Keep the value when it is the smallest so far."""
        if self._smallest is None or value < self._smallest:
            self._smallest = value

    def result(self) -> Decimal:
        """The smallest value, 0 without rows."""
        return _ZERO if self._smallest is None else self._smallest


class MaxAccumulator(Accumulator):
    """MAX: the largest value."""

    __slots__ = ("_largest",)

    def __init__(self) -> None:
        self._largest: Decimal | None = None

    def add(self, timestamp: datetime, value: Decimal) -> None:
        """Keep the value when it is the largest so far."""
        if self._largest is None or value > self._largest:
            self._largest = value

    def result(self) -> Decimal:
        """The largest value, 0 without rows."""
        return _ZERO if self._largest is None else self._largest


class LatestAccumulator(Accumulator):
    """LATEST: the value of the row with the latest timestamp; ties go to the row added last."""

    __slots__ = ("_at", "_value")

    def __init__(self) -> None:
        self._at: datetime | None = None
        self._value = _ZERO

    def add(self, timestamp: datetime, value: Decimal) -> None:
        """Keep the row when it is at least as late as the latest so far."""
        if self._at is None or timestamp >= self._at:
            self._at = timestamp
            self._value = value

    def result(self) -> Decimal:
        """The latest row's value, 0 without rows."""
        return self._value


class MeanAccumulator(Accumulator):
    """MEAN: the exact total divided by the row count, to QUOTIENT_DIGITS significant digits."""

    __slots__ = ("_count", "_total")

    def __init__(self) -> None:
        self._total = _ZERO
        self._count = 0

    def add(self, timestamp: datetime, value: Decimal) -> None:
        """Add the value to the total and count the row."""
        self._total = EXACT.add(self._total, value)
        self._count += 1

    def result(self) -> Decimal:
        """The mean, exact when it terminates within QUOTIENT_DIGITS digits; 0 without rows."""
        if self._count == 0:
            return _ZERO
        return _QUOTIENT.divide(self._total, Decimal(self._count))


class UniqueAccumulator(Accumulator):
    """UNIQUE: the number of distinct values (compared as numbers, so 1.0 and 1 are one)."""

    __slots__ = ("_seen",)

    def __init__(self) -> None:
        self._seen: set[Decimal] = set()

    def add(self, timestamp: datetime, value: Decimal) -> None:
        """Remember the value."""
        self._seen.add(value)

    def result(self) -> Decimal:
        """The number of distinct values."""
        return Decimal(len(self._seen))


_ACCUMULATORS: dict[str, type[Accumulator]] = {
    "SUM": SumAccumulator,
    "MIN": MinAccumulator,
    "MAX": MaxAccumulator,
    "COUNT": CountAccumulator,
    "LATEST": LatestAccumulator,
    "MEAN": MeanAccumulator,
    "UNIQUE": UniqueAccumulator,
}

# aggregate() has values without timestamps: one shared instant makes LATEST the last value.
_SAME_INSTANT = datetime.min


def aggregate(function: str, values: Iterable[Decimal]) -> Decimal:
    """Apply an aggregation function to one period's usage values (SPEC §4.8).

    SUM total; MIN / MAX smallest / largest; COUNT number of rows; LATEST the last value,
    so pass the rows ordered by timestamp (ties in input order); MEAN total ÷ count to
    QUOTIENT_DIGITS significant digits (exact when it terminates within them); UNIQUE
    number of distinct values. No rows gives Decimal(0) for every function.
    """
    accumulator = Accumulator.for_function(function)
    for value in values:
        accumulator.add(_SAME_INSTANT, value)
    return accumulator.result()


def to_units(raw: Decimal, quantity_per_unit: Decimal, rounding: str) -> Decimal:
    """Billable units from an aggregated figure: raw ÷ quantityPerUnit, then rounded.

    UP is the ceiling, DOWN the floor, NEAREST half up (ties away from zero) to an
    integer, all computed exactly; NONE keeps the quotient as is (exact when it
    terminates within QUOTIENT_DIGITS significant digits, `raw` itself when the
    quantityPerUnit is 1).
    """
    if quantity_per_unit <= 0:
        raise ValueError(f"quantityPerUnit must be above 0, not {quantity_per_unit}")
    if rounding == "NONE":
        return raw if quantity_per_unit == 1 else _QUOTIENT.divide(raw, quantity_per_unit)
    exact = Fraction(raw) / Fraction(quantity_per_unit)
    if rounding == "UP":
        return Decimal(math.ceil(exact))
    if rounding == "DOWN":
        return Decimal(math.floor(exact))
    if rounding == "NEAREST":
        return round_half_up(exact, 0)
    raise ValueError(f"unknown rounding {rounding!r}; expected one of {', '.join(ROUNDING_MODES)}")


def minimum_spend_topup(charges: Amount, minimum: Amount) -> Amount:
    """The MINIMUM_SPEND line's amount: minimum − charges when charges fall short, else 0.

    Exact and unrounded; a Fraction on either side (a prorated minimum) gives a Fraction.
    """
    if isinstance(charges, Fraction) or isinstance(minimum, Fraction):
        shortfall = Fraction(minimum) - Fraction(charges)
        return shortfall if shortfall > 0 else Fraction(0)
    difference = EXACT.subtract(minimum, charges)
    return difference if difference > 0 else _ZERO


def apportion(
    total: Decimal, quantities: Mapping[str, Decimal], currency: str
) -> dict[str, Decimal]:
    """Split a pooled, already rounded charge across accounts by quantity (SPEC §4.11).

    Each account with a quantity above 0 gets total × its share of the quantity, rounded
    half up to the currency's minor unit; what the rounding leaves over goes to the
    account with the largest quantity (ties: lowest code), so the shares add up to
    `total` exactly. Accounts with quantity 0 are left out; all 0 gives {}. The result
    is ordered by account code. Raises ValueError for a negative quantity or a total
    finer than the currency's minor unit.
    """
    if round_money(total, currency) != total:
        raise ValueError(f"pooled charge {total} is not rounded to {currency}'s minor unit")
    sharing = {code: q for code, q in sorted(quantities.items()) if _positive(code, q)}
    if not sharing:
        return {}
    pool = sum((Fraction(q) for q in sharing.values()), Fraction(0))
    shares = {
        code: round_money(Fraction(total) * Fraction(q) / pool, currency)
        for code, q in sharing.items()
    }
    allocated = _ZERO
    for share in shares.values():
        allocated = EXACT.add(allocated, share)
    largest = min(sharing, key=lambda code: (-sharing[code], code))
    adjusted = EXACT.add(shares[largest], EXACT.subtract(total, allocated))
    shares[largest] = round_money(adjusted, currency)
    return shares


def _positive(code: str, quantity: Decimal) -> bool:
    """Whether an account takes a share; a negative quantity cannot be apportioned."""
    if quantity < 0:
        raise ValueError(f"cannot apportion a negative quantity ({quantity}) to {code}")
    return quantity > 0
