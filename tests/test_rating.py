"""Rating arithmetic: bands, span charges, aggregations, units, minimum spend, apportioning."""

from __future__ import annotations

from datetime import datetime, timezone
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from validator.money import round_money
from validator.rating import (
    AGGREGATION_FUNCTIONS,
    Accumulator,
    Band,
    BandLine,
    aggregate,
    apportion,
    band_charge,
    minimum_spend_topup,
    span_charge,
    to_units,
)

D = Decimal
WORKED_BANDS = (Band(D("0"), D("7.00")), Band(D("5"), D("6.50")), Band(D("10"), D("6.00")))
FIXED_BANDS = (
    Band(D("0"), D("1.00"), fixed_price=D("10.00")),
    Band(D("100"), D("0.50"), fixed_price=D("20.00")),
)

quantities = st.decimals(min_value=0, max_value=10_000, places=3)


# --- bands (SPEC §4.9) -------------------------------------------------------------


@pytest.mark.parametrize(
    ("quantity", "cumulative", "expected"),
    [
        ("5", False, "35.00"),
        ("6", False, "39.00"),
        ("20", False, "120.00"),
        ("6", True, "41.50"),
        ("20", True, "127.50"),
        ("25", True, "157.50"),
    ],
)
def test_spec_worked_check(quantity: str, cumulative: bool, expected: str) -> None:
    assert band_charge(D(quantity), WORKED_BANDS, cumulative).amount == D(expected)


@pytest.mark.parametrize(
    ("quantity", "cumulative", "expected"),
    [
        # q == lowerLimit stays in the band below.
        ("5", False, "35.00"),
        ("10", False, "65.00"),
        ("5", True, "35.00"),
        ("10", True, "67.50"),
        # Just past a lower limit reaches the band.
        ("5.001", False, "32.5065"),
        ("10.001", False, "60.006"),
        ("5.001", True, "35.0065"),
        ("10.001", True, "67.506"),
    ],
)
def test_a_band_is_reached_only_above_its_lower_limit(
    quantity: str, cumulative: bool, expected: str
) -> None:
    assert band_charge(D(quantity), WORKED_BANDS, cumulative).amount == D(expected)


@pytest.mark.parametrize("cumulative", [True, False])
@pytest.mark.parametrize("quantity", ["0", "-3"])
def test_no_usage_reaches_no_band_and_costs_nothing(quantity: str, cumulative: bool) -> None:
    charge = band_charge(D(quantity), FIXED_BANDS, cumulative)
    assert charge.amount == 0
    assert charge.breakdown == ()


def test_tiered_breakdown_shows_each_band_units_and_amount() -> None:
    charge = band_charge(D("20"), WORKED_BANDS, cumulative=True)
    assert charge.breakdown == (
        BandLine(D("0"), D("5"), D("7.00"), D("0"), D("35.00")),
        BandLine(D("5"), D("5"), D("6.50"), D("0"), D("32.50")),
        BandLine(D("10"), D("10"), D("6.00"), D("0"), D("60.00")),
    )


def test_volume_breakdown_shows_only_the_highest_reached_band() -> None:
    charge = band_charge(D("6"), WORKED_BANDS, cumulative=False)
    assert charge.breakdown == (BandLine(D("5"), D("6"), D("6.50"), D("0"), D("39.00")),)


@pytest.mark.parametrize(
    ("quantity", "cumulative", "expected"),
    [
        ("1", False, "11.00"),
        ("100", False, "110.00"),
        ("101", False, "70.50"),  # only the highest band's fixed price
        ("1", True, "11.00"),
        ("100", True, "110.00"),
        ("101", True, "130.50"),  # each reached band's fixed price once
    ],
)
def test_fixed_prices(quantity: str, cumulative: bool, expected: str) -> None:
    assert band_charge(D(quantity), FIXED_BANDS, cumulative).amount == D(expected)


def test_band_amounts_are_exact_not_rounded() -> None:
    bands = [Band(D("0"), D("0.0001"))]
    assert band_charge(D("3"), bands, cumulative=False).amount == D("0.0003")


