"""`billcheck diff`: entities, findings and bills of a change, as JSON, Markdown and text."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result
from conftest import write_tree

Tree = Callable[[dict[str, str]], Path]
Cli = Callable[..., Result]
WINDOW = ("--from", "2025-01-01", "--to", "2025-03-01")

CATALOG = """\
organization:
  currency: USD
products:
  - {code: api, name: API}
aggregations:
  - {code: calls, name: Calls, unit: calls, aggregation: SUM}
planTemplates:
  - code: monthly
    name: Monthly
    product: api
    currency: USD
    billFrequency: MONTHLY
    standingCharge: 100
plans:
  - {code: pro, name: Pro, planTemplate: monthly}
  - {code: pro-plus, name: Pro Plus, planTemplate: monthly}
pricings:
  - plan: pro
    aggregation: calls
    startDate: "2020-01-01"
    pricingBands: [{lowerLimit: 0, unitPrice: 2}]
"""

BASE_ACCOUNTS = """\
accounts:
  - code: acme
    name: Acme
    emailAddress: billing@acme.test
  - code: beta
    name: yes
    emailAddress: billing@beta.test
  - code: gamma
    name: Gamma
    emailAddress: billing@gamma.test
accountPlans:
  - account: acme
    plan: pro
    startDate: "2025-01-01"
  - code: beta-pro
    account: beta
    plan: pro
    startDate: "2025-01-01"
  - code: gamma-pro
    account: gamma
    plan: pro
    startDate: "2025-01-01"
"""

# The standing charge rises, acme gets a purchase order number written `no` (BC005),
# beta's name is quoted (its BC005 is resolved), the code-less account plan gets a custom
# field, gamma's plan goes and delta arrives with a plan of its own.
HEAD_ACCOUNTS = """\
accounts:
  - code: acme
    name: Acme
    emailAddress: billing@acme.test
    purchaseOrderNumber: no
  - code: beta
    name: "yes"
    emailAddress: billing@beta.test
  - code: gamma
    name: Gamma
    emailAddress: billing@gamma.test
  - code: delta
    name: Delta
    emailAddress: billing@delta.test
accountPlans:
  - account: acme
    plan: pro
    startDate: "2025-01-01"
    customFields: {team: core}
  - code: beta-pro
    account: beta
    plan: pro
    startDate: "2025-01-01"
  - code: delta-pro
    account: delta
    plan: pro
    startDate: "2025-01-01"
