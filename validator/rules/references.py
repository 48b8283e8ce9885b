"""BC201–BC203, BC207–BC210: codes, references, plan ownership, plan groups, pricing coverage."""

from __future__ import annotations

import difflib
from collections import defaultdict
from collections.abc import Iterator

from ..engine import Report, rule
from ..entities import KIND_NOUNS, Entity
from ..findings import Location
from ..model import REFERENCES, Model

# Code comparisons BC202 may spend on did-you-mean suggestions (about two seconds).
SUGGESTION_BUDGET = 1_000_000
# The pairs of fields of which an entity must name exactly one (BC203).
ONE_OF: dict[str, tuple[str, str]] = {
    "accountPlan": ("plan", "planGroup"),
    "pricing": ("plan", "planTemplate"),
    "counterPricing": ("plan", "planTemplate"),
}


@rule("BC201", "duplicate-code", "error", scope="account")
def duplicate_code(model: Model) -> Iterator[Report]:
    """Duplicate code within one kind (or a second organization).

    Why is this bad?
    Codes are how every other entity, and the billing platform, finds an entity: with two
    accounts called `acme`, references and the platform's upsert pick one of them and the
    other is lost. The finding is on the later of the two (files in sorted order, then
    line) and names the first. The organization has no code, but the tree may hold only
    one: a second `organization:` mapping is reported the same way.

    Example
        accounts:
          - {code: acme, name: Acme, emailAddress: billing@acme.example}
          - {code: acme, name: Acme Europe, emailAddress: eu@acme.example}
    Use instead
        accounts:
          - {code: acme, name: Acme, emailAddress: billing@acme.example}
          - {code: acme-eu, name: Acme Europe, emailAddress: eu@acme.example}
    """
    for kind, entities in model.entities.items():
        if kind == "organization":
            yield from _second_organizations(entities)
            continue
        first: dict[str, Entity] = {}
        for entity in entities:
            code = entity.code
            if code is None:
                continue
            original = first.setdefault(code, entity)
            if original is not entity:
                yield Report(
                    entity,
                    f"duplicate {KIND_NOUNS[kind]} code '{code}': already used by the "
                    f"{KIND_NOUNS[kind]} at {_where(original)}",
                    entity.location("code"),
                    f"rename one of the two {KIND_NOUNS[kind]}s, or remove the duplicate",
                )


def _second_organizations(organizations: list[Entity]) -> Iterator[Report]:
    for later in organizations[1:]:
        yield Report(
            later,
            f"a second organization: the tree already sets the organization at "
            f"{_where(organizations[0])}",
            later.location(),
            "merge the two organization mappings into one",
        )


@rule("BC202", "unknown-reference", "error", scope="account")
def unknown_reference(model: Model) -> Iterator[Report]:
    """Reference to an unknown entity.

    Why is this bad?
    The billing platform rejects an entity whose reference does not resolve, so the plan
    is never attached, the account never gets its parent, the pricing never prices. A
    misspelt code is the usual cause; the message suggests the closest existing code. A
    reference to an entity that exists but has schema errors is not reported here.

    Example
        accountPlans:
          - {account: acme, plan: api_stnadard, startDate: 2024-01-01}
    Use instead
        accountPlans:
          - {account: acme, plan: api_standard, startDate: 2024-01-01}
    """
    suggest = _Suggestions(model)
    for kind, fields in REFERENCES.items():
        for entity in model.entities[kind]:
            for field, target in fields.items():
                for path, code in _references(entity, field):
                    if code not in model.known_codes[target]:
                        close = suggest(target, code, entity)
                        yield _unknown(entity, target, code, close, entity.location_at(path))


def _references(entity: Entity, field: str) -> Iterator[tuple[tuple[str | int, ...], str]]:
    """The codes a reference field names, with the path to each (lists name several)."""
    value = entity.get(field)
    if isinstance(value, str):
        yield (field,), value
    elif isinstance(value, list):
        for index, code in enumerate(value):
            if isinstance(code, str):
                yield (field, index), code


