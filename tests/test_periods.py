"""Tests for validator.periods: the period arithmetic that rules and bill previews share."""

from __future__ import annotations

from datetime import date, timedelta
from fractions import Fraction
from itertools import pairwise

import pytest
from hypothesis import given
from hypothesis import strategies as st

from validator.periods import (
    DEFAULT_ORG_EPOCHS,
    Frequency,
    ServicePeriod,
    bill_date,
    bill_date_in_arrears,
    boundary_containing,
    boundary_index,
    first_boundary_on_or_after,
    is_periodic,
    month_end_risk,
    next_bills,
    resolve_bill_epoch,
    same_schedule,
    service_periods,
    shift,
)

D = date.fromisoformat
DAILY, WEEKLY, MONTHLY, ANNUALLY = "DAILY", "WEEKLY", "MONTHLY", "ANNUALLY"
PERIODIC = [DAILY, WEEKLY, MONTHLY, ANNUALLY]
FAR_FUTURE = D("2100-01-01")


def boundaries(anchor: date, frequency: str, interval: int, start: date, end: date) -> list[date]:
    """Every boundary in [start, end), found by walking shift from the containing index."""
    k = boundary_index(anchor, frequency, interval, start)
    found = []
    while (boundary := shift(anchor, frequency, interval, k)) < end:
        if boundary >= start:
            found.append(boundary)
        k += 1
    return found


def longest_step(anchor: date, frequency: str, interval: int) -> timedelta:
    """An upper bound on the time between two consecutive boundaries of the schedule."""
    days_per_unit = {DAILY: 1, WEEKLY: 7, MONTHLY: 31, ANNUALLY: 366}[frequency]
    return timedelta(days=days_per_unit * interval)


def spans(periods: list[ServicePeriod]) -> list[tuple[str, str]]:
    """Service periods as (start, end) ISO strings, for readable expectations."""
    return [(p.start.isoformat(), p.end.isoformat()) for p in periods]


# --- shift -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("anchor", "frequency", "interval", "k", "expected"),
    [
        # Jan 31 monthly through a leap year and a common year: clamped, never drifting.
        ("2024-01-31", MONTHLY, 1, 0, "2024-01-31"),
        ("2024-01-31", MONTHLY, 1, 1, "2024-02-29"),
        ("2024-01-31", MONTHLY, 1, 2, "2024-03-31"),
        ("2024-01-31", MONTHLY, 1, 3, "2024-04-30"),
        ("2024-01-31", MONTHLY, 1, 4, "2024-05-31"),
        ("2024-01-31", MONTHLY, 1, 10, "2024-11-30"),
        ("2024-01-31", MONTHLY, 1, 11, "2024-12-31"),
        ("2024-01-31", MONTHLY, 1, 13, "2025-02-28"),
        ("2024-01-31", MONTHLY, 1, 14, "2025-03-31"),
        ("2024-01-31", MONTHLY, 1, 15, "2025-04-30"),
        # Negative k, counted back from the anchor.
        ("2024-01-31", MONTHLY, 1, -1, "2023-12-31"),
        ("2024-01-31", MONTHLY, 1, -11, "2023-02-28"),
        ("2024-03-31", MONTHLY, 1, -1, "2024-02-29"),
        ("2024-03-31", MONTHLY, 1, -13, "2023-02-28"),
        # Annual Feb 29: Feb 28 in common years, Feb 29 again in leap years.
        ("2024-02-29", ANNUALLY, 1, 1, "2025-02-28"),
        ("2024-02-29", ANNUALLY, 1, 3, "2027-02-28"),
        ("2024-02-29", ANNUALLY, 1, 4, "2028-02-29"),
        ("2024-02-29", ANNUALLY, 1, -1, "2023-02-28"),
        ("2024-02-29", ANNUALLY, 1, -4, "2020-02-29"),
        ("2024-02-29", ANNUALLY, 2, 2, "2028-02-29"),
        ("2024-02-29", ANNUALLY, 2, 1, "2026-02-28"),
        # Multi-month and 12-month intervals.
        ("2023-11-30", MONTHLY, 3, 1, "2024-02-29"),
        ("2023-11-30", MONTHLY, 3, 2, "2024-05-30"),
        ("2023-11-30", MONTHLY, 3, -1, "2023-08-30"),
        ("2024-01-31", MONTHLY, 2, 1, "2024-03-31"),
        ("2024-01-31", MONTHLY, 2, 4, "2024-09-30"),
        ("2024-01-31", MONTHLY, 12, 1, "2025-01-31"),
        ("2024-01-31", MONTHLY, 12, -1, "2023-01-31"),
        ("2024-02-29", MONTHLY, 12, 1, "2025-02-28"),
        # Day-based units.
        ("2022-01-01", DAILY, 1, 1, "2022-01-02"),
        ("2022-01-01", DAILY, 1, -1, "2021-12-31"),
        ("2022-01-01", DAILY, 3, 10, "2022-01-31"),
        ("2022-01-01", DAILY, 3, -2, "2021-12-26"),
        ("2022-01-03", WEEKLY, 1, 1, "2022-01-10"),
        ("2022-01-03", WEEKLY, 1, -1, "2021-12-27"),
        ("2022-01-03", WEEKLY, 2, 3, "2022-02-14"),
        ("2024-02-26", WEEKLY, 1, 1, "2024-03-04"),
    ],
)
def test_shift(anchor: str, frequency: str, interval: int, k: int, expected: str) -> None:
    assert shift(D(anchor), frequency, interval, k) == D(expected)


