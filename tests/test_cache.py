"""The load cache: hits, misses, invalidation, damage, opting out, and identical results.

Every comparison is of the complete JSON report, byte for byte: a run through the cache
(cold, warm, and after edits) must say exactly what a run without it says.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner
from conftest import REPO_ROOT, write_tree

from validator import cache as cache_module
from validator.cache import FileCache, cache_directory, code_salt, open_cache
from validator.checker import RuleSelection, check_paths
from validator.cli import main
from validator.config import Config
from validator.engine import RULES, Report, Rule
from validator.groups import file_components, links_of, tree_groups
from validator.model import Model

CASES_DIR = Path(__file__).parent / "rule_cases"
CATALOG = (CASES_DIR / "_catalog.yaml").read_text(encoding="utf-8")
LIMITS = (64 * 1024 * 1024, 100, 10_000)

ACCOUNTS_A = """\
accounts:
  - {code: acme, name: Acme, emailAddress: billing@acme.example}
  - {code: acme-eu, name: Acme EU, emailAddress: eu@acme.example, parentAccount: acme,
     billEpoch: 2024-01-15}
accountPlans:
  - {code: acme-api, account: acme, plan: api_std, startDate: 2024-01-01}
  - {code: acme-api-2, account: acme, plan: api_pro, startDate: 2024-03-01}
  - {code: acme-eu-storage, account: acme-eu, plan: storage_std, startDate: 2024-01-01}
"""
ACCOUNTS_B = """\
accounts:
  - {code: beta, name: Beta, emailAddress: billing@beta.example, billEpoch: 2024-01-31}
  - {code: beta-kid, name: Beta Kid, emailAddress: kid@beta.example, parentAccount: beta}
accountPlans:
  - {code: beta-api, account: beta, plan: api_std, startDate: 2024-01-01, endDate: 2024-02-01}
  - {code: beta-api-2, account: beta, plan: api_std, startDate: 2024-03-01}
contracts:
  - {code: beta-c, name: Beta contract, account: beta, startDate: 2024-01-01,
     endDate: 2025-01-01}
"""
ACCOUNTS_C = """\
accounts:
  - {code: gamma, name: Gamma, emailAddress: billing@gamma.example}
accountPlans:
  - {code: gamma-api, account: gamma, plan: api_std, startDate: 2024-01-01,
     contract: beta-c}
  - {code: gamma-storage, account: gamma, plan: storage_std, startDate: 2023-12-01,
     endDate: 2023-11-01}
"""


def run_json(root: Path, *args: str) -> str:
    """`billcheck validate --format json` in `root`, in-process; the report's text."""
    previous = Path.cwd()
    os.chdir(root)
    try:
        result = CliRunner().invoke(main, ["validate", "--format", "json", *args],
                                    catch_exceptions=False)
    finally:
        os.chdir(previous)
    assert result.exit_code in (0, 1), result.output
    return result.stdout