"""


def sides(tree: Tree, base: dict[str, str], head: dict[str, str]) -> Path:
    """Write `base/...` and `head/...` into the working directory."""
    files = {f"base/{name}": text for name, text in base.items()}
    files.update({f"head/{name}": text for name, text in head.items()})
    return tree(files)


def standard_sides(tree: Tree, head_catalog: str | None = None) -> Path:
    return sides(
        tree,
        {"catalog.yaml": CATALOG, "accounts.yaml": BASE_ACCOUNTS},
        {"catalog.yaml": head_catalog or CATALOG.replace("standingCharge: 100",
                                                         "standingCharge: 125"),
         "accounts.yaml": HEAD_ACCOUNTS},
    )


def diff_json(cli: Cli, *args: str, status: int = 0) -> dict[str, Any]:
    result = cli("diff", "--format", "json", *args)
    assert result.exit_code == status, result.output
    document: dict[str, Any] = json.loads(result.stdout)
    return document


def bill(account: str, day: str, before: str, after: str, difference: str,
         currency: str = "USD") -> dict[str, str]:
    return {"account": account, "billDate": day, "currency": currency, "before": before,
            "after": after, "difference": difference}


def test_json_diff_is_exact(tree: Tree, cli: Cli) -> None:
    standard_sides(tree)
    assert diff_json(cli, "base", "head", *WINDOW) == {
        "entities": {
            "added": [{"kind": "account", "code": "delta"},
                      {"kind": "accountPlan", "code": "delta-pro"}],
            "removed": [{"kind": "accountPlan", "code": "gamma-pro"}],
            "changed": [
                {"kind": "planTemplate", "code": "monthly",
                 "fields": {"standingCharge": [100, 125]}},
                {"kind": "account", "code": "acme",
                 "fields": {"purchaseOrderNumber": [None, "no"]}},
                {"kind": "accountPlan", "code": None,
                 "fields": {"customFields": [None, {"team": "core"}]}},
            ],
        },
        "findings": {
            "introduced": [{
                "rule": "BC005", "severity": "warning",
                "message": "unquoted 'no' is a string to billcheck (YAML 1.2) but a boolean to "
                           "YAML 1.1 readers",
                "path": "accounts.yaml", "line": 5, "column": 26,
                "entity": {"kind": "account", "code": "acme"}, "hint": 'quote it: "no"',
            }],
            "resolved": [{
                "rule": "BC005", "severity": "warning",
                "message": "unquoted 'yes' is a string to billcheck (YAML 1.2) but a boolean to "
                           "YAML 1.1 readers",
                "path": "accounts.yaml", "line": 6, "column": 11,
                "entity": {"kind": "account", "code": "beta"}, "hint": 'quote it: "yes"',
            }],
        },
        "bills": [
            bill("acme", "2025-02-01", "100.00", "125.00", "25.00"),
            bill("acme", "2025-03-01", "100.00", "125.00", "25.00"),
            bill("beta", "2025-02-01", "100.00", "125.00", "25.00"),
            bill("beta", "2025-03-01", "100.00", "125.00", "25.00"),
            bill("delta", "2025-02-01", "0", "125.00", "125.00"),
            bill("delta", "2025-03-01", "0", "125.00", "125.00"),
            bill("gamma", "2025-02-01", "100.00", "0", "-100.00"),
            bill("gamma", "2025-03-01", "100.00", "0", "-100.00"),
        ],
    }


def test_unchanged_bills_are_left_out(tree: Tree, cli: Cli) -> None:
    standard_sides(tree, head_catalog=CATALOG)
    accounts = [change["account"] for change in diff_json(cli, "base", "head", *WINDOW)["bills"]]
    assert accounts == ["delta", "delta", "gamma", "gamma"]


def test_moved_and_reformatted_entities_are_not_changes(tree: Tree, cli: Cli) -> None:
    # Other lines, another file, 100.0 for 100, flow style: the same configuration.
    head_catalog = "# reordered\n\n" + CATALOG.replace("standingCharge: 100",
                                                        "standingCharge: 100.0")
    sides(
        tree,
        {"catalog.yaml": CATALOG, "accounts.yaml": BASE_ACCOUNTS},
        {"a/catalog.yaml": head_catalog, "b/accounts.yaml": "\n\n" + BASE_ACCOUNTS},
    )
    document = diff_json(cli, "base", "head", *WINDOW)
    assert document["entities"] == {"added": [], "removed": [], "changed": []}
    assert document["findings"] == {"introduced": [], "resolved": []}
    assert document["bills"] == []


def test_codeless_account_plan_is_matched_by_account_product_and_start(
    tree: Tree, cli: Cli
) -> None:
    acme_plan = '  - account: acme\n    plan: pro\n    startDate: "2025-01-01"\n'
    assert acme_plan in BASE_ACCOUNTS
    other_plan = BASE_ACCOUNTS.replace(acme_plan, acme_plan.replace("pro", "pro-plus"))
    sides(tree, {"catalog.yaml": CATALOG, "accounts.yaml": BASE_ACCOUNTS},
          {"catalog.yaml": CATALOG, "accounts.yaml": other_plan})
    assert diff_json(cli, "base", "head")["entities"] == {
        "added": [], "removed": [],
        "changed": [{"kind": "accountPlan", "code": None, "fields": {"plan": ["pro", "pro-plus"]}}],
    }
    other_start = BASE_ACCOUNTS.replace(acme_plan, acme_plan.replace("2025-01-01", "2025-01-15"))
    sides(tree, {"catalog.yaml": CATALOG, "accounts.yaml": BASE_ACCOUNTS},
          {"catalog.yaml": CATALOG, "accounts.yaml": other_start})
    assert diff_json(cli, "base", "head")["entities"] == {
        "added": [{"kind": "accountPlan", "code": None}],
        "removed": [{"kind": "accountPlan", "code": None}],
        "changed": [],
    }


def test_codeless_pricing_is_matched_by_plan_aggregation_and_start(tree: Tree, cli: Cli) -> None:
    raised = CATALOG.replace("unitPrice: 2", "unitPrice: 3")
    sides(tree, {"catalog.yaml": CATALOG}, {"catalog.yaml": raised})
    assert diff_json(cli, "base", "head")["entities"]["changed"] == [{
        "kind": "pricing", "code": None,
        "fields": {"pricingBands": [[{"lowerLimit": 0, "unitPrice": 2}],
                                    [{"lowerLimit": 0, "unitPrice": 3}]]},
    }]
    moved = CATALOG.replace('startDate: "2020-01-01"', 'startDate: "2021-01-01"')
    sides(tree, {"catalog.yaml": CATALOG}, {"catalog.yaml": moved})
    entities = diff_json(cli, "base", "head")["entities"]
    assert (entities["added"], entities["removed"]) == (
        [{"kind": "pricing", "code": None}], [{"kind": "pricing", "code": None}]
    )


def test_bills_in_another_currency_are_listed_apart(tree: Tree, cli: Cli) -> None:
    catalog = CATALOG.replace(
        "  currency: USD\n",
        "  currency: USD\n  currencyConversions: [{from: USD, to: EUR, multiplier: 0.5}]\n", 1,
    )
    accounts = ("accounts:\n  - {code: acme, name: Acme, emailAddress: a@acme.test}\n"
                "accountPlans:\n  - {account: acme, plan: pro, startDate: \"2025-01-01\"}\n")
    in_euros = accounts.replace("a@acme.test}", "a@acme.test, currency: EUR}")
    sides(tree, {"catalog.yaml": catalog, "accounts.yaml": accounts},
          {"catalog.yaml": catalog, "accounts.yaml": in_euros})
    assert diff_json(cli, "base", "head", "--from", "2025-01-01", "--to", "2025-02-01")["bills"] \
        == [bill("acme", "2025-02-01", "100.00", "0", "-100.00"),
            bill("acme", "2025-02-01", "0", "50.00", "50.00", currency="EUR")]


def test_usage_of_an_account_only_one_side_has_is_not_an_error(tree: Tree, cli: Cli) -> None:
    root = standard_sides(tree, head_catalog=CATALOG)
    (root / "usage.csv").write_text(
        "account,aggregation,timestamp,value\ndelta,calls,2025-01-10,5\nacme,calls,2025-01-10,1\n",
        encoding="utf-8",
    )
    bills = diff_json(cli, "base", "head", *WINDOW, "--usage", "usage.csv")["bills"]
    assert bills[:2] == [bill("delta", "2025-02-01", "0", "110.00", "110.00"),
                         bill("delta", "2025-03-01", "0", "100.00", "100.00")]


def test_malformed_usage_rows_stop_the_bills_and_exit_1(tree: Tree, cli: Cli) -> None:
    root = standard_sides(tree)
    (root / "usage.csv").write_text(
        "account,aggregation,timestamp,value\nacme,calls,2025-01-10,many\n", encoding="utf-8"
    )
    result = cli("diff", "base", "head", *WINDOW, "--usage", "usage.csv", "--format", "json")
    assert result.exit_code == 1
    document = json.loads(result.stdout)
    assert document["bills"] is None
    assert document["billsSkipped"] == "the preview of BASE found 1 error, bill impact not computed"
    assert "usage.csv:2:" in result.stderr


def test_head_with_errors_exits_1_and_still_diffs_the_findings(tree: Tree, cli: Cli) -> None:
    broken = BASE_ACCOUNTS.replace("plan: pro\n    startDate: \"2025-01-01\"\n  - code: beta",
                                   "plan: pr0\n    startDate: \"2025-01-01\"\n  - code: beta")
    sides(tree, {"catalog.yaml": CATALOG, "accounts.yaml": BASE_ACCOUNTS},
          {"catalog.yaml": CATALOG, "accounts.yaml": broken})
    document = diff_json(cli, "base", "head", *WINDOW, status=1)
    assert [f["rule"] for f in document["findings"]["introduced"]] == ["BC202"]
    assert document["bills"] is None
    assert document["billsSkipped"] == "HEAD has errors, bill impact not computed"
    markdown = cli("diff", "base", "head", *WINDOW, "--format", "markdown")
    assert "Not computed: HEAD has errors, bill impact not computed." in markdown.stdout


def test_base_with_errors_exits_0_when_head_fixes_them(tree: Tree, cli: Cli) -> None:
    broken = BASE_ACCOUNTS.replace("name: Gamma", "name: Gamma\n    colour: red")
    sides(tree, {"catalog.yaml": CATALOG, "accounts.yaml": broken},
          {"catalog.yaml": CATALOG, "accounts.yaml": BASE_ACCOUNTS})
    document = diff_json(cli, "base", "head", *WINDOW)
    assert [f["rule"] for f in document["findings"]["resolved"]] == ["BC101"]
    assert document["billsSkipped"] == "BASE has errors, bill impact not computed"


def test_without_a_window_bills_are_not_compared(tree: Tree, cli: Cli) -> None:
    standard_sides(tree)
    document = diff_json(cli, "base", "head")
    assert (document["bills"], document["billsSkipped"]) == (
        None, "no preview window given (--from and --to)"
    )
    assert len(document["entities"]["changed"]) == 3


def test_paths_narrow_both_sides(tree: Tree, cli: Cli) -> None:
    standard_sides(tree)
    document = diff_json(cli, "base", "head", "--", "catalog.yaml")
    assert document["entities"]["changed"] == [
        {"kind": "planTemplate", "code": "monthly", "fields": {"standingCharge": [100, 125]}}
    ]


def test_config_excludes_apply_to_both_sides(tree: Tree, cli: Cli) -> None:
    standard_sides(tree)
    Path(".billcheck.yaml").write_text("exclude: [accounts.yaml]\n", encoding="utf-8")
    assert diff_json(cli, "base", "head")["entities"]["changed"] == [
        {"kind": "planTemplate", "code": "monthly", "fields": {"standingCharge": [100, 125]}}
    ]


MARKDOWN = """\
base → head: **1 entity changed** (0 added, 0 removed, 1 changed) · **0 findings introduced**, \
0 resolved · **bills +50.00 USD** over 2 bills of 1 account.