class _Suggestions:
    """Did-you-mean look-ups, computed once per unknown code (a renamed plan is often named
    by hundreds of account plans), within a budget of comparisons.

    Each look-up compares the code with every known code of the kind; in a tree with tens
    of thousands of unknown references that would take minutes, so once the budget is
    spent the remaining references are reported without a suggestion.
    """

    def __init__(self, model: Model) -> None:
        self.model = model
        self.budget = SUGGESTION_BUDGET
        self.candidates: dict[str, list[str]] = {}
        self.closest: dict[tuple[str, str], list[str]] = {}

    def __call__(self, target: str, code: str, referrer: Entity) -> str | None:
        """The known code of `target` kind closest to `code`, never the referrer's own."""
        if target not in self.candidates:
            self.candidates[target] = sorted(self.model.known_codes[target])
        key = (target, code)
        if key not in self.closest:
            self.closest[key] = self._closest(code, self.candidates[target])
        own = referrer.code if referrer.kind == target else None
        return next((close for close in self.closest[key] if close != own), None)

    def _closest(self, code: str, candidates: list[str]) -> list[str]:
        # Two, so that one remains when the closest is the referring entity itself.
        if len(candidates) > self.budget:
            return []
        self.budget -= len(candidates)
        return difflib.get_close_matches(code, candidates, n=2, cutoff=0.6)


def _unknown(
    entity: Entity, target: str, code: str, close: str | None, where: Location
) -> Report:
    noun = KIND_NOUNS[target]
    message = f"{entity.label} names an unknown {noun} '{code}'"
    if close is not None:
        return Report(entity, f"{message} (did you mean '{close}'?)", where,
                      f"change '{code}' to '{close}'")
    return Report(entity, message, where, f"define {noun} '{code}', or name an existing {noun}")


@rule("BC203", "not-exactly-one-plan", "error", scope="account")
def not_exactly_one_plan(model: Model) -> Iterator[Report]:
    """An account plan (or pricing) names both or neither of plan / planGroup (plan / planTemplate).

    Why is this bad?
    An account plan attaches either one plan or one plan group, and a pricing (or counter
    pricing) prices either one plan or one plan template. With both, which one the platform
    uses is undefined; with neither, the entity attaches or prices nothing. When both are
    given the finding points at the one written second; when neither is, at the entity.

    Example
        accountPlans:
          - {account: acme, plan: api_std, planGroup: bundle, startDate: 2024-01-01}
    Use instead
        accountPlans:
          - {account: acme, planGroup: bundle, startDate: 2024-01-01}
    """
    for kind, (first, second) in ONE_OF.items():
        for entity in model.entities[kind]:
            given = [field for field in (first, second) if field in entity.data]
            if not given:
                yield Report(
                    entity,
                    f"{entity.label} names neither {_a(first)} nor {_a(second)}",
                    entity.location(),
                    f"add '{first}' or '{second}'",
                )
            elif len(given) == 2:
                later = max(given, key=lambda field: _key_mark(entity, field))
                yield Report(
                    entity,
                    f"{entity.label} names both {first} '{entity.get(first)}' and "
                    f"{second} '{entity.get(second)}'; it must name exactly one",
                    entity.location(later, key=True),
                    f"remove '{first}' or '{second}'",
                )


def _a(field: str) -> str:
    noun = KIND_NOUNS[field]
    return f"a {noun}"


def _key_mark(entity: Entity, field: str) -> tuple[int, int]:
    location = entity.location(field, key=True)
    return location.line, location.column


@rule("BC207", "foreign-custom-plan", "error", scope="account")
def foreign_custom_plan(model: Model) -> Iterator[Report]:
    """A custom plan or plan group attached to an account other than its owner.

    Why is this bad?
    A plan or plan group with an `account` is a custom one, negotiated for that account
    alone; the platform refuses to attach it to any other account. A plan group that holds
    another account's custom plan is reported the same way. The finding points at the
    account plan's `plan` or `planGroup`.

    Example
        plans:
          - {code: acme_api, name: Acme API, planTemplate: api_monthly, account: acme}
        accountPlans:
          - {account: globex, plan: acme_api, startDate: 2024-01-01}
    Use instead
        accountPlans:
          - {account: acme, plan: acme_api, startDate: 2024-01-01}
          - {account: globex, plan: api_std, startDate: 2024-01-01}
    """
    for account_plan in model.entities["accountPlan"]:
        account = model.ref(account_plan, "account")
        if account is None:
            continue
        plan = model.ref(account_plan, "plan")
        if plan is not None:
            yield from _foreign(model, account_plan, "plan", plan, account)
        group = model.ref(account_plan, "planGroup")
        if group is None:
            continue
        if model.ref(group, "account") is not None:
            yield from _foreign(model, account_plan, "planGroup", group, account)
            continue
        for member in model.plans_of_group(group):
            yield from _foreign(model, account_plan, "planGroup", member, account, group)