def test_shift_accepts_the_frequency_enum() -> None:
    assert shift(D("2024-01-31"), Frequency.MONTHLY, 1, 1) == D("2024-02-29")


@pytest.mark.parametrize("frequency", ["AD_HOC", "MIXED", "HOURLY"])
def test_non_periodic_frequency_has_no_boundaries(frequency: str) -> None:
    assert not is_periodic(frequency)
    with pytest.raises(ValueError, match="no periodic boundaries"):
        shift(D("2024-01-01"), frequency, 1, 1)
    with pytest.raises(ValueError, match="no periodic boundaries"):
        boundary_index(D("2024-01-01"), frequency, 1, D("2024-06-01"))


@pytest.mark.parametrize("interval", [0, -1])
def test_interval_below_one_is_rejected(interval: int) -> None:
    with pytest.raises(ValueError, match="at least 1"):
        shift(D("2024-01-01"), MONTHLY, interval, 1)


def test_shift_outside_the_calendar_overflows() -> None:
    with pytest.raises(OverflowError):
        shift(D("9999-12-01"), MONTHLY, 1, 1)
    with pytest.raises(OverflowError):
        shift(D("9999-12-31"), DAILY, 1, 1)


# --- boundary_index / boundary_containing ------------------------------------------------

BRUTE_FORCE_SCHEDULES = [
    (anchor, frequency, interval)
    for anchor in ["2024-01-31", "2024-02-29", "2023-03-30", "2022-01-01", "2025-06-15"]
    for frequency, interval in [
        (DAILY, 1),
        (DAILY, 3),
        (WEEKLY, 1),
        (WEEKLY, 2),
        (MONTHLY, 1),
        (MONTHLY, 2),
        (MONTHLY, 3),
        (MONTHLY, 12),
        (ANNUALLY, 1),
        (ANNUALLY, 2),
    ]
]


@pytest.mark.parametrize(("anchor", "frequency", "interval"), BRUTE_FORCE_SCHEDULES)
def test_boundary_index_matches_a_walk_over_every_day(
    anchor: str, frequency: str, interval: int
) -> None:
    """Walk every day from 2021 to 2027 and track the interval it falls in by hand."""
    k = -100 if frequency in (MONTHLY, ANNUALLY) else -2500
    assert shift(D(anchor), frequency, interval, k) <= D("2021-01-01")
    day = D("2021-01-01")
    while day < D("2027-01-01"):
        while shift(D(anchor), frequency, interval, k + 1) <= day:
            k += 1
        assert boundary_index(D(anchor), frequency, interval, day) == k, day
        day += timedelta(days=1)