### Bill impact, 2025-01-01 to 2025-03-01

**acme**

| Bill date | Currency | Before | After | Difference |
| --- | --- | ---: | ---: | ---: |
| 2025-02-01 | USD | 100.00 | 125.00 | +25.00 |
| 2025-03-01 | USD | 100.00 | 125.00 | +25.00 |

### Entities

**Changed**

- plan template 'monthly'
  - standingCharge: 100 → 125
"""


def test_markdown_is_a_pull_request_comment(tree: Tree, cli: Cli) -> None:
    accounts = ("accounts:\n  - {code: acme, name: Acme, emailAddress: a@acme.test}\n"
                "accountPlans:\n  - {account: acme, plan: pro, startDate: \"2025-01-01\"}\n")
    sides(tree, {"catalog.yaml": CATALOG, "accounts.yaml": accounts},
          {"catalog.yaml": CATALOG.replace("standingCharge: 100", "standingCharge: 125"),
           "accounts.yaml": accounts})
    result = cli("diff", "base", "head", *WINDOW, "--format", "markdown")
    assert result.exit_code == 0
    assert result.stdout == MARKDOWN


def test_markdown_lists_findings_and_added_and_removed_entities(tree: Tree, cli: Cli) -> None:
    standard_sides(tree)
    markdown = cli("diff", "base", "head", *WINDOW, "--format", "markdown").stdout
    assert "**bills +150.00 USD** over 8 bills of 4 accounts" in markdown
    assert "| 2025-02-01 | USD | no bill | 125.00 | +125.00 |" in markdown
    assert "**Added**\n\n- account 'delta'\n- account plan 'delta-pro'\n" in markdown
    assert "**Removed**\n\n- account plan 'gamma-pro'\n" in markdown
    assert ("- account plan (account acme, product api, startDate 2025-01-01)\n"
            "  - customFields: (absent) → {\"team\": \"core\"}\n") in markdown
    assert ("### Findings introduced\n\n- **warning** BC005 accounts.yaml:5:26: unquoted 'no' "
            "is a string to billcheck (YAML 1.2) but a boolean to YAML 1.1 readers\n") in markdown
    assert "### Findings resolved\n\n- **warning** BC005 accounts.yaml:6:11:" in markdown


def test_markdown_escapes_config_values(tree: Tree, cli: Cli) -> None:
    hostile_code = "x`|<img src=a>*[link](http://evil.test)"
    accounts = (f"accounts:\n  - {{code: '{hostile_code}', name: Acme, "
                "emailAddress: a@acme.test}\n"
                f"accountPlans:\n  - {{account: '{hostile_code}', plan: pro, "
                "startDate: \"2025-01-01\"}\n")
    renamed = accounts.replace("name: Acme", 'name: "# Big\\n- item | cell"')
    sides(tree, {"catalog.yaml": CATALOG, "accounts.yaml": accounts},
          {"catalog.yaml": CATALOG.replace("standingCharge: 100", "standingCharge: 125"),
           "accounts.yaml": renamed})
    markdown = cli("diff", "base", "head", *WINDOW, "--format", "markdown").stdout
    escaped = "x\\`\\|\\<img src=a\\>\\*\\[link\\](http://evil.test)"
    assert f"**{escaped}**\n" in markdown
    assert f"- account '{escaped}'\n" in markdown
    assert '  - name: "Acme" → "\\# Big\\\\n- item \\| cell"\n' in markdown
    assert hostile_code not in markdown
    assert markdown.count("<img") == markdown.count("\\<img") == 2


def test_text_format_is_the_default(tree: Tree, cli: Cli) -> None:
    standard_sides(tree)
    result = cli("diff", "base", "head", *WINDOW)
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[:4] == ["BASE: base", "HEAD: head", "", "Entities: 2 added, 1 removed, 3 changed"]
    assert "  removed  account plan 'gamma-pro'" in lines
    assert "             standingCharge: 100 -> 125" in lines
    assert ("  introduced accounts.yaml:5:26: warning BC005 unquoted 'no' is a string to "
            "billcheck (YAML 1.2) but a boolean to YAML 1.1 readers") in lines
    assert "  gamma  2025-02-01  USD  100.00 -> no bill  (-100.00)" in lines
    assert lines[-1] == "  total difference: +150.00 USD"


def test_output_file_receives_the_diff(tree: Tree, cli: Cli) -> None:
    root = standard_sides(tree)
    result = cli("diff", "base", "head", "--format", "json", "--output", "diff.json")
    assert (result.exit_code, result.stdout) == (0, "")
    assert json.loads((root / "diff.json").read_text(encoding="utf-8"))["bills"] is None


@pytest.mark.parametrize(("args", "message"), [
    (("base",), "name the BASE and HEAD directories to compare (or use --git REV)"),
    (("base", "nowhere"), "HEAD directory not found: nowhere"),
    (("base", "head", "--from", "2025-01-01"),
     "give both --from and --to for the bill preview (or neither)"),
    (("base", "head", "--from", "2025-02-30", "--to", "2025-04-01"),
     "--from must be a date written YYYY-MM-DD, not '2025-02-30'"),
    (("base", "head", "--from", "2025-02-01", "--to", "2025-02-01"),
     "--to (2025-02-01) must be after --from (2025-02-01)"),
    (("base", "head", *WINDOW, "--usage", "missing.csv"), "usage file not found: missing.csv"),
    (("base", "head", "--", "nowhere.yaml"), "path not found: nowhere.yaml"),
    (("base", "head", "--config", "missing.yaml"), "missing.yaml: config file not found"),
])
def test_what_cannot_run_exits_2(
    tree: Tree, cli: Cli, args: tuple[str, ...], message: str
) -> None:
    standard_sides(tree)
    result = cli("diff", *args)
    assert result.exit_code == 2
    assert result.stderr == f"billcheck: {message}\n"


# -- --git REV --------------------------------------------------------------------------


def git(repo: Path, *args: str) -> str:
    completed = subprocess.run(
        ["git", "-c", "user.name=Test", "-c", "user.email=test@example.test", *args],
        cwd=repo, capture_output=True, text=True, check=True,
    )
    return completed.stdout


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A git repository whose one commit holds the base tree; the working tree is HEAD's."""
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "--quiet")
    write_tree(root, {"billing/catalog.yaml": CATALOG, "billing/accounts.yaml": BASE_ACCOUNTS,
                      "notes.txt": "not config\n"})
    git(root, "add", ".")
    git(root, "commit", "--quiet", "-m", "base")
    write_tree(root, {
        "billing/catalog.yaml": CATALOG.replace("standingCharge: 100", "standingCharge: 125"),
        "billing/accounts.yaml": HEAD_ACCOUNTS,
        "billing/new.yaml": "products:\n  - {code: storage, name: Storage}\n",
    })
    git(root, "add", "billing/accounts.yaml")  # staged, so the index differs from HEAD too
    return root


