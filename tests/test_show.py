"""`billcheck show`: the account overview and the hierarchy view, as a user runs them."""

from __future__ import annotations

import json
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

Tree = Callable[..., Path]
Cli = Callable[..., Any]

CATALOG = textwrap.dedent("""\
    products:
      - {code: api, name: API}
      - {code: storage, name: Storage}
    planTemplates:
      - {code: api_t, name: API, product: api, currency: USD, billFrequency: MONTHLY,
         standingCharge: 10}
      - {code: storage_t, name: Storage, product: storage, currency: USD,
         billFrequency: MONTHLY, standingCharge: 5}
    plans:
      - {code: api_pro, name: API Pro, planTemplate: api_t}
      - {code: storage_pro, name: Storage Pro, planTemplate: storage_t}
    planGroups:
      - {code: bundle, name: Bundle, currency: USD, plans: [api_pro, storage_pro]}
    """)


def account(code: str, extra: str = "") -> str:
    """One account list item (flow style) with the required fields."""
    return f"  - {{code: {code}, name: {code.title()}, emailAddress: b@{code}.example{extra}}}\n"


def show_json(cli: Cli, *args: str) -> dict[str, Any]:
    result = cli("show", *args, "--format", "json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)  # type: ignore[no-any-return]


def plan_entry(document: dict[str, Any], code: str) -> dict[str, Any]:
    entries = [entry for entry in document["accountPlans"] if entry["code"] == code]
    assert len(entries) == 1
    return entries[0]


# -- the SPEC's document --------------------------------------------------------------


def test_json_is_exactly_the_spec_document(tree: Tree, cli: Cli) -> None:
    tree({"tree.yaml": CATALOG + "accounts:\n"
          + account("acme", ", billEpoch: 2025-01-15")
          + account("acme-us", ", parentAccount: acme")
          + account("acme-eu", ", parentAccount: acme")
          + """\
accountPlans:
  - {code: acme-api, account: acme, plan: api_pro, startDate: 2025-01-01}
"""})
    assert show_json(cli, "acme", "--as-of", "2025-03-10") == {
        "asOf": "2025-03-10",
        "account": {"code": "acme", "name": "Acme", "currency": "USD", "parentAccount": None,
                    "children": ["acme-eu", "acme-us"]},
        "accountPlans": [{
            "code": "acme-api", "product": "api", "plan": "api_pro", "planGroup": None,
            "status": "ACTIVE", "startDate": "2025-01-01", "endDate": None,
            "childBillingMode": "PARENT_BREAKDOWN",
            "billEpoch": {"value": "2025-01-15", "source": "account"},
            "nextBills": [
                {"billDate": "2025-03-15",
                 "servicePeriod": {"start": "2025-02-15", "end": "2025-03-15"}},
                {"billDate": "2025-04-15",
                 "servicePeriod": {"start": "2025-03-15", "end": "2025-04-15"}},
                {"billDate": "2025-05-15",
                 "servicePeriod": {"start": "2025-04-15", "end": "2025-05-15"}},
            ],
        }],
        "findings": [],
    }


# -- status ---------------------------------------------------------------------------


@pytest.mark.parametrize(("as_of", "status"), [
    ("2025-03-09", "PENDING"),
    ("2025-03-10", "ACTIVE"),
    ("2025-04-09", "ACTIVE"),
    ("2025-04-10", "INACTIVE"),
])
def test_status_follows_the_half_open_period(
    tree: Tree, cli: Cli, as_of: str, status: str
) -> None:
    tree({"tree.yaml": CATALOG + "accounts:\n" + account("acme") + """\
accountPlans:
  - {code: p, account: acme, plan: api_pro, startDate: 2025-03-10, endDate: 2025-04-10}
"""})
    entry = plan_entry(show_json(cli, "acme", "--as-of", as_of), "p")
    assert entry["status"] == status
    assert bool(entry["nextBills"]) == (status == "ACTIVE")


def test_as_of_defaults_to_the_config_file(tree: Tree, cli: Cli) -> None:
    tree({
        ".billcheck.yaml": "asOf: 2025-04-10\n",
        "tree.yaml": CATALOG + "accounts:\n" + account("acme") + """\
accountPlans:
  - {code: p, account: acme, plan: api_pro, startDate: 2025-03-10, endDate: 2025-04-10}
""",
    })
    document = show_json(cli, "acme")
    assert document["asOf"] == "2025-04-10"
    assert plan_entry(document, "p")["status"] == "INACTIVE"


# -- where settings come from ---------------------------------------------------------


def test_bill_epoch_names_its_source(tree: Tree, cli: Cli) -> None:
    tree({"tree.yaml": "organization: {monthEpoch: 2022-01-05}\n" + CATALOG + "accounts:\n"
          + account("acme", ", billEpoch: 2024-06-20") + account("globex") + """\
accountPlans:
  - {code: own, account: acme, plan: api_pro, startDate: 2025-01-01, billEpoch: 2025-01-10}
  - {code: inherited, account: acme, plan: storage_pro, startDate: 2025-01-01}
  - {code: org, account: globex, plan: api_pro, startDate: 2025-01-01}
"""})
    acme = show_json(cli, "acme", "--as-of", "2025-03-01")
    assert plan_entry(acme, "own")["billEpoch"] == {"value": "2025-01-10", "source": "accountPlan"}
    assert plan_entry(acme, "inherited")["billEpoch"] == {"value": "2024-06-20",
                                                          "source": "account"}
    globex = show_json(cli, "globex", "--as-of", "2025-03-01")
    assert plan_entry(globex, "org")["billEpoch"] == {"value": "2022-01-05",
                                                      "source": "organization"}
    assert plan_entry(globex, "org")["nextBills"][0]["billDate"] == "2025-03-05"


def test_custom_fields_show_defaults_and_overrides(
    tree: Tree, cli: Cli
) -> None:
    tree({"tree.yaml": """\
organization:
  customFields:
    account: {region: us, tier: silver}
    accountPlan: {owner: ops}
""" + CATALOG + "accounts:\n" + account("acme", ", customFields: {tier: gold, vip: 1}") + """\
accountPlans:
  - {code: p, account: acme, plan: api_pro, startDate: 2025-01-01,
     customFields: {owner: sales}}
  - {code: q, account: acme, plan: storage_pro, startDate: 2025-01-01}
"""})
    result = cli("show", "acme", "--as-of", "2025-03-01")
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert '    region = "us" (organization default)' in lines
    assert '    tier = "gold" (account, overrides organization default "silver")' in lines
    assert "    vip = 1 (account)" in lines
    assert '        owner = "sales" (accountPlan, overrides organization default "ops")' in lines
    assert '        owner = "ops" (organization default)' in lines


def test_text_shows_contract_mode_and_hierarchy(
    tree: Tree, cli: Cli
) -> None:
    tree({"tree.yaml": CATALOG + "accounts:\n" + account("acme")
          + account("acme-eu", ", parentAccount: acme") + """\
contracts:
  - {code: c1, name: C1, account: acme, startDate: 2025-01-01, endDate: 2026-01-01}
accountPlans:
  - {code: p, account: acme, plan: api_pro, startDate: 2025-01-01, contract: c1}
  - {code: eu, account: acme-eu, plan: api_pro, startDate: 2025-02-01,
     childBillingMode: CHILD}
"""})
    parent = cli("show", "acme", "--as-of", "2025-03-01").output.splitlines()
    assert "      contract:          c1, 2025-01-01 to 2026-01-01 (end exclusive)" in parent
    assert "      childBillingMode:  PARENT_BREAKDOWN (default)" in parent
    assert "  children:   acme-eu" in parent
    assert "    api: eu, plan api_pro, ACTIVE, 2025-02-01 onwards, CHILD" in parent
    child = cli("show", "acme-eu", "--as-of", "2025-03-01").output.splitlines()
    assert "  parent:     acme: Acme" in child
    assert "      childBillingMode:  CHILD" in child


def test_plan_group_gives_one_entry_per_product(
    tree: Tree, cli: Cli
) -> None:
    tree({"tree.yaml": CATALOG + "accounts:\n" + account("acme") + """\
accountPlans:
  - {code: b, account: acme, planGroup: bundle, startDate: 2025-01-01}
"""})
    entries = show_json(cli, "acme", "--as-of", "2025-03-01")["accountPlans"]
    assert [(e["code"], e["product"], e["plan"], e["planGroup"]) for e in entries] == [
        ("b", "api", "api_pro", "bundle"), ("b", "storage", "storage_pro", "bundle"),
    ]


# -- next bills -----------------------------------------------------------------------


def next_bills(cli: Cli, as_of: str) -> list[tuple[str, str, str]]:
    entry = plan_entry(show_json(cli, "acme", "--as-of", as_of), "p")
    return [(b["billDate"], b["servicePeriod"]["start"], b["servicePeriod"]["end"])
            for b in entry["nextBills"]]


def test_next_bills_clamp_to_month_end(tree: Tree, cli: Cli) -> None:
    tree({"tree.yaml": CATALOG + "accounts:\n" + account("acme") + """\
accountPlans:
  - {code: p, account: acme, plan: api_pro, startDate: 2025-01-31, billEpoch: 2025-01-31}
"""})
    assert next_bills(cli, "2025-02-01") == [
        ("2025-02-28", "2025-01-31", "2025-02-28"),
        ("2025-03-31", "2025-02-28", "2025-03-31"),
        ("2025-04-30", "2025-03-31", "2025-04-30"),
    ]


def test_next_bills_stop_with_a_plan_that_ends(
    tree: Tree, cli: Cli
) -> None:
    tree({"tree.yaml": CATALOG + "accounts:\n" + account("acme") + """\
accountPlans:
  - {code: p, account: acme, plan: api_pro, startDate: 2025-01-01, endDate: 2025-02-15}
"""})
    assert next_bills(cli, "2025-01-10") == [
        ("2025-02-01", "2025-01-01", "2025-02-01"),
        ("2025-03-01", "2025-02-01", "2025-02-15"),
    ]


def test_bill_date_on_as_of_counts(tree: Tree, cli: Cli) -> None:
    tree({"tree.yaml": CATALOG + "accounts:\n" + account("acme") + """\
accountPlans:
  - {code: p, account: acme, plan: api_pro, startDate: 2025-01-01}
"""})
    assert next_bills(cli, "2025-02-01")[0] == ("2025-02-01", "2025-01-01", "2025-02-01")


def test_periods_gathered_by_the_epoch_share_one_bill(
    tree: Tree, cli: Cli
) -> None:
    tree({"tree.yaml": CATALOG + "accounts:\n" + account("acme") + """\
accountPlans:
  - {code: p, account: acme, plan: api_pro, startDate: 2022-01-01, billEpoch: 2022-02-15}
"""})
    assert next_bills(cli, "2022-01-10") == [
        ("2022-02-15", "2022-01-01", "2022-02-15"),
        ("2022-03-15", "2022-02-15", "2022-03-15"),
        ("2022-04-15", "2022-03-15", "2022-04-15"),
    ]


# -- findings -------------------------------------------------------------------------


def test_findings_of_the_account_are_listed_and_exit_is_0(
    tree: Tree, cli: Cli
) -> None:
    tree({"tree.yaml": CATALOG + "accounts:\n" + account("acme") + account("globex") + """\
accountPlans:
  - code: p
    account: acme
    plan: api_pro
    startDate: 2025-01-01
  - code: typo
    account: acme
    plan: api_pro
    startDat: 2025-01-01
  - account: acme
    plan: api_pro
    startDate: 2025-01-01
    startDate: 2025-02-01
  - code: other
    account: globex
    plan: api_pro
    startDat: 2025-01-01
"""})
    document = show_json(cli, "acme", "--as-of", "2025-03-01")
    assert [(f["rule"], f["line"]) for f in document["findings"]] == [
        ("BC102", 22), ("BC101", 25), ("BC005", 25), ("BC302", 28), ("BC002", 29),
    ]
    assert document["findings"][1]["entity"] == {"kind": "accountPlan", "code": "typo"}
    assert [entry["code"] for entry in document["accountPlans"]] == ["p", None]
    text = cli("show", "acme", "--as-of", "2025-03-01")
    assert text.exit_code == 0
    assert "Findings (5)" in text.output
    assert "  tree.yaml:29:5: error BC002 duplicate key 'startDate'" in text.output


def test_an_account_with_schema_errors_cannot_be_shown(
    tree: Tree, cli: Cli
) -> None:
    tree({"tree.yaml": CATALOG + "accounts:\n" + account("acme", ", currency: usd")})
    result = cli("show", "acme")
    assert result.exit_code == 1
    assert result.stdout == ""
    assert "tree.yaml:15:70: error BC103 'currency' 'usd' is not valid" in result.stderr
    assert "account 'acme' cannot be shown" in result.stderr


# -- errors ---------------------------------------------------------------------------


def test_unknown_account_suggests_the_closest(
    tree: Tree, cli: Cli
) -> None:
    tree({"tree.yaml": CATALOG + "accounts:\n" + account("acme") + account("globex")})
    result = cli("show", "acne")
    assert result.exit_code == 2
    assert result.stderr == "billcheck: unknown account 'acne' (did you mean 'acme'?)\n"
    far = cli("show", "zzz")
    assert far.exit_code == 2
    assert "did you mean" not in far.stderr and "billcheck show --tree" in far.stderr


def test_unknown_account_names_files_that_could_not_be_read(
    tree: Tree, cli: Cli
) -> None:
    tree({"a.yaml": "accounts: [\n", "b.yaml": CATALOG})
    result = cli("show", "acme")
    assert result.exit_code == 2
    assert "these files could not be read: a.yaml" in result.stderr


@pytest.mark.parametrize("args", [
    (),
    ("acme", "missing-dir"),
    ("acme", "--as-of", "2025-13-01"),
    ("acme", "--format", "html"),
])
def test_usage_errors_exit_2(
    tree: Tree, cli: Cli, args: tuple[str, ...]
) -> None:
    tree({"tree.yaml": CATALOG + "accounts:\n" + account("acme")})
    result = cli("show", *args)
    assert result.exit_code == 2
    assert result.stdout == ""


# -- the hierarchy --------------------------------------------------------------------

HIERARCHY = {"tree.yaml": CATALOG + "accounts:\n" + account("acme")
             + account("acme-us", ", parentAccount: acme")
             + account("acme-eu", ", parentAccount: acme")
             + account("globex") + """\
accountPlans:
  - {code: a1, account: acme, plan: api_pro, startDate: 2025-01-01}
  - {code: a2, account: acme, plan: storage_pro, startDate: 2025-05-01}
  - {code: eu, account: acme-eu, plan: storage_pro, startDate: 2024-01-01, endDate: 2025-05-01}
  - {code: g, account: globex, plan: api_pro, startDate: 2024-01-01, endDate: 2025-01-01}
""", "pricings.yaml": """\
aggregations:
  - {code: calls, name: Calls, unit: call, aggregation: SUM}
pricings:
  - {plan: api_pro, aggregation: calls, startDate: 2024-01-01,
     pricingBands: [{lowerLimit: 0, unitPrice: 1}]}
  - {plan: storage_pro, aggregation: calls, startDate: 2024-01-01,
     pricingBands: [{lowerLimit: 0, unitPrice: 1}]}
"""}


def test_tree_text_lists_parents_children_and_standalone(
    tree: Tree, cli: Cli
) -> None:
    tree(HIERARCHY)
    result = cli("show", "--tree", "--as-of", "2025-03-01")
    assert result.exit_code == 0
    assert result.output == (
        "Account hierarchy as of 2025-03-01\n"
        "\n"
        "acme: Acme (2 children, 1 active plan)\n"
        "  acme-eu: Acme-Eu (1 active plan)\n"
        "  acme-us: Acme-Us (0 active plans)\n"
        "\n"
        "Standalone accounts\n"
        "  globex: Globex (0 active plans)\n"
        "\n"
        "1 parent, 2 children, 1 standalone account\n"
    )


def test_tree_json(tree: Tree, cli: Cli) -> None:
    tree(HIERARCHY)
    assert show_json(cli, "--tree", "--as-of", "2025-03-01") == {
        "asOf": "2025-03-01",
        "parents": [{
            "code": "acme", "name": "Acme", "activePlans": 1,
            "children": [
                {"code": "acme-eu", "name": "Acme-Eu", "activePlans": 1},
                {"code": "acme-us", "name": "Acme-Us", "activePlans": 0},
            ],
        }],
        "standalone": [{"code": "globex", "name": "Globex", "activePlans": 0}],
        "findings": [],
    }


def test_tree_mentions_findings_and_still_exits_0(
    tree: Tree, cli: Cli
) -> None:
    tree({**HIERARCHY, "broken.yaml": "accounts: [\n"})
    result = cli("show", "--tree", "--as-of", "2025-03-01")
    assert result.exit_code == 0
    assert result.output.endswith(
        "The tree has 1 finding (1 error, 0 warnings, 0 infos): "
        "run 'billcheck validate' for details.\n"
    )


def test_markdown_has_a_table_row_per_plan(tree: Tree, cli: Cli) -> None:
    tree(HIERARCHY)
    result = cli("show", "acme", "--as-of", "2025-03-01", "--format", "markdown")
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert lines[0] == "# Account acme: Acme"
    assert ("| api | a1 | api\\_pro |  | ACTIVE | 2025-01-01 | open | none | MONTHLY "
            "| PARENT\\_BREAKDOWN (default) | 2022-01-01 (organization) |") in lines
    assert "| a1 | api | 2025-04-01 | 2025-03-01 to 2025-04-01 |" in lines
    assert "### acme-eu: Acme-Eu" in lines
