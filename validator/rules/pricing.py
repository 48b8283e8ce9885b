"""BC601–BC603: pricing bands, overage bands and currencies."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ..engine import Report, rule
from ..entities import Entity, to_decimal
from ..model import Model

BAND_FIELDS = {"pricing": ("pricingBands", "overagePricingBands"),
               "counterPricing": ("pricingBands",)}


@rule("BC601", "unordered-pricing-bands", "error", scope="account")
def unordered_pricing_bands(model: Model) -> Iterator[Report]:
    """Pricing bands: the first lowerLimit is not 0, or the lowerLimits do not strictly increase.

    Why is this bad?
    A quantity is priced by the bands it reaches, counting from 0: bands out of order, or
    a first band above 0, leave quantities that no band prices, and the platform rejects
    them. Checked for pricingBands and overagePricingBands of pricings and for the bands
    of counter pricings. Each lowerLimit is compared with the band just before it, so one
    mistyped limit is reported once, at that limit.

    Example
        pricingBands:
          - {lowerLimit: 0, unitPrice: 0.01}
          - {lowerLimit: 1000, unitPrice: 0.008}
          - {lowerLimit: 500, unitPrice: 0.005}
    Use instead
        pricingBands:
          - {lowerLimit: 0, unitPrice: 0.01}
          - {lowerLimit: 500, unitPrice: 0.008}
          - {lowerLimit: 1000, unitPrice: 0.005}
    """
    for kind, fields in BAND_FIELDS.items():
        for pricing in model.entities[kind]:
            for field in fields:
                yield from _band_problems(pricing, field, pricing.get(field))


def _band_problems(pricing: Entity, field: str, bands: Any) -> Iterator[Report]:
    """Reports for a band list whose lower limits do not start at 0 and strictly increase."""
    if not isinstance(bands, list):
        return
    previous = None
    for index, band in enumerate(bands):
        limit = to_decimal(band.get("lowerLimit")) if isinstance(band, dict) else None
        if limit is None:
            return
        if index == 0 and limit != 0:
            yield Report(
                pricing,
                f"the first band of {field} of {pricing.label} starts at lowerLimit {limit}, "
                f"not 0",
                pricing.location_at((field, index, "lowerLimit")),
                "start the first band at lowerLimit 0",
            )
        elif previous is not None and limit <= previous:
            yield Report(
                pricing,
                f"band {index + 1} of {field} of {pricing.label} has lowerLimit {limit}, "
                f"not above band {index}'s {previous}",
                pricing.location_at((field, index, "lowerLimit")),
                "order the bands by lowerLimit, each higher than the one before",
            )
        previous = limit


@rule("BC602", "unsupported-overage-bands", "error", scope="account")
def unsupported_overage_bands(model: Model) -> Iterator[Report]:
    """overagePricingBands on a pricing with cumulative false or tiersSpanPlan true.

    Why is this bad?
    Overage bands price usage beyond a prepayment or balance in tiers that restart each
    billing period; the platform only accepts them on tiered pricing (cumulative: true)
    whose tiers do not span the plan (tiersSpanPlan: false). cumulative defaults to false.

    Example
        pricings:
          - {plan: api_std, aggregation: api_calls, startDate: 2024-01-01,
             pricingBands: [{lowerLimit: 0, unitPrice: 0.01}],
             overagePricingBands: [{lowerLimit: 0, unitPrice: 0.02}]}
    Use instead
        pricings:
          - {plan: api_std, aggregation: api_calls, startDate: 2024-01-01, cumulative: true,
             pricingBands: [{lowerLimit: 0, unitPrice: 0.01}],
             overagePricingBands: [{lowerLimit: 0, unitPrice: 0.02}]}
    """
    for pricing in model.entities["pricing"]:
        if "overagePricingBands" not in pricing.data:
            continue
        problems = []
        if pricing.get("cumulative") is not True:
            problems.append("cumulative is false" + ("" if "cumulative" in pricing.data
                                                     else " (the default)"))
        if pricing.get("tiersSpanPlan") is True:
            problems.append("tiersSpanPlan is true")
        if problems:
            yield Report(
                pricing,
                f"{pricing.label} has overagePricingBands, but {' and '.join(problems)}: "
                f"overage bands need tiers that restart each period",
                pricing.location("overagePricingBands", key=True),
                "set cumulative: true and tiersSpanPlan: false, or remove overagePricingBands",
            )


def _plan_currencies(model: Model, account_plan: Entity) -> tuple[str, list[str]] | None:
    """The field an account plan attaches through and the currencies that attachment prices in.

    A plan prices in its template's currency; a plan group in its own currency (its
    standing charge and minimum spend) and in each of its plans' template currencies.
    """
    plan = model.ref(account_plan, "plan")
    if plan is not None:
        template = model.template_of(plan)
        return ("plan", [template.get("currency")]) if template is not None else None
    group = model.ref(account_plan, "planGroup")
    if group is None:
        return None
    currencies = [group.get("currency")]
    for member in model.plans_of(account_plan):
        template = model.template_of(member)
        if template is not None:
            currencies.append(template.get("currency"))
    return "planGroup", currencies


@rule("BC603", "unconvertible-plan-currency", "error", scope="account")
def unconvertible_plan_currency(model: Model) -> Iterator[Report]:
    """The plan's currency differs from the billed account's and no conversion converts it.

    Why is this bad?
    A bill is in the account's currency (the organization's when the account has none).
    Charges of a plan priced in another currency are converted with the organization's
    currencyConversions entry from the plan's currency to the account's; without one
    the platform cannot bill the plan. A plan prices in its template's currency; a plan
    group in its own currency and in the currencies of its plans' templates. The finding
    points at the account plan's plan or planGroup.

    Example
        organization:
          currency: USD
        planTemplates:
          - {code: api_eur, name: API EUR, product: api, currency: EUR,
             billFrequency: MONTHLY, standingCharge: 10}
    Use instead
        organization:
          currency: USD
          currencyConversions:
            - {from: EUR, to: USD, multiplier: 1.08}
    """
    for account_plan in model.entities["accountPlan"]:
        account = model.ref(account_plan, "account")
        attached = _plan_currencies(model, account_plan)
        if account is None or attached is None:
            continue
        field, currencies = attached
        billed_in = model.account_currency(account)
        missing = next((c for c in currencies
                        if isinstance(c, str) and model.conversion(c, billed_in) is None), None)
        if missing is None:
            continue
        yield Report(
            account_plan,
            f"{account_plan.label} attaches {field} '{account_plan.get(field)}' priced in "
            f"{missing}, but {account.label} is billed in {billed_in} and no "
            f"currencyConversions entry converts {missing} to {billed_in}",
            account_plan.location(field),
            f"add {{from: {missing}, to: {billed_in}, multiplier: ...}} to the organization's "
            f"currencyConversions, or attach a plan priced in {billed_in}",
        )