def repository_state(root: Path) -> tuple[str, str, str]:
    return (git(root, "status", "--porcelain", "--untracked-files=all"),
            git(root, "ls-files", "--stage"), git(root, "diff"))


def test_git_revision_against_the_working_tree(
    repo: Path, billcheck_process: Callable[..., subprocess.CompletedProcess[str]]
) -> None:
    before = repository_state(repo)
    completed = billcheck_process("diff", "--git", "HEAD", *WINDOW, "--format", "json",
                                  "--", "billing", cwd=repo)
    assert completed.returncode == 0, completed.stderr
    document = json.loads(completed.stdout)
    assert document["entities"]["added"] == [
        {"kind": "product", "code": "storage"}, {"kind": "account", "code": "delta"},
        {"kind": "accountPlan", "code": "delta-pro"},
    ]
    assert [f["path"] for f in document["findings"]["introduced"]] == ["billing/accounts.yaml"]
    assert document["bills"][0] == bill("acme", "2025-02-01", "100.00", "125.00", "25.00")
    assert repository_state(repo) == before


def test_git_from_a_subdirectory_applies_its_config_to_both_sides(
    repo: Path, billcheck_process: Callable[..., subprocess.CompletedProcess[str]]
) -> None:
    (repo / "billing" / ".billcheck.yaml").write_text("exclude: [new.yaml]\n", encoding="utf-8")
    completed = billcheck_process("diff", "--git", "HEAD", "--format", "json",
                                  cwd=repo / "billing")
    assert completed.returncode == 0, completed.stderr
    document = json.loads(completed.stdout)
    assert {"kind": "product", "code": "storage"} not in document["entities"]["added"]
    assert [f["path"] for f in document["findings"]["resolved"]] == ["accounts.yaml"]