@pytest.fixture
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh cache directory outside the checked tree, named by BILLCHECK_CACHE_DIR."""
    directory = tmp_path / "cache"
    monkeypatch.setenv("BILLCHECK_CACHE_DIR", str(directory))
    return directory


@pytest.fixture
def root(tmp_path: Path) -> Path:
    """The checked tree: the shared catalog and three account files with findings."""
    tree = tmp_path / "tree"
    write_tree(tree, {"catalog.yaml": CATALOG, "accounts/a.yaml": ACCOUNTS_A,
                      "accounts/b.yaml": ACCOUNTS_B, "accounts/c.yaml": ACCOUNTS_C})
    return tree


def counted_run(root: Path, cache: FileCache | None) -> Any:
    """check_paths in `root` through `cache` (its hits and misses show what was reused)."""
    return check_paths(["."], Config(), RuleSelection(), root, cache=cache)


def test_the_fixture_tree_has_findings_from_several_rules(root: Path, cache_dir: Path) -> None:
    rules = {f["rule"] for f in json.loads(run_json(root, "--no-cache"))["findings"]}
    assert {"BC301", "BC302", "BC401", "BC404"} <= rules


def test_a_second_run_reads_every_file_from_the_cache(root: Path, cache_dir: Path) -> None:
    cold = FileCache(cache_dir, b"salt")
    counted_run(root, cold)
    assert (cold.hits, cold.misses) == (0, 4 + 1)  # the files, and the kept rule findings
    warm = FileCache(cache_dir, b"salt")
    counted_run(root, warm)
    assert warm.misses == 0
    assert warm.hits >= 4  # every file, and the kept rule findings


def test_a_changed_file_is_read_again_and_its_findings_follow(
    root: Path, cache_dir: Path
) -> None:
    counted_run(root, FileCache(cache_dir, b"salt"))
    (root / "accounts/c.yaml").write_text(ACCOUNTS_C.replace("endDate: 2023-11-01", ""))
    warm = FileCache(cache_dir, b"salt")
    result = counted_run(root, warm)
    assert warm.misses >= 1
    assert "BC301" not in {f.rule for f in result.findings}
    assert [f.rule for f in result.findings] == [
        f.rule for f in counted_run(root, None).findings
    ]


def test_another_version_or_limit_or_code_is_another_salt(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    base = code_salt(LIMITS)
    assert code_salt(LIMITS) == base
    assert code_salt((LIMITS[0], 5, LIMITS[2])) != base
    monkeypatch.setattr(cache_module, "__version__", "99.0.0")
    assert code_salt(LIMITS) != base


def test_the_salt_covers_every_module_of_the_package(monkeypatch: pytest.MonkeyPatch) -> None:
    read: list[str] = []
    real_read = cache_module._read

    def recording_read(path: Path) -> bytes:
        read.append(path.name)
        return real_read(path)

    monkeypatch.setattr(cache_module, "_SOURCE_DIGEST", [])
    monkeypatch.setattr(cache_module, "_read", recording_read)
    cache_module.source_digest()
    package = Path(cache_module.__file__).parent
    assert sorted(read) == sorted(p.name for p in package.rglob("*.py"))
    assert {"groups.py", "incremental.py", "loading.py", "yamlload.py"} <= set(read)


def test_a_changed_limit_reads_every_file_again(root: Path, cache_dir: Path) -> None:
    counted_run(root, open_cache(LIMITS))
    other = open_cache((LIMITS[0], 50, LIMITS[2]))
    assert other is not None
    counted_run(root, other)
    assert (other.hits, other.misses) == (0, 4 + 1)  # the files, and the kept rule findings


def test_damaged_entries_are_ignored_and_replaced(root: Path, cache_dir: Path) -> None:
    expected = run_json(root, "--no-cache")
    run_json(root)
    entries = [p for p in cache_dir.rglob("*") if p.is_file()]
    assert entries
    for number, entry in enumerate(entries):
        data = entry.read_bytes()
        damaged = [data[: len(data) // 2], b"", b"BCC2" + bytes(len(data)),
                   data[:-1] + bytes([data[-1] ^ 0xFF])][number % 4]
        entry.write_bytes(damaged)
    assert run_json(root) == expected
    assert run_json(root) == expected


def test_no_cache_neither_reads_nor_writes(root: Path, cache_dir: Path) -> None:
    run_json(root, "--no-cache")
    assert not cache_dir.exists()


def test_standard_input_is_never_cached(
    root: Path, cache_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(root)
    result = CliRunner().invoke(
        main, ["validate", "--format", "json", "-", "--stdin-filename", "x.yaml"],
        input=ACCOUNTS_C,
    )
    assert "BC301" in {f["rule"] for f in json.loads(result.stdout)["findings"]}
    stored = [p.name for p in cache_dir.rglob("*") if p.is_file()]
    assert all(name.startswith("r") for name in stored)  # rule records only, no file entry


def test_the_default_cache_lives_outside_the_tree(
    root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("BILLCHECK_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    before = sorted(p.relative_to(root) for p in root.rglob("*"))
    run_json(root)
    assert sorted(p.relative_to(root) for p in root.rglob("*")) == before
    assert any(p.is_file() for p in (tmp_path / "xdg" / "billcheck").rglob("*"))
    assert not list((tmp_path / "xdg").rglob(".tmp-*"))


def test_cache_directory_follows_the_environment(tmp_path: Path) -> None:
    home = Path.home()
    assert cache_directory({"BILLCHECK_CACHE_DIR": "/x/y"}) == Path("/x/y")
    assert cache_directory({"XDG_CACHE_HOME": "/c"}) == Path("/c/billcheck")
    assert cache_directory({"XDG_CACHE_HOME": "relative"}) == home / ".cache" / "billcheck"
    assert cache_directory({}) == home / ".cache" / "billcheck"


def test_a_home_that_cannot_be_written_means_no_cache(
    root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "home-is-a-file"
    blocker.write_text("no directory can be made under a file, not even by root")
    monkeypatch.delenv("BILLCHECK_CACHE_DIR", raising=False)
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    monkeypatch.setenv("HOME", str(blocker))
    assert run_json(root) == run_json(root, "--no-cache")


def test_a_cache_that_cannot_be_written_means_no_cache(
    root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    monkeypatch.setenv("BILLCHECK_CACHE_DIR", str(blocker / "cache"))
    assert run_json(root) == run_json(root, "--no-cache")


def test_concurrent_runs_share_the_cache_safely(root: Path, cache_dir: Path) -> None:
    env = dict(os.environ, PYTHONPATH=str(REPO_ROOT), BILLCHECK_CACHE_DIR=str(cache_dir))
    command = [sys.executable, "-m", "validator", "validate", "--format", "json"]
    runs = [subprocess.Popen(command, cwd=root, env=env, stdout=subprocess.PIPE, text=True)
            for _ in range(4)]
    outputs = {run.communicate()[0] for run in runs}
    assert outputs == {run_json(root, "--no-cache")}
    assert not list(cache_dir.rglob(".tmp-*"))


EDITS: list[tuple[str, Callable[[Path], None]]] = [
    ("an empty file before the others", lambda r: _append(r / "accounts/0.yaml", "# empty\n")),
    ("rename an account", lambda r: _replace(r / "accounts/a.yaml", "name: Acme EU", "name: EU")),
    ("end the open plan, no overlap left",
     lambda r: _replace(r / "accounts/a.yaml", "plan: api_std, startDate: 2024-01-01}",
                        "plan: api_std, startDate: 2024-01-01, endDate: 2024-03-01}")),
    ("join two groups through a parent link",
     lambda r: _replace(r / "accounts/c.yaml", "billing@gamma.example}",
                        "billing@gamma.example, parentAccount: acme}")),
    ("move an account to another file",
     lambda r: (_replace(r / "accounts/b.yaml", "  - {code: beta-kid, name: Beta Kid, "
                         "emailAddress: kid@beta.example, parentAccount: beta}\n", ""),
                _append(r / "accounts/d.yaml", "accounts:\n  - {code: beta-kid, name: Beta Kid,"
                        " emailAddress: kid@beta.example, parentAccount: beta}\n"))),
    ("a schema error", lambda r: _replace(r / "accounts/b.yaml", "billing@beta.example",
                                          "not-an-email")),
    ("a duplicate account code in another file",
     lambda r: _append(r / "accounts/e.yaml", "accounts:\n  - {code: acme, name: Acme 2, "
                       "emailAddress: x@acme.example}\n")),
    ("a duplicate account plan code in another account's file",
     lambda r: _append(r / "accounts/k.yaml", "accounts:\n  - {code: kay, name: K, emailAddress: "
                       "k@x.example}\naccountPlans:\n  - {code: acme-api, account: kay, "
                       "plan: api_std, startDate: 2024-01-01}\n")),
    ("the first of the duplicates changes", lambda r: _replace(
        r / "accounts/a.yaml", "acme-api, account: acme, plan: api_std, startDate: 2024-01-01",
        "acme-api, account: acme, plan: api_std, startDate: 2024-01-02")),
    ("a catalog change", lambda r: _append(r / "catalog.yaml", "# a comment\n")),
    ("a syntax error", lambda r: _append(r / "accounts/e.yaml", "accounts: [\n")),
    ("remove a file", lambda r: (r / "accounts/d.yaml").unlink()),
    ("an inline suppression",
     lambda r: _replace(r / "accounts/a.yaml", "  - {code: acme-api-2,",
                        "  # billcheck: ignore[BC302]\n  - {code: acme-api-2,")),
    ("a YAML 1.1 boolean", lambda r: _replace(r / "accounts/c.yaml", "name: Gamma", "name: no")),
    ("a custom plan of one account attached by another",
     lambda r: (_append(r / "custom.yaml", "plans:\n  - {code: beta_only, name: Beta only, "
                        "planTemplate: api_monthly, account: beta}\n"),
                _replace(r / "accounts/c.yaml", "plan: api_std, startDate: 2024-01-01,",
                         "plan: beta_only, startDate: 2024-01-01,"))),
    ("a new account code", lambda r: _append(r / "accounts/f.yaml", "accounts:\n  - {code: acmf, "
                                             "name: F, emailAddress: f@x.example}\n")),
    ("a link to an account no file has yet",
     lambda r: _append(r / "accounts/g.yaml", "accounts:\n  - {code: gee, name: G, emailAddress: "
                       "g@x.example, parentAccount: omega}\n")),
    ("the missing account appears in another file",
     lambda r: _append(r / "accounts/h.yaml", "accounts:\n  - {code: omega, name: O, "
                       "emailAddress: o@x.example}\n")),
    ("a plan attached under a misspelt code", lambda r: _append(
        r / "accounts/i.yaml", "accountPlans:\n  - {account: omegb, plan: api_std, "
        "startDate: 2024-01-01}\n")),
    ("a closer code for the misspelling appears elsewhere",
     lambda r: _append(r / "accounts/j.yaml", "accounts:\n  - {code: omegc, name: O C, "
                       "emailAddress: oc@x.example}\n")),
    ("the custom plan changes owner", lambda r: _replace(
        r / "custom.yaml", "account: beta}", "account: acme}")),
    ("an account file alone attaches another account's custom plan", lambda r: _append(
        r / "accounts/f.yaml", "accountPlans:\n  - {account: acmf, plan: beta_only, "
        "startDate: 2024-01-01}\n")),
    ("the custom plan's old owner goes", lambda r: _replace(
        r / "accounts/b.yaml", "  - {code: beta, name: Beta, emailAddress: not-an-email, "
        "billEpoch: 2024-01-31}\n", "")),
]


def _replace(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _append(path: Path, text: str) -> None:
    with path.open("a", encoding="utf-8") as out:
        out.write(text)


def test_every_edit_gives_the_report_of_a_run_without_the_cache(
    root: Path, cache_dir: Path
) -> None:
    run_json(root)
    for name, edit in EDITS:
        edit(root)
        expected = run_json(root, "--no-cache")
        assert run_json(root) == expected, f"after: {name}"
        assert run_json(root) == expected, f"warm, after: {name}"


def test_the_entity_limit_stops_a_file_the_same_through_the_cache(
    tmp_path: Path, cache_dir: Path
) -> None:
    """Where the entity limit stops a file depends on the files before it, which no entry's
    key covers: a stopped load is never kept, and a kept one is used only where it fits."""
    tree = tmp_path / "tree"
    accounts = "".join(
        f"  - {{code: a{n}, name: A{n}, emailAddress: a{n}@example.com}}\n" for n in range(3)
    )
    write_tree(tree, {
        ".billcheck.yaml": "limits: {maxEntities: 4}\n",
        "a.yaml": "accounts:\n" + accounts,
        "b.yaml": "accounts:\n" + accounts.replace("a", "b"),
    })
    stopped = run_json(tree, "--no-cache")
    found = [(f["rule"], f["path"], f["line"]) for f in json.loads(stopped)["findings"]]
    assert found == [("BC004", "b.yaml", 3)]  # at b1, the fifth entity
    for _ in range(2):
        assert run_json(tree) == stopped
    (tree / "a.yaml").write_text("accounts:\n" + accounts.splitlines(keepends=True)[0])
    assert run_json(tree) == run_json(tree, "--no-cache")  # b.yaml now fits, and is kept
    (tree / "a.yaml").write_text("accounts:\n" + accounts)
    assert run_json(tree) == stopped  # b.yaml's kept load no longer fits: read afresh


def _rule_cases() -> Iterator[Any]:
    for path in sorted(CASES_DIR.glob("BC*.yaml")):
        spec = yaml.safe_load(path.read_text(encoding="utf-8"))
        for case in spec["cases"]:
            yield pytest.param(case, id=f"{path.stem}: {case['name']}")


@pytest.mark.parametrize("case", list(_rule_cases()))
def test_rule_cases_report_the_same_through_the_cache(
    case: dict[str, Any], tmp_path: Path, cache_dir: Path
) -> None:
    tree = tmp_path / "tree"
    files = {**({"catalog.yaml": CATALOG} if case.get("catalog", True) else {}), **case["files"]}
    write_tree(tree, files)
    expected = run_json(tree, "--no-cache")
    assert run_json(tree) == expected
    assert run_json(tree) == expected
    for name in files:  # each file changed alone: only its groups (or the catalog) re-run
        _append(tree / name, "\n# touched\n")
        assert run_json(tree) == run_json(tree, "--no-cache"), f"after touching {name}"


@pytest.mark.parametrize("example", ["acme", "broken"])
def test_examples_report_the_same_through_the_cache(
    example: str, tmp_path: Path, cache_dir: Path
) -> None:
    tree = tmp_path / example
    shutil.copytree(REPO_ROOT / "examples" / example, tree)
    expected = run_json(tree, "--no-cache")
    assert run_json(tree) == expected
    assert run_json(tree) == expected
    for path in sorted(tree.rglob("*.yaml")):
        _append(path, "\n# touched\n")
        assert run_json(tree) == run_json(tree, "--no-cache"), f"after touching {path.name}"


def _components(entities: list[tuple[str, dict[str, Any]]], valid: list[bool]) -> Any:
    kinds = [kind for kind, _ in entities]
    return file_components(kinds, [links_of(kind, data) for kind, data in entities], valid)


def test_groups_join_parents_contracts_and_shared_codes() -> None:
    one = _components([
        ("account", {"code": "a"}),
        ("account", {"code": "b", "parentAccount": "a"}),
        ("accountPlan", {"account": "c", "contract": "k", "plan": "shared"}),
        ("plan", {"code": "p", "account": "a"}),
        ("accountPlan", {"account": "f", "plan": "shared"}),
    ], [True] * 5)
    two = _components([
        ("contract", {"code": "k", "account": "d"}),
        ("account", {"code": "d"}),
        ("account", {"code": "e"}),
        ("accountPlan", {"account": "e", "plan": "p"}),
    ], [True, True, False, True])
    assert one[1] == [0, 0, 1, -1, 2]  # the plan belongs to the catalog
    assert two[1] == [0, 0, -2, 1]  # the invalid account belongs to nothing
    roots = tree_groups([one, two])
    assert roots[0][1] == roots[1][0]  # c's plan joins contract k, and so account d
    assert roots[1][1] == roots[0][0]  # e's plan attaches a's custom plan p: one group
    assert len({roots[0][0], roots[0][1], roots[0][2]}) == 3  # a shared plan joins nothing


ALIASED = """\
defaults:
  - &plan {account: acme, plan: api_std, startDate: 2024-01-01}
