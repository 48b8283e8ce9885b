"""The validate, rules and explain commands as a user runs them: exit codes and exact output."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

Tree = Callable[..., Path]
Cli = Callable[..., Any]

CLEAN = {
    "accounts.yaml": """\
        accounts:
          - code: acme
            name: Acme
            emailAddress: billing@acme.example
        """,
}
BROKEN = {
    "accounts.yaml": """\
        accounts:
          - code: acme
            name: Acme
            emailAdress: billing@acme.example
        """,
    "z.yaml": "x: [\n",
}


@pytest.fixture(autouse=True)
def plain_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Outside GitHub Actions and without colour, whatever the machine running the tests."""
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    monkeypatch.setenv("NO_COLOR", "1")


def test_clean_tree_exits_0_with_a_summary(tree: Tree, cli: Cli) -> None:
    tree(CLEAN)
    result = cli("validate")
    assert result.exit_code == 0
    assert result.output == "1 file checked: 0 errors, 0 warnings, 0 infos\n"


def test_findings_exit_1_with_one_sorted_line_each(tree: Tree, cli: Cli) -> None:
    tree(BROKEN)
    result = cli("validate")
    assert result.exit_code == 1
    assert result.output == (
        "accounts.yaml:2:5: error BC102 account 'acme' is missing required field 'emailAddress'\n"
        "    hint: add 'emailAddress'\n"
        "accounts.yaml:4:5: error BC101 unknown field 'emailAdress' in account 'acme' "
        "(did you mean 'emailAddress'?)\n"
        "    hint: rename 'emailAdress' to 'emailAddress'\n"
        "z.yaml:2:1: error BC001 YAML syntax error: did not find expected node content "
        "(while parsing a flow node)\n"
        "2 files checked: 3 errors, 0 warnings, 0 infos\n"
    )


def test_json_output_has_the_spec_shape(tree: Tree, cli: Cli) -> None:
    tree(BROKEN)
    result = cli("validate", "--format", "json")
    assert result.exit_code == 1
    document = json.loads(result.output)
    assert document["tool"] == "billcheck"
    assert document["summary"] == {"files": 2, "errors": 3, "warnings": 0, "infos": 0}
    assert document["findings"][1] == {
        "rule": "BC101", "severity": "error",
        "message": "unknown field 'emailAdress' in account 'acme' (did you mean 'emailAddress'?)",
        "path": "accounts.yaml", "line": 4, "column": 5,
        "entity": {"kind": "account", "code": "acme"},
        "hint": "rename 'emailAdress' to 'emailAddress'",
    }
    assert "entity" not in document["findings"][2]


def test_output_file_receives_the_report(tree: Tree, cli: Cli) -> None:
    root = tree(CLEAN)
    result = cli("validate", "--format", "json", "--output", "report.json")
    assert result.exit_code == 0 and result.output == ""
    assert json.loads((root / "report.json").read_text())["summary"]["files"] == 1


def test_missing_path_and_bad_options_exit_2(tree: Tree, cli: Cli) -> None:
    tree(CLEAN)
    missing = cli("validate", "nowhere")
    assert missing.exit_code == 2
    assert "path not found: nowhere" in missing.output
    assert cli("validate", "--fail-on", "sometimes").exit_code == 2
    assert cli("validate", "--as-of", "2025-02-30").exit_code == 2
    assert cli("validate", "--select", "BC999").exit_code == 2


def test_fail_on_warning_counts_warnings(tree: Tree, cli: Cli) -> None:
    tree({"a.yaml": "accounts:\n  - {code: acme, name: on, emailAddress: a@b.example}\n"})
    assert cli("validate").exit_code == 0
    assert cli("validate", "--fail-on", "warning").exit_code == 1


def test_select_and_ignore_take_ids_and_prefixes(tree: Tree, cli: Cli) -> None:
    tree(BROKEN)
    selected = cli("validate", "--select", "BC101").output
    assert "BC102" not in selected and "BC101" in selected
    # A file that could not be read was not checked by any rule: --select never hides it.
    assert "BC001" in selected
    ignored = cli("validate", "--ignore", "BC101,BC102")
    assert "BC10" not in ignored.output.replace("BC001", "")
    assert ignored.exit_code == 1


def test_config_file_sets_severity_and_turns_rules_off(tree: Tree, cli: Cli) -> None:
    tree({**BROKEN, ".billcheck.yaml": "rules:\n  BC001: off\n  BC101: warning\n  BC102: off\n"})
    result = cli("validate")
    assert result.exit_code == 0
    assert "warning BC101" in result.output
    assert result.output.endswith("2 files checked: 0 errors, 1 warning, 0 infos\n")


def test_config_file_paths_and_excludes(tree: Tree, cli: Cli) -> None:
    tree({**BROKEN, "ok/a.yaml": CLEAN["accounts.yaml"],
          ".billcheck.yaml": "paths: [ok, z.yaml]\nexclude: ['z.yaml']\n"})
    assert cli("validate").output == "1 file checked: 0 errors, 0 warnings, 0 infos\n"


def test_a_broken_config_file_is_exit_2_with_its_location(tree: Tree, cli: Cli) -> None:
    tree({**CLEAN, ".billcheck.yaml": "rules:\n  BC302: sometimes\n"})
    result = cli("validate")
    assert result.exit_code == 2
    assert result.output.startswith(
        "billcheck: .billcheck.yaml:2:10: invalid config at rules/BC302"
    )
    tree({**CLEAN, "custom.yaml": "rules: [\n"})
    result = cli("validate", "accounts.yaml", "--config", "custom.yaml")
    assert result.exit_code == 2
    assert "custom.yaml:2:1:" in result.output


def test_inline_suppression_silences_a_finding(tree: Tree, cli: Cli) -> None:
    tree({"a.yaml": (
        "accounts:\n"
        "  # billcheck: ignore[BC102]\n"
        "  - code: acme\n"
        "    name: Acme\n"
        "    emailAdress: x  # billcheck: ignore[BC101]\n"
    )})
    result = cli("validate")
    assert result.exit_code == 0, result.output


def test_rules_lists_every_rule(cli: Callable[..., object]) -> None:
    result = cli("rules")
    assert result.exit_code == 0
    assert "BC302" in result.output or "BC101" in result.output
    assert result.output.splitlines()[0].startswith("BC001  error    yaml-syntax-error")


def test_explain_prints_the_rule_docs(cli: Callable[..., object]) -> None:
    result = cli("explain", "bc101")
    assert result.exit_code == 0
    assert result.output.startswith(
        "BC101 unknown-field (default severity: error)\n\nUnknown field"
    )
    assert "Use instead" in result.output
    assert cli("explain", "BC999").exit_code == 2


def test_the_checked_tree_is_never_modified(tree: Tree, cli: Cli) -> None:
    root = tree(BROKEN)
    before = {p: p.read_bytes() for p in root.rglob("*") if p.is_file()}
    cli("validate", "--format", "json")
    after = {p: p.read_bytes() for p in root.rglob("*") if p.is_file()}
    assert after == before


def test_a_real_process_never_prints_a_traceback(tree: Tree, billcheck_process: Cli) -> None:
    root = tree({
        "a.yaml": "a: !!python/object/apply:os.system ['echo hacked']\n", "b.yaml": "\x00",
    })
    result = billcheck_process("validate", cwd=root)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "hacked" not in result.stdout
    assert "BC003" in result.stdout