def test_bands_with_lower_limits_out_of_order_are_refused() -> None:
    bands = [Band(D("0"), D("1")), Band(D("10"), D("1")), Band(D("10"), D("2"))]
    with pytest.raises(ValueError, match="must increase"):
        band_charge(D("5"), bands, cumulative=True)


@given(quantities)
def test_tiered_and_volume_agree_with_a_single_band(quantity: Decimal) -> None:
    bands = [Band(D("0"), D("2.5"))]
    tiered = band_charge(quantity, bands, cumulative=True).amount
    volume = band_charge(quantity, bands, cumulative=False).amount
    assert tiered == volume == quantity * D("2.5")


@given(quantities)
def test_tiered_breakdown_units_add_up_to_the_quantity(quantity: Decimal) -> None:
    charge = band_charge(quantity, WORKED_BANDS, cumulative=True)
    assert sum((line.units for line in charge.breakdown), D(0)) == max(quantity, D(0))
    assert sum((line.amount for line in charge.breakdown), D(0)) == charge.amount


# --- tiersSpanPlan ------------------------------------------------------------------


def test_span_charge_prices_the_period_from_where_earlier_usage_left_off() -> None:
    # 6 units before, 14 in the period: charge(20) - charge(6) = 127.50 - 41.50.
    assert span_charge(D("6"), D("14"), WORKED_BANDS, cumulative=True) == D("86.00")


def test_span_charge_of_the_first_period_is_the_plain_charge() -> None:
    assert span_charge(D("0"), D("25"), WORKED_BANDS, cumulative=True) == D("157.50")


def test_span_charge_without_usage_in_the_period_is_zero() -> None:
    assert span_charge(D("12"), D("0"), WORKED_BANDS, cumulative=True) == 0


def test_volume_span_charge_credits_a_period_that_moves_the_total_to_a_cheaper_band() -> None:
    # charge(10) = 65.00 at 6.50, charge(10.5) = 63.00 at 6.00.
    assert span_charge(D("10"), D("0.5"), WORKED_BANDS, cumulative=False) == D("-2.00")


@given(st.lists(quantities, max_size=6), st.booleans())
def test_span_charges_over_consecutive_periods_add_up_to_the_charge_of_the_total(
    periods: list[Decimal], cumulative: bool
) -> None:
    before = D(0)
    charged = D(0)
    for quantity in periods:
        charged += span_charge(before, quantity, WORKED_BANDS, cumulative)
        before += quantity
    assert charged == band_charge(before, WORKED_BANDS, cumulative).amount


# --- aggregations (SPEC §4.8) -------------------------------------------------------

ROWS = [D("3"), D("1"), D("2.0"), D("2")]


@pytest.mark.parametrize(
    ("function", "expected"),
    [
        ("SUM", "8.0"),
        ("MIN", "1"),
        ("MAX", "3"),
        ("COUNT", "4"),
        ("LATEST", "2"),
        ("MEAN", "2"),
        ("UNIQUE", "3"),  # 2.0 and 2 are the same value
    ],
)
def test_aggregate_each_function(function: str, expected: str) -> None:
    assert aggregate(function, ROWS) == D(expected)


@pytest.mark.parametrize("function", AGGREGATION_FUNCTIONS)
def test_aggregate_without_rows_is_zero(function: str) -> None:
    result = aggregate(function, [])
    assert result == 0
    assert isinstance(result, Decimal)


def test_count_counts_rows_with_zero_values() -> None:
    assert aggregate("COUNT", [D("0"), D("0")]) == 2


def test_latest_takes_the_last_of_rows_passed_in_timestamp_order() -> None:
    assert aggregate("LATEST", [D("5"), D("9"), D("4")]) == D("4")


def test_mean_is_exact_when_it_terminates() -> None:
    assert aggregate("MEAN", [D("1"), D("2")]) == D("1.5")


def test_mean_that_does_not_terminate_keeps_fifty_significant_digits() -> None:
    mean = aggregate("MEAN", [D("1"), D("0"), D("0")])
    assert mean == D("0." + "3" * 50)


def test_sum_is_exact_beyond_the_default_decimal_precision() -> None:
    rows = [D("1E+30"), D("0.000001")]
    assert aggregate("SUM", rows) == D("1000000000000000000000000000000.000001")