@st.composite
def schedules(draw: st.DrawFn) -> tuple[date, str, int]:
    """A random periodic schedule, with month-end anchors drawn often."""
    frequency = draw(st.sampled_from(PERIODIC))
    interval = draw(st.integers(1, 365 if frequency == DAILY else 24))
    anchor = draw(
        st.one_of(
            st.dates(date(1900, 1, 1), date(2200, 12, 31)),
            st.sampled_from([D("2024-01-31"), D("2024-02-29"), D("2023-02-28"), D("2024-08-30")]),
        )
    )
    return anchor, frequency, interval


@given(schedules(), st.dates(date(1950, 1, 1), date(2150, 12, 31)))
def test_boundary_index_brackets_the_day(schedule: tuple[date, str, int], day: date) -> None:
    anchor, frequency, interval = schedule
    i = boundary_index(anchor, frequency, interval, day)
    assert shift(anchor, frequency, interval, i) <= day < shift(anchor, frequency, interval, i + 1)
    assert boundary_containing(anchor, frequency, interval, day) == (
        shift(anchor, frequency, interval, i),
        shift(anchor, frequency, interval, i + 1),
    )


@pytest.mark.parametrize(
    ("anchor", "frequency", "day", "expected"),
    [
        # A boundary day starts its interval: the start is inclusive, the end exclusive.
        ("2024-01-31", MONTHLY, "2024-02-29", ("2024-02-29", "2024-03-31")),
        ("2024-01-31", MONTHLY, "2024-02-28", ("2024-01-31", "2024-02-29")),
        ("2024-01-31", MONTHLY, "2024-03-30", ("2024-02-29", "2024-03-31")),
        ("2024-02-29", ANNUALLY, "2025-02-27", ("2024-02-29", "2025-02-28")),
        ("2024-02-29", ANNUALLY, "2025-02-28", ("2025-02-28", "2026-02-28")),
        ("2022-01-03", WEEKLY, "2022-01-09", ("2022-01-03", "2022-01-10")),
        ("2022-01-03", WEEKLY, "2021-12-27", ("2021-12-27", "2022-01-03")),
    ],
)
def test_boundary_containing(
    anchor: str, frequency: str, day: str, expected: tuple[str, str]
) -> None:
    start, end = boundary_containing(D(anchor), frequency, 1, D(day))
    assert (start.isoformat(), end.isoformat()) == expected


@pytest.mark.parametrize(
    ("day", "expected"),
    [("2025-02-15", "2025-02-15"), ("2025-02-16", "2025-03-15"), ("2025-01-01", "2025-01-15")],
)
def test_first_boundary_on_or_after(day: str, expected: str) -> None:
    assert first_boundary_on_or_after(D("2022-02-15"), MONTHLY, 1, D(day)) == D(expected)


# --- service_periods ----------------------------------------------------------------------


def test_partial_first_and_last_periods_are_prorated_exactly() -> None:
    periods = list(
        service_periods(D("2025-01-01"), MONTHLY, 1, D("2025-01-10"), D("2025-03-15"), FAR_FUTURE)
    )
    assert spans(periods) == [
        ("2025-01-10", "2025-02-01"),
        ("2025-02-01", "2025-03-01"),
        ("2025-03-01", "2025-03-15"),
    ]
    assert [p.proration for p in periods] == [Fraction(22, 31), Fraction(1), Fraction(14, 31)]
    assert [p.index for p in periods] == [0, 1, 2]
    assert (periods[0].boundary_start, periods[0].boundary_end) == (
        D("2025-01-01"),
        D("2025-02-01"),
    )
    assert (periods[2].boundary_start, periods[2].boundary_end) == (
        D("2025-03-01"),
        D("2025-04-01"),
    )


