"""BC301–BC305: start and end dates, overlaps and gaps."""

from __future__ import annotations

import datetime
import heapq
from collections import defaultdict
from collections.abc import Iterable, Iterator

from ..engine import Report, rule
from ..entities import Entity
from ..model import Model, active_interval, overlaps

Span = tuple[datetime.date, datetime.date | None]

DATED_KINDS = ("accountPlan", "contract", "pricing", "counterPricing")


def span_of(entity: Entity | None) -> Span | None:
    """An entity's [startDate, endDate) when it covers at least one day, else None.

    An entity whose end is not after its start (BC301) is active on no day, so it can
    neither overlap nor leave a gap.
    """
    interval = active_interval(entity) if entity is not None else None
    if interval is None:
        return None
    start, end = interval
    return None if end is not None and end <= start else interval


def by_start(entities: Iterable[Entity]) -> list[tuple[Span, Entity]]:
    """The entities that cover at least one day, with their spans, sorted by start date.

    Of two starting the same day the one earlier in the tree comes first.
    """
    spans = [(span, e) for e in entities if (span := span_of(e)) is not None]
    return sorted(spans, key=lambda pair: (pair[0][0], pair[1].order))


def describe_span(span: Span) -> str:
    """A span in words: `from 2024-01-01 to 2024-06-01` or `from 2024-01-01, open-ended`."""
    start, end = span
    return f"from {start} to {end}" if end is not None else f"from {start}, open-ended"


def describe_dates(entity: Entity) -> str:
    """An entity's label with its dates: `account plan 'a' (from 2024-01-01, open-ended)`."""
    interval = active_interval(entity)
    return f"{entity.label} ({describe_span(interval)})" if interval else entity.label


def overlapping_pairs(entities: Iterable[Entity]) -> Iterator[tuple[Entity, Entity]]:
    """Every pair of dated entities that share a day, as (earlier, later).

    `later` is the one that starts later (ties: later in the tree). One sweep over the
    entities sorted by start, keeping the set of those still open, so the cost is
    O(n log n) plus one step per overlapping pair, never a comparison of every pair.
    """
    open_entities: dict[int, Entity] = {}
    ends: list[tuple[datetime.date, int]] = []
    for index, ((start, end), entity) in enumerate(by_start(entities)):
        while ends and ends[0][0] <= start:
            open_entities.pop(heapq.heappop(ends)[1])
        for earlier in open_entities.values():
            yield earlier, entity
        open_entities[index] = entity
        heapq.heappush(ends, (end or datetime.date.max, index))


def end_hint(earlier: Entity, later: Entity) -> str:
    """How to resolve an overlap: end the earlier entity on the day the later one starts."""
    start = later.date("startDate")
    hint = f"end {earlier.label} on {start}, the day {later.label} starts"
    if earlier.date("startDate") == start:
        return f"{hint} (both start that day, so that means removing {earlier.label})"
    return hint


@rule("BC301", "end-date-not-after-start-date", "error", scope="account")
def end_date_not_after_start_date(model: Model) -> Iterator[Report]:
    """End date not after start date (account plan, contract, pricing, counter pricing).

    Why is this bad?
    End dates are exclusive: an entity is active on [startDate, endDate). An end date on
    or before the start date leaves it active on no day at all, so the plan, contract or
    pricing never takes effect. Such an entity is also left out of the overlap, gap and
    contract-period checks (BC302–BC305), since it covers no day.

    Example
        accountPlans:
          - code: acme-api
            account: acme
            plan: api_std
            startDate: 2024-03-01
            endDate: 2024-03-01
    Use instead
        accountPlans:
          - code: acme-api
            account: acme
            plan: api_std
            startDate: 2024-03-01
            endDate: 2024-04-01
    """
    for kind in DATED_KINDS:
        for entity in model.entities[kind]:
            start, end = entity.date("startDate"), entity.date("endDate")
            if start is None or end is None or end > start:
                continue
            yield Report(
                entity,
                f"{entity.label} ends on {end}, not after it starts on {start}",
                entity.location("endDate"),
                _end_date_hint(entity, start),
            )


def _end_date_hint(entity: Entity, start: datetime.date) -> str:
    """How to fix an end date: a later one, or none where endDate is optional."""
    if start == datetime.date.max:
        hint = f"no date comes after {start}: set an earlier startDate"
    else:
        hint = (f"set endDate after {start} (end dates are exclusive: a single day {start} "
                f"ends on {start + datetime.timedelta(days=1)})")
    # A contract's endDate is required, so removing it is no fix.
    return hint if entity.kind == "contract" else f"{hint}, or remove endDate"


def _overlap(earlier: Entity, later: Entity, whose: str) -> Report:
    """An overlap, reported at the later entity's startDate; `whose` says what they share."""
    return Report(
        later,
        f"{describe_dates(later)} overlaps {describe_dates(earlier)} {whose}",
        later.location("startDate"),
        end_hint(earlier, later),
    )