def _foreign(
    model: Model, account_plan: Entity, field: str, custom: Entity, account: Entity,
    group: Entity | None = None,
) -> Iterator[Report]:
    owner = model.ref(custom, "account")
    if owner is None or owner.code == account.code:
        return
    noun = KIND_NOUNS[custom.kind]
    what = f"{noun} '{custom.code}' is a custom {noun} of account '{owner.code}'"
    if group is not None:
        what = f"plan group '{group.code}' holds {noun} '{custom.code}', a custom {noun} " \
               f"of account '{owner.code}',"
    yield Report(
        account_plan,
        f"{what} but {account_plan.label} attaches it to account '{account.code}'",
        account_plan.location(field),
        f"attach a shared {KIND_NOUNS[field]}, or a custom {KIND_NOUNS[field]} of account "
        f"'{account.code}'",
    )


@rule("BC208", "foreign-contract", "error", scope="account")
def foreign_contract(model: Model) -> Iterator[Report]:
    """An account plan's contract belongs to another account.

    Why is this bad?
    A contract groups the plans of one account for reporting and renewal; the platform
    refuses an account plan whose contract is another account's, so the attachment is not
    made. The finding points at the account plan's `contract`.

    Example
        contracts:
          - {code: acme-2024, name: Acme 2024, account: acme, startDate: 2024-01-01,
             endDate: 2025-01-01}
        accountPlans:
          - {account: globex, plan: api_std, startDate: 2024-01-01, contract: acme-2024}
    Use instead
        accountPlans:
          - {account: acme, plan: api_std, startDate: 2024-01-01, contract: acme-2024}
    """
    for account_plan in model.entities["accountPlan"]:
        account = model.ref(account_plan, "account")
        contract = model.ref(account_plan, "contract")
        owner = model.ref(contract, "account") if contract is not None else None
        if account is None or contract is None or owner is None or owner.code == account.code:
            continue
        yield Report(
            account_plan,
            f"contract '{contract.code}' belongs to account '{owner.code}', but "
            f"{account_plan.label} is for account '{account.code}'",
            account_plan.location("contract"),
            f"name a contract of account '{account.code}', or leave 'contract' out",
        )


@rule("BC209", "duplicate-product-in-plan-group", "error", scope="account")
def duplicate_product_in_plan_group(model: Model) -> Iterator[Report]:
    """A plan group holds more than one plan for the same product.

    Why is this bad?
    A plan group attaches its plans together, one per product; with two plans for one
    product the account would be charged twice for the same usage, and the platform
    refuses the group. The finding points at the group's `plans` key.

    Example
        planGroups:
          - {code: bundle, name: Bundle, currency: USD, plans: [api_std, api_pro]}
    Use instead
        planGroups:
          - {code: bundle, name: Bundle, currency: USD, plans: [api_pro, storage_std]}
    """
    for group in model.entities["planGroup"]:
        by_product: dict[str, list[str]] = defaultdict(list)
        for plan in model.plans_of_group(group):
            product = model.product_of(plan)
            if product is not None and plan.code is not None:
                by_product[product].append(plan.code)
        for product, codes in by_product.items():
            if len(codes) > 1:
                yield Report(
                    group,
                    f"plan group '{group.code}' holds {len(codes)} plans for product "
                    f"'{product}': {_and(codes)}",
                    group.location("plans", key=True),
                    f"keep one plan for product '{product}' in the group",
                )


@rule("BC210", "unpriced-plan", "info", scope="account")
def unpriced_plan(model: Model) -> Iterator[Report]:
    """A plan with no pricing yet.

    Why is this bad?
    It is allowed (plans may be attached before they are priced), but until a pricing
    exists the plan bills its standing charge and minimum spend only, and usage is free.
    A plan counts as priced when it or its plan template has a pricing or a counter
    pricing.

    Example
        plans:
          - {code: api_beta, name: API beta, planTemplate: api_monthly}
    Use instead
        plans:
          - {code: api_beta, name: API beta, planTemplate: api_monthly}
        pricings:
          - {plan: api_beta, aggregation: api_calls, startDate: 2024-01-01,
             pricingBands: [{lowerLimit: 0, unitPrice: 0.01}]}
    """
    for plan in model.entities["plan"]:
        template = model.template_of(plan)
        if template is None or model.pricings_of(plan) or model.counter_pricings_of(plan):
            continue
        yield Report(
            plan,
            f"plan '{plan.code}' has no pricing yet: neither it nor its plan template "
            f"'{template.code}' has a pricing or counter pricing, so its usage is not charged",
            plan.location(),
            f"add a pricing with 'plan: {plan.code}' (or 'planTemplate: {template.code}')",
        )


def _where(entity: Entity) -> str:
    return f"{entity.path}:{entity.mark[0]}"


def _and(codes: list[str]) -> str:
    quoted = [f"'{code}'" for code in codes]
    return quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " and " + quoted[-1]
