"""Generate a synthetic billcheck config tree, clean under the SPEC's rules, for benchmarks.

    python benchmarks/generate.py --accounts 5000 --out /tmp/tree [--single-file] [--seed 1]
        [--usage-rows 1000000 --usage-out /tmp/usage.csv --from 2025-01-01 --to 2026-01-01]

The tree holds an organization, a catalog (20 products, 20 aggregations, 40 plan
templates, 200 plans, one pricing per plan) and the accounts, ten to a file, each file
with its accounts and their account plans (three per account). Every sixth account is
the parent of the next five. Nothing in it should produce a finding:

- a parent's products and its children's products are disjoint (no BC504), every
  account is in a hierarchy whenever childBillingMode is set (no BC501), and every plan
  bills monthly on the organization's default epoch, so a child's bill dates always
  match its parent's (no BC404);
- consecutive account plans for one product meet exactly (no BC302, no BC305);
- every plan has exactly one pricing whose bands start at 0 (no BC210, BC304, BC601);
- one currency everywhere (no BC503, BC603); dates are quoted (no BC005).

Output is written line by line, and every account is derived from (seed, index) alone,
so 50,000 accounts never sit in memory at once and a seed always gives the same bytes.
"""

from __future__ import annotations

import argparse
import bisect
import random
import shutil
import sys
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

PRODUCT_COUNT = 20
TEMPLATES_PER_PRODUCT = 2
PLANS_PER_TEMPLATE = 5
PLANS_PER_PRODUCT = TEMPLATES_PER_PRODUCT * PLANS_PER_TEMPLATE
ACCOUNTS_PER_FILE = 10
FAMILY_SIZE = 6  # a parent account followed by its five children
CURRENCY = "USD"
PRICING_START = "2022-01-01"
FIRST_PLAN_MONTH = date(2023, 1, 1)
SINGLE_FILE_NAME = "billing.yaml"
ADDED_ACCOUNT_FILE_NAME = "accounts/accounts-added.yaml"

AGGREGATION_FUNCTIONS = ("SUM", "SUM", "SUM", "MAX", "COUNT", "MEAN", "LATEST", "UNIQUE", "MIN")
UNITS = ("calls", "GiB", "seats", "events", "minutes", "requests", "jobs", "messages")
TIERS = ("gold", "silver", "bronze")
# Each pattern lists, per product, how many consecutive plans the account has for it.
PLAN_PATTERNS: tuple[tuple[int, ...], ...] = ((1, 1, 1), (2, 1), (1, 2), (3,))
BAND_LIMITS: tuple[tuple[int, ...], ...] = ((0, 500, 2000, 10000), (0, 1000, 5000), (0, 250))


@dataclass(frozen=True)
class AccountPlanSpec:
    """One generated account plan: a plan attached to an account over [start, end)."""

    code: str
    account: str
    plan: str
    product: int
    start: date
    end: date | None
    child_billing_mode: str | None
    cost_centre: str | None


@dataclass(frozen=True)
class AccountSpec:
    """One generated account with its account plans."""

    index: int
    code: str
    parent: str | None
    days_before_bill_due: int
    purchase_order: str | None
    tier: str | None
    plans: tuple[AccountPlanSpec, ...]


@dataclass(frozen=True)
class TreeStats:
    """What a generated tree holds, for reports and for checking the generator."""

    files: int
    bytes: int
    accounts: int
    account_plans: int
    products: int
    aggregations: int
    plan_templates: int
    plans: int
    pricings: int


@dataclass(frozen=True)
class UsageSlot:
    """An (account, aggregation) pair rated by an active plan over [start, end)."""

    account: str
    aggregation: str
    function: str
    start: date
    end: date


# --- codes -------------------------------------------------------------------------------


def product_code(product: int) -> str:
    """The code of product 1..20."""
    return f"prod-{product:02d}"


def aggregation_code(product: int) -> str:
    """The code of the aggregation that product 1..20's pricings rate."""
    return f"agg-{product:02d}"


