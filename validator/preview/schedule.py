"""Which plans the preview bills, on which dates, and whose usage each one rates.

An *attachment* is one plan as one account plan attaches it (a plan group attaches each
of its plans). It carries everything SPEC §4.2–4.6 needs: the schedule from the plan's
template and the resolved bill epoch, the account plan's active interval, the explicit
epoch that no bill may precede, and the account's place in its hierarchy. All date
arithmetic is `validator.periods`; nothing here computes a date itself.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from functools import cached_property

from validator import periods
from validator.entities import Entity
from validator.model import Model, Schedule, active_interval, child_billing_mode
from validator.periods import ServicePeriod

from .meters import Member, Piece

PARENT_BREAKDOWN, PARENT_SUMMARY, CHILD = "PARENT_BREAKDOWN", "PARENT_SUMMARY", "CHILD"


@dataclass(frozen=True)
class Window:
    """The preview window [start, end): `--from` and `--to`."""

    start: date
    end: date

    def overlaps(self, start: date, end: date | None) -> bool:
        """Whether [start, end) (None = open-ended) shares a day with the window."""
        return start < self.end and (end is None or self.start < end)


@dataclass(frozen=True)
class Attachment:
    """One plan as attached by one account plan, with all that decides its bills."""

    account_plan: Entity
    plan: Entity
    account_plan_code: str | None
    plan_code: str
    account: str
    parent: str | None  # the account's parent, when the account is a child
    children: tuple[str, ...]  # the account's children, by code, when it is a parent
    product: str
    currency: str  # the plan's pricing currency (its template's)
    schedule: Schedule
    explicit_epoch: date | None
    start: date
    end: date | None
    mode: str  # the account plan's childBillingMode

    @property
    def label(self) -> str:
        """How messages name the attachment."""
        return f"{self.account_plan.label} (plan '{self.plan_code}')"

    def periods(self, *, since: date | None = None, until: date) -> Iterator[ServicePeriod]:
        """The service periods starting in [since, until), numbered from the plan's first."""
        schedule = self.schedule
        return periods.service_periods(
            schedule.anchor, schedule.frequency, schedule.interval, self.start, self.end,
            until, since=since,
        )

    def period_containing(self, day: date) -> ServicePeriod | None:
        """The service period that contains the day, if the plan is active on it."""
        schedule = self.schedule
        return periods.service_period_containing(
            schedule.anchor, schedule.frequency, schedule.interval, self.start, self.end, day
        )

    def bill_date(self, period: ServicePeriod, in_advance: bool) -> date:
        """The date of the bill carrying an item of the period (SPEC §4.6)."""
        schedule = self.schedule
        return periods.bill_date(
            period, in_advance, schedule.anchor, schedule.frequency, schedule.interval,
            self.explicit_epoch,
        )


def attachments(model: Model) -> Iterator[Attachment]:
    """Every plan of every account plan whose account, plan, template and product resolve."""
    for account_plan in model.entities["accountPlan"]:
        account = model.ref(account_plan, "account")
        interval = active_interval(account_plan)
        if account is None or account.code is None or interval is None:
            continue
        parent = model.billing_parent(account)
        children = sorted(
            child.code for child in model.children.get(account.code, ()) if child.code
        )
        for plan in model.plans_of(account_plan):
            template = model.template_of(plan)
            product = model.product_of(plan)
            schedule = model.schedule(account_plan, plan)
            if template is None or product is None or schedule is None or plan.code is None:
                continue
            yield Attachment(
                account_plan=account_plan,
                plan=plan,
                account_plan_code=account_plan.code,
                plan_code=plan.code,
                account=account.code,
                parent=parent.code if parent is not None else None,
                children=tuple(children),
                product=product,
                currency=str(template.get("currency")),
                schedule=schedule,
                explicit_epoch=model.explicit_epoch(account_plan),
                start=interval[0],
                end=interval[1],
                mode=child_billing_mode(account_plan),
            )


class Pooling:
    """Which accounts' usage an attachment rates on which days (SPEC §4.11).

    A plan on a parent rates the parent's usage and, on every day a child has no active
    plan of its own for the plan's product, that child's usage too. A child's own plan
    rates the child alone.
    """

    def __init__(self, model: Model) -> None:
        self.model = model

    @cached_property
    def _own_intervals(self) -> dict[tuple[str, str], list[tuple[date, date | None]]]:
        """Active intervals of each account's account plans, by (account, product)."""
        found: dict[tuple[str, str], list[tuple[date, date | None]]] = {}
        for account, account_plans in self.model.account_plans_by_account.items():
            for account_plan in account_plans:
                interval = active_interval(account_plan)
                if interval is None:
                    continue
                for product in self.model.products_of(account_plan):
                    found.setdefault((account, product), []).append(interval)
        return found

    def members(self, attachment: Attachment, piece: Piece) -> tuple[Member, ...]:
        """The rated accounts of the attachment within `piece`, the plan's own account first."""
        members: list[Member] = [(attachment.account, (piece,))]
        for child in attachment.children:
            own = self._own_intervals.get((child, attachment.product), [])
            pieces = subtract(piece, own)
            if pieces:
                members.append((child, pieces))
        return tuple(members)


def subtract(piece: Piece, intervals: list[tuple[date, date | None]]) -> tuple[Piece, ...]:
    """The days of `piece` outside every interval (None = open-ended), as sorted pieces."""
    remaining = [piece]
    for start, end in intervals:
        next_remaining: list[Piece] = []
        for low, high in remaining:
            if end is not None and end <= low or start >= high:
                next_remaining.append((low, high))
                continue
            if low < start:
                next_remaining.append((low, start))
            if end is not None and end < high:
                next_remaining.append((end, high))
        remaining = next_remaining
    return tuple(sorted(remaining))