def test_unknown_aggregation_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown aggregation 'AVG'"):
        aggregate("AVG", [D("1")])


def at(day: int, hour: int = 0) -> datetime:
    """A usage timestamp in January 2025, UTC."""
    return datetime(2025, 1, day, hour, tzinfo=timezone.utc)


def test_latest_accumulator_keeps_the_latest_timestamp_whatever_the_arrival_order() -> None:
    latest = Accumulator.for_function("LATEST")
    latest.add(at(10), D("5"))
    latest.add(at(3), D("7"))
    latest.add(at(9, 23), D("8"))
    assert latest.result() == D("5")


def test_latest_accumulator_breaks_timestamp_ties_by_input_order() -> None:
    latest = Accumulator.for_function("LATEST")
    latest.add(at(10), D("5"))
    latest.add(at(10), D("6"))
    assert latest.result() == D("6")


@pytest.mark.parametrize("function", AGGREGATION_FUNCTIONS)
def test_accumulator_without_rows_is_zero(function: str) -> None:
    assert Accumulator.for_function(function).result() == 0


@pytest.mark.parametrize("function", AGGREGATION_FUNCTIONS)
@given(values=st.lists(st.decimals(min_value=-1000, max_value=1000, places=2), max_size=20))
def test_streamed_rows_in_timestamp_order_give_the_same_result_as_aggregate(
    function: str, values: list[Decimal]
) -> None:
    accumulator = Accumulator.for_function(function)
    for hour, value in enumerate(values):
        accumulator.add(at(1 + hour // 24, hour % 24), value)
    assert accumulator.result() == aggregate(function, values)


def test_accumulators_are_independent() -> None:
    first = Accumulator.for_function("SUM")
    second = Accumulator.for_function("SUM")
    first.add(at(1), D("4"))
    assert (first.result(), second.result()) == (D("4"), D("0"))


# --- quantityPerUnit and rounding ---------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "rounding", "expected"),
    [
        ("2500", "UP", "3"),
        ("2500", "DOWN", "2"),
        ("2500", "NEAREST", "3"),  # 2.5: half up
        ("2499", "NEAREST", "2"),
        ("2500", "NONE", "2.5"),
        ("3000", "UP", "3"),  # a whole number of units is not rounded up
        ("3000", "DOWN", "3"),
        ("1", "UP", "1"),
        ("0", "UP", "0"),
    ],
)
def test_to_units_divides_by_quantity_per_unit_then_rounds(
    raw: str, rounding: str, expected: str
) -> None:
    assert to_units(D(raw), D("1000"), rounding) == D(expected)


def test_to_units_none_with_one_per_unit_keeps_the_value_as_is() -> None:
    assert str(to_units(D("1.50"), D("1"), "NONE")) == "1.50"


def test_to_units_rounds_exactly_just_below_a_whole_unit() -> None:
    just_below = D("9" * 60)  # one less than per_unit, beyond 50 significant digits
    per_unit = D("1" + "0" * 60)
    assert to_units(just_below, per_unit, "DOWN") == 0
    assert to_units(just_below, per_unit, "UP") == 1


def test_to_units_with_a_fractional_quantity_per_unit() -> None:
    assert to_units(D("3"), D("0.75"), "UP") == D("4")
    assert to_units(D("3.1"), D("0.75"), "DOWN") == D("4")


def test_to_units_nearest_rounds_negative_ties_away_from_zero() -> None:
    assert to_units(D("-2.5"), D("1"), "NEAREST") == D("-3")


def test_to_units_refuses_a_quantity_per_unit_that_is_not_positive() -> None:
    with pytest.raises(ValueError, match="quantityPerUnit"):
        to_units(D("1"), D("0"), "UP")


def test_to_units_refuses_an_unknown_rounding() -> None:
    with pytest.raises(ValueError, match="unknown rounding 'CEILING'"):
        to_units(D("1"), D("1"), "CEILING")


# --- minimum spend (SPEC §4.10) -----------------------------------------------------


def test_minimum_spend_tops_up_charges_below_it() -> None:
    assert minimum_spend_topup(D("40.25"), D("100")) == D("59.75")


@pytest.mark.parametrize("charges", ["100", "100.00", "120"])
def test_minimum_spend_adds_nothing_when_charges_reach_it(charges: str) -> None:
    assert minimum_spend_topup(D(charges), D("100")) == 0


def test_prorated_minimum_spend_stays_exact() -> None:
    prorated = Fraction(D("100")) * Fraction(15, 31)
    topup = minimum_spend_topup(D("10"), prorated)
    assert topup == Fraction(1190, 31)
    assert round_money(topup, "USD") == D("38.39")


# --- apportioning a pooled charge (SPEC §4.11) --------------------------------------


def test_apportion_gives_the_rounding_remainder_to_the_lowest_code_on_a_tie() -> None:
    shares = apportion(D("100.00"), {"b": D("1"), "c": D("1"), "a": D("1")}, "USD")
    assert shares == {"a": D("33.34"), "b": D("33.33"), "c": D("33.33")}
    assert list(shares) == ["a", "b", "c"]


def test_apportion_gives_the_rounding_remainder_to_the_largest_quantity() -> None:
    # 16.666… → 16.67, 16.67, 66.67 sum to 100.01: the largest line gives back 0.01.
    shares = apportion(D("100.00"), {"a": D("1"), "b": D("1"), "z": D("4")}, "USD")
    assert shares == {"a": D("16.67"), "b": D("16.67"), "z": D("66.66")}


def test_apportion_splits_in_proportion_to_quantity() -> None:
    shares = apportion(D("90.00"), {"parent": D("50"), "child": D("100")}, "USD")
    assert shares == {"child": D("60.00"), "parent": D("30.00")}


def test_apportion_leaves_out_accounts_without_usage() -> None:
    shares = apportion(D("10.00"), {"parent": D("0"), "child": D("3")}, "USD")
    assert shares == {"child": D("10.00")}


def test_apportion_without_any_usage_is_empty() -> None:
    assert apportion(D("0.00"), {"parent": D("0"), "child": D("0")}, "USD") == {}


def test_apportion_in_a_zero_decimal_currency() -> None:
    shares = apportion(D("1000"), {"a": D("1"), "b": D("1"), "c": D("1")}, "JPY")
    assert {code: str(share) for code, share in shares.items()} == {
        "a": "334",
        "b": "333",
        "c": "333",
    }


def test_apportion_in_a_three_decimal_currency() -> None:
    shares = apportion(D("1.000"), {"a": D("1"), "b": D("2")}, "BHD")
    assert {code: str(share) for code, share in shares.items()} == {"a": "0.333", "b": "0.667"}


def test_apportion_shares_carry_the_minor_unit_places() -> None:
    shares = apportion(D("10"), {"a": D("1"), "b": D("1")}, "USD")
    assert [str(share) for share in shares.values()] == ["5.00", "5.00"]


def test_apportion_refuses_a_total_finer_than_the_minor_unit() -> None:
    with pytest.raises(ValueError, match="not rounded"):
        apportion(D("10.005"), {"a": D("1")}, "USD")


def test_apportion_refuses_a_negative_quantity() -> None:
    with pytest.raises(ValueError, match="negative quantity"):
        apportion(D("10.00"), {"a": D("1"), "b": D("-1")}, "USD")


@given(
    total_cents=st.integers(min_value=-(10**9), max_value=10**9),
    quantities_by_account=st.dictionaries(
        st.text(alphabet="abcdef", min_size=1, max_size=3),
        st.decimals(min_value=0, max_value=10**6, places=3),
        max_size=8,
    ),
)
def test_apportioned_shares_add_up_exactly_to_the_pooled_charge(
    total_cents: int, quantities_by_account: dict[str, Decimal]
) -> None:
    total = D(total_cents).scaleb(-2)
    shares = apportion(total, quantities_by_account, "USD")
    assert set(shares) == {code for code, q in quantities_by_account.items() if q > 0}
    if shares:
        assert sum(shares.values(), D(0)) == total
        assert all(share == round_money(share, "USD") for share in shares.values())