def test_proration_uses_the_length_of_the_clamped_boundary_interval() -> None:
    # Anchor Jan 31: [Feb 29, Mar 31) has 31 days, [Jan 31, Feb 29) has 29.
    periods = list(
        service_periods(D("2024-01-31"), MONTHLY, 1, D("2024-02-10"), D("2024-03-10"), FAR_FUTURE)
    )
    assert spans(periods) == [("2024-02-10", "2024-02-29"), ("2024-02-29", "2024-03-10")]
    assert [p.proration for p in periods] == [Fraction(19, 29), Fraction(10, 31)]


def test_spec_bill_epoch_example_splits_january_at_the_15th() -> None:
    periods = list(
        service_periods(D("2022-02-15"), MONTHLY, 1, D("2022-01-01"), None, D("2022-03-01"))
    )
    assert spans(periods) == [
        ("2022-01-01", "2022-01-15"),
        ("2022-01-15", "2022-02-15"),
        ("2022-02-15", "2022-03-15"),
    ]
    assert periods[0].boundary_start == D("2021-12-15")
    assert periods[0].proration == Fraction(14, 31)


@pytest.mark.parametrize(
    ("frequency", "active_end", "expected"),
    [
        # End dates are exclusive: a plan ending on a boundary has no period from it.
        (MONTHLY, "2025-02-01", [("2025-01-01", "2025-02-01")]),
        (MONTHLY, "2025-02-02", [("2025-01-01", "2025-02-01"), ("2025-02-01", "2025-02-02")]),
        (DAILY, "2025-01-02", [("2025-01-01", "2025-01-02")]),
        (DAILY, "2025-01-01", []),
        (MONTHLY, "2024-12-01", []),
    ],
)
def test_end_dates_are_exclusive(
    frequency: str, active_end: str, expected: list[tuple[str, str]]
) -> None:
    periods = service_periods(
        D("2025-01-01"), frequency, 1, D("2025-01-01"), D(active_end), FAR_FUTURE
    )
    assert spans(list(periods)) == expected


def test_until_stops_before_periods_starting_on_it_but_never_cuts_one() -> None:
    periods = list(
        service_periods(D("2025-01-01"), MONTHLY, 1, D("2025-01-10"), None, D("2025-03-01"))
    )
    assert spans(periods) == [("2025-01-10", "2025-02-01"), ("2025-02-01", "2025-03-01")]
    periods = list(
        service_periods(D("2025-01-01"), MONTHLY, 1, D("2025-01-10"), None, D("2025-03-02"))
    )
    assert spans(periods)[-1] == ("2025-03-01", "2025-04-01")


def test_since_skips_earlier_periods_but_keeps_their_numbering() -> None:
    periods = list(
        service_periods(
            D("2025-01-01"),
            WEEKLY,
            1,
            D("2025-01-01"),
            None,
            D("2025-01-29"),
            since=D("2025-01-10"),
        )
    )
    assert spans(periods) == [("2025-01-15", "2025-01-22"), ("2025-01-22", "2025-01-29")]
    assert [p.index for p in periods] == [2, 3]


def test_since_before_the_plan_starts_changes_nothing() -> None:
    args = (D("2025-01-01"), MONTHLY, 1, D("2025-01-10"), D("2025-03-15"), FAR_FUTURE)
    assert list(service_periods(*args, since=D("2020-01-01"))) == list(service_periods(*args))


