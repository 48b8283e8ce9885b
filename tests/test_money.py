"""Money rounding, minor units, currency conversion and formatting (SPEC §4.12)."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest

from validator.money import (
    ConversionMissing,
    convert,
    format_amount,
    minor_units,
    round_money,
)

D = Decimal
EUR_TO_USD = [{"from": "EUR", "to": "USD", "multiplier": D("1.1")}]


@pytest.mark.parametrize(
    ("currency", "places"),
    [
        ("USD", 2),
        ("EUR", 2),
        ("GBP", 2),
        ("JPY", 0),
        ("KRW", 0),
        ("CLP", 0),
        ("VND", 0),
        ("XOF", 0),
        ("BHD", 3),
        ("KWD", 3),
        ("OMR", 3),
        ("TND", 3),
        ("CLF", 4),
        ("UYW", 4),
    ],
)
def test_minor_units_follow_iso_4217(currency: str, places: int) -> None:
    assert minor_units(currency) == places


@pytest.mark.parametrize(
    ("amount", "currency", "expected"),
    [
        (D("0.5"), "JPY", "1"),
        (D("1.5"), "JPY", "2"),
        (D("2.4999"), "JPY", "2"),
        (D("2.0045"), "BHD", "2.005"),
        (D("2.0044"), "BHD", "2.004"),
        (D("1.005"), "USD", "1.01"),
        (D("2.675"), "USD", "2.68"),
        (D("0.12345"), "CLF", "0.1235"),
        (D("125"), "USD", "125.00"),
        (D("1500.4"), "JPY", "1500"),
    ],
)
def test_round_money_rounds_half_up_to_the_minor_unit(
    amount: Decimal, currency: str, expected: str
) -> None:
    rounded = round_money(amount, currency)
    assert str(rounded) == expected


def test_round_money_rounds_negative_ties_away_from_zero() -> None:
    assert round_money(D("-1.005"), "USD") == D("-1.01")


def test_round_money_never_returns_negative_zero() -> None:
    assert str(round_money(D("-0.001"), "USD")) == "0.00"


@pytest.mark.parametrize(
    ("amount", "currency", "expected"),
    [
        (Fraction(1, 3), "USD", "0.33"),
        (Fraction(2, 3), "USD", "0.67"),
        (Fraction(1, 200), "USD", "0.01"),  # exactly 0.005: a tie, rounds up
        (Fraction(1, 2), "JPY", "1"),
        (Fraction(100) * Fraction(15, 31), "USD", "48.39"),
        (Fraction(-1, 200), "USD", "-0.01"),
    ],
)
def test_round_money_rounds_fractions_exactly(
    amount: Fraction, currency: str, expected: str
) -> None:
    assert str(round_money(amount, currency)) == expected


def test_round_money_keeps_digits_beyond_the_default_decimal_precision() -> None:
    big = D("12345678901234567890123456789.005")
    assert str(round_money(big, "USD")) == "12345678901234567890123456789.01"


@pytest.mark.parametrize(
    ("amount", "currency", "expected"),
    [
        (D("125"), "USD", "125.00"),
        (D("1500"), "JPY", "1500"),
        (D("1.25"), "BHD", "1.250"),
        (D("0"), "USD", "0.00"),
        (D("1E+3"), "USD", "1000.00"),
        (D("19.999"), "USD", "20.00"),
        (Fraction(1, 3), "EUR", "0.33"),
    ],
)
def test_format_amount_prints_exactly_the_minor_unit_places(
    amount: Decimal | Fraction, currency: str, expected: str
) -> None:
    assert format_amount(amount, currency) == expected


def test_convert_same_currency_is_identity() -> None:
    assert convert(D("12.345"), "USD", "USD", []) == D("12.345")


def test_convert_multiplies_by_the_matching_entry() -> None:
    assert convert(D("10.005"), "EUR", "USD", EUR_TO_USD) == D("11.0055")


def test_convert_happens_before_rounding() -> None:
    conversions = [{"from": "USD", "to": "JPY", "multiplier": D("150")}]
    converted = convert(D("1.005"), "USD", "JPY", conversions)
    # Rounding first would give 1.01 USD × 150 = 151.5 → 152 JPY.
    assert round_money(converted, "JPY") == D("151")


def test_convert_keeps_small_amounts_that_rounding_first_would_lose() -> None:
    converted = convert(D("0.004"), "EUR", "USD", [{"from": "EUR", "to": "USD", "multiplier": 2}])
    assert round_money(converted, "USD") == D("0.01")


def test_convert_keeps_a_prorated_fraction_exact() -> None:
    converted = convert(
        Fraction(1, 3), "EUR", "USD", [{"from": "EUR", "to": "USD", "multiplier": D("1.5")}]
    )
    assert converted == Fraction(1, 2)


def test_convert_is_exact_beyond_the_default_decimal_precision() -> None:
    amount = D("1234567890.1234567890123456789")
    converted = convert(
        amount, "EUR", "USD", [{"from": "EUR", "to": "USD", "multiplier": D("1.0000000001")}]
    )
    assert converted == D("1234567890.24691357802469135780123456789")


def test_convert_picks_the_entry_for_the_requested_pair() -> None:
    conversions = [
        {"from": "GBP", "to": "USD", "multiplier": D("1.25")},
        {"from": "EUR", "to": "USD", "multiplier": D("1.1")},
    ]
    assert convert(D("100"), "EUR", "USD", conversions) == D("110.0")


def test_convert_does_not_invert_an_entry_for_the_other_direction() -> None:
    with pytest.raises(ConversionMissing, match="converts USD to EUR"):
        convert(D("1"), "USD", "EUR", EUR_TO_USD)


def test_convert_without_any_entry_names_both_currencies() -> None:
    with pytest.raises(ConversionMissing) as raised:
        convert(D("1"), "GBP", "JPY", EUR_TO_USD)
    assert (raised.value.from_currency, raised.value.to_currency) == ("GBP", "JPY")
    assert str(raised.value) == "no currencyConversions entry converts GBP to JPY"


@pytest.mark.parametrize("multiplier", ["1.1", D("1.1"), 1.1])
def test_convert_reads_a_multiplier_as_written(multiplier: object) -> None:
    conversions = [{"from": "EUR", "to": "USD", "multiplier": multiplier}]
    assert convert(D("3"), "EUR", "USD", conversions) == D("3.3")


@pytest.mark.parametrize("multiplier", [None, True, "abc", "NaN", [1]])
def test_convert_rejects_a_multiplier_that_is_not_a_number(multiplier: object) -> None:
    conversions = [{"from": "EUR", "to": "USD", "multiplier": multiplier}]
    with pytest.raises(ValueError, match="multiplier"):
        convert(D("3"), "EUR", "USD", conversions)
