"""The bill preview's computing half: configuration + usage → bills (SPEC §4).

A run has three steps, so that usage rows are read once and never held:

1. *Plan*: for every attachment (a plan as an account plan attaches it), list the service
   periods that start inside the window and register a meter for each usage quantity
   they will need (one per pricing, pooled and per account), plus, for tiersSpanPlan
   pricings, one per earlier period back to the plan's start.
2. *Read*: stream every usage row into the meters of its account, aggregation and day.
3. *Rate*: turn meters into quantities, quantities into exact charges, charges into
   rounded lines on the right account's bill (`placement`), and lines into the preview
   document (`document`).

Amounts stay exact in the plan's currency until a line lands on a bill; then they are
converted to the bill's currency and rounded once.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from validator.entities import Entity, to_decimal
from validator.findings import EntityRef, Finding
from validator.model import Model
from validator.money import EXACT
from validator.rating import (
    Accumulator,
    BandLine,
    band_charge,
    minimum_spend_topup,
    span_charge,
    to_units,
)

from .amounts import Amount, add, prorate
from .document import Line, Preview
from .meters import MeterBook, Route
from .placement import Charge, Placer, RatedPeriod, RatedPricing
from .schedule import PARENT_SUMMARY, Attachment, Pooling, Window, attachments
from .terms import PlanTerms, PricingTerms, band_problem, plan_terms
from .usage import UsageReader, UsageSource, unrated_warning

STANDING_CHARGE, USAGE, MINIMUM_SPEND = "STANDING_CHARGE", "USAGE", "MINIMUM_SPEND"
NOT_PREVIEWED = "not-previewed"
_ONE = Fraction(1)


@dataclass(frozen=True)
class PreviewRequest:
    """What to preview: the window, the usage files, and the accounts (empty: all)."""

    window: Window
    usage: Sequence[UsageSource] = ()
    accounts: tuple[str, ...] = ()


@dataclass(frozen=True)
class PreviewOutcome:
    """The finished preview, or the errors that stopped it (then `preview` is None)."""

    preview: Preview | None
    errors: list[Finding]


def run_preview(
    model: Model, request: PreviewRequest, warnings: Iterable[Finding] = ()
) -> PreviewOutcome:
    """Compute the preview of `request` over a model without errors.

    `warnings` (the validation findings that are not errors) head the document's
    warnings. Raises `usage.UnreadableUsage` for a usage file that cannot be opened.
    """
    zone, zone_error = _timezone(model)
    if zone_error is not None:
        return PreviewOutcome(None, [zone_error])
    engine = _Engine(model, request.window)
    engine.plan()
    if engine.errors:
        return PreviewOutcome(None, engine.errors)
    errors = engine.read(request.usage, zone)
    if errors:
        return PreviewOutcome(None, errors)
    placer = Placer(model)
    lines = engine.rate(placer)
    if placer.errors:
        return PreviewOutcome(None, placer.errors)
    chosen = set(request.accounts)
    found = [*warnings, *engine.warnings(chosen)]
    return PreviewOutcome(Preview(request.window, found, lines, placer.currency, chosen), [])


def _timezone(model: Model) -> tuple[Any, Finding | None]:
    """The organization's timezone, or an error at its `timezone` field."""
    name = str(model.org_setting("timezone"))
    try:
        return ZoneInfo(name), None
    except (ZoneInfoNotFoundError, ValueError):
        organization = model.organization
        assert organization is not None  # the default, UTC, always exists
        return None, Finding(
            "BC103", "error", f"unknown timezone {name!r}", organization.location("timezone"),
            EntityRef("organization", None), "use an IANA timezone name such as Europe/Paris",
        )