def test_daily_plan_has_one_period_per_day_and_weekly_interval_two_spans_fortnights() -> None:
    daily = service_periods(D("2022-01-01"), DAILY, 1, D("2025-03-01"), D("2025-03-04"), FAR_FUTURE)
    assert spans(list(daily)) == [
        ("2025-03-01", "2025-03-02"),
        ("2025-03-02", "2025-03-03"),
        ("2025-03-03", "2025-03-04"),
    ]
    fortnightly = list(
        service_periods(D("2022-01-03"), WEEKLY, 2, D("2022-01-05"), D("2022-02-01"), FAR_FUTURE)
    )
    assert spans(fortnightly) == [
        ("2022-01-05", "2022-01-17"),
        ("2022-01-17", "2022-01-31"),
        ("2022-01-31", "2022-02-01"),
    ]
    assert [p.proration for p in fortnightly] == [Fraction(12, 14), 1, Fraction(1, 14)]


@given(
    schedules(),
    st.dates(date(1990, 1, 1), date(2060, 12, 31)),
    st.integers(1, 1500),
)
def test_service_periods_tile_the_active_interval(
    schedule: tuple[date, str, int], active_start: date, length: int
) -> None:
    anchor, frequency, interval = schedule
    active_end = active_start + timedelta(days=length)
    periods = list(
        service_periods(anchor, frequency, interval, active_start, active_end, date(9000, 1, 1))
    )
    assert periods[0].start == active_start
    assert periods[-1].end == active_end
    for index, period in enumerate(periods):
        assert period.index == index
        assert period.boundary_start <= period.start < period.end <= period.boundary_end
        assert 0 < period.proration <= 1
        assert (period.boundary_start, period.boundary_end) == boundary_containing(
            anchor, frequency, interval, period.start
        )
    for earlier, later in pairwise(periods):
        assert earlier.end == later.start == earlier.boundary_end == later.boundary_start


# --- bill dates --------------------------------------------------------------------------


def test_arrears_bill_is_dated_at_the_end_of_the_boundary_interval() -> None:
    # SPEC §4.6: a plan ending on Mar 15 of a month billed on the 1st is billed on Apr 1.
    periods = list(
        service_periods(D("2025-01-01"), MONTHLY, 1, D("2025-01-01"), D("2025-03-15"), FAR_FUTURE)
    )
    assert [bill_date_in_arrears(p, None) for p in periods] == [
        D("2025-02-01"),
        D("2025-03-01"),
        D("2025-04-01"),
    ]


def test_spec_bill_epoch_example_first_bill_on_the_epoch() -> None:
    """Plan from 2022-01-01, billEpoch 2022-02-15: the first bill, Feb 15, covers two periods."""
    anchor = epoch = D("2022-02-15")
    periods = list(service_periods(anchor, MONTHLY, 1, D("2022-01-01"), None, D("2022-03-01")))
    expected = [D("2022-02-15"), D("2022-02-15"), D("2022-03-15")]
    assert [bill_date_in_arrears(p, epoch) for p in periods] == expected
    assert [bill_date(p, False, anchor, MONTHLY, 1, epoch) for p in periods] == expected


def test_without_an_explicit_epoch_nothing_moves() -> None:
    periods = list(service_periods(D("2022-02-15"), MONTHLY, 1, D("2022-01-01"), None, FAR_FUTURE))
    assert bill_date(periods[0], False, D("2022-02-15"), MONTHLY, 1, None) == D("2022-01-15")


@pytest.mark.parametrize(
    ("active_start", "epoch", "expected"),
    [
        # In advance: dated at the service period's own start, even a partial one.
        ("2025-01-10", None, ["2025-01-10", "2025-02-01", "2025-03-01"]),
        ("2025-01-01", None, ["2025-01-01", "2025-02-01", "2025-03-01"]),
        # An earlier date moves to the first boundary on or after the explicit epoch.
        ("2025-01-10", "2025-02-01", ["2025-02-01", "2025-02-01", "2025-03-01"]),
    ],
)
def test_in_advance_bill_is_dated_at_the_service_period_start(
    active_start: str, epoch: str | None, expected: list[str]
) -> None:
    anchor = D("2025-01-01")
    explicit_epoch = None if epoch is None else D(epoch)
    periods = service_periods(anchor, MONTHLY, 1, D(active_start), D("2025-03-15"), FAR_FUTURE)
    dates = [bill_date(p, True, anchor, MONTHLY, 1, explicit_epoch) for p in periods]
    assert dates == [D(d) for d in expected]


