"""Exact amounts for the preview: Decimal while they can be, Fraction once prorated.

A year of bills for thousands of accounts makes hundreds of thousands of lines, and
Fraction arithmetic is slow, so amounts stay Decimal (exact for sums and products in
`money.EXACT`) and only become a Fraction when a proration factor other than 1 or a
conversion multiplies them. Rounding gives the same result as `money.round_money` for
either type; a Decimal is rounded without going through a Fraction.
"""

from __future__ import annotations

from decimal import MAX_EMAX, MAX_PREC, MIN_EMIN, ROUND_HALF_UP, Context, Decimal
from fractions import Fraction

from validator.money import EXACT, minor_units, round_money

Amount = Decimal | Fraction

# Rounds half up with room for any coefficient; unlike EXACT it lets rounding happen.
_ROUNDING = Context(prec=MAX_PREC, Emax=MAX_EMAX, Emin=MIN_EMIN, rounding=ROUND_HALF_UP)


def prorate(amount: Decimal, factor: Fraction) -> Amount:
    """amount × factor, exact; the amount itself when the factor is 1."""
    return amount if factor.numerator == factor.denominator else Fraction(amount) * factor


def add(left: Amount, right: Amount) -> Amount:
    """left + right, exact."""
    if isinstance(left, Decimal) and isinstance(right, Decimal):
        return EXACT.add(left, right)
    return Fraction(left) + Fraction(right)


def multiply(amount: Amount, multiplier: Decimal) -> Amount:
    """amount × multiplier (a conversion rate), exact."""
    if multiplier == 1:
        return amount
    if isinstance(amount, Decimal):
        return EXACT.multiply(amount, multiplier)
    return amount * Fraction(multiplier)


def round_amount(amount: Amount, currency: str) -> Decimal:
    """`money.round_money`: half up to the currency's minor unit, never negative zero."""
    if isinstance(amount, Fraction):
        return round_money(amount, currency)
    quantum = Decimal(1).scaleb(-minor_units(currency))
    rounded = amount.quantize(quantum, rounding=ROUND_HALF_UP, context=_ROUNDING)
    return rounded if rounded else rounded.copy_abs()