def test_git_markdown_as_the_action_runs_it(
    repo: Path, billcheck_process: Callable[..., subprocess.CompletedProcess[str]]
) -> None:
    # No PATH: the config's paths, on both sides; the YAML outside them is not read.
    write_tree(repo, {".billcheck.yaml": "paths: [billing]\n",
                      "deploy/service.yaml": "apiVersion: v1\nkind: Service\n"})
    completed = billcheck_process("diff", "--git", "HEAD", *WINDOW, "--format", "markdown",
                                  "--", cwd=repo)
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.startswith(
        "HEAD → the working tree: **7 entities changed** (3 added, 1 removed, 3 changed)"
    )


def test_git_path_that_only_the_working_tree_has(
    repo: Path, billcheck_process: Callable[..., subprocess.CompletedProcess[str]]
) -> None:
    completed = billcheck_process("diff", "--git", "HEAD", "--format", "json",
                                  "--", "billing/new.yaml", cwd=repo)
    assert completed.returncode == 0, completed.stderr
    assert json.loads(completed.stdout)["entities"] == {
        "added": [{"kind": "product", "code": "storage"}], "removed": [], "changed": [],
    }


@pytest.mark.parametrize(("revision", "message"), [
    ("no-such-branch", "unknown git revision 'no-such-branch'"),
    ("--output=x", "--git needs a revision such as main or HEAD~1, not '--output=x'"),
])
def test_git_errors_exit_2(
    repo: Path, billcheck_process: Callable[..., subprocess.CompletedProcess[str]],
    revision: str, message: str,
) -> None:
    completed = billcheck_process("diff", f"--git={revision}", cwd=repo)
    assert (completed.returncode, completed.stderr) == (2, f"billcheck: {message}\n")


def test_git_outside_a_repository_exits_2(
    tmp_path: Path, billcheck_process: Callable[..., subprocess.CompletedProcess[str]]
) -> None:
    completed = billcheck_process("diff", "--git", "HEAD", cwd=tmp_path)
    assert completed.returncode == 2
    assert completed.stderr.startswith("billcheck: --git needs a git repository: ")
