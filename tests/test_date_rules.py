"""BC302/BC304 hints and the overlap and gap checks on an account with very many plans."""

from __future__ import annotations

import datetime
from collections.abc import Callable, Mapping
from pathlib import Path

import pytest
from test_rule_cases import CATALOG

from validator.checker import RuleSelection, check_paths
from validator.config import Config
from validator.entities import Entity
from validator.findings import EntityRef, Finding
from validator.rules import dates

ACCOUNT = "accounts:\n  - {code: acme, name: Acme, emailAddress: billing@acme.example}\n"


def findings(tree: Callable[[Mapping[str, str]], Path], files: Mapping[str, str],
             rule: str) -> list[Finding]:
    root = tree({"catalog.yaml": CATALOG, **files})
    result = check_paths(["."], Config(), RuleSelection(), root)
    return [f for f in result.findings if f.rule == rule]


def test_overlap_hint_names_the_plan_to_end_and_the_date(tree: Callable[..., Path]) -> None:
    found = findings(tree, {"acme.yaml": ACCOUNT + """\
accountPlans:
  - {code: acme-std, account: acme, plan: api_std, startDate: 2024-01-01, endDate: 2024-12-01}
  - {code: acme-pro, account: acme, plan: api_pro, startDate: 2024-03-01}
"""}, "BC302")
    assert [(f.entity, f.hint) for f in found] == [(
        EntityRef("accountPlan", "acme-pro"),
        "end account plan 'acme-std' on 2024-03-01, the day account plan 'acme-pro' starts",
    )]


def test_overlap_hint_for_plans_starting_the_same_day_says_it_removes_one(
    tree: Callable[..., Path],
) -> None:
    found = findings(tree, {"acme.yaml": ACCOUNT + """\
accountPlans:
  - {account: acme, plan: api_std, startDate: 2024-01-01}
  - {account: acme, plan: api_pro, startDate: 2024-01-01}
"""}, "BC302")
    assert [f.hint for f in found] == [
        "end account plan at acme.yaml:4 on 2024-01-01, the day account plan at acme.yaml:5 "
        "starts (both start that day, so that means removing account plan at acme.yaml:4)"
    ]


def test_overlapping_pricing_hint_names_the_pricing_to_end(tree: Callable[..., Path]) -> None:
    found = findings(tree, {"prices.yaml": """\
pricings:
  - {code: new-price, plan: api_std, aggregation: api_calls, startDate: 2024-07-01,
     pricingBands: [{lowerLimit: 0, unitPrice: 0.008}]}
"""}, "BC304")
    assert [f.hint for f in found] == [
        "end pricing at catalog.yaml:19 on 2024-07-01, the day pricing 'new-price' starts"
    ]


def test_end_date_hint_never_suggests_removing_a_contracts_required_end_date(
    tree: Callable[..., Path],
) -> None:
    found = findings(tree, {"acme.yaml": ACCOUNT + """\
contracts:
  - {code: acme-2024, name: Acme, account: acme, startDate: 2024-06-01, endDate: 2024-01-01}
accountPlans:
  - {code: acme-api, account: acme, plan: api_std, startDate: 9999-12-31, endDate: 9999-12-31}
"""}, "BC301")
    assert [(f.entity, f.hint) for f in found] == [
        (EntityRef("contract", "acme-2024"), "set endDate after 2024-06-01 (end dates are "
         "exclusive: a single day 2024-06-01 ends on 2024-06-02)"),
        (EntityRef("accountPlan", "acme-api"), "no date comes after 9999-12-31: set an earlier "
         "startDate, or remove endDate"),
    ]


def consecutive_plans(count: int, start: datetime.date) -> str:
    """`count` daily account plans of acme, each starting the day the previous one ends."""
    lines = ["accountPlans:"]
    for index in range(count):
        day = start + datetime.timedelta(days=index)
        lines.append(f"  - {{code: p{index}, account: acme, plan: api_std, startDate: {day}, "
                     f"endDate: {day + datetime.timedelta(days=1)}}}")
    return "\n".join(lines) + "\n"


def test_twenty_thousand_consecutive_plans_of_one_account(tree: Callable[..., Path]) -> None:
    start = datetime.date(2000, 1, 1)
    extra = """\
  - {code: late-overlap, account: acme, plan: api_pro, startDate: 2050-01-01, endDate: 2050-01-03}
  - {code: after-gap, account: acme, plan: api_pro, startDate: 2060-01-01}
"""
    root = tree({"catalog.yaml": CATALOG, "acme.yaml": ACCOUNT,
                 "plans.yaml": consecutive_plans(20_000, start) + extra})
    result = check_paths(["."], Config(), RuleSelection(), root)
    assert [(f.rule, f.location.line, f.message) for f in result.findings] == [
        # p18263 starts the same day as late-overlap, which comes later in the file;
        # p18264 starts a day later, so each pair belongs to the later starter.
        ("BC302", 18266, "account plan 'p18264' (from 2050-01-02 to 2050-01-03) overlaps "
         "account plan 'late-overlap' (from 2050-01-01 to 2050-01-03) of account 'acme' for "
         "product 'api'"),
        ("BC302", 20002, "account plan 'late-overlap' (from 2050-01-01 to 2050-01-03) overlaps "
         "account plan 'p18263' (from 2050-01-01 to 2050-01-02) of account 'acme' for "
         "product 'api'"),
        ("BC305", 20003, "account plan 'after-gap' starts on 2060-01-01, but account plan "
         "'p19999' ends on 2054-10-04: no plan of account 'acme' covers product 'api' from "
         "2054-10-04 to 2060-01-01"),
    ]


class CountingEntity(Entity):
    """An entity that counts how often any of its dates is read."""

    reads = 0

    def date(self, field: str) -> datetime.date | None:
        CountingEntity.reads += 1
        return super().date(field)


def dated_entities(count: int) -> list[CountingEntity]:
    start = datetime.date(2000, 1, 1)
    return [
        CountingEntity("accountPlan", {"startDate": str(start + datetime.timedelta(days=i)),
                                       "endDate": str(start + datetime.timedelta(days=i + 1))},
                       "plans.yaml", None, (i + 1, 1), i)  # type: ignore[arg-type]
        for i in reversed(range(count))
    ]


@pytest.mark.parametrize("count", [1_000, 20_000])
def test_overlap_sweep_reads_each_plan_a_bounded_number_of_times(count: int) -> None:
    entities = dated_entities(count)
    CountingEntity.reads = 0
    assert list(dates.overlapping_pairs(entities)) == []
    # A comparison of every pair would read dates about count² times.
    assert CountingEntity.reads <= 6 * count


def test_overlap_sweep_finds_every_overlapping_pair() -> None:
    entities = dated_entities(5)
    entities.append(CountingEntity("accountPlan", {"startDate": "2000-01-02"}, "plans.yaml",
                                   None, (9, 1), 9))  # type: ignore[arg-type]
    pairs = [(earlier.order, later.order) for earlier, later in dates.overlapping_pairs(entities)]
    assert pairs == [(1, 9), (9, 2), (9, 3), (9, 4)]
