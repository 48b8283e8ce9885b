"""Meters: where each streamed usage row goes, so rows are never held in memory.

Before any usage is read, the preview registers a meter for every (aggregation, rated
accounts, days) it will need: one service period of one account, or the pooled block of
a parent and its children. A meter is one `rating.Accumulator`; a pooled meter is fed
by the rows of several accounts. After registration the book is turned into a route per
(account, aggregation): sorted, non-overlapping day ranges, each with the accumulators
it feeds. A row then costs one dictionary look-up and one bisection, and memory grows
with the number of service periods, not with the number of rows.

A range can also be *covered* without feeding anything: a period that an active plan
rates but the preview does not show (it began before the window). Rows there are rated
by a plan, so they are not reported as unrated.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from validator.rating import Accumulator

Piece = tuple[date, date]
"""A half-open day range [start, end) in the organization's timezone."""

Member = tuple[str, tuple[Piece, ...]]
"""One account whose rows a meter takes, and on which days."""


@dataclass(frozen=True)
class Route:
    """The day ranges of one (account, aggregation) that rate rows, with what they feed.

    Days are proleptic ordinals (`date.toordinal()`): integers bisect much faster than dates.
    """

    starts: list[int]
    ends: list[int]
    feeds: list[tuple[Accumulator, ...]]

    def feed(self, day: int, instant: datetime, value: Decimal) -> bool:
        """Give the row of day ordinal `day` to every accumulator of its day.

        False when no range covers the day.
        """
        index = bisect_right(self.starts, day) - 1
        if index < 0 or day >= self.ends[index]:
            return False
        for accumulator in self.feeds[index]:
            accumulator.add(instant, value)
        return True


class MeterBook:
    """Registers meters, then routes rows to them (`routes()`)."""

    def __init__(self) -> None:
        self._meters: dict[tuple[str, tuple[Member, ...]], Accumulator] = {}
        self._pieces: dict[tuple[str, str], list[tuple[Piece, Accumulator | None]]] = (
            defaultdict(list)
        )

    def meter(
        self, aggregation: str, function: str, members: tuple[Member, ...]
    ) -> Accumulator:
        """The accumulator of `function` over the members' rows of `aggregation`.

        Registering the same aggregation and members twice gives the same accumulator,
        so two pricings rating the same usage in the same period share one.
        """
        key = (aggregation, members)
        found = self._meters.get(key)
        if found is not None:
            return found
        accumulator = Accumulator.for_function(function)
        self._meters[key] = accumulator
        for account, pieces in members:
            for piece in pieces:
                self._pieces[(account, aggregation)].append((piece, accumulator))
        return accumulator

    def cover(self, account: str, aggregation: str, pieces: Sequence[Piece]) -> None:
        """Mark days on which a plan rates the account's rows without the preview showing it."""
        for piece in pieces:
            self._pieces[(account, aggregation)].append((piece, None))

    def routes(self) -> dict[tuple[str, str], Route]:
        """Every registered (account, aggregation) as a route of non-overlapping ranges."""
        return {key: _route(pieces) for key, pieces in self._pieces.items()}


def _route(pieces: Sequence[tuple[Piece, Accumulator | None]]) -> Route:
    """Cut the pieces at every boundary; each elementary range feeds what covers it."""
    boundaries = sorted({day for (start, end), _ in pieces for day in (start, end)})
    segments: list[list[Accumulator] | None] = [None] * (len(boundaries) - 1)
    for (start, end), accumulator in pieces:
        for index in range(bisect_left(boundaries, start), bisect_left(boundaries, end)):
            feeds = segments[index]
            if feeds is None:
                feeds = segments[index] = []
            if accumulator is not None and all(accumulator is not f for f in feeds):
                feeds.append(accumulator)
    starts: list[int] = []
    ends: list[int] = []
    routed: list[tuple[Accumulator, ...]] = []
    for index, feeds in enumerate(segments):
        if feeds is not None:
            starts.append(boundaries[index].toordinal())
            ends.append(boundaries[index + 1].toordinal())
            routed.append(tuple(feeds))
    return Route(starts, ends, routed)
