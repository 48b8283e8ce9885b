"""Acceptance cases for `billcheck preview --format json` (SPEC §4), computed by hand.

Each case is a small config tree run through the command line; the expected bill dates
and totals were worked out from the SPEC alone (the working is in the comments), the way
held-out acceptance cases compare them: to the cent, as decimal strings.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result

Tree = Callable[[dict[str, str]], Path]
Cli = Callable[..., Result]

CATALOG = """\
products:
  - {code: api, name: API}
aggregations:
  - {code: q, name: Q, unit: units, aggregation: SUM}
"""


def preview(
    tree: Tree, cli: Cli, config: str, window: tuple[str, str], usage: str | None = None
) -> dict[str, Any]:
    """Run the preview of `config` over the window (with usage CSV rows) and parse its JSON."""
    files = {"config/billing.yaml": CATALOG + config}
    usage_args: list[str] = []
    if usage is not None:
        files["usage.csv"] = "account,aggregation,timestamp,value\n" + usage
        usage_args = ["--usage", "usage.csv"]
    tree(files)
    result = cli(
        "preview", "config", "--from", window[0], "--to", window[1], *usage_args,
        "--format", "json",
    )
    assert result.exit_code == 0, result.output
    document: dict[str, Any] = json.loads(result.stdout)
    return document


def totals(document: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(account, billDate, total) of every bill, in document order."""
    return [(bill["account"], bill["billDate"], bill["total"]) for bill in document["bills"]]


def amounts(document: dict[str, Any], account: str) -> list[tuple[Any, ...]]:
    """(billDate, type, childAccount, quantity, amount) of every line on the account's bills."""
    return [
        (bill["billDate"], item["type"], item["childAccount"], item["quantity"], item["amount"])
        for bill in document["bills"] if bill["account"] == account
        for item in bill["lineItems"]
    ]


def test_fixed_prices_in_volume_and_tiered_bands(tree: Tree, cli: Cli) -> None:
    # Bands 0 → 1.00 + fixed 10, 5 → 0.50 + fixed 20.
    # Volume: 6 reaches band 5: 6 × 0.50 + 20 = 23.00; 20: 20 × 0.50 + 20 = 30.00.
    # Tiered: 6: (5 × 1 + 10) + (1 × 0.50 + 20) = 35.50; 20: 15 + (15 × 0.50 + 20) = 42.50.
    bands = ("[{lowerLimit: 0, unitPrice: 1, fixedPrice: 10}, "
             "{lowerLimit: 5, unitPrice: 0.5, fixedPrice: 20}]")
    config = f"""\
planTemplates:
  - {{code: t, name: T, product: api, currency: USD, billFrequency: MONTHLY, standingCharge: 0}}
plans:
  - {{code: vol, name: Volume, planTemplate: t}}
  - {{code: tier, name: Tiered, planTemplate: t}}
pricings:
  - {{plan: vol, aggregation: q, startDate: 2020-01-01, pricingBands: {bands}}}
  - {{plan: tier, aggregation: q, startDate: 2020-01-01, cumulative: true, pricingBands: {bands}}}
accounts:
  - {{code: tier, name: Tiered, emailAddress: a@example.test}}
  - {{code: vol, name: Volume, emailAddress: a@example.test}}
accountPlans:
  - {{account: tier, plan: tier, startDate: 2025-01-01}}
  - {{account: vol, plan: vol, startDate: 2025-01-01}}
"""
    usage = "".join(
        f"{account},q,{day},{value}\n"
        for account in ("vol", "tier") for day, value in (("2025-01-05", 6), ("2025-02-05", 20))
    )
    document = preview(tree, cli, config, ("2025-01-01", "2025-03-01"), usage)
    assert totals(document) == [
        ("tier", "2025-02-01", "35.50"), ("tier", "2025-03-01", "42.50"),
        ("vol", "2025-02-01", "23.00"), ("vol", "2025-03-01", "30.00"),
    ]


