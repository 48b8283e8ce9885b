"""BC204–BC206 and BC501–BC505: parent/child hierarchy and how it bills."""

from __future__ import annotations

import datetime
from collections.abc import Iterator, Sequence

from ..engine import Report, rule
from ..entities import Entity
from ..model import Model, active_interval, child_billing_mode, overlaps

MAX_CHILDREN = 999
PARENT_MODES = frozenset({"PARENT_BREAKDOWN", "PARENT_SUMMARY"})
# A cycle longer than this is shown by its first few accounts only.
CYCLE_SHOWN = 6

Interval = tuple[datetime.date, datetime.date | None]


@rule("BC204", "parent-cycle", "error", scope="account")
def parent_cycle(model: Model) -> Iterator[Report]:
    """An account is its own parent, or the parent links form a cycle.

    Why is this bad?
    A hierarchy must end at a top-level account that pays the bills; in a cycle no account
    does, and the platform refuses the link that closes it. The cycle is reported once, at
    the `parentAccount` of its first account in file order.

    Example
        accounts:
          - {code: acme, name: Acme, emailAddress: a@acme.example, parentAccount: acme-eu}
          - {code: acme-eu, name: Acme EU, emailAddress: eu@acme.example, parentAccount: acme}
    Use instead
        accounts:
          - {code: acme, name: Acme, emailAddress: a@acme.example}
          - {code: acme-eu, name: Acme EU, emailAddress: eu@acme.example, parentAccount: acme}
    """
    for cycle in model.parent_cycles:
        first = cycle[0]
        if len(cycle) == 1:
            message = f"account '{first.code}' names itself as its parent account"
            hint = "remove 'parentAccount', or name the account's real parent"
        else:
            message = (f"the parent links of {len(cycle)} accounts form a cycle: "
                       f"{_cycle_text(cycle)}")
            hint = "remove the 'parentAccount' of one of these accounts to break the cycle"
        yield Report(first, message, first.location("parentAccount"), hint)


def _cycle_text(cycle: Sequence[Entity]) -> str:
    codes = [f"'{account.code}'" for account in cycle]
    if len(codes) > CYCLE_SHOWN:
        codes = [*codes[:CYCLE_SHOWN - 2], "...", codes[-1]]
    return " -> ".join([*codes, codes[0]])


@rule("BC205", "nested-hierarchy", "error", scope="account")
def nested_hierarchy(model: Model) -> Iterator[Report]:
    """Hierarchy deeper than one level: a parent account that itself has a parent.

    Why is this bad?
    Parent/child billing has one level: a child's charges roll up to its parent's bill,
    never further. The platform blocks the link that makes an account both a parent and a
    child, so the finding points at that account's `parentAccount`. Accounts in a cycle
    (BC204) are not reported again here.

    Example
        accounts:
          - {code: acme, name: Acme, emailAddress: a@acme.example}
          - {code: acme-eu, name: Acme EU, emailAddress: eu@acme.example, parentAccount: acme}
          - {code: acme-de, name: Acme DE, emailAddress: de@acme.example, parentAccount: acme-eu}
    Use instead
        accounts:
          - {code: acme, name: Acme, emailAddress: a@acme.example}
          - {code: acme-eu, name: Acme EU, emailAddress: eu@acme.example, parentAccount: acme}
          - {code: acme-de, name: Acme DE, emailAddress: de@acme.example, parentAccount: acme}
    """
    in_cycle = {id(account) for cycle in model.parent_cycles for account in cycle}
    for account in _distinct_accounts(model):
        parent = model.parent(account)
        children = model.children.get(account.code or "", [])
        if parent is None or not children or id(account) in in_cycle:
            continue
        yield Report(
            account,
            f"account '{account.code}' is a child of '{parent.code}' and the parent of "
            f"{_codes(children)}: parent/child hierarchies have one level",
            account.location("parentAccount"),
            f"make {_codes(children)} children of '{parent.code}', or remove the "
            f"parentAccount of '{account.code}'",
        )


