"""periods.service_period_containing: the period a preview window's first day falls in."""

from __future__ import annotations

from datetime import date

import pytest

from validator.periods import service_period_containing, service_periods

D = date.fromisoformat


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        ("2025-01-15", ("2025-01-15", "2025-02-01", 0)),  # the partial first period
        ("2025-02-01", ("2025-02-01", "2025-03-01", 1)),
        ("2025-03-31", ("2025-03-01", "2025-04-01", 2)),
        ("2025-04-09", ("2025-04-01", "2025-04-10", 3)),  # the partial last period
        ("2025-04-10", None),  # the plan has ended (end dates are exclusive)
        ("2025-01-14", None),  # not started yet
    ],
)
def test_period_containing_a_day(day: str, expected: tuple[str, str, int] | None) -> None:
    found = service_period_containing(
        D("2022-01-01"), "MONTHLY", 1, D("2025-01-15"), D("2025-04-10"), D(day)
    )
    if expected is None:
        assert found is None
    else:
        assert found is not None
        assert (found.start.isoformat(), found.end.isoformat(), found.index) == expected


def test_period_containing_agrees_with_the_walk_of_every_period() -> None:
    walked = list(service_periods(D("2024-01-31"), "MONTHLY", 1, D("2024-02-10"), None,
                                  D("2025-06-01")))
    for period in walked:
        for day in (period.start, period.end.fromordinal(period.end.toordinal() - 1)):
            assert service_period_containing(
                D("2024-01-31"), "MONTHLY", 1, D("2024-02-10"), None, day
            ) == period