def test_epoch_floor_moves_to_a_boundary_even_when_the_epoch_is_not_one() -> None:
    # Anchor from the account plan (the 1st), floor from an epoch mid-month.
    period = next(service_periods(D("2025-01-01"), MONTHLY, 1, D("2025-01-01"), None, FAR_FUTURE))
    assert bill_date(period, False, D("2025-01-01"), MONTHLY, 1, D("2025-02-10")) == D("2025-03-01")


# --- bill epoch resolution ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("plan_epoch", "account_epoch", "org_epochs", "frequency", "expected"),
    [
        ("2025-01-15", "2025-01-20", {}, MONTHLY, ("2025-01-15", "accountPlan")),
        (None, "2025-01-20", {"monthEpoch": D("2023-01-05")}, MONTHLY, ("2025-01-20", "account")),
        (None, None, {"monthEpoch": D("2023-01-05")}, MONTHLY, ("2023-01-05", "organization")),
        (None, None, {"monthEpoch": D("2023-01-05")}, DAILY, ("2022-01-01", "organization")),
        (None, None, {}, WEEKLY, ("2022-01-03", "organization")),
        (None, None, {"weekEpoch": D("2024-07-01")}, WEEKLY, ("2024-07-01", "organization")),
        (None, None, {"yearEpoch": D("2024-04-01")}, ANNUALLY, ("2024-04-01", "organization")),
        (None, None, {"dayEpoch": D("2024-04-02")}, DAILY, ("2024-04-02", "organization")),
        ("2025-01-15", None, {}, "AD_HOC", ("2025-01-15", "accountPlan")),
    ],
)
def test_resolve_bill_epoch(
    plan_epoch: str | None,
    account_epoch: str | None,
    org_epochs: dict[str, date],
    frequency: str,
    expected: tuple[str, str],
) -> None:
    resolved = resolve_bill_epoch(
        None if plan_epoch is None else D(plan_epoch),
        None if account_epoch is None else D(account_epoch),
        org_epochs,
        frequency,
    )
    assert resolved == (D(expected[0]), expected[1])


def test_default_org_epochs_follow_the_spec() -> None:
    assert dict(DEFAULT_ORG_EPOCHS) == {
        "dayEpoch": D("2022-01-01"),
        "weekEpoch": D("2022-01-03"),
        "monthEpoch": D("2022-01-01"),
        "yearEpoch": D("2022-01-01"),
    }
    assert DEFAULT_ORG_EPOCHS["weekEpoch"].weekday() == 0


def test_non_periodic_plan_has_no_organization_epoch() -> None:
    with pytest.raises(ValueError, match="no organization bill epoch"):
        resolve_bill_epoch(None, None, {}, "MIXED")


# --- next_bills --------------------------------------------------------------------------


def bill_spans(bills: list[tuple[date, ServicePeriod]]) -> list[tuple[str, str, str]]:
    """(billDate, start, end) ISO strings for readable expectations."""
    return [(d.isoformat(), p.start.isoformat(), p.end.isoformat()) for d, p in bills]