def test_pooled_charge_converted_to_yen_then_split_with_the_remainder_rule(
    tree: Tree, cli: Cli
) -> None:
    # Fixed price 1.01 USD × 150 = 151.5 JPY, rounded to 152 before the split.
    # Breakdown over p, c1, c2 (1 unit each): 152 / 3 = 50.67 → 51 each = 153; the −1 goes
    # to the largest quantity, all tied, so to the lowest code: c1 gets 50.
    # CHILD over x, x1 (1 unit), x2 (2 units): 38, 38, 76 — exact, nothing left over.
    config = """\
organization:
  currencyConversions: [{from: USD, to: JPY, multiplier: 150}]
planTemplates:
  - {code: t, name: T, product: api, currency: USD, billFrequency: MONTHLY, standingCharge: 0}
plans:
  - {code: pooled, name: Pooled, planTemplate: t}
pricings:
  - {plan: pooled, aggregation: q, startDate: 2020-01-01,
     pricingBands: [{lowerLimit: 0, unitPrice: 0, fixedPrice: 1.01}]}
accounts:
  - {code: p, name: P, emailAddress: a@example.test, currency: JPY}
  - {code: c1, name: C1, emailAddress: a@example.test, currency: JPY, parentAccount: p}
  - {code: c2, name: C2, emailAddress: a@example.test, currency: JPY, parentAccount: p}
  - {code: x, name: X, emailAddress: a@example.test, currency: JPY}
  - {code: x1, name: X1, emailAddress: a@example.test, currency: JPY, parentAccount: x}
  - {code: x2, name: X2, emailAddress: a@example.test, currency: JPY, parentAccount: x}
accountPlans:
  - {code: p-pooled, account: p, plan: pooled, startDate: 2025-01-01}
  - {code: x-pooled, account: x, plan: pooled, startDate: 2025-01-01, childBillingMode: CHILD}
"""
    usage = "".join(
        f"{account},q,2025-01-05,{value}\n"
        for account, value in (("p", 1), ("c1", 1), ("c2", 1), ("x", 1), ("x1", 1), ("x2", 2))
    )
    document = preview(tree, cli, config, ("2025-01-01", "2025-02-01"), usage)
    assert totals(document) == [
        ("p", "2025-02-01", "152"), ("x", "2025-02-01", "38"),
        ("x1", "2025-02-01", "38"), ("x2", "2025-02-01", "76"),
    ]
    assert amounts(document, "p") == [
        ("2025-02-01", "USAGE", None, "1", "51"),
        ("2025-02-01", "USAGE", "c1", "1", "50"),
        ("2025-02-01", "USAGE", "c2", "1", "51"),
    ]
    assert amounts(document, "x2") == [("2025-02-01", "USAGE", "x2", "2", "76")]


def test_month_end_anchor_clamps_boundaries_before_it(tree: Tree, cli: Cli) -> None:
    # monthEpoch 2025-01-31: boundaries before it are Sep 30, Oct 31, Nov 30, Dec 31 (each
    # from the anchor). A plan from Oct 15: [Oct 15, Oct 31) of [Sep 30, Oct 31) = 16/31
    # × 31 = 16.00. Every second month (anchor − 2 months = Nov 30, − 4 = Sep 30):
    # [Oct 15, Nov 30) of [Sep 30, Nov 30) = 46/61 × 61 = 46.00.
    config = """\
organization: {monthEpoch: 2025-01-31}
planTemplates:
  - {code: m1, name: M1, product: api, currency: USD, billFrequency: MONTHLY, standingCharge: 31}
  - {code: m2, name: M2, product: api, currency: USD, billFrequency: MONTHLY,
     billFrequencyInterval: 2, standingCharge: 61}
plans:
  - {code: m1, name: M1, planTemplate: m1}
  - {code: m2, name: M2, planTemplate: m2}
accounts:
  - {code: a, name: A, emailAddress: a@example.test}
  - {code: b, name: B, emailAddress: a@example.test}
accountPlans:
  - {account: a, plan: m1, startDate: 2024-10-15}
  - {account: b, plan: m2, startDate: 2024-10-15}
"""
    document = preview(tree, cli, config, ("2024-10-01", "2025-01-01"))
    assert totals(document) == [
        ("a", "2024-10-31", "16.00"), ("a", "2024-11-30", "31.00"),
        ("a", "2024-12-31", "31.00"), ("a", "2025-01-31", "31.00"),
        ("b", "2024-11-30", "46.00"), ("b", "2025-01-31", "61.00"),
    ]