@rule("BC206", "too-many-children", "error", scope="account")
def too_many_children(model: Model) -> Iterator[Report]:
    """More than 999 child accounts under one parent.

    Why is this bad?
    The platform allows at most 999 children per parent account and refuses the next one,
    so the accounts beyond the limit are never linked. The finding points at the parent.

    Example
        accounts:
          - {code: reseller, name: Reseller, emailAddress: r@reseller.example}
          # ... 1,000 accounts with parentAccount: reseller
    Use instead
        Split the children between two parent accounts of at most 999 children each.
    """
    for account in _distinct_accounts(model):
        children = model.children.get(account.code or "", [])
        if len(children) > MAX_CHILDREN:
            yield Report(
                account,
                f"account '{account.code}' has {len(children)} child accounts; at most "
                f"{MAX_CHILDREN} are allowed",
                account.location(),
                "move some of the children under another parent account",
            )


def _distinct_accounts(model: Model) -> Iterator[Entity]:
    """Each account code's first account (a duplicate, BC201, would be reported twice)."""
    for account in model.entities["account"]:
        if model.get("account", account.code) is account:
            yield account


@rule("BC501", "ineffective-child-billing-mode", "warning", scope="account")
def ineffective_child_billing_mode(model: Model) -> Iterator[Report]:
    """childBillingMode set on an account plan whose account is neither a parent nor a child.

    Why is this bad?
    childBillingMode only decides which bill a parent's or a child's charges go on; on a
    stand-alone account it has no effect, and usually means the `parentAccount` link it
    was written for is missing.

    Example
        accounts:
          - {code: acme, name: Acme, emailAddress: a@acme.example}
        accountPlans:
          - {account: acme, plan: api_std, startDate: 2024-01-01, childBillingMode: CHILD}
    Use instead
        accountPlans:
          - {account: acme, plan: api_std, startDate: 2024-01-01}
    """
    for account_plan in model.entities["accountPlan"]:
        account = model.ref(account_plan, "account")
        if "childBillingMode" not in account_plan.data or account is None:
            continue
        # A parentAccount that does not resolve (BC202) still says the account is meant
        # to be a child, so the mode is not called pointless.
        if model.in_hierarchy(account) or "parentAccount" in account.data:
            continue
        yield Report(
            account_plan,
            f"childBillingMode has no effect: account '{account.code}' is neither a parent "
            "nor a child account",
            account_plan.location("childBillingMode"),
            "remove childBillingMode, or link the accounts with parentAccount",
        )


@rule("BC502", "counter-pricing-in-hierarchy", "warning", scope="account")
def counter_pricing_in_hierarchy(model: Model) -> Iterator[Report]:
    """Counter (recurring) pricing on a plan attached to a parent or child account.

    Why is this bad?
    Parent/child billing does not support recurring charges: the counter pricing of a plan
    attached to a parent or a child account is not billed as configured. The finding
    points at the account plan.

    Example
        counterPricings:
          - {counter: seats, plan: api_std, startDate: 2024-01-01,
             pricingBands: [{lowerLimit: 0, unitPrice: 5}]}
        accountPlans:
          - {account: acme-eu, plan: api_std, startDate: 2024-01-01}   # acme-eu is a child
    Use instead
        Attach a plan without counter pricing to accounts in a hierarchy, and price seats
        on a plan of a stand-alone account.
    """
    for account_plan in model.entities["accountPlan"]:
        account = model.ref(account_plan, "account")
        if account is None or not model.in_hierarchy(account):
            continue
        recurring = [p.code or "" for p in model.plans_of(account_plan)
                     if model.counter_pricings_of(p)]
        if not recurring:
            continue
        plans = "plan" if len(recurring) == 1 else "plans"
        yield Report(
            account_plan,
            f"{account_plan.label} attaches {plans} {_codes(recurring)} with counter pricing "
            f"to account '{account.code}', {_role(model, account)}: parent/child billing "
            "does not support recurring charges",
            account_plan.location(),
            "attach a plan without counter pricing, or move the counter pricing to a plan "
            "of a stand-alone account",
        )


