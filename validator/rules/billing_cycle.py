"""BC401–BC404: bill epochs, standing-charge cycles and shared bill dates."""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable, Iterator
from functools import partial

from .. import periods
from ..engine import Report, rule
from ..entities import Entity
from ..model import Model, Schedule, child_billing_mode, overlaps
from .dates import Span, span_of

# The org epoch fields BC401 checks, with the frequency each one anchors.
ORG_MONTH_END_FIELDS = (("monthEpoch", "MONTHLY"), ("yearEpoch", "ANNUALLY"))
MONTH_END_FREQUENCIES = ("MONTHLY", "ANNUALLY")
FREQUENCY_WORDS = {"DAILY": ("daily", "days"), "WEEKLY": ("weekly", "weeks"),
                   "MONTHLY": ("monthly", "months"), "ANNUALLY": ("annually", "years")}
EPOCH_SOURCES = {"accountPlan": "the account plan's billEpoch",
                 "account": "the account's billEpoch",
                 "organization": "the organization's epoch"}


def _frequencies(model: Model, account_plans: Iterable[Entity]) -> set[str]:
    """The bill frequencies of the plans the account plans attach."""
    frequencies = set()
    for account_plan in account_plans:
        for plan in model.plans_of(account_plan):
            template = model.template_of(plan)
            if template is not None:
                frequencies.add(str(template.get("billFrequency")))
    return frequencies


def _month_end_report(
    entity: Entity, field: str, frequencies: Callable[[], set[str]]
) -> Iterator[Report]:
    """A BC401 report for an epoch field on day 29–31 when it anchors a frequency at risk.

    `frequencies` gives the bill frequencies the epoch anchors; it is only called for an
    epoch that could be at risk.
    """
    epoch = entity.date(field)
    if epoch is None or not any(periods.month_end_risk(epoch, f) for f in MONTH_END_FREQUENCIES):
        return
    anchored = frequencies()
    for frequency in MONTH_END_FREQUENCIES:
        if frequency in anchored and periods.month_end_risk(epoch, frequency):
            owner = "the organization" if entity.kind == "organization" else entity.label
            yield Report(
                entity,
                f"{_month_end_problem(epoch, frequency)} ({field} of {owner})",
                entity.location(field),
                f"use a day from 1 to 28, such as {_day_to_suggest(epoch)}",
            )
            return


def _day_to_suggest(epoch: datetime.date) -> datetime.date:
    """The first of the month after the epoch, or its month's 28th when the calendar ends."""
    try:
        return periods.shift(epoch.replace(day=1), "MONTHLY", 1, 1)
    except OverflowError:
        return epoch.replace(day=28)


def _month_end_problem(epoch: datetime.date, frequency: str) -> str:
    if frequency == "MONTHLY":
        return (f"monthly bill epoch {epoch} is on day {epoch.day}: in shorter months "
                f"bills fall on the month's last day instead")
    if (epoch.month, epoch.day) == (2, 29):
        return f"annual bill epoch {epoch} is on Feb 29: in common years bills fall on Feb 28"
    return (f"annual bill epoch {epoch} is on day {epoch.day}, which shorter months do not "
            f"have")


@rule("BC401", "month-end-bill-epoch", "warning", scope="account")
def month_end_bill_epoch(model: Model) -> Iterator[Report]:
    """A monthly or annual bill epoch on day 29–31 (or Feb 29).

    Why is this bad?
    Bill dates count from the epoch and are clamped to the last day of a shorter month:
    an epoch on Jan 31 bills on Feb 28 (Feb 29 in a leap year), Mar 31, Apr 30, so bills
    come at uneven intervals and on dates nobody chose; an annual Feb 29 bills on Feb 28
    in common years. Reported once per field that sets the day: an account plan's
    billEpoch when it attaches a monthly or annual plan; an account's billEpoch unless
    every account plan that takes its epoch from the account is daily, weekly or ad hoc
    (with no such plan yet, the epoch anchors whatever plan comes next); the
    organization's monthEpoch and yearEpoch always.

    Example
        accounts:
          - {code: acme, name: Acme, emailAddress: billing@acme.example,
             billEpoch: 2024-01-31}
    Use instead
        accounts:
          - {code: acme, name: Acme, emailAddress: billing@acme.example,
             billEpoch: 2024-02-01}
    """
    organization = model.organization
    if organization is not None:
        for field, frequency in ORG_MONTH_END_FIELDS:
            yield from _month_end_report(organization, field, partial(set, (frequency,)))
    for account in model.entities["account"]:
        yield from _month_end_report(account, "billEpoch", partial(_account_epoch_frequencies,
                                                                   model, account))
    for account_plan in model.entities["accountPlan"]:
        yield from _month_end_report(account_plan, "billEpoch",
                                     partial(_frequencies, model, [account_plan]))