accounts:
  - &acme {code: acme, name: Acme, emailAddress: billing@acme.example}
accountPlans:
  - <<: *plan
    code: first
  - <<: *plan
    code: second
    startDate: 2024-02-01
  - {<<: *plan, code: third, startDate: 2024-05-01, endDate: 2024-04-01}
"""


def test_positions_inside_anchors_and_merge_keys_survive_the_cache(
    tmp_path: Path, cache_dir: Path
) -> None:
    tree = tmp_path / "tree"
    write_tree(tree, {"catalog.yaml": CATALOG, "a.yaml": ALIASED,
                      "b.yaml": "accounts:\n  - {code: kid, name: Kid, emailAddress: k@x.example,"
                                " parentAccount: acme}\n"})
    expected = run_json(tree, "--no-cache")
    assert {"BC101", "BC301", "BC302"} <= {f["rule"] for f in json.loads(expected)["findings"]}
    run_json(tree)
    _replace(tree / "b.yaml", "name: Kid", "name: Kid Two")  # a.yaml's group re-runs, cached
    assert run_json(tree) == run_json(tree, "--no-cache")


def test_the_result_model_is_the_whole_tree_even_when_read_lazily(
    root: Path, cache_dir: Path
) -> None:
    counted_run(root, FileCache(cache_dir, b"salt"))
    model = counted_run(root, FileCache(cache_dir, b"salt")).model
    assert sorted(model.by_code["account"]) == ["acme", "acme-eu", "beta", "beta-kid", "gamma"]
    assert model.get("plan", "api_pro") is not None


def _count_accounts(model: Model) -> Iterator[Report]:
    """Test rule: reports, on the first account, how many accounts the tree holds."""
    first = model.entities["account"][0]
    yield Report(first, f"{len(model.entities['account'])} accounts")


def test_a_tree_scoped_rule_sees_every_group_through_the_cache(
    root: Path, cache_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(RULES, "BC999", Rule("BC999", "count", "info", "", _count_accounts))
    run_json(root)
    _append(root / "accounts/z.yaml", "accounts:\n  - {code: zed, name: Zed, "
                                      "emailAddress: z@x.example}\n")
    messages = [f["message"] for f in json.loads(run_json(root))["findings"]
                if f["rule"] == "BC999"]
    assert messages == ["6 accounts"]
    assert run_json(root) == run_json(root, "--no-cache")
