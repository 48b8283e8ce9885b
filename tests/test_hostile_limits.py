"""Resource limits: each is configurable, each breach is BC004 naming the limit and the key
that raises it, and hostile files (alias bombs, deep nesting, huge scalars, swarms of tiny
entities) stop early instead of exhausting time or memory."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result

from validator.checker import RuleSelection, check_paths
from validator.config import LIMIT_FIELDS, Config
from validator.loading import LoadLimits
from validator.schema import schema_documents

Tree = Callable[[Mapping[str, str]], Path]
Cli = Callable[..., Result]

ACCOUNT = "  - {code: %s, name: Acme, emailAddress: a@b.example}\n"


def findings_of(cli: Cli, *args: str) -> list[dict[str, Any]]:
    result = cli("validate", "--format", "json", *args)
    assert result.exit_code in (0, 1), result.output
    return json.loads(result.output)["findings"]  # type: ignore[no-any-return]


def billion_laughs(levels: int = 9) -> str:
    lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for level in range(1, levels + 1):
        aliases = ",".join([f"*a{level - 1}"] * 9)
        lines.append(f"a{level}: &a{level} [{aliases}]")
    return "\n".join(lines) + "\n"


# Each limit: a tree that breaks it when the limit is `low`, and what the message says.
BREACHES = {
    "maxFileBytes": (
        {"big.yaml": "accounts:\n" + ACCOUNT % "a" * 20}, 100, "over the limit of 100 bytes"),
    "maxTotalBytes": (
        {"a.yaml": "accounts:\n" + ACCOUNT % "a", "b.yaml": "accounts:\n" + ACCOUNT % "b"},
        80, "over the limit of 80 bytes in all"),
    "maxDepth": (
        {"deep.yaml": "accounts:\n" + ACCOUNT % "a" + "organization: {customFields: "
         "{account: {x: [[[[1]]]]}}}\n"}, 4, "nesting deeper than the limit of 4 levels"),
    "maxAliasNodes": (
        {"alias.yaml": "products:\n  - &p {code: p, name: P}\nx: [*p, *p, *p]\n"}, 5,
        "aliases expand to more than the limit of 5 nodes"),
    "maxEntities": (
        {"many.yaml": "accounts:\n" + "".join(ACCOUNT % f"a{i}" for i in range(5))}, 3,
        "more than the limit of 3 entities"),
}


@pytest.mark.parametrize("limit", sorted(BREACHES))
def test_each_limit_breach_is_bc004_naming_the_limit_and_how_to_raise_it(
    limit: str, tree: Tree, cli: Cli
) -> None:
    files, low, message = BREACHES[limit]
    tree({**files, ".billcheck.yaml": f"limits:\n  {limit}: {low}\n"})
    breaches = [f for f in findings_of(cli) if f["rule"] == "BC004"]
    assert len(breaches) == 1, breaches
    assert message in breaches[0]["message"]
    assert f"raise limits.{limit} in .billcheck.yaml" in breaches[0]["hint"]


@pytest.mark.parametrize("limit", sorted(BREACHES))
def test_raising_a_limit_in_the_config_lets_the_same_tree_through(
    limit: str, tree: Tree, cli: Cli
) -> None:
    files, low, _ = BREACHES[limit]
    tree({**files, ".billcheck.yaml": f"limits:\n  {limit}: {low * 1000}\n"})
    assert [f for f in findings_of(cli) if f["rule"] == "BC004"] == []


def test_default_limits_are_the_specs_and_the_config_schema_agrees() -> None:
    mib = 1024 * 1024
    defaults = LoadLimits()
    assert (defaults.max_file_bytes, defaults.max_total_bytes, defaults.max_depth,
            defaults.max_alias_nodes, defaults.max_entities) == (
        64 * mib, 1024 * mib, 100, 10_000, 2_000_000)
    documented = schema_documents()["config.schema.json"]["properties"]["limits"]["properties"]
    assert {name: spec["default"] for name, spec in documented.items()} == {
        name: getattr(defaults, attribute) for name, attribute in LIMIT_FIELDS.items()
    }


def test_a_billion_laughs_file_is_bc004_in_well_under_two_seconds(tree: Tree, cli: Cli) -> None:
    tree({"lol.yaml": billion_laughs()})
    started = time.perf_counter()
    findings = findings_of(cli)
    elapsed = time.perf_counter() - started
    assert [(f["rule"], f["line"]) for f in findings] == [("BC004", 5)]
    assert "limits.maxAliasNodes" in findings[0]["hint"]
    assert elapsed < 2.0


@pytest.mark.parametrize(
    "nested",
    ["[" * 20_000 + "x" + "]" * 20_000, "{a: " * 20_000 + "x" + "}" * 20_000, "- " * 20_000 + "x"],
    ids=["flow-list", "flow-mapping", "block-list"],
)
def test_nesting_20000_levels_is_bc004_not_a_recursion_error(
    nested: str, tree: Tree, cli: Cli
) -> None:
    tree({"deep.yaml": "accounts: " + nested + "\n" if nested[0] != "-" else nested + "\n"})
    (finding,) = findings_of(cli)
    assert finding["rule"] == "BC004"
    assert finding["message"] == "nesting deeper than the limit of 100 levels"


def test_data_deeper_than_the_schema_check_follows_is_bc004_when_max_depth_is_raised(
    tree: Tree, cli: Cli
) -> None:
    deep = "[" * 3_000 + "1" + "]" * 3_000
    tree({
        ".billcheck.yaml": "limits:\n  maxDepth: 100000\n",
        "a.yaml": f"accounts:\n  - code: a\n    name: A\n    emailAddress: a@b.example\n"
                  f"    address: {deep}\n",
        "b.yaml": "accounts:\n" + ACCOUNT % "b",
    })
    findings = findings_of(cli)
    assert [(f["rule"], f["path"], f["line"]) for f in findings] == [("BC004", "a.yaml", 2)]
    assert findings[0]["message"] == (
        "account 'a' nests lists and mappings too deeply to be validated"
    )


def test_a_50_mb_scalar_over_a_lowered_file_limit_is_bc004_without_being_parsed(
    tree: Tree, cli: Cli
) -> None:
    size = 50 * 1024 * 1024
    root = tree({".billcheck.yaml": "limits:\n  maxFileBytes: 1000000\n"})
    with open(root / "huge.yaml", "wb") as out:
        out.write(b"accounts:\n  - code: ")
        out.truncate(size)  # a sparse file: 50 MB of NUL bytes after the key
    (finding,) = findings_of(cli)
    assert finding["rule"] == "BC004"
    assert finding["message"] == f"file is {size} bytes, over the limit of 1000000 bytes per file"


def test_a_5_mb_scalar_under_the_default_limits_is_an_ordinary_finding(
    tree: Tree, cli: Cli
) -> None:
    huge = "x" * (5 * 1024 * 1024)
    tree({"a.yaml": f"accounts:\n  - code: {huge}\n    name: A\n    emailAddress: a@b.example\n"
                    f"    colour: {huge}\n"})
    findings = findings_of(cli)
    assert sorted(f["rule"] for f in findings) == ["BC101", "BC103"]
    for finding in findings:
        assert len(finding["message"]) < 300  # the value is shortened, not quoted whole
        assert len(finding["entity"]["code"]) == 100 and finding["entity"]["code"].endswith("…")


def test_findings_about_an_entity_with_a_huge_code_do_not_multiply_it(
    tree: Tree, cli: Cli
) -> None:
    code = "c" * 1_000_000
    fields = "".join(f"    field{i}: 1\n" for i in range(2_000))
    tree({"a.yaml": f"accounts:\n  - code: {code}\n    name: A\n    emailAddress: a@b.example\n"
                    + fields})
    result = cli("validate", "--format", "json")
    # Quoting the whole code in each of the 2,001 findings made this 4 GB.
    assert len(result.output) < 2_000_000
    assert len(json.loads(result.output)["findings"]) == 2_001


def test_aliases_cannot_repeat_a_huge_string_past_the_file_size_limit(
    tree: Tree, cli: Cli
) -> None:
    big = "x" * 100_000
    copies = "".join("  - {code: *big, name: *big, emailAddress: *big}\n" for _ in range(4))
    tree({
        ".billcheck.yaml": "limits:\n  maxFileBytes: 1000000\n",
        "a.yaml": f"accounts:\n  - {{code: &big {big}, name: A, emailAddress: a@b.example}}\n"
                  + copies,
    })
    (finding,) = findings_of(cli)
    assert finding["rule"] == "BC004"
    assert finding["message"] == (
        "aliases expand to more than the limit of 1000000 characters of text (alias '*big')"
    )
    assert "limits.maxFileBytes" in finding["hint"]
    assert finding["line"] == 6


def test_the_entity_limit_stops_the_load_at_the_entity_that_passes_it(tmp_path: Path) -> None:
    items = "".join(f"  - x{i}\n" for i in range(1_000))
    (tmp_path / "a.yaml").write_text("accounts:\n" + ACCOUNT % "a")
    (tmp_path / "b.yaml").write_text("unknownKey:\n" + items)
    config = Config(limits=LoadLimits(max_entities=10))
    result = check_paths(["."], config, RuleSelection(), tmp_path)
    (finding,) = [f for f in result.findings if f.rule == "BC004"]
    # One entity in a.yaml, so the tenth item of b.yaml (line 11) is the eleventh.
    assert (finding.location.path, finding.location.line) == ("b.yaml", 11)
    assert [e.code for e in result.model.by_code["account"].values()] == ["a"]


def test_the_total_size_limit_counts_bytes_not_characters(tree: Tree, cli: Cli) -> None:
    tree({
        ".billcheck.yaml": "limits:\n  maxTotalBytes: 120\n",
        "a.yaml": "# " + "é" * 50 + "\n" + "accounts: []\n",  # 66 characters, 116 bytes
        "b.yaml": "# two more bytes\n",
    })
    (finding,) = findings_of(cli)
    assert (finding["rule"], finding["path"]) == ("BC004", "b.yaml")


def test_an_oversized_document_on_stdin_says_how_to_raise_the_limit(
    tree: Tree, cli: Cli
) -> None:
    tree({".billcheck.yaml": "limits:\n  maxFileBytes: 10\n"})
    result = cli("validate", "-", "--format", "json", input="accounts: []\n# padding\n")
    (finding,) = json.loads(result.output)["findings"]
    assert finding["rule"] == "BC004"
    assert "raise limits.maxFileBytes in .billcheck.yaml" in finding["hint"]