def _account_epoch_frequencies(model: Model, account: Entity) -> set[str]:
    """The frequencies of the account's plans that take their epoch from the account.

    While no plan takes it, the account's epoch is the anchor of whichever plan is
    attached next, monthly or annual as likely as not, so it counts as both.
    """
    own_plans = model.account_plans_by_account.get(account.code or "", [])
    users = [p for p in own_plans if p.date("billEpoch") is None]
    return _frequencies(model, users) if users else set(MONTH_END_FREQUENCIES)


@rule("BC402", "bill-epoch-after-end", "warning", scope="account")
def bill_epoch_after_end(model: Model) -> Iterator[Report]:
    """An explicitly set billEpoch is on or after the account plan's endDate.

    Why is this bad?
    Nothing is billed before the bill epoch (the account plan's, else the account's), so
    every period of the plan waits for a bill dated on or after the epoch: the plan's
    first bill comes only after it has ended. The finding points at the account plan.

    Example
        accountPlans:
          - {code: acme-api, account: acme, plan: api_std, startDate: 2024-01-01,
             endDate: 2024-03-01, billEpoch: 2024-03-15}
    Use instead
        accountPlans:
          - {code: acme-api, account: acme, plan: api_std, startDate: 2024-01-01,
             endDate: 2024-03-01, billEpoch: 2024-01-15}
    """
    for account_plan in model.entities["accountPlan"]:
        end, epoch = account_plan.date("endDate"), model.explicit_epoch(account_plan)
        if end is None or epoch is None or epoch < end:
            continue
        source = ("its own billEpoch" if account_plan.date("billEpoch") is not None
                  else f"the billEpoch of account '{account_plan.get('account')}'")
        yield Report(
            account_plan,
            f"{account_plan.label} ends on {end}, but {source} is {epoch}: the plan's first "
            f"bill comes only after it has ended",
            account_plan.location(),
            f"set a billEpoch before {end}, or remove it to bill on the organization's epoch",
        )


@rule("BC403", "standing-charge-offset-too-large", "error", scope="account")
def standing_charge_offset_too_large(model: Model) -> Iterator[Report]:
    """standingChargeOffset is not less than standingChargeInterval.

    Why is this bad?
    The standing charge applies to every standingChargeInterval-th billing period,
    starting standingChargeOffset periods in (SPEC: period i is charged when i ≥ offset
    and i − offset is a multiple of the interval). The platform only accepts an offset
    below the interval (default 1, so the only valid offset without an interval is 0).

    Example
        planTemplates:
          - {code: api_quarterly_fee, name: API, product: api, currency: USD,
             billFrequency: MONTHLY, standingCharge: 30,
             standingChargeInterval: 3, standingChargeOffset: 3}
    Use instead
        planTemplates:
          - {code: api_quarterly_fee, name: API, product: api, currency: USD,
             billFrequency: MONTHLY, standingCharge: 30,
             standingChargeInterval: 3, standingChargeOffset: 0}
    """
    for template in model.entities["planTemplate"]:
        offset = template.get("standingChargeOffset")
        interval = template.get("standingChargeInterval", 1)
        if not isinstance(offset, int) or not isinstance(interval, int) or offset < interval:
            continue
        yield Report(
            template,
            f"standingChargeOffset {offset} of {template.label} is not less than its "
            f"standingChargeInterval {interval}",
            template.location("standingChargeOffset"),
            f"use a standingChargeOffset from 0 to {interval - 1}",
        )


def describe_schedule(schedule: Schedule) -> str:
    """A schedule in words: `monthly from 2024-01-15 (the account's billEpoch)`."""
    if not schedule.periodic:
        return f"{schedule.frequency.lower().replace('_', ' ')}"
    adverb, unit = FREQUENCY_WORDS[schedule.frequency]
    every = adverb if schedule.interval == 1 else f"every {schedule.interval} {unit}"
    return f"{every} from {schedule.anchor} ({EPOCH_SOURCES[schedule.epoch_source]})"