def test_proration_factor_is_printed_rounded_half_up_to_six_places(
    tree: Tree, cli: Cli
) -> None:
    # Every 128 days from dayEpoch 2022-01-01: a boundary on 2022-05-09. A plan from May 8
    # has a first period of 1 day: 1/128 = 0.0078125 → "0.007813"; 128 × 1/128 = 1.00.
    config = """\
planTemplates:
  - {code: t, name: T, product: api, currency: USD, billFrequency: DAILY,
     billFrequencyInterval: 128, standingCharge: 128}
plans:
  - {code: p, name: P, planTemplate: t}
accounts:
  - {code: a, name: A, emailAddress: a@example.test}
accountPlans:
  - {account: a, plan: p, startDate: 2022-05-08}
"""
    document = preview(tree, cli, config, ("2022-05-01", "2022-05-09"))
    [bill] = document["bills"]
    [line] = bill["lineItems"]
    assert (bill["billDate"], line["prorationFactor"], line["amount"]) == (
        "2022-05-09", "0.007813", "1.00",
    )


def test_timestamps_count_on_the_organizations_calendar_day(tree: Tree, cli: Cli) -> None:
    # In New York: 2025-02-01T03:00Z is Jan 31, 22:00 (January); 05:00Z is Feb 1, 00:00
    # (February); 2025-02-01T00:30+01:00 is Jan 31, 18:30 (January); 2025-01-01T04:59Z is
    # Dec 31, before the plan, so it is out of scope. January 1 + 100 = 101, February 10.
    config = """\
organization: {timezone: America/New_York}
planTemplates:
  - {code: t, name: T, product: api, currency: USD, billFrequency: MONTHLY, standingCharge: 0}
plans:
  - {code: p, name: P, planTemplate: t}
pricings:
  - {plan: p, aggregation: q, startDate: 2020-01-01, pricingBands: [{lowerLimit: 0, unitPrice: 1}]}
accounts:
  - {code: a, name: A, emailAddress: a@example.test}
accountPlans:
  - {account: a, plan: p, startDate: 2025-01-01}
"""
    usage = (
        "a,q,2025-02-01T03:00:00Z,1\n"
        "a,q,2025-02-01T05:00:00Z,10\n"
        "a,q,2025-02-01T00:30:00+01:00,100\n"
        "a,q,2025-01-01T04:59:00Z,1000\n"
    )
    document = preview(tree, cli, config, ("2025-01-01", "2025-03-01"), usage)
    assert totals(document) == [("a", "2025-02-01", "101.00"), ("a", "2025-03-01", "10.00")]


def test_latest_compares_instants_not_the_written_clock_times(tree: Tree, cli: Cli) -> None:
    # 2025-01-10T23:00-05:00 is 2025-01-11T04:00Z, later than 2025-01-11T02:00Z: LATEST is 7.
    config = """\
---
aggregations:
  - {code: last, name: Last, unit: units, aggregation: LATEST}
planTemplates:
  - {code: t, name: T, product: api, currency: USD, billFrequency: MONTHLY, standingCharge: 0}
plans:
  - {code: p, name: P, planTemplate: t}
pricings:
  - {plan: p, aggregation: last, startDate: 2020-01-01,
     pricingBands: [{lowerLimit: 0, unitPrice: 1}]}
accounts:
  - {code: a, name: A, emailAddress: a@example.test}
accountPlans:
  - {account: a, plan: p, startDate: 2025-01-01}
"""
    usage = "a,last,2025-01-10T23:00:00-05:00,7\na,last,2025-01-11T02:00:00Z,9\n"
    document = preview(tree, cli, config, ("2025-01-01", "2025-02-01"), usage)
    assert totals(document) == [("a", "2025-02-01", "7.00")]


