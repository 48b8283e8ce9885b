"""Preview amounts: Decimal fast paths that must agree with money.round_money exactly."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from validator.money import round_money
from validator.preview.amounts import add, multiply, prorate, round_amount

CURRENCIES = ["USD", "JPY", "BHD", "CLF"]


@given(
    st.decimals(min_value=-10**9, max_value=10**9, places=6, allow_nan=False),
    st.sampled_from(CURRENCIES),
)
def test_round_amount_is_round_money(amount: Decimal, currency: str) -> None:
    assert str(round_amount(amount, currency)) == str(round_money(amount, currency))


@pytest.mark.parametrize(
    ("amount", "currency", "expected"),
    [
        (Decimal("2.005"), "USD", "2.01"),
        (Decimal("-2.005"), "USD", "-2.01"),
        (Decimal("-0.001"), "USD", "0.00"),  # never negative zero
        (Decimal("1.5"), "JPY", "2"),
        (Decimal("1.0005"), "BHD", "1.001"),
        (Fraction(1, 3), "USD", "0.33"),
    ],
)
def test_round_amount_half_up(amount: Decimal | Fraction, currency: str, expected: str) -> None:
    assert str(round_amount(amount, currency)) == expected


def test_full_periods_stay_decimal_and_partial_ones_exact() -> None:
    assert prorate(Decimal("49.99"), Fraction(31, 31)) == Decimal("49.99")
    assert isinstance(prorate(Decimal("49.99"), Fraction(31, 31)), Decimal)
    assert prorate(Decimal("100"), Fraction(17, 31)) == Fraction(1700, 31)
    assert add(Decimal("0.1"), Decimal("0.2")) == Decimal("0.3")
    assert add(Decimal("1"), Fraction(1, 3)) == Fraction(4, 3)
    assert multiply(Fraction(1, 3), Decimal("1.5")) == Fraction(1, 2)
    assert multiply(Decimal("1.005"), Decimal(2)) == Decimal("2.010")
