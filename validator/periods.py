"""Billing-period arithmetic shared by the BC4xx rules and the bill preview (SPEC §4.1–4.7, §5).

Every date here is a `datetime.date`, every interval half-open `[start, end)`. A schedule is
an anchor date, a frequency and an interval; its boundaries are `anchor + k·unit·interval`
for every integer k, each computed from the anchor (never by chaining), with monthly and
annual boundaries clamped to the last day of a shorter month. Because the rules and the
preview both come here, a rule and a bill never disagree about a date.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from enum import Enum
from fractions import Fraction


class Frequency(str, Enum):
    """A plan template's billFrequency; only the first four have periodic boundaries."""

    DAILY = "DAILY"
    WEEKLY = "WEEKLY"
    MONTHLY = "MONTHLY"
    ANNUALLY = "ANNUALLY"
    AD_HOC = "AD_HOC"
    MIXED = "MIXED"


PERIODIC_FREQUENCIES: frozenset[str] = frozenset(
    {Frequency.DAILY, Frequency.WEEKLY, Frequency.MONTHLY, Frequency.ANNUALLY}
)

ORG_EPOCH_FIELDS: Mapping[str, str] = {
    Frequency.DAILY: "dayEpoch",
    Frequency.WEEKLY: "weekEpoch",
    Frequency.MONTHLY: "monthEpoch",
    Frequency.ANNUALLY: "yearEpoch",
}

DEFAULT_ORG_EPOCHS: Mapping[str, date] = {
    "dayEpoch": date(2022, 1, 1),
    "weekEpoch": date(2022, 1, 3),  # a Monday
    "monthEpoch": date(2022, 1, 1),
    "yearEpoch": date(2022, 1, 1),
}

Schedule = tuple[date, str, int]
"""(anchor, frequency, interval): everything that decides a plan's boundary dates."""


@dataclass(frozen=True)
class ServicePeriod:
    """One service period: a boundary interval clipped to the plan's active interval.

    `index` numbers the plan's service periods 0, 1, 2 … from its first (partial or not),
    which is what standingChargeInterval / standingChargeOffset count.
    """

    start: date
    end: date
    boundary_start: date
    boundary_end: date
    index: int

    @property
    def proration(self) -> Fraction:
        """Days in the service period ÷ days in the boundary interval, kept exact."""
        return Fraction(
            (self.end - self.start).days, (self.boundary_end - self.boundary_start).days
        )


def is_periodic(frequency: str) -> bool:
    """Whether the frequency has periodic boundaries (AD_HOC and MIXED do not)."""
    return frequency in PERIODIC_FREQUENCIES


def _step(frequency: str, interval: int) -> tuple[bool, int]:
    """Return (counts_months, step) where step is in months or in days."""
    if interval < 1:
        raise ValueError(f"billing interval must be at least 1, got {interval}")
    if frequency == Frequency.DAILY:
        return False, interval
    if frequency == Frequency.WEEKLY:
        return False, 7 * interval
    if frequency == Frequency.MONTHLY:
        return True, interval
    if frequency == Frequency.ANNUALLY:
        return True, 12 * interval
    raise ValueError(f"frequency {frequency!r} has no periodic boundaries")


def _month_number(day: date) -> int:
    """Months since year 0, so that month differences are plain subtraction."""
    return day.year * 12 + day.month - 1


def _add_months(anchor: date, months: int) -> date:
    """The anchor moved by whole months, its day clamped to the target month's length."""
    year, month_index = divmod(_month_number(anchor) + months, 12)
    if not date.min.year <= year <= date.max.year:
        raise OverflowError("date value out of range")
    month = month_index + 1
    return date(year, month, min(anchor.day, calendar.monthrange(year, month)[1]))


def shift(anchor: date, frequency: str, interval: int, k: int) -> date:
    """Boundary k of the schedule: anchor + k·(unit·interval), for any integer k.

    Computed from the anchor, never by chaining, so a Jan 31 anchor gives Feb 28 (Feb 29 in
    a leap year) and then Mar 31 again. Raises ValueError for a non-periodic frequency and
    OverflowError when the boundary lies outside `datetime.date`'s range.
    """
    counts_months, step = _step(frequency, interval)
    if counts_months:
        return _add_months(anchor, k * step)
    return anchor + timedelta(days=k * step)


def boundary_index(anchor: date, frequency: str, interval: int, day: date) -> int:
    """The k with shift(k) <= day < shift(k + 1), computed in constant time."""
    counts_months, step = _step(frequency, interval)
    if not counts_months:
        return (day - anchor).days // step
    k = (_month_number(day) - _month_number(anchor)) // step
    # shift(k) lies in day's month or earlier and shift(k + 1) in a later month, so only
    # a boundary in day's own month but after its day can be one too far.
    if _add_months(anchor, k * step) > day:
        k -= 1
    return k