def test_plan_and_pricing_minimums_are_prorated(tree: Tree, cli: Cli) -> None:
    # From Jan 10: factor 22/31. Plan minimum 50 → 35.4839; usage 30 → top-up 5.48, bill
    # 35.48. Pricing minimum 40 → 28.3871; usage 30 meets it: no line, bill 30.00. March
    # without usage: full minimums, 50.00 and 40.00.
    config = """\
planTemplates:
  - {code: t, name: T, product: api, currency: USD, billFrequency: MONTHLY, standingCharge: 0}
plans:
  - {code: planmin, name: Plan minimum, planTemplate: t, minimumSpend: 50}
  - {code: pricemin, name: Pricing minimum, planTemplate: t}
pricings:
  - {plan: planmin, aggregation: q, startDate: 2020-01-01,
     pricingBands: [{lowerLimit: 0, unitPrice: 1}]}
  - {plan: pricemin, aggregation: q, startDate: 2020-01-01, minimumSpend: 40,
     pricingBands: [{lowerLimit: 0, unitPrice: 1}]}
accounts:
  - {code: planmin, name: A, emailAddress: a@example.test}
  - {code: pricemin, name: B, emailAddress: a@example.test}
accountPlans:
  - {account: planmin, plan: planmin, startDate: 2025-01-10}
  - {account: pricemin, plan: pricemin, startDate: 2025-01-10}
"""
    usage = "".join(
        f"{account},q,{day},{value}\n"
        for account in ("planmin", "pricemin") for day, value in (("2025-01-15", 30),
                                                                  ("2025-02-02", 60))
    )
    document = preview(tree, cli, config, ("2025-01-01", "2025-04-01"), usage)
    assert totals(document) == [
        ("planmin", "2025-02-01", "35.48"), ("planmin", "2025-03-01", "60.00"),
        ("planmin", "2025-04-01", "50.00"),
        ("pricemin", "2025-02-01", "30.00"), ("pricemin", "2025-03-01", "60.00"),
        ("pricemin", "2025-04-01", "40.00"),
    ]


def test_epoch_floor_gathers_in_advance_charges_onto_the_epoch_bill(
    tree: Tree, cli: Cli
) -> None:
    # SPEC §4.6's example billed in advance: [Jan 1, Jan 15) (14/31 × 31 = 14.00) and
    # [Jan 15, Feb 15) (31.00) are dated Jan 1 and Jan 15, both before the billEpoch, so
    # they move to Feb 15, where [Feb 15, Mar 15) (31.00) is billed in advance too: 76.00.
    config = """\
planTemplates:
  - {code: t, name: T, product: api, currency: USD, billFrequency: MONTHLY, standingCharge: 31,
     standingChargeBillInAdvance: true}
plans:
  - {code: p, name: P, planTemplate: t}
accounts:
  - {code: a, name: A, emailAddress: a@example.test}
accountPlans:
  - {account: a, plan: p, startDate: 2022-01-01, billEpoch: 2022-02-15}
"""
    document = preview(tree, cli, config, ("2022-01-01", "2022-03-01"))
    assert totals(document) == [("a", "2022-02-15", "76.00")]


def test_childrens_own_plans_are_placed_by_their_own_mode(tree: Tree, cli: Cli) -> None:
    # The parent's PARENT_SUMMARY plan: 100 standing + par and cn pooled (2 × 1.00).
    # cc (CHILD): 10 + 2 × 1 = 12.00 on its own bill. cb (PARENT_BREAKDOWN): its 10 + 2.00
    # on the parent's bill, naming cb. cs (PARENT_SUMMARY): merged into the parent's
    # summary lines: standing 110.00, usage 3 units 4.00. Parent bill: 126.00.
    config = """\
planTemplates:
  - {code: tp, name: TP, product: api, currency: USD, billFrequency: MONTHLY, standingCharge: 100}
  - {code: tc, name: TC, product: api, currency: USD, billFrequency: MONTHLY, standingCharge: 10}
plans:
  - {code: pp, name: Parent plan, planTemplate: tp}
  - {code: cp, name: Child plan, planTemplate: tc}
pricings:
  - {plan: pp, aggregation: q, startDate: 2020-01-01, pricingBands: [{lowerLimit: 0, unitPrice: 1}]}
  - {plan: cp, aggregation: q, startDate: 2020-01-01, pricingBands: [{lowerLimit: 0, unitPrice: 2}]}
accounts:
  - {code: par, name: Parent, emailAddress: a@example.test}
  - {code: cc, name: CC, emailAddress: a@example.test, parentAccount: par}
  - {code: cb, name: CB, emailAddress: a@example.test, parentAccount: par}
  - {code: cs, name: CS, emailAddress: a@example.test, parentAccount: par}
  - {code: cn, name: CN, emailAddress: a@example.test, parentAccount: par}
accountPlans:
  - {code: app, account: par, plan: pp, startDate: 2025-01-01, childBillingMode: PARENT_SUMMARY}
  - {code: apcc, account: cc, plan: cp, startDate: 2025-01-01, childBillingMode: CHILD}
  - {code: apcb, account: cb, plan: cp, startDate: 2025-01-01, childBillingMode: PARENT_BREAKDOWN}
  - {code: apcs, account: cs, plan: cp, startDate: 2025-01-01, childBillingMode: PARENT_SUMMARY}
"""
    usage = "".join(f"{account},q,2025-01-05,1\n" for account in ("par", "cc", "cb", "cs", "cn"))
    document = preview(tree, cli, config, ("2025-01-01", "2025-02-01"), usage)
    assert totals(document) == [("cc", "2025-02-01", "12.00"), ("par", "2025-02-01", "126.00")]
    assert amounts(document, "par") == [
        ("2025-02-01", "STANDING_CHARGE", None, None, "110.00"),
        ("2025-02-01", "USAGE", None, "3", "4.00"),
        ("2025-02-01", "STANDING_CHARGE", "cb", None, "10.00"),
        ("2025-02-01", "USAGE", "cb", "1", "2.00"),
    ]
    assert amounts(document, "cc") == [
        ("2025-02-01", "STANDING_CHARGE", "cc", None, "10.00"),
        ("2025-02-01", "USAGE", "cc", "1", "2.00"),
    ]


