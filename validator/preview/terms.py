"""A plan's and a pricing's settings as the preview uses them, read from the entities once.

A year of bills asks the same plan for its standing charge thousands of times; reading
each setting (plan, else template, else organization) once per plan keeps that cheap and
keeps the override order in one place.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from itertools import pairwise

from validator.entities import Entity, to_decimal
from validator.model import Model
from validator.rating import Band


@dataclass(frozen=True)
class PricingTerms:
    """One pricing: what it rates, through which bands, and when it is active."""

    pricing: Entity
    code: str | None
    aggregation: str
    function: str
    per_unit: Decimal
    rounding: str
    bands: tuple[Band, ...]
    cumulative: bool
    spans_plan: bool
    minimum: Decimal | None
    debit: bool
    start: date | None
    end: date | None

    def active_on(self, day: date) -> bool:
        """Whether the pricing is active on the day: startDate ≤ day < endDate."""
        return self.start is not None and self.start <= day and (self.end is None or day < self.end)


@dataclass(frozen=True)
class PlanTerms:
    """One plan's charges and their settings, each resolved plan → template → organization."""

    standing_charge: Decimal | None
    standing_charge_interval: int
    standing_charge_offset: int
    minimum_spend: Decimal | None
    standing_charge_in_advance: bool
    minimum_spend_in_advance: bool
    pricings: tuple[PricingTerms, ...]

    def standing_charge_applies(self, index: int) -> bool:
        """SPEC §4.7: period i is charged when i ≥ offset and (i − offset) % interval == 0."""
        offset = self.standing_charge_offset
        return index >= offset and (index - offset) % self.standing_charge_interval == 0


def plan_terms(model: Model, plan: Entity) -> PlanTerms:
    """A plan's terms (its own settings over its template's; flags default to the org's)."""
    found = (pricing_terms(model, pricing) for pricing in model.pricings_of(plan))
    return PlanTerms(
        standing_charge=to_decimal(model.plan_setting(plan, "standingCharge")),
        standing_charge_interval=int(model.plan_setting(plan, "standingChargeInterval") or 1),
        standing_charge_offset=int(model.plan_setting(plan, "standingChargeOffset") or 0),
        minimum_spend=to_decimal(model.plan_setting(plan, "minimumSpend")),
        standing_charge_in_advance=_in_advance(model, plan, "standingChargeBillInAdvance"),
        minimum_spend_in_advance=_in_advance(model, plan, "minimumSpendBillInAdvance"),
        pricings=tuple(terms for terms in found if terms is not None),
    )


def _in_advance(model: Model, plan: Entity, flag: str) -> bool:
    """A BillInAdvance flag: the plan's, else its template's, else the organization's."""
    value = model.plan_setting(plan, flag)
    return bool(model.org_setting(flag) if value is None else value)


def pricing_terms(model: Model, pricing: Entity) -> PricingTerms | None:
    """A pricing's terms; None when its aggregation does not resolve."""
    aggregation = model.ref(pricing, "aggregation")
    if aggregation is None or aggregation.code is None:
        return None
    return PricingTerms(
        pricing=pricing,
        code=pricing.code,
        aggregation=aggregation.code,
        function=str(aggregation.get("aggregation")),
        per_unit=aggregation.decimal("quantityPerUnit", Decimal(1)) or Decimal(1),
        rounding=str(aggregation.get("rounding", "NONE")),
        bands=_bands(pricing),
        cumulative=bool(pricing.get("cumulative", False)),
        spans_plan=bool(pricing.get("tiersSpanPlan", False)),
        minimum=to_decimal(pricing.get("minimumSpend")),
        debit=pricing.get("type", "DEBIT") == "DEBIT",
        start=pricing.date("startDate"),
        end=pricing.date("endDate"),
    )


def _bands(pricing: Entity) -> tuple[Band, ...]:
    zero = Decimal(0)
    return tuple(
        Band(
            to_decimal(band.get("lowerLimit"), zero) or zero,
            to_decimal(band.get("unitPrice"), zero) or zero,
            to_decimal(band.get("fixedPrice"), zero) or zero,
        )
        for band in pricing.get("pricingBands") or ()
        if isinstance(band, dict)
    )


def band_problem(bands: tuple[Band, ...]) -> str | None:
    """Why bands cannot price a quantity (BC601's conditions), or None."""
    if not bands:
        return "no pricing bands"
    if bands[0].lower_limit != 0:
        return f"the first band's lowerLimit is {bands[0].lower_limit}, not 0"
    for lower, upper in pairwise(bands):
        if upper.lower_limit <= lower.lower_limit:
            return (f"lowerLimit {upper.lower_limit} does not increase on "
                    f"{lower.lower_limit}")
    return None