def plans_by_account_and_product(model: Model) -> Iterator[tuple[str, dict[str, list[Entity]]]]:
    """For each known account, its account plans by product (a plan group under each product)."""
    for account_code, account_plans in model.account_plans_by_account.items():
        if model.get("account", account_code) is None:
            continue
        by_product: dict[str, list[Entity]] = defaultdict(list)
        for account_plan in account_plans:
            for product in model.products_of(account_plan):
                by_product[product].append(account_plan)
        yield account_code, by_product


def _products(products: list[str]) -> str:
    names = ", ".join(f"'{p}'" for p in sorted(products))
    return f"product {names}" if len(products) == 1 else f"products {names}"


@rule("BC302", "overlapping-account-plans", "error", scope="account")
def overlapping_account_plans(model: Model) -> Iterator[Report]:
    """Two account plans of one account for the same product overlap in time.

    Why is this bad?
    The platform rejects a second plan for a product while the first is still active
    (unless the organization sets `allowOverlappingPlans`): the change cannot be applied.
    A plan group counts for the product of each of its plans. End dates are exclusive, so
    a plan that starts on the day the other ends does not overlap it. The finding belongs
    to the plan that starts later (of two starting the same day, the later in the files),
    and its hint names the plan to end and the date: the earlier plan should end on the
    day the later one starts, which is what the platform's "replace" does.

    Example
        accountPlans:
          - {code: acme-std, account: acme, plan: api_std, startDate: 2024-01-01}
          - {code: acme-pro, account: acme, plan: api_pro, startDate: 2024-03-01}
    Use instead
        accountPlans:
          - {code: acme-std, account: acme, plan: api_std, startDate: 2024-01-01,
             endDate: 2024-03-01}
          - {code: acme-pro, account: acme, plan: api_pro, startDate: 2024-03-01}
    """
    if model.org_setting("allowOverlappingPlans") is True:
        return
    for account_code, by_product in plans_by_account_and_product(model):
        shared: dict[tuple[int, int], tuple[Entity, Entity, list[str]]] = {}
        for product, account_plans in by_product.items():
            for earlier, later in overlapping_pairs(account_plans):
                pair = shared.setdefault((earlier.order, later.order), (earlier, later, []))
                pair[2].append(product)
        for earlier, later, products in shared.values():
            yield _overlap(earlier, later, f"of account '{account_code}' for {_products(products)}")


@rule("BC303", "account-plan-outside-contract", "warning", scope="account")
def account_plan_outside_contract(model: Model) -> Iterator[Report]:
    """An account plan runs outside the period of its contract.

    Why is this bad?
    A plan attached under a contract is meant to run while the contract does. Days
    before the contract starts or after it ends are billed under no contract, which
    usually means a date was mistyped or the contract was renewed without its plans.
    The finding points at the plan's startDate or endDate that lies outside the
    contract; an open-ended plan under a contract that ends is reported at the plan
    itself (there is no endDate to point at). A plan entirely outside the contract is
    reported once, at its startDate.

    Example
        contracts:
          - {code: acme-2024, name: Acme 2024, account: acme,
             startDate: 2024-01-01, endDate: 2025-01-01}
        accountPlans:
          - {code: acme-api, account: acme, plan: api_std, contract: acme-2024,
             startDate: 2024-01-01}
    Use instead
        accountPlans:
          - {code: acme-api, account: acme, plan: api_std, contract: acme-2024,
             startDate: 2024-01-01, endDate: 2025-01-01}
    """
    for account_plan in model.entities["accountPlan"]:
        contract = model.ref(account_plan, "contract")
        span, contract_span = span_of(account_plan), span_of(contract)
        if contract is None or span is None or contract_span is None:
            continue
        yield from _outside_contract(account_plan, span, contract, contract_span)


def _outside_contract(
    account_plan: Entity, span: Span, contract: Entity, contract_span: Span
) -> Iterator[Report]:
    """The plan's dates that lie outside its contract's period."""
    (start, end), (contract_start, contract_end) = span, contract_span
    if not overlaps(span, contract_span):
        yield Report(
            account_plan,
            f"{describe_dates(account_plan)} runs entirely outside the period of its "
            f"{describe_dates(contract)}",
            account_plan.location("startDate"),
            "attach the plan to the contract that covers its dates, or correct its dates",
        )
        return
    if start < contract_start:
        yield Report(
            account_plan,
            f"{account_plan.label} starts on {start}, before its {contract.label} starts "
            f"on {contract_start}",
            account_plan.location("startDate"),
            f"start the account plan on or after {contract_start}, or extend the contract",
        )
    if contract_end is None or (end is not None and end <= contract_end):
        return
    hint = f"end the account plan on or before {contract_end}, or extend the contract"
    if end is None:
        yield Report(
            account_plan,
            f"{account_plan.label} is open-ended, but its {contract.label} ends on "
            f"{contract_end}",
            account_plan.location(),
            hint,
        )
    else:
        yield Report(
            account_plan,
            f"{account_plan.label} ends on {end}, after its {contract.label} ends on "
            f"{contract_end}",
            account_plan.location("endDate"),
            hint,
        )