class _Engine:
    """One preview run: plan the meters, read the usage, rate the periods."""

    def __init__(self, model: Model, window: Window) -> None:
        self.model = model
        self.window = window
        self.book = MeterBook()
        self.pooling = Pooling(model)
        self.rated: list[RatedPeriod] = []
        # tiersSpanPlan: the pooled meter of every period since the plan's start, in order.
        self.history: dict[tuple[int, str], list[Accumulator]] = {}
        self.unrated: dict[str, list[Any]] = {}
        self._notes: dict[tuple[int, str], Finding] = {}
        self.errors: list[Finding] = []
        self._bad_bands: set[int] = set()
        self._plans: dict[int, PlanTerms] = {}
        self._units: dict[int, Decimal] = {}
        self._prefix: dict[tuple[int, str], list[Decimal]] = {}

    # -- 1. plan --------------------------------------------------------------------

    def plan(self) -> None:
        """Register the meters of every previewed service period."""
        for attachment in attachments(self.model):
            if not self.window.overlaps(attachment.start, attachment.end):
                continue
            if not attachment.schedule.periodic:
                self._note_not_periodic(attachment)
                continue
            self._note_unpreviewed_parts(attachment)
            self._plan_attachment(attachment, self._plan_terms(attachment.plan))

    def _plan_terms(self, plan: Entity) -> PlanTerms:
        key = id(plan)
        if key not in self._plans:
            terms = self._plans[key] = plan_terms(self.model, plan)
            for pricing in terms.pricings:
                self._check_bands(pricing)
        return self._plans[key]

    def _check_bands(self, terms: PricingTerms) -> None:
        """Bands that cannot be priced stop the preview even when BC601 is turned off."""
        problem = band_problem(terms.bands)
        if problem is not None and id(terms.pricing) not in self._bad_bands:
            self._bad_bands.add(id(terms.pricing))
            self.errors.append(Finding(
                "BC601", "error", f"{terms.pricing.label}: {problem}",
                terms.pricing.location("pricingBands"), terms.pricing.ref,
            ))

    def _plan_attachment(self, attachment: Attachment, plan: PlanTerms) -> None:
        spanning: dict[str, PricingTerms] = {}
        window = self.window
        for period in attachment.periods(since=window.start, until=window.end):
            members = self.pooling.members(attachment, (period.start, period.end))
            rated = RatedPeriod(attachment, plan, period, members)
            split = len(members) > 1 and attachment.mode != PARENT_SUMMARY
            for terms in plan.pricings:
                if not terms.active_on(period.start):
                    continue
                if not terms.debit:
                    self._note_credit(terms)
                    for account, pieces in members:
                        self.book.cover(account, terms.aggregation, pieces)
                    continue
                pool = self.book.meter(terms.aggregation, terms.function, members)
                shares = {
                    member[0]: self.book.meter(terms.aggregation, terms.function, (member,))
                    for member in members
                } if split else {}
                rated.pricings.append(RatedPricing(terms, pool, shares))
                if terms.spans_plan:
                    spanning.setdefault(terms.aggregation, terms)
            self.rated.append(rated)
        self._cover_period_before_window(attachment, plan)
        for aggregation, terms in spanning.items():
            self.history[(id(attachment), aggregation)] = [
                self.book.meter(
                    aggregation, terms.function,
                    self.pooling.members(attachment, (period.start, period.end)),
                )
                for period in attachment.periods(until=window.end)
            ]

    def _cover_period_before_window(self, attachment: Attachment, plan: PlanTerms) -> None:
        """Rows in the window that a period begun before it rates are not unrated."""
        period = attachment.period_containing(self.window.start)
        if period is None or period.start >= self.window.start:
            return
        members = self.pooling.members(attachment, (period.start, period.end))
        for terms in plan.pricings:
            if terms.active_on(period.start):
                for account, pieces in members:
                    self.book.cover(account, terms.aggregation, pieces)

    # -- notes: what the preview leaves out --------------------------------------------

    def _note(self, entity: Entity, field_name: str | None, message: str) -> None:
        key = (id(entity), message)
        if key not in self._notes:
            self._notes[key] = Finding(
                NOT_PREVIEWED, "warning", message, entity.location(field_name), entity.ref,
            )

    def _note_credit(self, terms: PricingTerms) -> None:
        self._note(terms.pricing, "type", (
            f"{terms.pricing.label} is a {terms.pricing.get('type')} pricing: the preview "
            "shows debits only, so its credits are not on the bills"
        ))

    def _note_not_periodic(self, attachment: Attachment) -> None:
        field_name = "plan" if "plan" in attachment.account_plan.data else "planGroup"
        self._note(attachment.account_plan, field_name, (
            f"{attachment.label} bills {attachment.schedule.frequency}: without regular "
            "bill dates it is not previewed, and its usage is not rated"
        ))

    def _note_unpreviewed_parts(self, attachment: Attachment) -> None:
        """Counter pricings and a plan group's own charges are outside the preview."""
        for counter_pricing in self.model.counter_pricings_of(attachment.plan):
            self._note(counter_pricing, None, (
                f"{counter_pricing.label} is a counter (recurring) pricing: counters have no "
                "usage input, so the preview leaves its charges out"
            ))
        group = self.model.ref(attachment.account_plan, "planGroup")
        if group is None:
            return
        for field_name in ("standingCharge", "minimumSpend"):
            if to_decimal(group.get(field_name)):
                self._note(group, field_name, (
                    f"{group.label}'s own {field_name} is not previewed: only the charges "
                    "of its plans are"
                ))

    def warnings(self, chosen: set[str]) -> list[Finding]:
        """What the preview leaves out, and the unrated usage of the chosen accounts."""
        found = list(self._notes.values())
        for account, (count, display, line) in sorted(self.unrated.items()):
            if not chosen or account in chosen:
                found.append(unrated_warning(account, count, display, line))
        return found

    # -- 2. read --------------------------------------------------------------------

    def read(self, sources: Sequence[UsageSource], zone: Any) -> list[Finding]:
        """Stream the usage files into the meters; returns the malformed rows, if any."""
        reader = UsageReader(
            self.model.known_codes["account"], self.model.known_codes["aggregation"], zone
        )
        routes = self.book.routes()
        for source in sources:
            self._read_file(reader, source, routes)
        return reader.errors

    def _read_file(
        self, reader: UsageReader, source: UsageSource, routes: dict[tuple[str, str], Route]
    ) -> None:
        window_start, window_end = self.window.start, self.window.end
        unrated = self.unrated
        for account, aggregation, day, instant, value, line in reader.rows(source):
            route = routes.get((account, aggregation))
            if route is not None and route.feed(day.toordinal(), instant, value):
                continue
            if window_start <= day < window_end:
                seen = unrated.get(account)
                if seen is None:
                    unrated[account] = [1, source.display, line]
                else:
                    seen[0] += 1

    # -- 3. rate --------------------------------------------------------------------

    def rate(self, placer: Placer) -> list[Line]:
        """Every line of every previewed period, placed on its bill and rounded."""
        for rated in self.rated:
            for charge in self._charges(rated):
                placer.place(charge)
        return placer.finish()

    def _charges(self, rated: RatedPeriod) -> Iterator[Charge]:
        """The period's usage lines, minimum-spend top-ups and standing charge (§4.7–4.10)."""
        plan = rated.plan
        usage_total: Amount = Decimal(0)
        for pricing in rated.pricings:
            usage = self._usage_charge(rated, pricing)
            yield usage
            usage_total = add(usage_total, usage.amount)
            minimum = pricing.terms.minimum
            if minimum is not None:
                proration = rated.proration
                topup = minimum_spend_topup(usage.amount, prorate(minimum, proration))
                usage_total = add(usage_total, topup)
                yield Charge(
                    MINIMUM_SPEND, rated, topup, plan.minimum_spend_in_advance, proration,
                    unit_price=minimum, terms=pricing.terms,
                )
        if plan.minimum_spend is not None:
            proration = rated.proration
            topup = minimum_spend_topup(usage_total, prorate(plan.minimum_spend, proration))
            yield Charge(
                MINIMUM_SPEND, rated, topup, plan.minimum_spend_in_advance, proration,
                unit_price=plan.minimum_spend,
            )
        standing = plan.standing_charge
        if standing and plan.standing_charge_applies(rated.period.index):
            proration = rated.proration
            yield Charge(
                STANDING_CHARGE, rated, prorate(standing, proration),
                plan.standing_charge_in_advance, proration, unit_price=standing,
            )

    def _usage_charge(self, rated: RatedPeriod, pricing: RatedPricing) -> Charge:
        """The pooled quantity priced through the bands (§4.9), exact and unrounded."""
        terms = pricing.terms
        quantity = self._quantity(pricing.pool, terms)
        bands: tuple[BandLine, ...]
        if terms.spans_plan:
            before = self._quantity_before(rated, terms)
            amount = span_charge(before, quantity, terms.bands, terms.cumulative)
            bands = _span_bands(before, quantity, terms)
        else:
            charged = band_charge(quantity, terms.bands, terms.cumulative)
            amount, bands = charged.amount, charged.breakdown
        shares = {
            account: self._quantity(meter, terms) for account, meter in pricing.shares.items()
        }
        return Charge(
            USAGE, rated, amount, False, _ONE, quantity=quantity,
            unit_price=_single_unit_price(bands), bands=bands, terms=terms, shares=shares,
        )

    def _quantity(self, meter: Accumulator, terms: PricingTerms) -> Decimal:
        """A meter's billable units (§4.8), computed once per meter."""
        key = id(meter)
        found = self._units.get(key)
        if found is None:
            found = self._units[key] = to_units(meter.result(), terms.per_unit, terms.rounding)
        return found

    def _quantity_before(self, rated: RatedPeriod, terms: PricingTerms) -> Decimal:
        """The pooled quantity of the aggregation in the plan's periods before this one."""
        key = (id(rated.attachment), terms.aggregation)
        prefix = self._prefix.get(key)
        if prefix is None:
            prefix = [Decimal(0)]
            for meter in self.history[key]:
                prefix.append(EXACT.add(prefix[-1], self._quantity(meter, terms)))
            self._prefix[key] = prefix
        return prefix[rated.period.index]


def _single_unit_price(bands: tuple[BandLine, ...]) -> Decimal | None:
    """The unit price when one band without a fixed price priced every unit."""
    if len(bands) == 1 and bands[0].fixed_price == 0:
        return bands[0].unit_price
    return None


def _span_bands(before: Decimal, quantity: Decimal, terms: PricingTerms) -> tuple[BandLine, ...]:
    """A tiersSpanPlan period's breakdown: each band's units and amount at its end minus start."""
    start = band_charge(before, terms.bands, terms.cumulative).breakdown
    end = band_charge(EXACT.add(before, quantity), terms.bands, terms.cumulative).breakdown
    signed = [(Decimal(1), line) for line in end] + [(Decimal(-1), line) for line in start]
    totals: dict[Decimal, tuple[Decimal, Decimal, BandLine]] = {}
    for sign, line in signed:
        units, amount, _ = totals.get(line.lower_limit, (Decimal(0), Decimal(0), line))
        totals[line.lower_limit] = (
            EXACT.fma(sign, line.units, units), EXACT.fma(sign, line.amount, amount), line,
        )
    return tuple(
        BandLine(limit, units, line.unit_price, line.fixed_price, amount)
        for limit, (units, amount, line) in sorted(totals.items())
        if units or amount
    )