@rule("BC503", "child-currency-mismatch", "warning", scope="account")
def child_currency_mismatch(model: Model) -> Iterator[Report]:
    """A child whose charges go on its parent's bill has a different billing currency.

    Why is this bad?
    A bill has one currency. When a child's usage is pooled into its parent's plan, or its
    own plan puts its lines on the parent's bill (childBillingMode PARENT_BREAKDOWN, the
    default, or PARENT_SUMMARY), those charges are billed in the parent's currency, not
    the one set on the child. The billing currency is the account's `currency`, else the
    organization's. The finding points at the child's `currency` (at the child when it
    sets none). A pooled share that goes on the child's own bill (the parent's plan in
    CHILD mode) is not reported.

    Example
        accounts:
          - {code: acme, name: Acme, emailAddress: a@acme.example, currency: USD}
          - {code: acme-eu, name: Acme EU, emailAddress: eu@acme.example,
             parentAccount: acme, currency: EUR}
        accountPlans:
          - {account: acme, plan: api_std, startDate: 2024-01-01}   # pools acme-eu's usage
    Use instead
        accounts:
          - {code: acme, name: Acme, emailAddress: a@acme.example, currency: USD}
          - {code: acme-eu, name: Acme EU, emailAddress: eu@acme.example,
             parentAccount: acme, currency: USD}
    """
    for child in model.entities["account"]:
        parent = model.billing_parent(child)
        if parent is None:
            continue
        child_currency = model.account_currency(child)
        parent_currency = model.account_currency(parent)
        if child_currency == parent_currency:
            continue
        reason = _on_parents_bill(model, child, parent)
        if reason is None:
            continue
        yield Report(
            child,
            f"child account '{child.code}' is billed in {child_currency}, but {reason}, "
            f"which is in {parent_currency}",
            child.location("currency") if "currency" in child.data else child.location(),
            f"bill '{child.code}' in {parent_currency} like its parent, or keep its charges "
            "on its own bill with childBillingMode: CHILD",
        )


def _on_parents_bill(model: Model, child: Entity, parent: Entity) -> str | None:
    """Why some of a child's charges go on its parent's bill, or None when none do."""
    own = model.account_plans_by_account.get(child.code or "", [])
    for account_plan in own:
        if model.plans_of(account_plan) and child_billing_mode(account_plan) in PARENT_MODES:
            return (f"its {account_plan.label} puts its charges on the bill of parent "
                    f"'{parent.code}' (childBillingMode {child_billing_mode(account_plan)})")
    for parent_plan in model.account_plans_by_account.get(parent.code or "", []):
        interval = active_interval(parent_plan)
        if child_billing_mode(parent_plan) not in PARENT_MODES or interval is None:
            continue
        for product in model.products_of(parent_plan):
            covering = [i for ap in own if product in model.products_of(ap)
                        if (i := active_interval(ap)) is not None]
            if not _covered(interval, covering):
                return (f"its usage of product '{product}' is pooled into {parent_plan.label} "
                        f"of parent '{parent.code}' and billed on the parent's bill")
    return None


def _covered(target: Interval, intervals: list[Interval]) -> bool:
    """Whether the union of `intervals` covers all of `target` (None ends are open)."""
    cursor, end = target
    for start, stop in sorted(intervals, key=lambda interval: interval[0]):
        if end is not None and cursor >= end:
            return True
        if start > cursor:
            return False
        if stop is None:
            return True
        cursor = max(cursor, stop)
    return end is not None and cursor >= end