def _pricing_owner(model: Model, pricing: Entity) -> Entity | None:
    """The plan or plan template a pricing prices, when it names exactly one that exists."""
    named = [field for field in ("plan", "planTemplate") if pricing.get(field) is not None]
    return model.ref(pricing, named[0]) if len(named) == 1 else None


@rule("BC304", "overlapping-pricings", "error", scope="account")
def overlapping_pricings(model: Model) -> Iterator[Report]:
    """Two pricings for the same plan (or template) and aggregation overlap in time.

    Why is this bad?
    On the overlapping days the platform cannot tell which price applies, and it rejects
    the second pricing. Counter pricings are checked the same way, per plan (or template)
    and counter. The finding belongs to the pricing that starts later (of two starting the
    same day, the later in the files), at its startDate.

    Example
        pricings:
          - {plan: api_std, aggregation: api_calls, startDate: 2024-01-01,
             pricingBands: [{lowerLimit: 0, unitPrice: 0.01}]}
          - {plan: api_std, aggregation: api_calls, startDate: 2024-07-01,
             pricingBands: [{lowerLimit: 0, unitPrice: 0.008}]}
    Use instead
        pricings:
          - {plan: api_std, aggregation: api_calls, startDate: 2024-01-01,
             endDate: 2024-07-01, pricingBands: [{lowerLimit: 0, unitPrice: 0.01}]}
          - {plan: api_std, aggregation: api_calls, startDate: 2024-07-01,
             pricingBands: [{lowerLimit: 0, unitPrice: 0.008}]}
    """
    groups: dict[tuple[int, int], list[Entity]] = defaultdict(list)
    subjects: dict[tuple[int, int], tuple[Entity, Entity]] = {}
    for kind, priced_field in (("pricing", "aggregation"), ("counterPricing", "counter")):
        for pricing in model.entities[kind]:
            owner, priced = _pricing_owner(model, pricing), model.ref(pricing, priced_field)
            if owner is None or priced is None:
                continue
            key = (owner.order, priced.order)
            groups[key].append(pricing)
            subjects[key] = (owner, priced)
    for key, pricings in groups.items():
        owner, priced = subjects[key]
        for earlier, later in overlapping_pairs(pricings):
            yield _overlap(earlier, later, f"for {owner.label} and {priced.label}")


@rule("BC305", "gap-between-account-plans", "warning", scope="account")
def gap_between_account_plans(model: Model) -> Iterator[Report]:
    """A gap between consecutive account plans of one account for the same product.

    Why is this bad?
    Usage on the days between the two plans is rated by no plan: it is not billed. End
    dates are exclusive, so a plan that starts on the day its predecessor ends leaves no
    gap. A plan group counts for the product of each of its plans. The finding belongs to
    the plan after the gap, at its startDate.

    Example
        accountPlans:
          - {code: acme-std, account: acme, plan: api_std, startDate: 2024-01-01,
             endDate: 2024-03-01}
          - {code: acme-pro, account: acme, plan: api_pro, startDate: 2024-03-15}
    Use instead
        accountPlans:
          - {code: acme-std, account: acme, plan: api_std, startDate: 2024-01-01,
             endDate: 2024-03-01}
          - {code: acme-pro, account: acme, plan: api_pro, startDate: 2024-03-01}
    """
    for account_code, by_product in plans_by_account_and_product(model):
        gaps: dict[tuple[int, int], tuple[Entity, Entity, list[str]]] = {}
        for product, account_plans in by_product.items():
            for before, after in _gaps(account_plans):
                gap = gaps.setdefault((before.order, after.order), (before, after, []))
                gap[2].append(product)
        for before, after, products in gaps.values():
            ended, started = before.date("endDate"), after.date("startDate")
            yield Report(
                after,
                f"{after.label} starts on {started}, but {before.label} ends on {ended}: "
                f"no plan of account '{account_code}' covers {_products(products)} "
                f"from {ended} to {started}",
                after.location("startDate"),
                f"start {after.label} on {ended}, or end {before.label} on {started}",
            )


def _gaps(account_plans: list[Entity]) -> Iterator[tuple[Entity, Entity]]:
    """(plan before, plan after) for every gap in the plans' coverage, in date order."""
    covering: Entity | None = None  # the plan that covers the furthest so far
    covered_until: datetime.date | None = None
    for (start, end), account_plan in by_start(account_plans):
        if covering is not None:
            if covered_until is None:
                return
            if start > covered_until:
                yield covering, account_plan
            if end is not None and end <= covered_until:
                continue
        covering, covered_until = account_plan, end