def boundary_containing(
    anchor: date, frequency: str, interval: int, day: date
) -> tuple[date, date]:
    """The boundary interval [shift(k), shift(k + 1)) that contains the day."""
    k = boundary_index(anchor, frequency, interval, day)
    return shift(anchor, frequency, interval, k), shift(anchor, frequency, interval, k + 1)


def first_boundary_on_or_after(anchor: date, frequency: str, interval: int, day: date) -> date:
    """The earliest boundary of the schedule that is not before the day."""
    start, end = boundary_containing(anchor, frequency, interval, day)
    return start if start == day else end


def _periods_from(
    anchor: date,
    frequency: str,
    interval: int,
    active_start: date,
    active_end: date | None,
    first_k: int,
) -> Iterator[ServicePeriod]:
    """Service periods from boundary first_k on, numbered from the plan's first period.

    Ends with the plan, or silently at the end of `datetime.date`'s range for an
    open-ended plan.
    """
    plan_first_k = boundary_index(anchor, frequency, interval, active_start)
    k = max(first_k, plan_first_k)
    while True:
        try:
            boundary_start = shift(anchor, frequency, interval, k)
            boundary_end = shift(anchor, frequency, interval, k + 1)
        except OverflowError:
            return
        start = max(boundary_start, active_start)
        end = boundary_end if active_end is None else min(boundary_end, active_end)
        if start >= end:
            return
        yield ServicePeriod(start, end, boundary_start, boundary_end, k - plan_first_k)
        k += 1


def service_periods(
    anchor: date,
    frequency: str,
    interval: int,
    active_start: date,
    active_end: date | None,
    until: date,
    *,
    since: date | None = None,
) -> Iterator[ServicePeriod]:
    """The plan's service periods in order: boundary intervals clipped to the active interval.

    The plan is active on [active_start, active_end); `active_end` None means open-ended.
    Stops before the first period that starts on or after `until`. With `since`, periods
    that start before it are skipped without being walked (their numbering is kept), so
    `since=from_, until=to` yields exactly the periods that start inside a preview window
    [from_, to).
    """
    first_k = boundary_index(anchor, frequency, interval, active_start if since is None else since)
    for period in _periods_from(anchor, frequency, interval, active_start, active_end, first_k):
        if period.start >= until:
            return
        if since is None or period.start >= since:
            yield period


def service_period_containing(
    anchor: date,
    frequency: str,
    interval: int,
    active_start: date,
    active_end: date | None,
    day: date,
) -> ServicePeriod | None:
    """The plan's service period that contains the day, numbered like `service_periods`.

    None when the plan is not active on the day. The preview uses it for the period a
    window's first day falls in, which may have started before the window.
    """
    if day < active_start or (active_end is not None and day >= active_end):
        return None
    first_k = boundary_index(anchor, frequency, interval, day)
    periods = _periods_from(anchor, frequency, interval, active_start, active_end, first_k)
    return next(periods, None)


def bill_date_in_arrears(period: ServicePeriod, bill_epoch_floor: date | None) -> date:
    """The period's arrears bill date: its boundary end, but never before the floor.

    The floor is the explicitly set billEpoch (the account plan's, else the account's), or
    None when the anchor comes from the organization. Since an explicit epoch is also the
    schedule's anchor, it is itself a boundary, and so the first boundary on or after it.
    For a floor that is not the anchor use `bill_date`.
    """
    if bill_epoch_floor is not None and period.boundary_end < bill_epoch_floor:
        return bill_epoch_floor
    return period.boundary_end


def bill_date(
    period: ServicePeriod,
    in_advance: bool,
    anchor: date,
    frequency: str,
    interval: int,
    explicit_epoch: date | None,
) -> date:
    """The date of the bill that carries an item of this service period (SPEC §4.6).

    In arrears the bill is dated at the end of the boundary interval containing the
    period. In advance it is dated at the service period's own start, taken literally:
    a partial first period starting mid-interval is billed in advance on that start date,
    not on the earlier boundary (which precedes the plan). Either date, when earlier than
    `explicit_epoch` (the account plan's, else the account's billEpoch; None when the
    organization's epoch is the anchor), moves to the first boundary on or after it.
    """
    raw_date = period.start if in_advance else period.boundary_end
    if explicit_epoch is not None and raw_date < explicit_epoch:
        return first_boundary_on_or_after(anchor, frequency, interval, explicit_epoch)
    return raw_date