def same_bill_dates(a: Schedule, b: Schedule) -> bool:
    """Whether two schedules bill on the same dates (AD_HOC and MIXED only match themselves)."""
    if not (a.periodic and b.periodic):
        return a.frequency == b.frequency
    return periods.same_schedule((a.anchor, a.frequency, a.interval),
                                 (b.anchor, b.frequency, b.interval))


@rule("BC404", "child-bill-dates-differ", "warning", scope="account")
def child_bill_dates_differ(model: Model) -> Iterator[Report]:
    """A child's plan bills onto its parent's bill, but on other bill dates than the parent's.

    Why is this bad?
    With childBillingMode PARENT_BREAKDOWN (the default) or PARENT_SUMMARY the child's
    charges go on the parent's bill, which is dated by the parent's plans. When the
    child's plan has another bill frequency, interval or epoch, its charges fall due on
    dates the parent has no bill for. The child's plan is compared with the parent's
    account plans active at overlapping times; it is fine when its bill dates match any
    of them, and reported (at the child's account plan) when they match none. A parent
    with no plan at those times is not compared.

    Example
        accounts:
          - {code: acme, name: Acme, emailAddress: billing@acme.example}
          - {code: acme-eu, name: Acme EU, emailAddress: eu@acme.example,
             parentAccount: acme, billEpoch: 2024-01-15}
        accountPlans:
          - {code: acme-api, account: acme, plan: api_std, startDate: 2024-01-01}
          - {code: acme-eu-storage, account: acme-eu, plan: storage_std,
             startDate: 2024-01-01}
    Use instead
        accounts:
          - {code: acme, name: Acme, emailAddress: billing@acme.example}
          - {code: acme-eu, name: Acme EU, emailAddress: eu@acme.example,
             parentAccount: acme}
    """
    schedules_by_parent: dict[str, list[tuple[Span, Entity, Entity, Schedule]]] = {}
    for account in model.entities["account"]:
        parent = model.billing_parent(account)
        if parent is None:
            continue
        parent_code = parent.code or ""
        parent_schedules = schedules_by_parent.get(parent_code)
        if parent_schedules is None:
            parent_schedules = schedules_by_parent[parent_code] = _schedules(
                model, model.account_plans_by_account.get(parent_code, [])
            )
        for account_plan in model.account_plans_by_account.get(account.code or "", []):
            mode = child_billing_mode(account_plan)
            if mode != "CHILD":
                yield from _differing_bill_dates(model, account_plan, mode, parent_schedules)


def _schedules(
    model: Model, account_plans: list[Entity]
) -> list[tuple[Span, Entity, Entity, Schedule]]:
    """(span, account plan, plan, schedule) for each plan the account plans attach."""
    return [
        (span, account_plan, plan, schedule)
        for account_plan in account_plans
        if (span := span_of(account_plan)) is not None
        for plan in model.plans_of(account_plan)
        if (schedule := model.schedule(account_plan, plan)) is not None
    ]


def _differing_bill_dates(
    model: Model, account_plan: Entity, mode: str,
    parent_schedules: list[tuple[Span, Entity, Entity, Schedule]],
) -> Iterator[Report]:
    """A report when one of the child's plans matches none of the parent's schedules."""
    span = span_of(account_plan)
    if span is None:
        return
    overlapping = [
        (parent_plan, plan, schedule)
        for parent_span, parent_plan, plan, schedule in parent_schedules
        if overlaps(span, parent_span)
    ]
    for plan in model.plans_of(account_plan):
        schedule = model.schedule(account_plan, plan)
        if schedule is None or not overlapping or any(
            same_bill_dates(schedule, other) for _, _, other in overlapping
        ):
            continue
        product = model.product_of(plan)
        parent_plan, _, other = next(
            (entry for entry in overlapping if model.product_of(entry[1]) == product),
            overlapping[0],
        )
        yield Report(
            account_plan,
            f"{account_plan.label} bills onto the parent's bill ({mode}) "
            f"{describe_schedule(schedule)}, but the parent's {parent_plan.label} bills "
            f"{describe_schedule(other)}",
            account_plan.location(),
            "give the child's plan the parent's bill frequency, interval and billEpoch, "
            "or set childBillingMode: CHILD",
        )
        return