@pytest.mark.parametrize(
    ("active_end", "as_of", "count", "expected"),
    [
        # SPEC §5: asOf 2025-03-10, epoch 2025-01-15 → next bill Mar 15 for [Feb 15, Mar 15).
        (
            None,
            "2025-03-10",
            3,
            [
                ("2025-03-15", "2025-02-15", "2025-03-15"),
                ("2025-04-15", "2025-03-15", "2025-04-15"),
                ("2025-05-15", "2025-04-15", "2025-05-15"),
            ],
        ),
        # A bill dated on asOf counts as "on or after".
        (None, "2025-03-15", 1, [("2025-03-15", "2025-02-15", "2025-03-15")]),
        # The plan ends mid-period: its final, partial period is still billed, after the end.
        (
            "2025-04-20",
            "2025-03-10",
            3,
            [
                ("2025-03-15", "2025-02-15", "2025-03-15"),
                ("2025-04-15", "2025-03-15", "2025-04-15"),
                ("2025-05-15", "2025-04-15", "2025-04-20"),
            ],
        ),
        # The plan ends on a boundary: fewer than three bills remain.
        (
            "2025-04-15",
            "2025-03-10",
            3,
            [
                ("2025-03-15", "2025-02-15", "2025-03-15"),
                ("2025-04-15", "2025-03-15", "2025-04-15"),
            ],
        ),
        # Ended and fully billed.
        ("2025-04-15", "2025-04-16", 3, []),
        # Not started yet: the first bills of the plan, starting with its partial period.
        (
            None,
            "2024-12-01",
            2,
            [
                ("2025-01-15", "2025-01-01", "2025-01-15"),
                ("2025-02-15", "2025-01-15", "2025-02-15"),
            ],
        ),
        (None, "2025-03-10", 0, []),
    ],
)
def test_next_bills(
    active_end: str | None, as_of: str, count: int, expected: list[tuple[str, str, str]]
) -> None:
    bills = next_bills(
        D("2025-01-15"),
        MONTHLY,
        1,
        D("2025-01-01"),
        None if active_end is None else D(active_end),
        D(as_of),
        count,
        explicit_epoch=D("2025-01-15"),
    )
    assert bill_spans(bills) == expected


def test_next_bills_lists_every_period_gathered_onto_the_epoch_bill() -> None:
    bills = next_bills(
        D("2022-02-15"),
        MONTHLY,
        1,
        D("2022-01-01"),
        None,
        D("2021-12-01"),
        count=2,
        explicit_epoch=D("2022-02-15"),
    )
    assert bill_spans(bills) == [
        ("2022-02-15", "2022-01-01", "2022-01-15"),
        ("2022-02-15", "2022-01-15", "2022-02-15"),
        ("2022-03-15", "2022-02-15", "2022-03-15"),
    ]


def test_next_bills_after_the_epoch_bill_is_past() -> None:
    bills = next_bills(
        D("2022-02-15"), MONTHLY, 1, D("2022-01-01"), None, D("2022-02-16"), 1, D("2022-02-15")
    )
    assert bill_spans(bills) == [("2022-03-15", "2022-02-15", "2022-03-15")]


@given(
    schedules(),
    st.dates(date(2000, 1, 1), date(2030, 12, 31)),
    st.one_of(st.none(), st.integers(1, 900)),
    st.integers(-400, 1200),
    st.integers(1, 4),
    st.one_of(st.none(), st.integers(-60, 600)),
)
def test_next_bills_agrees_with_billing_every_period(
    schedule: tuple[date, str, int],
    active_start: date,
    length: int | None,
    as_of_offset: int,
    count: int,
    epoch_offset: int | None,
) -> None:
    """next_bills jumps ahead; billing every period from the plan's start must agree."""
    anchor, frequency, interval = schedule
    active_end = None if length is None else active_start + timedelta(days=length)
    as_of = active_start + timedelta(days=as_of_offset)
    epoch = None if epoch_offset is None else active_start + timedelta(days=epoch_offset)
    if epoch is not None:
        anchor = epoch  # an explicit epoch is the anchor
    expected: list[tuple[date, ServicePeriod]] = []
    for period in service_periods(
        anchor, frequency, interval, active_start, active_end, D("2200-01-01")
    ):
        billed_on = bill_date_in_arrears(period, epoch)
        if billed_on < as_of:
            continue
        if len({d for d, _ in expected} | {billed_on}) > count:
            break
        expected.append((billed_on, period))
    actual = next_bills(anchor, frequency, interval, active_start, active_end, as_of, count, epoch)
    assert actual == expected


