"""Money arithmetic for the bill preview: ISO 4217 minor units, rounding, conversion, formatting.

Amounts are `Decimal`, or `Fraction` where a proration factor keeps them exact. Nothing
here ever goes through a float: rounding happens once, on a line's final amount.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from decimal import (
    MAX_EMAX,
    MAX_PREC,
    MIN_EMIN,
    ROUND_HALF_UP,
    Context,
    Decimal,
    DivisionByZero,
    Inexact,
    InvalidOperation,
    Overflow,
)
from fractions import Fraction

Amount = Decimal | Fraction

# Unrounded arithmetic: additions, subtractions and multiplications are exact, and the
# Inexact trap turns any silent rounding into an error. Never divide in it: a
# non-terminating quotient would try to fill MAX_PREC digits (MemoryError).
EXACT = Context(
    prec=MAX_PREC,
    Emax=MAX_EMAX,
    Emin=MIN_EMIN,
    rounding=ROUND_HALF_UP,
    traps=[InvalidOperation, DivisionByZero, Overflow, Inexact],
)

_ZERO_DECIMAL = frozenset(
    {
        "BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG",
        "RWF", "UGX", "UYI", "VND", "VUV", "XAF", "XOF", "XPF",
    }
)  # fmt: skip
_THREE_DECIMAL = frozenset({"BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"})
_FOUR_DECIMAL = frozenset({"CLF", "UYW"})


class ConversionMissing(LookupError):
    """No `currencyConversions` entry converts one currency into another."""

    def __init__(self, from_currency: str, to_currency: str) -> None:
        super().__init__(f"no currencyConversions entry converts {from_currency} to {to_currency}")
        self.from_currency = from_currency
        self.to_currency = to_currency


def minor_units(currency: str) -> int:
    """The ISO 4217 minor-unit exponent of `currency`: 0 for JPY, 3 for BHD, 2 for most."""
    code = currency.upper()
    if code in _ZERO_DECIMAL:
        return 0
    if code in _THREE_DECIMAL:
        return 3
    if code in _FOUR_DECIMAL:
        return 4
    return 2


def round_money(amount: Amount, currency: str) -> Decimal:
    """Round `amount` half up (ties away from zero) to the minor unit of `currency`.

    The result always carries exactly the minor-unit places (`Decimal("33.30")`,
    `Decimal("1500")` for JPY) and is never negative zero. Exact for any Decimal or
    Fraction input.
    """
    return round_half_up(amount, minor_units(currency))


def round_half_up(amount: Amount, places: int) -> Decimal:
    """Round `amount` half up (ties away from zero) to `places` decimal places, exactly.

    The result has exactly `places` places and is never negative zero; the rounding is
    done on integers, so a Fraction such as 1/3 needs no intermediate precision.
    """
    exact = amount if isinstance(amount, Fraction) else Fraction(amount)
    units = math.floor(abs(exact) * 10**places + Fraction(1, 2))
    if exact < 0:
        units = -units
    return Decimal(units).scaleb(-places, context=EXACT)


def format_amount(amount: Amount, currency: str) -> str:
    """`amount` as a decimal string with exactly the currency's minor-unit places.

    `"125.00"` for USD, `"1500"` for JPY, `"1.250"` for BHD; an amount with more places
    is rounded half up first.
    """
    return f"{round_money(amount, currency):f}"


def convert(
    amount: Amount,
    from_currency: str,
    to_currency: str,
    conversions: Iterable[Mapping[str, object]],
) -> Amount:
    """`amount` in `from_currency` expressed in `to_currency`, unrounded.

    Uses the first `{from, to, multiplier}` entry of the organization's
    `currencyConversions` that matches the direction exactly: amount × multiplier.
    An entry is never inverted to convert the other way. The same currency converts
    as is. A Fraction amount stays a Fraction. Raises `ConversionMissing`.
    """
    if from_currency == to_currency:
        return amount
    for entry in conversions:
        if entry.get("from") == from_currency and entry.get("to") == to_currency:
            multiplier = _exact_decimal(entry.get("multiplier"))
            if isinstance(amount, Fraction):
                return amount * Fraction(multiplier)
            return EXACT.multiply(amount, multiplier)
    raise ConversionMissing(from_currency, to_currency)


def _exact_decimal(value: object) -> Decimal:
    """A multiplier as a Decimal; a float (a loader's slip) is read as its shortest repr."""
    if isinstance(value, bool) or not isinstance(value, (Decimal, int, str, float)):
        raise ValueError(f"currency conversion multiplier is not a number: {value!r}")
    try:
        number = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    except InvalidOperation:
        raise ValueError(f"currency conversion multiplier is not a number: {value!r}") from None
    if not number.is_finite():
        raise ValueError(f"currency conversion multiplier is not finite: {value!r}")
    return number