def resolve_bill_epoch(
    account_plan_epoch: date | None,
    account_epoch: date | None,
    org_epochs: Mapping[str, date],
    frequency: str,
) -> tuple[date, str]:
    """The schedule's anchor and its source: 'accountPlan', 'account' or 'organization'.

    `org_epochs` is keyed by the organization's field names (dayEpoch, weekEpoch,
    monthEpoch, yearEpoch); a missing one falls back to DEFAULT_ORG_EPOCHS. Only the
    organization fallback needs a periodic frequency; it raises ValueError otherwise.
    """
    if account_plan_epoch is not None:
        return account_plan_epoch, "accountPlan"
    if account_epoch is not None:
        return account_epoch, "account"
    if not is_periodic(frequency):
        raise ValueError(f"frequency {frequency!r} has no organization bill epoch")
    field = ORG_EPOCH_FIELDS[frequency]
    return org_epochs.get(field, DEFAULT_ORG_EPOCHS[field]), "organization"


def _first_boundary_billed_on_or_after(
    anchor: date,
    frequency: str,
    interval: int,
    active_start: date,
    as_of: date,
    explicit_epoch: date | None,
) -> int:
    """A boundary index before which no service period is billed on or after as_of."""
    if explicit_epoch is not None:
        epoch_bill = first_boundary_on_or_after(anchor, frequency, interval, explicit_epoch)
        if epoch_bill >= as_of:
            # Every period before the epoch is gathered onto a bill that still lies ahead.
            return boundary_index(anchor, frequency, interval, active_start)
    # Otherwise a period is billed on its boundary end or on a bill before as_of, so only
    # boundaries ending after as_of - 1 day can still be billed on or after as_of.
    return boundary_index(anchor, frequency, interval, as_of - timedelta(days=1))


def next_bills(
    anchor: date,
    frequency: str,
    interval: int,
    active_start: date,
    active_end: date | None,
    as_of: date,
    count: int = 3,
    explicit_epoch: date | None = None,
) -> list[tuple[date, ServicePeriod]]:
    """The plan's next `count` arrears bill dates on or after as_of, with what they cover.

    Each pair is (bill date, service period billed on it). A bill that covers several
    service periods (the billEpoch floor gathers earlier ones onto it) appears once per
    period, and `count` counts distinct bill dates. The final bill of an ending plan is
    included even though it is dated on or after the plan's end; fewer than `count`
    dates come back once the plan has no more periods.
    """
    if count < 1:
        return []
    first_k = _first_boundary_billed_on_or_after(
        anchor, frequency, interval, active_start, as_of, explicit_epoch
    )
    bills: list[tuple[date, ServicePeriod]] = []
    distinct_dates = 0
    for period in _periods_from(anchor, frequency, interval, active_start, active_end, first_k):
        billed_on = bill_date(period, False, anchor, frequency, interval, explicit_epoch)
        if billed_on < as_of:
            continue
        if not bills or bills[-1][0] != billed_on:
            if distinct_dates == count:
                break
            distinct_dates += 1
        bills.append((billed_on, period))
    return bills


def month_end_risk(epoch: date, frequency: str) -> bool:
    """Whether a bill epoch triggers BC401: monthly or annual on day 29–31 (Feb 29 included).

    Follows the rule's wording literally, so an annual epoch on Jan 30 also counts, although
    only an annual Feb 29 is ever actually clamped.
    """
    return frequency in (Frequency.MONTHLY, Frequency.ANNUALLY) and epoch.day >= 29


def same_schedule(a: Schedule, b: Schedule) -> bool:
    """Whether two (anchor, frequency, interval) schedules produce the same boundary dates.

    Compared by step, not by name: DAILY×7 equals WEEKLY×1 and MONTHLY×12 equals
    ANNUALLY×1. Day-based anchors must differ by a whole number of steps; month-based ones
    by a whole number of steps in months and have the same day of month (Jan 31 and Mar 31
    monthly agree, Jan 30 and Jan 31 do not). Raises ValueError for a non-periodic one.
    """
    anchor_a, frequency_a, interval_a = a
    anchor_b, frequency_b, interval_b = b
    counts_months_a, step_a = _step(frequency_a, interval_a)
    counts_months_b, step_b = _step(frequency_b, interval_b)
    if counts_months_a != counts_months_b or step_a != step_b:
        return False
    if not counts_months_a:
        return (anchor_a - anchor_b).days % step_a == 0
    month_offset = _month_number(anchor_a) - _month_number(anchor_b)
    return month_offset % step_a == 0 and anchor_a.day == anchor_b.day