# --- BC401 and BC404 helpers -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("epoch", "frequency", "expected"),
    [
        ("2025-01-28", MONTHLY, False),
        ("2025-01-29", MONTHLY, True),
        ("2025-01-30", MONTHLY, True),
        ("2025-01-31", MONTHLY, True),
        ("2024-02-29", MONTHLY, True),
        ("2024-02-29", ANNUALLY, True),
        ("2025-03-31", ANNUALLY, True),
        ("2025-02-28", ANNUALLY, False),
        ("2025-01-31", DAILY, False),
        ("2025-01-31", WEEKLY, False),
        ("2025-01-31", "AD_HOC", False),
    ],
)
def test_month_end_risk(epoch: str, frequency: str, expected: bool) -> None:
    assert month_end_risk(D(epoch), frequency) is expected


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        (("2022-01-15", MONTHLY, 1), ("2023-06-15", MONTHLY, 1), True),
        (("2022-01-31", MONTHLY, 1), ("2022-03-31", MONTHLY, 1), True),
        (("2022-01-30", MONTHLY, 1), ("2022-01-31", MONTHLY, 1), False),
        # Feb 28 is a boundary of the Jan 31 schedule, but Feb 28's schedule goes to Mar 28.
        (("2022-01-31", MONTHLY, 1), ("2022-02-28", MONTHLY, 1), False),
        (("2022-01-15", MONTHLY, 2), ("2022-03-15", MONTHLY, 2), True),
        (("2022-01-15", MONTHLY, 2), ("2022-02-15", MONTHLY, 2), False),
        (("2022-01-15", MONTHLY, 1), ("2022-01-15", MONTHLY, 2), False),
        (("2022-01-15", MONTHLY, 12), ("2020-01-15", ANNUALLY, 1), True),
        (("2022-01-15", MONTHLY, 1), ("2022-01-15", ANNUALLY, 1), False),
        (("2024-02-29", ANNUALLY, 1), ("2023-02-28", ANNUALLY, 1), False),
        (("2022-01-03", WEEKLY, 1), ("2022-01-10", WEEKLY, 1), True),
        (("2022-01-03", WEEKLY, 1), ("2022-01-04", WEEKLY, 1), False),
        (("2022-01-03", WEEKLY, 2), ("2022-01-10", WEEKLY, 2), False),
        (("2022-01-03", DAILY, 7), ("2021-12-27", WEEKLY, 1), True),
        (("2022-01-01", DAILY, 1), ("2025-07-19", DAILY, 1), True),
        (("2022-01-01", DAILY, 1), ("2022-01-01", MONTHLY, 1), False),
    ],
)
def test_same_schedule(a: tuple[str, str, int], b: tuple[str, str, int], expected: bool) -> None:
    assert same_schedule((D(a[0]), a[1], a[2]), (D(b[0]), b[1], b[2])) is expected
    assert same_schedule((D(b[0]), b[1], b[2]), (D(a[0]), a[1], a[2])) is expected


@given(
    schedules(),
    st.integers(-30, 30),
    st.one_of(st.none(), st.tuples(st.sampled_from(PERIODIC), st.integers(1, 24))),
)
def test_same_schedule_means_the_same_boundary_dates(
    schedule: tuple[date, str, int], k: int, other_step: tuple[str, int] | None
) -> None:
    """Compare with the boundaries themselves, the other anchor taken from the first's."""
    anchor, frequency, interval = schedule
    other_frequency, other_interval = other_step or (frequency, interval)
    other = (shift(anchor, frequency, interval, k), other_frequency, other_interval)
    window_start = max(anchor, other[0]) + timedelta(days=1)
    # Twelve steps reach every month of the year a month lattice can reach; four more years
    # make sure a leap year's February is among them.
    longest = max(longest_step(*schedule), longest_step(*other))
    window_end = window_start + 12 * longest + timedelta(days=4 * 366)
    assert same_schedule(schedule, other) == (
        boundaries(*schedule, window_start, window_end)
        == boundaries(*other, window_start, window_end)
    )