def test_three_decimal_currency_rounds_after_conversion(tree: Tree, cli: Cli) -> None:
    # BHD plan: 1.23456 → 1.235. USD plan billed in BHD: 10 × 0.376 = 3.760.
    config = """\
organization:
  currencyConversions: [{from: USD, to: BHD, multiplier: 0.376}]
planTemplates:
  - {code: bhd, name: B, product: api, currency: BHD, billFrequency: MONTHLY,
     standingCharge: 1.23456}
  - {code: usd, name: U, product: api, currency: USD, billFrequency: MONTHLY, standingCharge: 10}
plans:
  - {code: bhd, name: B, planTemplate: bhd}
  - {code: usd, name: U, planTemplate: usd}
accounts:
  - {code: a, name: A, emailAddress: a@example.test, currency: BHD}
  - {code: b, name: B, emailAddress: a@example.test, currency: BHD}
accountPlans:
  - {account: a, plan: bhd, startDate: 2025-01-01}
  - {account: b, plan: usd, startDate: 2025-01-01}
"""
    document = preview(tree, cli, config, ("2025-01-01", "2025-02-01"))
    assert totals(document) == [("a", "2025-02-01", "1.235"), ("b", "2025-02-01", "3.760")]


def test_a_plan_pricing_overrides_only_its_own_aggregation_of_the_template(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from validator.checker import RuleSelection, check_paths
    from validator.config import Config

    monkeypatch.chdir(tmp_path)
    (tmp_path / "a.yaml").write_text(
        "products: [{code: api, name: API}]\n"
        "aggregations:\n"
        "  - {code: calls, name: Calls, unit: call, aggregation: SUM}\n"
        "  - {code: bytes, name: Bytes, unit: byte, aggregation: SUM}\n"
        "planTemplates:\n"
        "  - {code: t, name: T, product: api, currency: USD, billFrequency: MONTHLY,"
        " standingCharge: 0}\n"
        "plans: [{code: p, name: P, planTemplate: t}]\n"
        "pricings:\n"
        "  - {planTemplate: t, aggregation: calls, startDate: 2025-01-01,"
        " pricingBands: [{lowerLimit: 0, unitPrice: 1}]}\n"
        "  - {planTemplate: t, aggregation: bytes, startDate: 2025-01-01,"
        " pricingBands: [{lowerLimit: 0, unitPrice: 1}]}\n"
        "  - {plan: p, aggregation: calls, startDate: 2025-01-01,"
        " pricingBands: [{lowerLimit: 0, unitPrice: 2}]}\n",
        encoding="utf-8",
    )
    model = check_paths(["."], Config(), RuleSelection(), tmp_path).model
    plan = model.get("plan", "p")
    assert plan is not None
    priced = sorted((p.get("aggregation"), p.get("plan") or p.get("planTemplate"))
                    for p in model.pricings_of(plan))
    assert priced == [("bytes", "t"), ("calls", "p")]
