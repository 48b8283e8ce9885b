"""The resolved model: entities that passed the schema, indexed and linked, built once.

Rules and the preview read the configuration through this model: accounts with their
parent and children, account plans with their plan or plan group, template, products and
effective bill epoch. A reference that does not resolve simply yields None here (rule
BC202 reports it), so no rule has to guard against it twice.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from functools import cached_property
from typing import Any

from . import periods
from .entities import KINDS, Entity, to_decimal

ORG_DEFAULTS: dict[str, Any] = {
    "timezone": "UTC",
    "currency": "USD",
    "dayEpoch": "2022-01-01",
    "weekEpoch": "2022-01-03",
    "monthEpoch": "2022-01-01",
    "yearEpoch": "2022-01-01",
    "allowOverlappingPlans": False,
    "standingChargeBillInAdvance": False,
    "minimumSpendBillInAdvance": False,
}
# The childBillingMode of an account plan that sets none.
DEFAULT_CHILD_BILLING_MODE = "PARENT_BREAKDOWN"

# Which kind each reference field of each kind names.
REFERENCES: dict[str, dict[str, str]] = {
    "planTemplate": {"product": "product"},
    "plan": {"planTemplate": "planTemplate", "account": "account"},
    "planGroup": {"plans": "plan", "account": "account"},
    "account": {"parentAccount": "account"},
    "accountPlan": {
        "account": "account", "plan": "plan", "planGroup": "planGroup", "contract": "contract",
    },
    "contract": {"account": "account"},
    "pricing": {"plan": "plan", "planTemplate": "planTemplate", "aggregation": "aggregation"},
    "counter": {"product": "product"},
    "counterPricing": {"counter": "counter", "plan": "plan", "planTemplate": "planTemplate"},
}

# (kind, field) → the kind the field names, for the look-up on every `Model.ref`.
_REFERENCE_KINDS: dict[tuple[str, str], str] = {
    (kind, field): target for kind, fields in REFERENCES.items() for field, target in fields.items()
}


@dataclass(frozen=True)
class Schedule:
    """How a plan bills: its frequency, interval, and the anchor its boundaries count from."""

    frequency: str
    interval: int
    anchor: datetime.date
    epoch_source: str  # "accountPlan" | "account" | "organization"

    @property
    def periodic(self) -> bool:
        """Whether the schedule has regular boundaries (not AD_HOC or MIXED)."""
        return periods.is_periodic(self.frequency)


class Model:
    """The valid entities of a tree, indexed by kind and code, with their links resolved."""

    def __init__(self, valid: Iterable[Entity], known: Iterable[Entity] = ()) -> None:
        self.entities: dict[str, list[Entity]] = {kind: [] for kind in KINDS}
        self.by_code: dict[str, dict[str, Entity]] = {kind: {} for kind in KINDS}
        # Codes of every entity, valid or not, so a reference to an entity with a schema
        # error is not also reported as unknown.
        self.known_codes: dict[str, set[str]] = defaultdict(set)
        entities, by_code, known_codes = self.entities, self.by_code, self.known_codes
        for entity in valid:
            kind, code = entity.kind, entity.code
            entities[kind].append(entity)
            if code is not None:
                by_code[kind].setdefault(code, entity)
                known_codes[kind].add(code)
        for entity in known:
            if entity.code is not None:
                known_codes[entity.kind].add(entity.code)
        # Answers worked out once per entity: rules ask for them again and again.
        self._plans: dict[Entity, list[Entity]] = {}
        self._products: dict[Entity, list[str]] = {}
        self._schedules: dict[tuple[Entity, Entity], Schedule | None] = {}
        self._shared_schedules: dict[
            tuple[Entity, datetime.date | None, datetime.date | None], Schedule
        ] = {}

    # -- the organization -------------------------------------------------------------

    @cached_property
    def organization(self) -> Entity | None:
        """The organization entity, if the tree has one."""
        return self.entities["organization"][0] if self.entities["organization"] else None

    def org_setting(self, name: str) -> Any:
        """An organization setting, or its SPEC default."""
        org = self.organization
        if org is not None and name in org.data:
            return org.data[name]
        return ORG_DEFAULTS.get(name)

    @cached_property
    def org_epochs(self) -> dict[str, datetime.date]:
        """The organization's epoch for each bill frequency."""
        names = {"DAILY": "dayEpoch", "WEEKLY": "weekEpoch", "MONTHLY": "monthEpoch",
                 "ANNUALLY": "yearEpoch"}
        return {
            frequency: datetime.date.fromisoformat(self.org_setting(field))
            for frequency, field in names.items()
        }

    @property
    def currency(self) -> str:
        """The organization's currency."""
        return str(self.org_setting("currency"))

    def conversion(self, source: str, target: str) -> Decimal | None:
        """The multiplier converting `source` amounts to `target`, 1 when they are equal."""
        if source == target:
            return Decimal(1)
        for entry in self.org_setting("currencyConversions") or ():
            if entry.get("from") == source and entry.get("to") == target:
                return to_decimal(entry.get("multiplier"))
        return None

    # -- look-ups ---------------------------------------------------------------------

    def get(self, kind: str, code: Any) -> Entity | None:
        """The valid entity of `kind` with `code` (the first, if the code is duplicated)."""
        return self.by_code[kind].get(code) if isinstance(code, str) else None

    def ref(self, entity: Entity, field: str) -> Entity | None:
        """The entity a reference field of `entity` names, when it resolves."""
        target_kind = _REFERENCE_KINDS.get((entity.kind, field))
        if target_kind is None:
            return None
        code = entity.data.get(field)
        return self.by_code[target_kind].get(code) if isinstance(code, str) else None

    # -- accounts and hierarchy -------------------------------------------------------

    def parent(self, account: Entity) -> Entity | None:
        """The account's parent account, when it names one that exists."""
        return self.get("account", account.get("parentAccount"))

    @cached_property
    def children(self) -> dict[str, list[Entity]]:
        """Child accounts by parent code, in file order."""
        result: dict[str, list[Entity]] = defaultdict(list)
        for account in self.entities["account"]:
            parent = account.get("parentAccount")
            if isinstance(parent, str) and parent in self.by_code["account"]:
                result[parent].append(account)
        return result

    @cached_property
    def parent_cycles(self) -> list[list[Entity]]:
        """Every cycle of parent links, each listed from its first account in file order.

        Each account has at most one parent, so one walk up from every account, remembering
        which walk first reached each account, finds every cycle once, without recursion.
        """
        walk_of: dict[int, int] = {}
        cycles = []
        for walk, account in enumerate(self.entities["account"]):
            path: list[Entity] = []
            node: Entity | None = account
            while node is not None and id(node) not in walk_of:
                walk_of[id(node)] = walk
                path.append(node)
                node = self.parent(node)
            if node is not None and walk_of[id(node)] == walk:
                cycle = path[next(i for i, e in enumerate(path) if e is node):]
                start = min(range(len(cycle)), key=lambda i: cycle[i].order)
                cycles.append(cycle[start:] + cycle[:start])
        return cycles

    @cached_property
    def _in_cycle(self) -> set[int]:
        return {id(account) for cycle in self.parent_cycles for account in cycle}

    def billing_parent(self, account: Entity) -> Entity | None:
        """The parent whose bill an account's charges may go on: none inside a parent cycle."""
        parent = self.parent(account)
        if parent is None or id(account) in self._in_cycle or id(parent) in self._in_cycle:
            return None
        return parent

    def in_hierarchy(self, account: Entity) -> bool:
        """Whether an account is a parent or a child."""
        return self.parent(account) is not None or bool(self.children.get(account.code or ""))

    def account_currency(self, account: Entity | None) -> str:
        """The currency an account is billed in: its own, else the organization's."""
        currency = account.get("currency") if account is not None else None
        return currency if isinstance(currency, str) else self.currency

    # -- plans ------------------------------------------------------------------------

    @cached_property
    def account_plans_by_account(self) -> dict[str, list[Entity]]:
        """Account plans by account code, in file order."""
        result: dict[str, list[Entity]] = defaultdict(list)
        for account_plan in self.entities["accountPlan"]:
            code = account_plan.get("account")
            if isinstance(code, str):
                result[code].append(account_plan)
        return result

    def template_of(self, plan: Entity | None) -> Entity | None:
        """A plan's plan template."""
        return self.ref(plan, "planTemplate") if plan is not None else None

    def product_of(self, plan: Entity | None) -> str | None:
        """The product code a plan bills for (through its template)."""
        template = self.template_of(plan)
        product = template.get("product") if template is not None else None
        return product if isinstance(product, str) else None

    def plans_of(self, account_plan: Entity) -> list[Entity]:
        """The plans an account plan attaches: its plan, or each resolved plan of its group.

        The list is shared between callers: read it, do not change it.
        """
        plans = self._plans.get(account_plan)
        if plans is None:
            plans = self._plans[account_plan] = self._resolve_plans(account_plan)
        return plans

    def _resolve_plans(self, account_plan: Entity) -> list[Entity]:
        plan = self.ref(account_plan, "plan")
        if plan is not None:
            return [plan]
        group = self.ref(account_plan, "planGroup")
        return self.plans_of_group(group) if group is not None else []

    def plans_of_group(self, group: Entity) -> list[Entity]:
        """The resolved plans of a plan group, in the order the group lists them."""
        return [p for code in group.get("plans") or () if (p := self.get("plan", code))]

    def products_of(self, account_plan: Entity) -> list[str]:
        """The products an account plan covers (a plan group covers each plan's product).

        The list is shared between callers: read it, do not change it.
        """
        products = self._products.get(account_plan)
        if products is None:
            products = []
            for plan in self.plans_of(account_plan):
                product = self.product_of(plan)
                if product is not None and product not in products:
                    products.append(product)
            self._products[account_plan] = products
        return products

    def plan_setting(self, plan: Entity, name: str) -> Any:
        """A plan's setting, else its template's (plans override their template)."""
        if name in plan.data:
            return plan.data[name]
        template = self.template_of(plan)
        return template.get(name) if template is not None else None

    def schedule(self, account_plan: Entity, plan: Entity) -> Schedule | None:
        """The bill schedule of one plan as attached by an account plan."""
        key = (account_plan, plan)
        if key in self._schedules:
            return self._schedules[key]
        schedule = self._schedules[key] = self._resolve_schedule(account_plan, plan)
        return schedule

    def _resolve_schedule(self, account_plan: Entity, plan: Entity) -> Schedule | None:
        template = self.template_of(plan)
        if template is None:
            return None
        account = self.ref(account_plan, "account")
        own_epoch = account_plan.date("billEpoch")
        account_epoch = account.date("billEpoch") if account is not None else None
        # Most account plans share their template and epochs: one Schedule serves them all.
        key = (template, own_epoch, account_epoch)
        schedule = self._shared_schedules.get(key)
        if schedule is None:
            schedule = self._shared_schedules[key] = self._schedule_of(
                template, own_epoch, account_epoch
            )
        return schedule

    def _schedule_of(
        self, template: Entity, own_epoch: datetime.date | None,
        account_epoch: datetime.date | None,
    ) -> Schedule:
        frequency = str(template.get("billFrequency"))
        interval = int(template.get("billFrequencyInterval", 1))
        anchor, source = periods.resolve_bill_epoch(
            own_epoch, account_epoch, self._org_epochs_by_field, frequency,
        ) if periods.is_periodic(frequency) else (self.org_epochs["MONTHLY"], "organization")
        return Schedule(frequency, interval, anchor, source)

    @cached_property
    def _org_epochs_by_field(self) -> dict[str, datetime.date]:
        # resolve_bill_epoch looks the epoch up by the organization's field name.
        return {periods.ORG_EPOCH_FIELDS[f]: day for f, day in self.org_epochs.items()}

    def explicit_epoch(self, account_plan: Entity) -> datetime.date | None:
        """The billEpoch set on the account plan, else on its account (not the org's)."""
        own = account_plan.date("billEpoch")
        if own is not None:
            return own
        account = self.ref(account_plan, "account")
        return account.date("billEpoch") if account is not None else None

    @cached_property
    def pricings_by_owner(self) -> dict[tuple[str, str], list[Entity]]:
        """Pricings by ("plan" | "planTemplate", code), in file order."""
        return self._by_owner("pricing")

    def pricings_of(self, plan: Entity) -> list[Entity]:
        """A plan's pricings: its own, and its template's for the aggregations it does not price.

        A plan's own pricing of an aggregation overrides every template pricing of that
        aggregation; the template's pricings of other aggregations still apply to the plan.
        """
        own = self.pricings_by_owner.get(("plan", plan.code or ""), [])
        template = self.template_of(plan)
        if template is None:
            return own
        inherited = self.pricings_by_owner.get(("planTemplate", template.code or ""), [])
        if not own:
            return inherited
        overridden = {pricing.get("aggregation") for pricing in own}
        return [*own, *(p for p in inherited if p.get("aggregation") not in overridden)]

    @cached_property
    def counter_pricings_by_owner(self) -> dict[tuple[str, str], list[Entity]]:
        """Counter pricings by ("plan" | "planTemplate", code), in file order."""
        return self._by_owner("counterPricing")

    def counter_pricings_of(self, plan: Entity) -> list[Entity]:
        """A plan's counter pricings: its own and its template's."""
        template = self.template_of(plan)
        return [
            *self.counter_pricings_by_owner.get(("plan", plan.code or ""), []),
            *(self.counter_pricings_by_owner.get(("planTemplate", template.code or ""), [])
              if template is not None else []),
        ]

    def _by_owner(self, kind: str) -> dict[tuple[str, str], list[Entity]]:
        result: dict[tuple[str, str], list[Entity]] = defaultdict(list)
        for pricing in self.entities[kind]:
            for field in ("plan", "planTemplate"):
                code = pricing.get(field)
                if isinstance(code, str):
                    result[(field, code)].append(pricing)
        return result


def active_interval(entity: Entity) -> tuple[datetime.date, datetime.date | None] | None:
    """An entity's [startDate, endDate) interval, None when it has no start date."""
    start = entity.date("startDate")
    if start is None:
        return None
    return start, entity.date("endDate")


def child_billing_mode(account_plan: Entity) -> str:
    """Which bill an account plan's charges go on in a hierarchy (its setting, else the default)."""
    return str(account_plan.get("childBillingMode", DEFAULT_CHILD_BILLING_MODE))


def overlaps(
    a: tuple[datetime.date, datetime.date | None], b: tuple[datetime.date, datetime.date | None]
) -> bool:
    """Whether two half-open intervals (None = open end) share a day."""
    a_start, a_end = a
    b_start, b_end = b
    return (a_end is None or b_start < a_end) and (b_end is None or a_start < b_end)