@rule("BC504", "child-plan-not-pooled", "info", scope="account")
def child_plan_not_pooled(model: Model) -> Iterator[Report]:
    """A child has its own account plan for a product that its parent's plan also covers.

    Why is this bad?
    It may be intended, but it changes the bill: while the child has its own plan for a
    product, its usage of that product is rated on its own and is not pooled with the
    parent's, so it does not count towards the parent's tiers. The finding points at the
    child's account plan.

    Example
        accountPlans:
          - {account: acme, plan: api_pro, startDate: 2024-01-01}
          - {account: acme-eu, plan: api_std, startDate: 2024-01-01}   # acme-eu is a child
    Use instead
        accountPlans:
          - {account: acme, plan: api_pro, startDate: 2024-01-01}
    """
    for child in model.entities["account"]:
        parent = model.billing_parent(child)
        if parent is None:
            continue
        parent_plans = model.account_plans_by_account.get(parent.code or "", [])
        for account_plan in model.account_plans_by_account.get(child.code or "", []):
            shared = _shared_product(model, account_plan, parent_plans)
            if shared is None:
                continue
            product, parent_plan = shared
            yield Report(
                account_plan,
                f"{account_plan.label} rates child account '{child.code}' on its own for "
                f"product '{product}', which {parent_plan.label} of parent '{parent.code}' "
                "also covers: the child's usage is not pooled with the parent's",
                account_plan.location(),
                "end this account plan to pool the child's usage with its parent's, or keep "
                "it to rate the child separately",
            )


def _shared_product(
    model: Model, account_plan: Entity, parent_plans: list[Entity]
) -> tuple[str, Entity] | None:
    """The first product (and parent plan) a child's plan shares with its parent's plans."""
    interval = active_interval(account_plan)
    if interval is None:
        return None
    for product in model.products_of(account_plan):
        for parent_plan in parent_plans:
            other = active_interval(parent_plan)
            if (other is not None and overlaps(interval, other)
                    and product in model.products_of(parent_plan)):
                return product, parent_plan
    return None


@rule("BC505", "credit-order-in-hierarchy", "warning", scope="account")
def credit_order_in_hierarchy(model: Model) -> Iterator[Report]:
    """creditApplicationOrder set on an account in a hierarchy, where it is not available.

    Why is this bad?
    The platform does not apply creditApplicationOrder to parent or child accounts, so the
    order written here is not the order credit is drawn down in. The finding points at the
    `creditApplicationOrder` key.

    Example
        accounts:
          - {code: acme-eu, name: Acme EU, emailAddress: eu@acme.example,
             parentAccount: acme, creditApplicationOrder: [PREPAYMENT, BALANCE]}
    Use instead
        accounts:
          - {code: acme-eu, name: Acme EU, emailAddress: eu@acme.example,
             parentAccount: acme}
    """
    for account in model.entities["account"]:
        if "creditApplicationOrder" not in account.data or not model.in_hierarchy(account):
            continue
        yield Report(
            account,
            f"creditApplicationOrder is not available on account '{account.code}', "
            f"{_role(model, account)}",
            account.location("creditApplicationOrder", key=True),
            "remove creditApplicationOrder",
        )


def _role(model: Model, account: Entity) -> str:
    """How a message describes an account's place in its hierarchy."""
    parent = model.parent(account)
    is_parent = bool(model.children.get(account.code or ""))
    if parent is not None and is_parent:
        return f"a child of '{parent.code}' and itself a parent account"
    if parent is not None:
        return f"a child of '{parent.code}'"
    return "a parent account"


def _codes(codes: Sequence[Entity | str], shown: int = 3) -> str:
    """`'a', 'b' and 'c'`, or `'a', 'b', 'c' and 7 more`."""
    quoted = [f"'{c.code if isinstance(c, Entity) else c}'" for c in codes]
    if len(quoted) == 1:
        return quoted[0]
    if len(quoted) > shown:
        return ", ".join(quoted[:shown]) + f" and {len(quoted) - shown} more"
    return ", ".join(quoted[:-1]) + " and " + quoted[-1]