def template_code(template: int) -> str:
    """The code of plan template 1..40 (two per product: `-a` and `-b`)."""
    product = (template - 1) // TEMPLATES_PER_PRODUCT + 1
    return f"tmpl-{product:02d}-{'ab'[(template - 1) % TEMPLATES_PER_PRODUCT]}"


def plan_code(plan: int) -> str:
    """The code of plan 1..200."""
    return f"plan-{plan:03d}"


def account_code(index: int, total: int) -> str:
    """The code of the account at 0-based `index` in a tree of `total` accounts."""
    return f"acct-{index + 1:0{_code_width(total)}d}"


def _code_width(total: int) -> int:
    return max(5, len(str(total)))


def aggregation_function(product: int) -> str:
    """The aggregation function of product `product`'s aggregation."""
    return AGGREGATION_FUNCTIONS[(product - 1) % len(AGGREGATION_FUNCTIONS)]


# --- calendar ----------------------------------------------------------------------------


def add_months(day: date, months: int) -> date:
    """`day` moved by whole months; generated days are at most 28, so never clamped."""
    month_index = day.month - 1 + months
    return date(day.year + month_index // 12, month_index % 12 + 1, day.day)


# --- accounts ----------------------------------------------------------------------------


def is_parent(index: int, total: int) -> bool:
    """True when the account at `index` heads a family and has at least one child."""
    return index % FAMILY_SIZE == 0 and index + 1 < total


def parent_index(index: int) -> int | None:
    """The index of this account's parent, or None for a family head."""
    head = index - index % FAMILY_SIZE
    return None if head == index else head


def family_products(index: int, seed: int) -> tuple[list[int], list[int]]:
    """The disjoint product pools of the parent and of the children of `index`'s family."""
    products = list(range(1, PRODUCT_COUNT + 1))
    random.Random(f"{seed}/family/{index // FAMILY_SIZE}").shuffle(products)
    half = PRODUCT_COUNT // 2
    return products[:half], products[half:]


def generate_account(index: int, total: int, seed: int) -> AccountSpec:
    """The account at 0-based `index` of `total`, derived from (seed, index) alone."""
    rng = random.Random(f"{seed}/account/{index}")
    code = account_code(index, total)
    parent = parent_index(index)
    parent_pool, child_pool = family_products(index, seed)
    pool = parent_pool if parent is None else child_pool
    in_hierarchy = parent is not None or is_parent(index, total)
    pattern = rng.choice(PLAN_PATTERNS)
    products = rng.sample(pool, len(pattern))
    plans: list[AccountPlanSpec] = []
    for product, chain_length in zip(products, pattern, strict=True):
        plans.extend(_plan_chain(rng, code, product, chain_length, in_hierarchy, len(plans)))
    return AccountSpec(
        index=index,
        code=code,
        parent=None if parent is None else account_code(parent, total),
        days_before_bill_due=rng.choice((14, 30, 30, 45)),
        purchase_order=f"PO-{index + 1:06d}" if rng.random() < 0.5 else None,
        tier=rng.choice(TIERS) if rng.random() < 0.3 else None,
        plans=tuple(plans),
    )


def _plan_chain(
    rng: random.Random,
    account: str,
    product: int,
    length: int,
    in_hierarchy: bool,
    numbered_so_far: int,
) -> Iterator[AccountPlanSpec]:
    """`length` plans for one product, each starting exactly when the previous one ends."""
    start = add_months(FIRST_PLAN_MONTH, rng.randrange(24)).replace(day=rng.choice((1, 1, 1, 15)))
    for position in range(length):
        last = position == length - 1
        if last:
            end = add_months(start, rng.randint(12, 36)) if rng.random() < 0.2 else None
        else:
            end = add_months(start, rng.randint(4, 12))
        first_plan = (product - 1) * PLANS_PER_PRODUCT + 1
        yield AccountPlanSpec(
            code=f"{account}-p{numbered_so_far + position + 1}",
            account=account,
            plan=plan_code(rng.randrange(first_plan, first_plan + PLANS_PER_PRODUCT)),
            product=product,
            start=start,
            end=end,
            child_billing_mode=_child_billing_mode(rng, in_hierarchy),
            cost_centre=f"CC-{rng.randrange(100, 1000)}" if rng.random() < 0.2 else None,
        )
        if end is not None:
            start = end


def _child_billing_mode(rng: random.Random, in_hierarchy: bool) -> str | None:
    # Only set in a hierarchy: elsewhere the setting has no effect and is a BC501 finding.
    if not in_hierarchy or rng.random() >= 0.25:
        return None
    return rng.choice(("PARENT_BREAKDOWN", "PARENT_SUMMARY", "CHILD"))


def generate_accounts(start: int, stop: int, total: int, seed: int) -> Iterator[AccountSpec]:
    """Accounts `start` to `stop - 1` (0-based) of a tree of `total`."""
    for index in range(start, min(stop, total)):
        yield generate_account(index, total, seed)


# --- YAML writers ------------------------------------------------------------------------


def _quoted(day: date) -> str:
    return f'"{day.isoformat()}"'


def organization_lines() -> Iterator[str]:
    """The organization document."""
    yield "organization:\n"
    yield "  timezone: UTC\n"
    yield f"  currency: {CURRENCY}\n"
    yield "  daysBeforeBillDue: 30\n"
    yield "  customFields:\n"
    yield "    account:\n"
    yield "      tier: standard\n"
    yield "    accountPlan:\n"
    yield "      costCentre: CC-000\n"


def products_lines() -> Iterator[str]:
    """The products collection."""
    yield "products:\n"
    for product in range(1, PRODUCT_COUNT + 1):
        yield f"  - code: {product_code(product)}\n"
        yield f"    name: Product {product:02d}\n"


def aggregations_lines() -> Iterator[str]:
    """The aggregations collection: one per product."""
    yield "aggregations:\n"
    for product in range(1, PRODUCT_COUNT + 1):
        yield f"  - code: {aggregation_code(product)}\n"
        yield f"    name: Product {product:02d} usage\n"
        yield f"    unit: {UNITS[(product - 1) % len(UNITS)]}\n"
        yield f"    aggregation: {aggregation_function(product)}\n"
        if product % 4 == 0:
            yield "    rounding: UP\n"
            yield "    quantityPerUnit: 10\n"


def plan_templates_lines() -> Iterator[str]:
    """The planTemplates collection: two monthly templates per product."""
    yield "planTemplates:\n"
    for template in range(1, PRODUCT_COUNT * TEMPLATES_PER_PRODUCT + 1):
        product = (template - 1) // TEMPLATES_PER_PRODUCT + 1
        yield f"  - code: {template_code(template)}\n"
        yield f"    name: Product {product:02d} template {template}\n"
        yield f"    product: {product_code(product)}\n"
        yield f"    currency: {CURRENCY}\n"
        yield "    billFrequency: MONTHLY\n"
        yield f"    standingCharge: {(0, 25, 49.99, 99, 250)[template % 5]}\n"
        if template % 2 == 0:
            yield f"    minimumSpend: {100 * (template % 3 + 1)}\n"
        if template % 7 == 0:
            yield "    standingChargeBillInAdvance: true\n"


def plans_lines() -> Iterator[str]:
    """The plans collection: five plans per template, some overriding its charges."""
    yield "plans:\n"
    for plan in range(1, PRODUCT_COUNT * PLANS_PER_PRODUCT + 1):
        template = (plan - 1) // PLANS_PER_TEMPLATE + 1
        yield f"  - code: {plan_code(plan)}\n"
        yield f"    name: Plan {plan:03d}\n"
        yield f"    planTemplate: {template_code(template)}\n"
        if plan % 3 == 0:
            yield f"    standingCharge: {10 * (plan % 10)}\n"
        if plan % 11 == 0:
            yield "    minimumSpend: 500\n"


def pricings_lines() -> Iterator[str]:
    """The pricings collection: one per plan, tiered and volume bands alternating."""
    yield "pricings:\n"
    for plan in range(1, PRODUCT_COUNT * PLANS_PER_PRODUCT + 1):
        product = (plan - 1) // PLANS_PER_PRODUCT + 1
        yield f"  - code: price-{plan:03d}\n"
        yield f"    plan: {plan_code(plan)}\n"
        yield f"    aggregation: {aggregation_code(product)}\n"
        yield f'    startDate: "{PRICING_START}"\n'
        yield f"    cumulative: {'true' if plan % 2 else 'false'}\n"
        yield "    pricingBands:\n"
        limits = BAND_LIMITS[plan % len(BAND_LIMITS)]
        for band, lower_limit in enumerate(limits):
            unit_price = f"{(len(limits) - band) * (plan % 5 + 1) * 0.01:.2f}"
            yield f"      - lowerLimit: {lower_limit}\n"
            yield f"        unitPrice: {unit_price}\n"
            yield f"        fixedPrice: {5 if band == 0 and plan % 4 == 0 else 0}\n"


def catalog_files() -> list[tuple[str, Iterator[str]]]:
    """The catalog as (relative path, lines) pairs."""
    return [
        ("catalog/products.yaml", products_lines()),
        ("catalog/aggregations.yaml", aggregations_lines()),
        ("catalog/plan-templates.yaml", plan_templates_lines()),
        ("catalog/plans.yaml", plans_lines()),
        ("catalog/pricings.yaml", pricings_lines()),
    ]


def account_lines(account: AccountSpec) -> Iterator[str]:
    """One entry of the accounts collection."""
    yield f"  - code: {account.code}\n"
    yield f"    name: Account {account.index + 1:05d}\n"
    yield f"    emailAddress: billing+{account.index + 1:05d}@example.com\n"
    if account.parent is not None:
        yield f"    parentAccount: {account.parent}\n"
    yield f"    daysBeforeBillDue: {account.days_before_bill_due}\n"
    if account.purchase_order is not None:
        yield f"    purchaseOrderNumber: {account.purchase_order}\n"
    if account.tier is not None:
        yield "    customFields:\n"
        yield f"      tier: {account.tier}\n"


def account_plan_lines(account_plan: AccountPlanSpec) -> Iterator[str]:
    """One entry of the accountPlans collection."""
    yield f"  - code: {account_plan.code}\n"
    yield f"    account: {account_plan.account}\n"
    yield f"    plan: {account_plan.plan}\n"
    yield f"    startDate: {_quoted(account_plan.start)}\n"
    if account_plan.end is not None:
        yield f"    endDate: {_quoted(account_plan.end)}\n"
    if account_plan.child_billing_mode is not None:
        yield f"    childBillingMode: {account_plan.child_billing_mode}\n"
    if account_plan.cost_centre is not None:
        yield "    customFields:\n"
        yield f"      costCentre: {account_plan.cost_centre}\n"


def accounts_section(accounts: Iterable[AccountSpec]) -> Iterator[str]:
    """The accounts collection of the given accounts."""
    yield "accounts:\n"
    for account in accounts:
        yield from account_lines(account)


def account_plans_section(accounts: Iterable[AccountSpec]) -> Iterator[str]:
    """The accountPlans collection of the given accounts' plans."""
    yield "accountPlans:\n"
    for account in accounts:
        for account_plan in account.plans:
            yield from account_plan_lines(account_plan)


# --- tree --------------------------------------------------------------------------------


def _write_lines(path: Path, lines: Iterable[str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="\n", buffering=1 << 16) as handle:
        handle.write("# Generated by benchmarks/generate.py: synthetic, expected clean.\n")
        handle.writelines(lines)


def _chained(*parts: Iterable[str]) -> Iterator[str]:
    for part in parts:
        yield from part


class _PlanCounter:
    """Counts account plans as the accounts stream past on their way to a file."""

    def __init__(self) -> None:
        self.account_plans = 0

    def counted(self, accounts: Iterable[AccountSpec]) -> Iterator[AccountSpec]:
        for account in accounts:
            self.account_plans += len(account.plans)
            yield account


def write_tree(out_dir: Path, accounts: int, seed: int, single_file: bool = False) -> TreeStats:
    """Write a tree of `accounts` accounts under `out_dir` and return what it holds."""
    counter = _PlanCounter()
    written: list[Path] = []
    if single_file:
        path = out_dir / SINGLE_FILE_NAME
        catalog = [lines for _, lines in catalog_files()]
        # The accounts are generated twice rather than held: once per collection.
        _write_lines(
            path,
            _chained(
                organization_lines(),
                *catalog,
                accounts_section(generate_accounts(0, accounts, accounts, seed)),
                account_plans_section(
                    counter.counted(generate_accounts(0, accounts, accounts, seed))
                ),
            ),
        )
        written.append(path)
    else:
        written.append(out_dir / "organization.yaml")
        _write_lines(written[-1], organization_lines())
        for relative, lines in catalog_files():
            written.append(out_dir / relative)
            _write_lines(written[-1], lines)
        written.extend(_write_account_files(out_dir, accounts, seed, counter))
    return _stats(written, accounts, counter.account_plans)


def _write_account_files(
    out_dir: Path, accounts: int, seed: int, counter: _PlanCounter
) -> Iterator[Path]:
    for file_number, start in enumerate(range(0, accounts, ACCOUNTS_PER_FILE), start=1):
        batch = list(
            counter.counted(generate_accounts(start, start + ACCOUNTS_PER_FILE, accounts, seed))
        )
        path = out_dir / "accounts" / f"accounts-{file_number:05d}.yaml"
        _write_lines(path, _chained(accounts_section(batch), account_plans_section(batch)))
        yield path


def _stats(written: Sequence[Path], accounts: int, account_plans: int) -> TreeStats:
    plans = PRODUCT_COUNT * PLANS_PER_PRODUCT
    return TreeStats(
        files=len(written),
        bytes=sum(path.stat().st_size for path in written),
        accounts=accounts,
        account_plans=account_plans,
        products=PRODUCT_COUNT,
        aggregations=PRODUCT_COUNT,
        plan_templates=PRODUCT_COUNT * TEMPLATES_PER_PRODUCT,
        plans=plans,
        pricings=plans,
    )


def write_changed_copy(base: Path, head: Path, accounts: int, seed: int) -> None:
    """Copy the multi-file tree `base` to `head` with a pull-request-sized change.

    The change keeps the tree clean: a price rise (templates charging 99 a month go to
    109, so bills differ), one renamed account and one added account with its plans.
    """
    if (base / SINGLE_FILE_NAME).exists():
        raise ValueError("a changed copy needs a tree written without --single-file")
    shutil.copytree(base, head)
    _replace_once(
        head / "catalog" / "plan-templates.yaml", "standingCharge: 99\n", "standingCharge: 109\n"
    )
    first_account = generate_account(0, accounts, seed)
    _replace_once(
        head / "accounts" / "accounts-00001.yaml",
        f"code: {first_account.code}\n    name: Account 00001\n",
        f"code: {first_account.code}\n    name: Account 00001 Holdings\n",
    )
    added = generate_account(accounts, accounts + 1, seed)
    _write_lines(
        head / ADDED_ACCOUNT_FILE_NAME,
        _chained(accounts_section([added]), account_plans_section([added])),
    )


def _replace_once(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    if old not in text:
        raise ValueError(f"{path} no longer holds {old!r}: update write_changed_copy")
    path.write_text(text.replace(old, new), encoding="utf-8", newline="\n")


# --- usage -------------------------------------------------------------------------------


def usage_slots(accounts: int, seed: int, window_start: date, window_end: date) -> list[UsageSlot]:
    """Every (account, aggregation) rated by an active plan inside the window.

    A child's usage for one of its parent's products is rated by the parent's plan
    (pooled), so the parent's plans give the child slots too.
    """
    slots: list[UsageSlot] = []
    family_head: AccountSpec | None = None
    for account in generate_accounts(0, accounts, accounts, seed):
        if account.parent is None:
            family_head = account
        rating_plans = list(account.plans)
        if account.parent is not None and family_head is not None:
            rating_plans.extend(family_head.plans)
        for account_plan in rating_plans:
            start = max(account_plan.start, window_start)
            end = min(account_plan.end or window_end, window_end)
            if start < end:
                product = account_plan.product
                slots.append(
                    UsageSlot(
                        account.code,
                        aggregation_code(product),
                        aggregation_function(product),
                        start,
                        end,
                    )
                )
    return slots


def usage_rows(
    rows: int, accounts: int, seed: int, window_start: date, window_end: date
) -> Iterator[str]:
    """`rows` CSV lines (header first) spread over the window, each rated by a plan."""
    slots = usage_slots(accounts, seed, window_start, window_end)
    if not slots:
        raise ValueError("no account plan is active inside the usage window")
    cumulative_days: list[int] = []
    running = 0
    for slot in slots:
        running += (slot.end - slot.start).days
        cumulative_days.append(running)
    rng = random.Random(f"{seed}/usage")
    yield "account,aggregation,timestamp,value\n"
    for _ in range(rows):
        offset = rng.randrange(running)
        slot_index = bisect.bisect_right(cumulative_days, offset)
        slot = slots[slot_index]
        day_in_slot = offset - (cumulative_days[slot_index] - (slot.end - slot.start).days)
        day = slot.start + timedelta(days=day_in_slot)
        seconds = rng.randrange(86400)
        timestamp = (
            f"{day.isoformat()}T{seconds // 3600:02d}:{seconds // 60 % 60:02d}:"
            f"{seconds % 60:02d}+00:00"
        )
        yield f"{slot.account},{slot.aggregation},{timestamp},{_usage_value(rng, slot)}\n"


def _usage_value(rng: random.Random, slot: UsageSlot) -> str:
    if slot.function == "COUNT":
        return "1"
    cents = rng.randrange(100, 50000)
    return f"{cents // 100}.{cents % 100:02d}"


def write_usage(
    path: Path, rows: int, accounts: int, seed: int, window_start: date, window_end: date
) -> int:
    """Write the usage CSV and return its size in bytes."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="\n", buffering=1 << 16) as handle:
        handle.writelines(usage_rows(rows, accounts, seed, window_start, window_end))
    return path.stat().st_size


# --- command line ------------------------------------------------------------------------


def _parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, required=True, help="number of accounts")
    parser.add_argument("--out", type=Path, help="directory to write the config tree into")
    parser.add_argument("--single-file", action="store_true", help="write one file")
    parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    parser.add_argument("--usage-rows", type=int, default=0, help="usage rows to write")
    parser.add_argument("--usage-out", type=Path, help="CSV file for the usage rows")
    parser.add_argument(
        "--from",
        dest="window_start",
        type=date.fromisoformat,
        default=date(2025, 1, 1),
        help="usage window start (inclusive)",
    )
    parser.add_argument(
        "--to",
        dest="window_end",
        type=date.fromisoformat,
        default=date(2026, 1, 1),
        help="usage window end (exclusive)",
    )
    args = parser.parse_args(argv)
    if args.accounts < 1:
        parser.error("--accounts must be at least 1")
    if args.out is None and args.usage_out is None:
        parser.error("give --out, --usage-out or both")
    if args.usage_rows and args.usage_out is None:
        parser.error("--usage-rows needs --usage-out")
    if args.window_end <= args.window_start:
        parser.error("--to must be after --from")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    """Generate what the arguments ask for and print a one-line summary of each output."""
    args = _parse_args(argv)
    if args.out is not None:
        began = time.perf_counter()
        stats = write_tree(args.out, args.accounts, args.seed, args.single_file)
        print(
            f"tree {args.out}: {stats.files} file{'' if stats.files == 1 else 's'}, "
            f"{stats.bytes / 1e6:.1f} MB, "
            f"{stats.accounts} accounts, {stats.account_plans} account plans, "
            f"{stats.plans} plans, {stats.pricings} pricings "
            f"in {time.perf_counter() - began:.1f} s"
        )
    if args.usage_out is not None:
        began = time.perf_counter()
        try:
            size = write_usage(
                args.usage_out,
                args.usage_rows,
                args.accounts,
                args.seed,
                args.window_start,
                args.window_end,
            )
        except ValueError as error:
            print(f"generate.py: {error}", file=sys.stderr)
            return 2
        print(
            f"usage {args.usage_out}: {args.usage_rows} rows, {size / 1e6:.1f} MB "
            f"in {time.perf_counter() - began:.1f} s"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
