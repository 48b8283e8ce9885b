"""Where charges land (SPEC §4.11) and in which currency, rounded (SPEC §4.12).

A charge is an exact amount in the plan's currency for one service period of one
attachment. Placing it decides the bill (account and date) and the `childAccount` of its
line, splits a pooled usage charge across the accounts that used it, converts to the
bill's currency and rounds each line once. Last, children's PARENT_SUMMARY lines merge
into their parent's summary line of the same product and type.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from functools import cached_property
from typing import Any

from validator.findings import Finding
from validator.model import Model
from validator.periods import ServicePeriod
from validator.rating import Accumulator, BandLine, apportion

from .amounts import Amount, multiply, round_amount
from .document import Line
from .meters import Member
from .schedule import CHILD, PARENT_SUMMARY, Attachment
from .terms import PlanTerms, PricingTerms


@dataclass
class RatedPricing:
    """One pricing in one service period: the pooled meter and, to split it, each account's."""

    terms: PricingTerms
    pool: Accumulator
    shares: dict[str, Accumulator]


@dataclass
class RatedPeriod:
    """One previewed service period of one attachment and the pricings active at its start."""

    attachment: Attachment
    plan: PlanTerms
    period: ServicePeriod
    members: tuple[Member, ...]
    pricings: list[RatedPricing] = field(default_factory=list)

    @cached_property
    def proration(self) -> Fraction:
        """Days in the period ÷ days in its boundary interval, exact (SPEC §4.7)."""
        return self.period.proration


@dataclass
class Charge:
    """An exact amount in the plan's currency, before it lands on a bill."""

    type: str
    rated: RatedPeriod
    amount: Amount
    in_advance: bool
    proration: Fraction
    quantity: Decimal | None = None
    unit_price: Decimal | None = None
    bands: tuple[BandLine, ...] | None = None
    terms: PricingTerms | None = None
    # A pooled usage charge to split: each rated account's own quantity (SPEC §4.11).
    shares: dict[str, Decimal] = field(default_factory=dict)


@dataclass
class Placer:
    """Collects the lines of placed charges; `finish()` merges summary lines."""

    model: Model
    errors: list[Finding] = field(default_factory=list)
    lines: list[Line] = field(default_factory=list)
    _currencies: dict[str, str] = field(default_factory=dict)
    _missing: set[tuple[int, str]] = field(default_factory=set)

    def place(self, charge: Charge) -> None:
        """Turn one charge into its line(s)."""
        if charge.shares:
            self._place_shares(charge)
            return
        attachment = charge.rated.attachment
        bill_account, child = destination(attachment)
        amount = self._converted(charge.amount, attachment.currency, bill_account, attachment)
        self._add(charge, bill_account, child, amount, charge.quantity, charge.bands)

    def _place_shares(self, charge: Charge) -> None:
        """A pooled charge, rounded in the parent's currency and split by quantity."""
        attachment = charge.rated.attachment
        parent = attachment.account
        pooled = self._converted(charge.amount, attachment.currency, parent, attachment)
        pooled_currency = self.currency(parent)
        quantities = charge.shares
        shares = apportion(
            pooled, {a: max(q, Decimal(0)) for a, q in quantities.items()}, pooled_currency
        )
        if not shares:
            # Rounding can leave a pooled quantity above 0 with every account's at 0.
            self._add(charge, parent, None, pooled, charge.quantity, charge.bands)
            return
        for account, share in shares.items():
            child = None if account == parent else account
            if attachment.mode == CHILD:
                amount = self._converted(share, pooled_currency, account, attachment)
                self._add(charge, account, child, amount, quantities[account], None)
            else:
                self._add(charge, parent, child, share, quantities[account], None)

    def _add(
        self, charge: Charge, bill_account: str, child: str | None, amount: Decimal,
        quantity: Decimal | None, bands: tuple[BandLine, ...] | None,
    ) -> None:
        rated = charge.rated
        attachment, period = rated.attachment, rated.period
        terms = charge.terms
        self.lines.append(Line(
            account=bill_account,
            bill_date=attachment.bill_date(period, charge.in_advance),
            type=charge.type,
            product=attachment.product,
            plan=attachment.plan_code,
            account_plan=attachment.account_plan_code,
            child_account=child,
            aggregation=terms.aggregation if terms is not None else None,
            pricing=terms.code if terms is not None else None,
            period=(period.start, period.end),
            quantity=quantity,
            unit_price=charge.unit_price,
            bands=bands,
            proration=charge.proration,
            amount=amount,
            summary=summary_role(attachment),
        ))

    def currency(self, account: str) -> str:
        """The currency of the account's bills: its own, else the organization's."""
        found = self._currencies.get(account)
        if found is None:
            found = self.model.account_currency(self.model.get("account", account))
            self._currencies[account] = found
        return found

    def _converted(
        self, amount: Amount, source: str, bill_account: str, attachment: Attachment
    ) -> Decimal:
        """An exact amount in `source` currency, in the bill's currency, rounded (SPEC §4.12)."""
        target = self.currency(bill_account)
        multiplier = self.model.conversion(source, target)
        if multiplier is None:
            self._no_conversion(attachment, source, target)
            return Decimal(0)
        return round_amount(multiply(amount, multiplier), target)

    def _no_conversion(self, attachment: Attachment, source: str, target: str) -> None:
        account_plan = attachment.account_plan
        if (id(account_plan), target) in self._missing:
            return
        self._missing.add((id(account_plan), target))
        field_name = "plan" if "plan" in account_plan.data else "planGroup"
        self.errors.append(Finding(
            "BC603", "error",
            f"{attachment.label} is priced in {source} but billed in {target}, and no "
            "currencyConversions entry converts it",
            account_plan.location(field_name), account_plan.ref,
            f"add {{from: {source}, to: {target}, multiplier: ...}} to the organization's "
            "currencyConversions",
        ))

    def finish(self) -> list[Line]:
        """Every line, children's PARENT_SUMMARY lines merged into their parent's.

        Only a summary line that is on the bill (its amount is not 0) takes others in; a
        child's line with nothing to merge into stays a line of its own.
        """
        targets: dict[tuple[Any, ...], Line] = {}
        for line in self.lines:
            if line.summary == "target" and line.amount != 0:
                targets.setdefault(line.merge_key(), line)
        kept: list[Line] = []
        joined: dict[int, list[Line]] = defaultdict(list)
        for line in self.lines:
            target = targets.get(line.merge_key()) if line.summary == "joiner" else None
            if target is None:
                kept.append(line)
            else:
                joined[id(target)].append(line)
        return [line.merged(joined[id(line)]) if id(line) in joined else line for line in kept]


def destination(attachment: Attachment) -> tuple[str, str | None]:
    """(bill account, childAccount) of an attachment's own lines.

    A parent's or a standalone account's plan bills that account. A child's own plan
    bills the child (CHILD) or its parent (PARENT_BREAKDOWN, PARENT_SUMMARY); either
    way its lines name the child.
    """
    if attachment.parent is None:
        return attachment.account, None
    if attachment.mode == CHILD:
        return attachment.account, attachment.account
    return attachment.parent, attachment.account


def summary_role(attachment: Attachment) -> str | None:
    """A parent plan's PARENT_SUMMARY lines take in its children's PARENT_SUMMARY lines."""
    if attachment.mode != PARENT_SUMMARY:
        return None
    if attachment.parent is not None:
        return "joiner"
    return "target" if attachment.children else None
