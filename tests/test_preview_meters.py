"""Meters: each usage row reaches exactly the accumulators whose days hold it."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from validator.preview.meters import MeterBook

D = date.fromisoformat
AT = datetime(2025, 1, 1)


def feed(book: MeterBook, account: str, day: str, value: str = "1") -> bool:
    route = book.routes().get((account, "calls"))
    return route is not None and route.feed(D(day).toordinal(), AT, Decimal(value))


def test_row_feeds_every_meter_whose_days_hold_it() -> None:
    book = MeterBook()
    january = book.meter("calls", "SUM", (("acme", ((D("2025-01-01"), D("2025-02-01")),)),))
    fortnight = book.meter("calls", "SUM", (("acme", ((D("2025-01-20"), D("2025-02-03")),)),))
    routes = book.routes()
    route = routes[("acme", "calls")]
    for day, value in (("2025-01-01", "1"), ("2025-01-25", "10"), ("2025-02-02", "100")):
        assert route.feed(D(day).toordinal(), AT, Decimal(value))
    assert not route.feed(D("2025-02-03").toordinal(), AT, Decimal("1000"))  # end is exclusive
    assert not route.feed(D("2024-12-31").toordinal(), AT, Decimal("1000"))
    assert january.result() == Decimal("11")
    assert fortnight.result() == Decimal("110")


def test_pooled_meter_takes_rows_of_every_member_on_their_days() -> None:
    book = MeterBook()
    january = (D("2025-01-01"), D("2025-02-01"))
    pool = book.meter("calls", "SUM", (
        ("parent", (january,)),
        ("child", ((D("2025-01-01"), D("2025-01-10")), (D("2025-01-20"), D("2025-02-01")))),
    ))
    routes = book.routes()
    for account, day in (("parent", "2025-01-15"), ("child", "2025-01-05"),
                         ("child", "2025-01-15"), ("child", "2025-01-25")):
        routes[(account, "calls")].feed(D(day).toordinal(), AT, Decimal(1))
    assert pool.result() == Decimal(3)  # the child's row of Jan 15 is not the pool's


def test_same_usage_registered_twice_shares_one_meter() -> None:
    book = MeterBook()
    members = (("acme", ((D("2025-01-01"), D("2025-02-01")),)),)
    assert book.meter("calls", "SUM", members) is book.meter("calls", "SUM", members)
    assert book.meter("calls", "SUM", members) is not book.meter("other", "SUM", members)


def test_covered_days_rate_rows_without_feeding_a_meter() -> None:
    book = MeterBook()
    book.cover("acme", "calls", [(D("2024-12-15"), D("2025-01-15"))])
    assert feed(book, "acme", "2025-01-10")
    assert not feed(book, "acme", "2025-01-15")
    assert not feed(book, "globex", "2025-01-10")
