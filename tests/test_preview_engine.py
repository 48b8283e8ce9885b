"""Bill preview semantics (SPEC §4), one hand-computed case per rule, through the whole run.

Each case builds a small config tree (a base catalog with one tweak), writes usage rows,
runs validate + preview and compares bill dates, lines and totals to the cent. The
amounts in the comments are worked out by hand from the SPEC, not by the code.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Sequence
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml

from validator.checker import RuleSelection, check_paths
from validator.config import Config
from validator.preview.engine import PreviewRequest, run_preview
from validator.preview.schedule import Window
from validator.preview.usage import UsageSource

# SPEC §4.9's worked bands: 0 → 7.00, 5 → 6.50, 10 → 6.00.
WORKED_BANDS = [
    {"lowerLimit": 0, "unitPrice": 7.00},
    {"lowerLimit": 5, "unitPrice": 6.50},
    {"lowerLimit": 10, "unitPrice": 6.00},
]
Row = tuple[str, str, str, str]


def base_config() -> dict[str, Any]:
    """One account on one monthly plan with one tiered pricing; charges are added per case."""
    return copy.deepcopy({
        "organization": {"timezone": "UTC", "currency": "USD"},
        "products": [{"code": "api", "name": "API"}],
        "aggregations": [
            {"code": "calls", "name": "Calls", "unit": "calls", "aggregation": "SUM"},
        ],
        "planTemplates": [{
            "code": "monthly", "name": "Monthly", "product": "api", "currency": "USD",
            "billFrequency": "MONTHLY", "standingCharge": 0,
        }],
        "plans": [{"code": "pro", "name": "Pro", "planTemplate": "monthly"}],
        "pricings": [{
            "code": "pro-calls", "plan": "pro", "aggregation": "calls",
            "startDate": "2020-01-01", "cumulative": True, "pricingBands": WORKED_BANDS,
        }],
        "accounts": [{"code": "acme", "name": "Acme", "emailAddress": "billing@acme.test"}],
        "accountPlans": [
            {"code": "acme-pro", "account": "acme", "plan": "pro", "startDate": "2025-01-01"},
        ],
    })


def find(config: dict[str, Any], collection: str, code: str) -> dict[str, Any]:
    """The entity of `collection` with `code`, to tweak in place."""
    return next(item for item in config[collection] if item.get("code") == code)


def write_config(root: Path, config: dict[str, Any], usage: Iterable[Row] = ()) -> None:
    """The config as one YAML file, and the usage rows as usage.csv."""
    (root / "config.yaml").write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    lines = ["account,aggregation,timestamp,value", *(",".join(row) for row in usage)]
    (root / "usage.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")


def preview(
    root: Path,
    config: dict[str, Any],
    usage: Iterable[Row] = (),
    window: tuple[str, str] = ("2025-01-01", "2025-02-01"),
    accounts: Sequence[str] = (),
) -> dict[str, Any]:
    """Validate the tree (it must have no errors) and return its preview document."""
    write_config(root, config, usage)
    result = check_paths(["config.yaml"], Config(), RuleSelection(), root)
    errors = [f"{f.rule} {f.message}" for f in result.findings if f.severity == "error"]
    assert errors == []
    request = PreviewRequest(
        Window(date.fromisoformat(window[0]), date.fromisoformat(window[1])),
        [UsageSource("usage.csv", root / "usage.csv")],
        tuple(accounts),
    )
    outcome = run_preview(result.model, request)
    assert outcome.errors == [] and outcome.preview is not None
    return outcome.preview.document()


def totals(document: dict[str, Any]) -> dict[tuple[str, str], str]:
    """{(account, billDate): total} of every bill."""
    return {(bill["account"], bill["billDate"]): bill["total"] for bill in document["bills"]}


def lines(document: dict[str, Any], *keys: str) -> list[tuple[Any, ...]]:
    """Every line item as (account, billDate, <keys>...), in document order."""
    return [
        (bill["account"], bill["billDate"], *(item[key] for key in keys))
        for bill in document["bills"]
        for item in bill["lineItems"]
    ]


def usage_of(account: str, quantity: str, day: str = "2025-01-10") -> Row:
    return (account, "calls", day, quantity)


# --- §4.9 bands, through a whole month of usage ------------------------------------------


@pytest.mark.parametrize(
    ("cumulative", "quantity", "amount"),
    [
        # The SPEC's worked check.
        (False, "5", "35.00"),
        (False, "6", "39.00"),
        (False, "20", "120.00"),
        (True, "6", "41.50"),
        (True, "20", "127.50"),
        (True, "25", "157.50"),
        # At the boundaries: q = lowerLimit stays in the band below.
        (False, "10", "65.00"),  # 10 × 6.50
        (True, "10", "67.50"),  # 5 × 7 + 5 × 6.50
        (True, "5", "35.00"),
        (False, "5.001", "32.51"),  # 5.001 × 6.50 = 32.5065
        (True, "0.001", "0.01"),  # 0.007 rounds half up
    ],
)
def test_bands_price_the_month(
    tmp_path: Path, cumulative: bool, quantity: str, amount: str
) -> None:
    config = base_config()
    find(config, "pricings", "pro-calls")["cumulative"] = cumulative
    document = preview(tmp_path, config, [usage_of("acme", quantity)])
    assert lines(document, "type", "quantity", "amount") == [
        ("acme", "2025-02-01", "USAGE", quantity, amount),
    ]


def test_usage_line_carries_the_band_breakdown(tmp_path: Path) -> None:
    document = preview(tmp_path, base_config(), [usage_of("acme", "6")])
    item = document["bills"][0]["lineItems"][0]
    assert item["bands"] == [
        {"lowerLimit": "0", "units": "5", "unitPrice": "7", "fixedPrice": "0", "amount": "35"},
        {"lowerLimit": "5", "units": "1", "unitPrice": "6.5", "fixedPrice": "0", "amount": "6.5"},
    ]
    assert item["unitPrice"] is None
    assert item["prorationFactor"] == "1"


def test_rows_of_one_period_are_summed_and_quantity_zero_has_no_line(tmp_path: Path) -> None:
    rows = [usage_of("acme", "2", "2025-01-01"), usage_of("acme", "4", "2025-01-31T23:59:59")]
    document = preview(tmp_path, base_config(), rows, window=("2025-01-01", "2025-03-01"))
    # January: 6 → 41.50; February has no usage: quantity 0, no line and so no bill.
    assert totals(document) == {("acme", "2025-02-01"): "41.50"}


# --- §4.8 aggregation, units, rounding ---------------------------------------------------


@pytest.mark.parametrize(
    ("function", "per_unit", "rounding", "values", "quantity"),
    [
        ("SUM", 1000, "UP", ["1500", "1"], "2"),  # 1501 / 1000 = 1.501 → 2
        ("SUM", 1000, "DOWN", ["1999"], "1"),
        ("SUM", 2, "NEAREST", ["5"], "3"),  # 2.5 half up → 3
        ("SUM", 4, "NONE", ["3"], "0.75"),
        ("MAX", 1, "NONE", ["3", "9", "4"], "9"),
        ("MIN", 1, "NONE", ["3", "9", "4"], "3"),
        ("COUNT", 1, "NONE", ["3", "9", "4"], "3"),
        ("MEAN", 1, "NONE", ["3", "9"], "6"),
        ("UNIQUE", 1, "NONE", ["3", "3.0", "4"], "2"),
        ("LATEST", 1, "NONE", ["3", "9", "4"], "4"),  # the row with the latest timestamp
    ],
)
def test_aggregation_gives_the_period_quantity(
    tmp_path: Path, function: str, per_unit: int, rounding: str, values: list[str],
    quantity: str,
) -> None:
    config = base_config()
    config["aggregations"][0].update(
        aggregation=function, quantityPerUnit=per_unit, rounding=rounding
    )
    rows = [usage_of("acme", value, f"2025-01-{day:02d}") for day, value in enumerate(values, 1)]
    document = preview(tmp_path, config, rows)
    assert lines(document, "quantity") == [("acme", "2025-02-01", quantity)]


# --- §4.4–4.6 schedules and bill dates ---------------------------------------------------


def test_jan_31_anchor_clamps_to_month_ends_in_a_leap_year(tmp_path: Path) -> None:
    config = base_config()
    config["planTemplates"][0]["standingCharge"] = 10
    config["accounts"][0]["billEpoch"] = "2024-01-31"
    config["accountPlans"][0]["startDate"] = "2024-01-31"
    document = preview(tmp_path, config, window=("2024-01-31", "2024-05-01"))
    assert lines(document, "servicePeriod") == [
        ("acme", "2024-02-29", {"start": "2024-01-31", "end": "2024-02-29"}),
        ("acme", "2024-03-31", {"start": "2024-02-29", "end": "2024-03-31"}),
        ("acme", "2024-04-30", {"start": "2024-03-31", "end": "2024-04-30"}),
        ("acme", "2024-05-31", {"start": "2024-04-30", "end": "2024-05-31"}),
    ]


def test_jan_31_anchor_clamps_to_feb_28_in_a_common_year(tmp_path: Path) -> None:
    config = base_config()
    config["planTemplates"][0]["standingCharge"] = 10
    config["accounts"][0]["billEpoch"] = "2025-01-31"
    config["accountPlans"][0]["startDate"] = "2025-01-31"
    document = preview(tmp_path, config, window=("2025-02-01", "2025-04-01"))
    assert list(totals(document)) == [("acme", "2025-03-31"), ("acme", "2025-04-30")]
    # [Jan 31, Feb 28) starts before the window: not previewed.


def test_annual_feb_29_anchor_gives_feb_28_and_counts_366_days(tmp_path: Path) -> None:
    config = base_config()
    template = config["planTemplates"][0]
    template.update(billFrequency="ANNUALLY", standingCharge=366)
    config["accountPlans"][0].update(startDate="2024-03-01", billEpoch="2024-02-29")
    document = preview(tmp_path, config, window=("2024-01-01", "2026-01-01"))
    # [Mar 1 2024, Feb 28 2025): 364 of the 365 days of [Feb 29 2024, Feb 28 2025).
    # Then [Feb 28 2025, Feb 28 2026): full, 366.00.
    assert lines(document, "prorationFactor", "amount") == [
        ("acme", "2025-02-28", "0.99726", "365.00"),
        ("acme", "2026-02-28", "1", "366.00"),
    ]


def test_weekly_and_daily_schedules_use_the_organization_epochs(tmp_path: Path) -> None:
    config = base_config()
    config["organization"]["weekEpoch"] = "2025-01-06"  # a Monday
    config["planTemplates"][0].update(billFrequency="WEEKLY", billFrequencyInterval=2,
                                      standingCharge=14)
    document = preview(tmp_path, config, window=("2025-01-01", "2025-01-25"))
    # Fortnights from Monday Jan 6: [Jan 1, Jan 6) is 5 of 14 days.
    assert lines(document, "servicePeriod", "amount") == [
        ("acme", "2025-01-06", {"start": "2025-01-01", "end": "2025-01-06"}, "5.00"),
        ("acme", "2025-01-20", {"start": "2025-01-06", "end": "2025-01-20"}, "14.00"),
        ("acme", "2025-02-03", {"start": "2025-01-20", "end": "2025-02-03"}, "14.00"),
    ]


def test_spec_bill_epoch_example_puts_two_periods_on_the_epoch_bill(tmp_path: Path) -> None:
    """SPEC §4.6: plan from 2022-01-01, billEpoch 2022-02-15: first bill on 2022-02-15."""
    config = base_config()
    config["planTemplates"][0]["standingCharge"] = 31
    config["accountPlans"][0].update(startDate="2022-01-01", billEpoch="2022-02-15")
    document = preview(tmp_path, config, window=("2022-01-01", "2022-02-01"))
    # [Jan 1, Jan 15) is 14 of the 31 days of [Dec 15, Jan 15): 14.00; [Jan 15, Feb 15): 31.00.
    assert lines(document, "servicePeriod", "prorationFactor", "amount") == [
        ("acme", "2022-02-15", {"start": "2022-01-01", "end": "2022-01-15"}, "0.451613", "14.00"),
        ("acme", "2022-02-15", {"start": "2022-01-15", "end": "2022-02-15"}, "1", "31.00"),
    ]
    assert totals(document) == {("acme", "2022-02-15"): "45.00"}


def test_plan_ending_mid_month_is_billed_at_the_boundary_after(tmp_path: Path) -> None:
    config = base_config()
    config["planTemplates"][0]["standingCharge"] = 31
    config["accountPlans"][0]["endDate"] = "2025-03-15"
    document = preview(tmp_path, config, window=("2025-03-01", "2025-06-01"))
    # [Mar 1, Mar 15): 14/31 → 14.00, billed Apr 1; nothing after the plan ends.
    assert totals(document) == {("acme", "2025-04-01"): "14.00"}


def test_window_never_cuts_a_period_and_shows_bills_after_to(tmp_path: Path) -> None:
    config = base_config()
    config["accounts"][0]["billEpoch"] = "2025-01-15"
    rows = [usage_of("acme", "2", "2025-01-20"), usage_of("acme", "4", "2025-02-10")]
    document = preview(tmp_path, config, rows, window=("2025-01-15", "2025-01-16"))
    # The one period starting in the window is [Jan 15, Feb 15): both rows, 6 → 41.50.
    assert lines(document, "servicePeriod", "quantity", "amount") == [
        ("acme", "2025-02-15", {"start": "2025-01-15", "end": "2025-02-15"}, "6", "41.50"),
    ]


def test_period_starting_before_the_window_is_not_previewed(tmp_path: Path) -> None:
    config = base_config()
    config["planTemplates"][0]["standingCharge"] = 10
    document = preview(tmp_path, config, window=("2025-01-02", "2025-02-01"))
    assert document["bills"] == []


# --- §4.7 standing charge ----------------------------------------------------------------


def test_partial_periods_are_prorated_exactly(tmp_path: Path) -> None:
    config = base_config()
    config["planTemplates"][0]["standingCharge"] = 100
    config["accountPlans"][0].update(startDate="2025-01-15", endDate="2025-03-10")
    document = preview(tmp_path, config, window=("2025-01-01", "2025-04-01"))
    # 17/31 × 100 = 54.8387… ; 28/28 × 100; 9/31 × 100 = 29.0322…
    assert lines(document, "prorationFactor", "amount") == [
        ("acme", "2025-02-01", "0.548387", "54.84"),
        ("acme", "2025-03-01", "1", "100.00"),
        ("acme", "2025-04-01", "0.290323", "29.03"),
    ]


def test_standing_charge_interval_and_offset_count_from_the_plans_first_period(
    tmp_path: Path,
) -> None:
    config = base_config()
    config["planTemplates"][0].update(
        standingCharge=50, standingChargeInterval=3, standingChargeOffset=1
    )
    config["accountPlans"][0]["startDate"] = "2024-11-15"
    document = preview(tmp_path, config, window=("2025-01-01", "2025-07-01"))
    # Periods: [Nov 15, Dec 1) 0, Dec 1, Jan 2, Feb 3, Mar 4, Apr 5, May 6, Jun 7.
    # Charged when i ≥ 1 and (i − 1) % 3 == 0: Dec (1), Mar (4), Jun (7).
    assert totals(document) == {("acme", "2025-04-01"): "50.00", ("acme", "2025-07-01"): "50.00"}


def test_plan_standing_charge_overrides_the_template(tmp_path: Path) -> None:
    config = base_config()
    config["planTemplates"][0]["standingCharge"] = 50
    config["plans"][0]["standingCharge"] = 20
    document = preview(tmp_path, config)
    assert lines(document, "type", "unitPrice", "amount") == [
        ("acme", "2025-02-01", "STANDING_CHARGE", "20", "20.00"),
    ]


@pytest.mark.parametrize(
    ("organization", "template", "plan", "bill_date"),
    [
        (None, None, None, "2025-02-01"),  # default: in arrears
        (True, None, None, "2025-01-01"),  # organization in advance
        (True, False, None, "2025-02-01"),  # template overrides the organization
        (False, True, None, "2025-01-01"),
        (False, True, False, "2025-02-01"),  # plan overrides the template
        (None, None, True, "2025-01-01"),
    ],
)
def test_standing_charge_in_advance_plan_else_template_else_organization(
    tmp_path: Path, organization: bool | None, template: bool | None, plan: bool | None,
    bill_date: str,
) -> None:
    config = base_config()
    config["planTemplates"][0]["standingCharge"] = 10
    for entity, flag in ((config["organization"], organization),
                         (config["planTemplates"][0], template), (config["plans"][0], plan)):
        if flag is not None:
            entity["standingChargeBillInAdvance"] = flag
    document = preview(tmp_path, config, [usage_of("acme", "1")])
    assert lines(document, "type") == sorted(
        [("acme", bill_date, "STANDING_CHARGE"), ("acme", "2025-02-01", "USAGE")]
    )


def test_in_advance_item_respects_the_bill_epoch(tmp_path: Path) -> None:
    config = base_config()
    config["planTemplates"][0].update(standingCharge=31, standingChargeBillInAdvance=True)
    config["accountPlans"][0].update(startDate="2022-01-01", billEpoch="2022-02-15")
    document = preview(tmp_path, config, window=("2022-01-01", "2022-03-01"))
    # Both January periods would be billed in advance on Jan 1 and Jan 15, before the epoch.
    assert totals(document) == {("acme", "2022-02-15"): "76.00"}  # 14 + 31 + 31


# --- §4.9 tiersSpanPlan ------------------------------------------------------------------


def test_tiers_span_the_plan_and_count_usage_before_the_window(tmp_path: Path) -> None:
    config = base_config()
    find(config, "pricings", "pro-calls")["tiersSpanPlan"] = True
    config["accountPlans"][0]["startDate"] = "2024-12-01"
    rows = [usage_of("acme", "6", "2024-12-10"), usage_of("acme", "6", "2025-01-10"),
            usage_of("acme", "13", "2025-02-10")]
    document = preview(tmp_path, config, rows, window=("2025-01-01", "2025-03-01"))
    # Cumulative tiered charge: at 6 → 41.50, at 12 → 79.50, at 25 → 157.50.
    # January: 79.50 − 41.50 = 38.00; February: 157.50 − 79.50 = 78.00.
    assert lines(document, "quantity", "amount") == [
        ("acme", "2025-02-01", "6", "38.00"),
        ("acme", "2025-03-01", "13", "78.00"),
    ]
    january = document["bills"][0]["lineItems"][0]
    assert january["bands"] == [
        {"lowerLimit": "5", "units": "4", "unitPrice": "6.5", "fixedPrice": "0", "amount": "26"},
        {"lowerLimit": "10", "units": "2", "unitPrice": "6", "fixedPrice": "0", "amount": "12"},
    ]


# --- §4.10 minimum spend -----------------------------------------------------------------


def test_plan_minimum_spend_tops_up_the_usage_charges(tmp_path: Path) -> None:
    config = base_config()
    config["plans"][0]["minimumSpend"] = 100
    document = preview(tmp_path, config, [usage_of("acme", "6")])
    assert lines(document, "type", "amount") == [
        ("acme", "2025-02-01", "USAGE", "41.50"),
        ("acme", "2025-02-01", "MINIMUM_SPEND", "58.50"),
    ]


def test_template_minimum_spend_is_prorated_and_unused_when_met(tmp_path: Path) -> None:
    config = base_config()
    config["planTemplates"][0]["minimumSpend"] = 100
    config["accountPlans"][0]["startDate"] = "2025-01-15"
    rows = [usage_of("acme", "6", "2025-01-20"), usage_of("acme", "20", "2025-02-10")]
    document = preview(tmp_path, config, rows, window=("2025-01-01", "2025-03-01"))
    # January: minimum 100 × 17/31 = 54.8387…, usage 41.50: top-up 13.3387… → 13.34.
    # February: usage 127.50 is above 100: no top-up.
    assert lines(document, "type", "prorationFactor", "amount") == [
        ("acme", "2025-02-01", "USAGE", "1", "41.50"),
        ("acme", "2025-02-01", "MINIMUM_SPEND", "0.548387", "13.34"),
        ("acme", "2025-03-01", "USAGE", "1", "127.50"),
    ]


def test_pricing_minimum_applies_to_its_own_charge_then_the_plan_minimum(
    tmp_path: Path,
) -> None:
    config = base_config()
    find(config, "pricings", "pro-calls")["minimumSpend"] = 50
    config["plans"][0]["minimumSpend"] = 80
    document = preview(tmp_path, config, [usage_of("acme", "6")])
    # Pricing: 41.50 below 50 → 8.50. Plan: usage charges 50.00 below 80 → 30.00.
    assert lines(document, "type", "pricing", "amount") == [
        ("acme", "2025-02-01", "USAGE", "pro-calls", "41.50"),
        ("acme", "2025-02-01", "MINIMUM_SPEND", "pro-calls", "8.50"),
        ("acme", "2025-02-01", "MINIMUM_SPEND", None, "30.00"),
    ]
    assert totals(document) == {("acme", "2025-02-01"): "80.00"}


def test_minimum_spend_in_advance_goes_on_the_bill_at_the_period_start(tmp_path: Path) -> None:
    config = base_config()
    config["plans"][0].update(minimumSpend=100, minimumSpendBillInAdvance=True)
    document = preview(tmp_path, config, [usage_of("acme", "6")])
    assert totals(document) == {("acme", "2025-01-01"): "58.50", ("acme", "2025-02-01"): "41.50"}


# --- §4.12 money ---------------------------------------------------------------------------


def test_plan_currency_converts_before_rounding(tmp_path: Path) -> None:
    config = base_config()
    config["organization"]["currencyConversions"] = [
        {"from": "EUR", "to": "USD", "multiplier": 2},
    ]
    config["planTemplates"][0].update(currency="EUR", standingCharge=1.005)
    document = preview(tmp_path, config)
    # 1.005 EUR × 2 = 2.01 USD (rounding first would give 1.01 × 2 = 2.02).
    assert document["bills"] == [{
        "account": "acme", "billDate": "2025-02-01", "currency": "USD", "total": "2.01",
        "lineItems": [document["bills"][0]["lineItems"][0]],
    }]
    assert document["bills"][0]["lineItems"][0]["amount"] == "2.01"


def test_zero_decimal_currency_rounds_to_whole_yen(tmp_path: Path) -> None:
    config = base_config()
    config["organization"]["currency"] = "JPY"
    config["planTemplates"][0].update(currency="JPY", standingCharge=1000)
    find(config, "pricings", "pro-calls")["pricingBands"] = [{"lowerLimit": 0, "unitPrice": 0.5}]
    config["accountPlans"][0]["startDate"] = "2025-01-15"
    document = preview(tmp_path, config, [usage_of("acme", "3", "2025-01-20")])
    # 1000 × 17/31 = 548.38… → 548; 3 × 0.5 = 1.5 → 2 (half up).
    assert lines(document, "type", "amount") == [
        ("acme", "2025-02-01", "STANDING_CHARGE", "548"),
        ("acme", "2025-02-01", "USAGE", "2"),
    ]
    assert document["bills"][0]["currency"] == "JPY"
    assert document["bills"][0]["total"] == "550"


def test_three_decimal_currency_keeps_three_places(tmp_path: Path) -> None:
    config = base_config()
    config["accounts"][0]["currency"] = "BHD"
    config["planTemplates"][0].update(currency="BHD", standingCharge=10)
    config["accountPlans"][0]["startDate"] = "2025-01-15"
    document = preview(tmp_path, config)
    assert totals(document) == {("acme", "2025-02-01"): "5.484"}  # 170/31 = 5.4838…


def test_bill_total_is_the_sum_of_the_rounded_lines(tmp_path: Path) -> None:
    config = base_config()
    config["planTemplates"][0]["standingCharge"] = 0.005
    find(config, "pricings", "pro-calls")["pricingBands"] = [{"lowerLimit": 0, "unitPrice": 0.005}]
    document = preview(tmp_path, config, [usage_of("acme", "1")])
    # Each line 0.005 → 0.01; the total is 0.02, not round(0.010) = 0.01.
    assert totals(document) == {("acme", "2025-02-01"): "0.02"}


def test_zero_lines_are_left_out_and_no_lines_means_no_bill(tmp_path: Path) -> None:
    config = base_config()
    config["planTemplates"][0].update(standingCharge=10, standingChargeInterval=2)
    config["accounts"].append({"code": "idle", "name": "Idle", "emailAddress": "i@x.test"})
    config["accountPlans"].append(
        {"code": "idle-pro", "account": "idle", "plan": "pro", "startDate": "2025-06-01"}
    )
    document = preview(tmp_path, config, [usage_of("acme", "0")],
                       window=("2025-01-01", "2025-03-01"))
    # January: charge, usage 0 → no usage line. February: skipped by the interval → no bill.
    assert lines(document, "type", "amount") == [("acme", "2025-02-01", "STANDING_CHARGE", "10.00")]


# --- §4.11 parent and children ------------------------------------------------------------


def family_config(mode: str | None) -> dict[str, Any]:
    """Parent `p` with children `c-a` and `c-b`; the plan (a flat 100.00 as soon as any
    unit is used) sits on the parent with the given childBillingMode."""
    config = base_config()
    config["accounts"] = [
        {"code": "p", "name": "Parent", "emailAddress": "p@x.test"},
        {"code": "c-a", "name": "Child A", "emailAddress": "a@x.test", "parentAccount": "p"},
        {"code": "c-b", "name": "Child B", "emailAddress": "b@x.test", "parentAccount": "p"},
    ]
    account_plan: dict[str, Any] = {
        "code": "p-pro", "account": "p", "plan": "pro", "startDate": "2025-01-01",
    }
    if mode is not None:
        account_plan["childBillingMode"] = mode
    config["accountPlans"] = [account_plan]
    find(config, "pricings", "pro-calls")["pricingBands"] = [
        {"lowerLimit": 0, "unitPrice": 0, "fixedPrice": 100},
    ]
    return config


EQUAL_USE = [usage_of("p", "1"), usage_of("c-a", "1"), usage_of("c-b", "1")]


def test_breakdown_splits_a_pooled_charge_and_gives_the_remainder_to_the_lowest_code(
    tmp_path: Path,
) -> None:
    document = preview(tmp_path, family_config(None), EQUAL_USE)
    # 100.00 / 3 = 33.33 each; the 0.01 left goes to the largest quantity, ties: lowest code.
    assert lines(document, "childAccount", "quantity", "amount") == [
        ("p", "2025-02-01", None, "1", "33.33"),
        ("p", "2025-02-01", "c-a", "1", "33.34"),
        ("p", "2025-02-01", "c-b", "1", "33.33"),
    ]
    assert totals(document) == {("p", "2025-02-01"): "100.00"}


def test_breakdown_remainder_goes_to_the_largest_quantity(tmp_path: Path) -> None:
    rows = [usage_of("p", "1"), usage_of("c-a", "1"), usage_of("c-b", "4")]
    document = preview(tmp_path, family_config("PARENT_BREAKDOWN"), rows)
    # 100 × 1/6 = 16.666… → 16.67 twice, 100 × 4/6 = 66.666… → 66.67: 100.01, so c-b
    # (the largest quantity) takes 66.66.
    assert lines(document, "childAccount", "amount") == [
        ("p", "2025-02-01", None, "16.67"),
        ("p", "2025-02-01", "c-a", "16.67"),
        ("p", "2025-02-01", "c-b", "66.66"),
    ]


def test_breakdown_has_one_line_per_account_with_usage(tmp_path: Path) -> None:
    document = preview(tmp_path, family_config(None), [usage_of("c-b", "2")])
    assert lines(document, "childAccount", "quantity", "amount") == [
        ("p", "2025-02-01", "c-b", "2", "100.00"),
    ]


def test_summary_puts_one_line_for_all_accounts_on_the_parents_bill(tmp_path: Path) -> None:
    document = preview(tmp_path, family_config("PARENT_SUMMARY"), EQUAL_USE)
    assert lines(document, "childAccount", "quantity", "amount") == [
        ("p", "2025-02-01", None, "3", "100.00"),
    ]


def test_child_mode_puts_each_share_on_its_accounts_own_bill(tmp_path: Path) -> None:
    document = preview(tmp_path, family_config("CHILD"), EQUAL_USE)
    assert lines(document, "childAccount", "amount") == [
        ("c-a", "2025-02-01", "c-a", "33.34"),
        ("c-b", "2025-02-01", "c-b", "33.33"),
        ("p", "2025-02-01", None, "33.33"),
    ]


def test_tiers_apply_to_the_pooled_total(tmp_path: Path) -> None:
    config = family_config("PARENT_SUMMARY")
    find(config, "pricings", "pro-calls")["pricingBands"] = WORKED_BANDS
    rows = [usage_of("p", "2"), usage_of("c-a", "2"), usage_of("c-b", "2")]
    document = preview(tmp_path, config, rows)
    # Pooled: 6 → 41.50 (apart, each 2 would cost 14.00: 42.00).
    assert totals(document) == {("p", "2025-02-01"): "41.50"}


def test_parent_standing_charge_and_minimum_spend_are_charged_once(tmp_path: Path) -> None:
    config = family_config("CHILD")
    config["plans"][0].update(standingCharge=20, minimumSpend=150)
    document = preview(tmp_path, config, EQUAL_USE)
    assert lines(document, "type", "childAccount", "amount") == [
        ("c-a", "2025-02-01", "USAGE", "c-a", "33.34"),
        ("c-b", "2025-02-01", "USAGE", "c-b", "33.33"),
        ("p", "2025-02-01", "STANDING_CHARGE", None, "20.00"),
        ("p", "2025-02-01", "USAGE", None, "33.33"),
        ("p", "2025-02-01", "MINIMUM_SPEND", None, "50.00"),
    ]


def test_child_with_its_own_plan_is_rated_on_its_own(tmp_path: Path) -> None:
    config = family_config("PARENT_SUMMARY")
    config["accountPlans"].append({
        "code": "c-a-pro", "account": "c-a", "plan": "pro", "startDate": "2025-01-01",
        "childBillingMode": "CHILD",
    })
    document = preview(tmp_path, config, EQUAL_USE)
    # The parent's pool holds p and c-b; c-a's own plan charges it alone, on its own bill.
    assert lines(document, "accountPlan", "childAccount", "quantity", "amount") == [
        ("c-a", "2025-02-01", "c-a-pro", "c-a", "1", "100.00"),
        ("p", "2025-02-01", "p-pro", None, "2", "100.00"),
    ]


def test_child_is_pooled_only_on_days_without_its_own_plan(tmp_path: Path) -> None:
    config = family_config("PARENT_SUMMARY")
    find(config, "pricings", "pro-calls")["pricingBands"] = [{"lowerLimit": 0, "unitPrice": 1}]
    config["accountPlans"].append({
        "code": "c-a-pro", "account": "c-a", "plan": "pro", "startDate": "2025-01-20",
        "childBillingMode": "CHILD",
    })
    rows = [usage_of("c-a", "3", "2025-01-10"), usage_of("c-a", "5", "2025-01-25")]
    document = preview(tmp_path, config, rows)
    assert lines(document, "accountPlan", "quantity", "amount") == [
        ("c-a", "2025-02-01", "c-a-pro", "5", "5.00"),
        ("p", "2025-02-01", "p-pro", "3", "3.00"),
    ]


def test_childs_own_plan_in_breakdown_mode_goes_to_the_parents_bill(tmp_path: Path) -> None:
    config = family_config(None)
    config["accountPlans"] = [{
        "code": "c-a-pro", "account": "c-a", "plan": "pro", "startDate": "2025-01-01",
    }]
    config["planTemplates"][0]["standingCharge"] = 5
    document = preview(tmp_path, config, [usage_of("c-a", "1")])
    assert lines(document, "type", "childAccount", "amount") == [
        ("p", "2025-02-01", "STANDING_CHARGE", "c-a", "5.00"),
        ("p", "2025-02-01", "USAGE", "c-a", "100.00"),
    ]


def test_childs_summary_lines_merge_with_the_parents_summary_line(tmp_path: Path) -> None:
    config = family_config("PARENT_SUMMARY")
    config["planTemplates"][0]["standingCharge"] = 5
    config["accountPlans"].append({
        "code": "c-a-pro", "account": "c-a", "plan": "pro", "startDate": "2025-01-01",
        "childBillingMode": "PARENT_SUMMARY",
    })
    document = preview(tmp_path, config, EQUAL_USE)
    # Pool p + c-b: 100.00 (q 2); c-a alone: 100.00 (q 1); standing charges 5 + 5.
    assert lines(document, "type", "accountPlan", "childAccount", "quantity", "amount") == [
        ("p", "2025-02-01", "STANDING_CHARGE", None, None, None, "10.00"),
        ("p", "2025-02-01", "USAGE", None, None, "3", "200.00"),
    ]


def test_childs_summary_line_without_a_parent_line_names_the_child(tmp_path: Path) -> None:
    config = family_config(None)
    config["accountPlans"] = [{
        "code": "c-a-pro", "account": "c-a", "plan": "pro", "startDate": "2025-01-01",
        "childBillingMode": "PARENT_SUMMARY",
    }]
    document = preview(tmp_path, config, [usage_of("c-a", "1")])
    assert lines(document, "childAccount", "amount") == [("p", "2025-02-01", "c-a", "100.00")]


def test_child_lines_on_the_parents_bill_are_in_the_parents_currency(tmp_path: Path) -> None:
    config = family_config(None)
    config["organization"]["currencyConversions"] = [
        {"from": "USD", "to": "EUR", "multiplier": 0.5},
    ]
    config["accounts"][0]["currency"] = "EUR"
    config["accounts"][1]["currency"] = "EUR"
    config["accountPlans"] = [{
        "code": "c-a-pro", "account": "c-a", "plan": "pro", "startDate": "2025-01-01",
    }]
    document = preview(tmp_path, config, [usage_of("c-a", "1")])
    assert document["bills"][0]["currency"] == "EUR"
    assert totals(document) == {("p", "2025-02-01"): "50.00"}


# --- plan groups and what the preview leaves out ----------------------------------------


def test_plan_group_bills_each_of_its_plans(tmp_path: Path) -> None:
    config = base_config()
    config["products"].append({"code": "storage", "name": "Storage"})
    config["planTemplates"].append({
        "code": "storage-monthly", "name": "Storage", "product": "storage", "currency": "USD",
        "billFrequency": "MONTHLY", "standingCharge": 7,
    })
    config["planTemplates"][0]["standingCharge"] = 3
    config["plans"].append({"code": "disk", "name": "Disk", "planTemplate": "storage-monthly"})
    config["planGroups"] = [
        {"code": "bundle", "name": "Bundle", "currency": "USD", "plans": ["pro", "disk"]},
    ]
    config["accountPlans"] = [{
        "code": "acme-bundle", "account": "acme", "planGroup": "bundle",
        "startDate": "2025-01-01",
    }]
    document = preview(tmp_path, config)
    assert lines(document, "product", "plan", "accountPlan", "amount") == [
        ("acme", "2025-02-01", "api", "pro", "acme-bundle", "3.00"),
        ("acme", "2025-02-01", "storage", "disk", "acme-bundle", "7.00"),
    ]


def test_ad_hoc_plan_is_not_previewed_and_says_so(tmp_path: Path) -> None:
    config = base_config()
    config["planTemplates"][0].update(billFrequency="AD_HOC", standingCharge=10)
    document = preview(tmp_path, config, [usage_of("acme", "1")])
    assert document["bills"] == []
    assert [(w["rule"], w["severity"], w["message"]) for w in document["warnings"]] == [
        ("not-previewed", "warning",
         "account plan 'acme-pro' (plan 'pro') bills AD_HOC: without regular bill dates it "
         "is not previewed, and its usage is not rated"),
        ("unrated-usage", "warning",
         "1 usage row of account 'acme' inside the preview window is not rated by any "
         "previewed plan (first at this line)"),
    ]


def test_credit_pricing_is_left_out_with_a_warning(tmp_path: Path) -> None:
    config = base_config()
    find(config, "pricings", "pro-calls")["type"] = "PRODUCT_CREDIT"
    document = preview(tmp_path, config, [usage_of("acme", "6")])
    assert document["bills"] == []
    assert [w["rule"] for w in document["warnings"]] == ["not-previewed"]


def test_pricing_is_chosen_by_the_period_start(tmp_path: Path) -> None:
    config = base_config()
    old = find(config, "pricings", "pro-calls")
    old["endDate"] = "2025-01-15"
    config["pricings"].append({
        "code": "pro-calls-new", "plan": "pro", "aggregation": "calls",
        "startDate": "2025-01-15", "pricingBands": [{"lowerLimit": 0, "unitPrice": 1}],
    })
    rows = [usage_of("acme", "6", "2025-01-20"), usage_of("acme", "6", "2025-02-20")]
    document = preview(tmp_path, config, rows, window=("2025-01-01", "2025-03-01"))
    # January starts under the old pricing: 41.50; February under the new one: 6.00.
    assert lines(document, "pricing", "amount") == [
        ("acme", "2025-02-01", "pro-calls", "41.50"),
        ("acme", "2025-03-01", "pro-calls-new", "6.00"),
    ]


def test_template_pricing_applies_when_the_plan_has_none(tmp_path: Path) -> None:
    config = base_config()
    pricing = find(config, "pricings", "pro-calls")
    del pricing["plan"]
    pricing["planTemplate"] = "monthly"
    document = preview(tmp_path, config, [usage_of("acme", "6")])
    assert totals(document) == {("acme", "2025-02-01"): "41.50"}


# --- usage and time zones --------------------------------------------------------------------


def test_timestamps_with_an_offset_count_on_the_organizations_calendar_day(
    tmp_path: Path,
) -> None:
    config = base_config()
    config["organization"]["timezone"] = "America/New_York"
    find(config, "pricings", "pro-calls")["pricingBands"] = [{"lowerLimit": 0, "unitPrice": 1}]
    rows = [
        usage_of("acme", "1", "2025-02-01T03:00:00Z"),  # Jan 31, 22:00 in New York
        usage_of("acme", "2", "2025-02-01T05:00:00+00:00"),  # Feb 1, 00:00 in New York
        usage_of("acme", "4", "2025-01-31T23:30:00"),  # naive: New York wall time
    ]
    document = preview(tmp_path, config, rows, window=("2025-01-01", "2025-03-01"))
    assert lines(document, "quantity") == [
        ("acme", "2025-02-01", "5"),
        ("acme", "2025-03-01", "2"),
    ]


def test_unrated_rows_inside_the_window_are_counted_per_account(tmp_path: Path) -> None:
    config = base_config()
    config["accounts"].append({"code": "bare", "name": "Bare", "emailAddress": "b@x.test"})
    rows = [usage_of("bare", "1"), usage_of("bare", "1"), usage_of("bare", "1", "2025-03-01"),
            usage_of("acme", "1", "2024-12-31")]
    document = preview(tmp_path, config, rows)
    # Rows outside the window (Mar 1, Dec 31) are out of scope and not counted.
    assert [(w["path"], w["line"], w["message"]) for w in document["warnings"]] == [
        ("usage.csv", 2, "2 usage rows of account 'bare' inside the preview window are not "
         "rated by any previewed plan (first at this line)"),
    ]


def test_rows_of_a_period_begun_before_the_window_are_not_unrated(tmp_path: Path) -> None:
    config = base_config()
    config["accounts"][0]["billEpoch"] = "2025-01-15"
    document = preview(tmp_path, config, [usage_of("acme", "1", "2025-01-05")],
                       window=("2025-01-10", "2025-01-20"))
    assert document["warnings"] == []


def test_account_filter_keeps_only_the_chosen_accounts_bills(tmp_path: Path) -> None:
    config = family_config(None)
    config["accounts"].append({"code": "solo", "name": "Solo", "emailAddress": "s@x.test"})
    config["accountPlans"].append(
        {"code": "solo-pro", "account": "solo", "plan": "pro", "startDate": "2025-01-01"}
    )
    rows = [*EQUAL_USE, usage_of("solo", "1")]
    assert list(totals(preview(tmp_path, config, rows, accounts=["solo"]))) == [
        ("solo", "2025-02-01"),
    ]
    # A child's lines are on its parent's bill: choosing the child shows no bill.
    assert totals(preview(tmp_path, config, rows, accounts=["c-a"])) == {}


def test_bands_that_cannot_price_stop_the_preview_even_with_bc601_off(tmp_path: Path) -> None:
    config = base_config()
    find(config, "pricings", "pro-calls")["pricingBands"] = [
        {"lowerLimit": 0, "unitPrice": 1}, {"lowerLimit": 0, "unitPrice": 2},
    ]
    write_config(tmp_path, config)
    result = check_paths(["config.yaml"], Config(), RuleSelection(ignore=("BC6",)), tmp_path)
    outcome = run_preview(
        result.model, PreviewRequest(Window(date(2025, 1, 1), date(2025, 2, 1)))
    )
    assert outcome.preview is None
    assert [(f.rule, f.message, f.location.line) for f in outcome.errors] == [
        ("BC601", "pricing 'pro-calls': lowerLimit 0 does not increase on 0", 30),  # pricingBands
    ]
