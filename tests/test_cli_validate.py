"""`billcheck validate` options: formats and outputs, stdin, --show-source, colour, baselines."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result
from conftest import REPO_ROOT

from validator.cli import FORMAT_CHOICES, use_color
from validator.reporters import FORMATS

Tree = Callable[[dict[str, str]], Path]
Cli = Callable[..., Result]

ACME = """\
accounts:
  - code: acme
    name: Acme
    colour: red
"""
ACME_TEXT = (
    "accounts.yaml:2:5: error BC102 account 'acme' is missing required field 'emailAddress'\n"
    "    hint: add 'emailAddress'\n"
    "accounts.yaml:4:5: error BC101 unknown field 'colour' in account 'acme'\n"
    "    hint: allowed fields: code, name, emailAddress, parentAccount, billEpoch, currency, "
    "daysBeforeBillDue, purchaseOrderNumber, address, creditApplicationOrder, customFields\n"
    "1 file checked: 2 errors, 0 warnings, 0 infos\n"
)
ACME_GITHUB = (
    "::error file=accounts.yaml,line=2,col=5,title=BC102::account 'acme' is missing required "
    "field 'emailAddress'\n"
    "::error file=accounts.yaml,line=4,col=5,title=BC101::unknown field 'colour' in account "
    "'acme'\n"
    "1 file checked: 2 errors, 0 warnings, 0 infos\n"
)
CLEAN = "accounts:\n  - code: ok\n    name: OK\n    emailAddress: ok@example.com\n"


@pytest.fixture(autouse=True)
def plain_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test starts outside GitHub Actions and with no colour preference."""
    for name in ("GITHUB_ACTIONS", "NO_COLOR", "FORCE_COLOR"):
        monkeypatch.delenv(name, raising=False)


# -- formats -------------------------------------------------------------------------


def test_text_is_the_default_outside_github_actions(tree: Tree, cli: Cli) -> None:
    tree({"accounts.yaml": ACME})
    result = cli("validate")
    assert (result.exit_code, result.stdout) == (1, ACME_TEXT)


def test_github_is_the_default_under_github_actions(
    tree: Tree, cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    tree({"accounts.yaml": ACME})
    result = cli("validate")
    assert (result.exit_code, result.stdout) == (1, ACME_GITHUB)
    assert cli("validate", "--format", "text").stdout == ACME_TEXT


def test_auto_writes_text_to_a_file_even_under_github_actions(
    tree: Tree, cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    root = tree({"accounts.yaml": ACME})
    result = cli("validate", "--output", "report.txt")
    assert (result.exit_code, result.stdout) == (1, "")
    assert (root / "report.txt").read_text(encoding="utf-8") == ACME_TEXT


def test_github_format(tree: Tree, cli: Cli) -> None:
    tree({"accounts.yaml": ACME})
    result = cli("validate", "--format", "github")
    assert (result.exit_code, result.stdout) == (1, ACME_GITHUB)


def test_github_format_escapes_values_from_the_config(tree: Tree, cli: Cli) -> None:
    tree({"a,b:c.yaml": 'accounts:\n  - code: acme\n    name: Acme\n    emailAddress: a@b.c\n'
                        '    "x\\n::error::forged%": 1\n'})
    lines = cli("validate", "--format", "github").stdout.splitlines()
    assert lines == [
        "::error file=a%2Cb%3Ac.yaml,line=5,col=5,title=BC101::unknown field "
        "'x%0A::error::forged%25' in account 'acme'",
        "1 file checked: 1 error, 0 warnings, 0 infos",
    ]


def test_json_format(tree: Tree, cli: Cli) -> None:
    tree({"accounts.yaml": ACME})
    result = cli("validate", "--format", "json")
    document = json.loads(result.stdout)
    assert result.exit_code == 1
    assert [(f["rule"], f["line"], f["column"]) for f in document["findings"]] == [
        ("BC102", 2, 5), ("BC101", 4, 5)]
    assert document["summary"] == {"files": 1, "errors": 2, "warnings": 0, "infos": 0}


def test_junit_format(tree: Tree, cli: Cli) -> None:
    tree({"accounts.yaml": ACME, "clean.yaml": CLEAN})
    result = cli("validate", "--format", "junit")
    assert result.exit_code == 1
    suite = ET.fromstring(result.stdout).find("testsuite")
    assert suite is not None
    assert (suite.get("tests"), suite.get("failures")) == ("2", "1")
    cases = {case.get("name"): [f.get("type") for f in case] for case in suite}
    assert cases == {"accounts.yaml": ["BC102", "BC101"], "clean.yaml": []}


def test_gitlab_format(tree: Tree, cli: Cli) -> None:
    tree({"accounts.yaml": ACME})
    result = cli("validate", "--format", "gitlab")
    assert result.exit_code == 1
    issues = json.loads(result.stdout)
    assert [(i["check_name"], i["severity"], i["location"]) for i in issues] == [
        ("BC102", "major", {"path": "accounts.yaml", "lines": {"begin": 2}}),
        ("BC101", "major", {"path": "accounts.yaml", "lines": {"begin": 4}}),
    ]


def test_a_clean_tree_exits_0_in_every_format(tree: Tree, cli: Cli) -> None:
    tree({"clean.yaml": CLEAN})
    for name in FORMAT_CHOICES:
        assert cli("validate", "--format", name).exit_code == 0, name


def test_the_cli_offers_every_reporter() -> None:
    assert ("auto", *FORMATS) == FORMAT_CHOICES


# -- several formats, outputs ------------------------------------------------------------


def test_formats_pair_with_outputs_by_position(tree: Tree, cli: Cli) -> None:
    root = tree({"accounts.yaml": ACME})
    result = cli("validate", "--format", "sarif", "--output", "out.sarif", "--format", "github")
    assert (result.exit_code, result.stdout) == (1, ACME_GITHUB)
    sarif = json.loads((root / "out.sarif").read_text(encoding="utf-8"))
    assert [r["ruleId"] for r in sarif["runs"][0]["results"]] == ["BC102", "BC101"]


def test_every_format_to_its_own_file(tree: Tree, cli: Cli) -> None:
    root = tree({"accounts.yaml": ACME})
    result = cli("validate", "--format", "json", "--output", "r.json",
                 "--format", "junit", "--output", "r.xml", "--format", "text", "--output", "-")
    assert (result.exit_code, result.stdout) == (1, ACME_TEXT)
    assert json.loads((root / "r.json").read_text(encoding="utf-8"))["summary"]["errors"] == 2
    assert ET.parse(root / "r.xml").getroot().tag == "testsuites"


def test_single_format_with_output_writes_only_the_file(tree: Tree, cli: Cli) -> None:
    root = tree({"accounts.yaml": ACME})
    result = cli("validate", "--format", "json", "--output", "out.json")
    assert (result.exit_code, result.stdout) == (1, "")
    assert json.loads((root / "out.json").read_text(encoding="utf-8"))["tool"] == "billcheck"


@pytest.mark.parametrize(("args", "message"), [
    (["--format", "text", "--format", "json"],
     "billcheck: formats text, json would all go to standard output; "
     "give all but one an --output FILE\n"),
    (["--format", "json", "--output", "a.json", "--output", "b.json"],
     "billcheck: --output b.json has no --format to go with it "
     "(the i-th --output goes with the i-th --format)\n"),
    (["--format", "json", "--output", "a", "--format", "sarif", "--output", "a"],
     "billcheck: --output a is given twice\n"),
    (["--update-baseline"], "billcheck: --update-baseline needs --baseline FILE\n"),
])
def test_conflicting_outputs_are_usage_errors(
    tree: Tree, cli: Cli, args: list[str], message: str
) -> None:
    root = tree({"accounts.yaml": ACME})
    result = cli("validate", *args)
    assert (result.exit_code, result.stdout, result.stderr) == (2, "", message)
    assert sorted(p.name for p in root.iterdir()) == ["accounts.yaml"]


def test_an_unwritable_output_is_a_usage_error(tree: Tree, cli: Cli) -> None:
    tree({"accounts.yaml": ACME})
    result = cli("validate", "--format", "json", "--output", "no/such/dir/out.json")
    assert result.exit_code == 2
    assert result.stderr.startswith("billcheck: cannot write no/such/dir/out.json:")


# -- standard input ----------------------------------------------------------------------


def test_stdin_is_reported_under_its_name_next_to_the_other_paths(tree: Tree, cli: Cli) -> None:
    tree({"accounts.yaml": ACME, "other/ignored.yaml": "accounts: 1\n"})
    result = cli("validate", "--stdin-filename", "new/acme.yaml", "-", "accounts.yaml",
                 input="plans:\n  - code: p\n")
    assert result.exit_code == 1
    assert [line.split(": ")[0] for line in result.stdout.splitlines()[::2]] == [
        "accounts.yaml:2:5", "accounts.yaml:4:5", "new/acme.yaml:2:5", "new/acme.yaml:2:5",
        "2 files checked",
    ]


def test_stdin_replaces_the_file_of_the_same_name(tree: Tree, cli: Cli) -> None:
    tree({"accounts.yaml": ACME})
    result = cli("validate", "--stdin-filename", "./accounts.yaml", "-", ".", input=CLEAN)
    assert (result.exit_code, result.stdout) == (0, "1 file checked: 0 errors, 0 warnings, "
                                                    "0 infos\n")


def test_stdin_alone_does_not_read_the_working_directory(tree: Tree, cli: Cli) -> None:
    tree({"accounts.yaml": ACME})
    for args in (["-"], ["--stdin-filename", "x.yaml"]):
        result = cli("validate", *args, input=CLEAN)
        assert (result.exit_code, result.stdout) == (0, "1 file checked: 0 errors, 0 warnings, "
                                                        "0 infos\n")


def test_stdin_findings_show_their_source(tree: Tree, cli: Cli) -> None:
    tree({})
    result = cli("validate", "--show-source", "-", input="accounts:\n  - code: [x\n")
    assert result.exit_code == 1
    assert result.stdout.splitlines()[1:3] == ["    3 | ", "      | ^"]
    assert result.stdout.startswith("<stdin>:3:1: error BC001 YAML syntax error")


def test_stdin_in_a_real_process(tree: Tree, billcheck_process: Callable[..., Any]) -> None:
    root = tree({"accounts.yaml": CLEAN})
    done = billcheck_process("validate", "--stdin-filename", "accounts.yaml", "-", cwd=root,
                             input="\ufeffaccounts:\n  - code: ok\n    name: OK\n")
    assert (done.returncode, done.stdout) == (1, (
        "accounts.yaml:2:5: error BC102 account 'ok' is missing required field 'emailAddress'\n"
        "    hint: add 'emailAddress'\n"
        "1 file checked: 1 error, 0 warnings, 0 infos\n"
    ))


def test_stdin_that_is_not_utf8_is_a_finding(tree: Tree, cli: Cli) -> None:
    tree({})
    result = cli("validate", "--stdin-filename", "x.yaml", "-", input=b"a: 1\nb: \xff\n")
    assert (result.exit_code, result.stdout) == (1, (
        "x.yaml:2:4: error BC003 input is not valid UTF-8: byte 0xFF cannot be decoded\n"
        "    hint: send the document as UTF-8\n"
        "1 file checked: 1 error, 0 warnings, 0 infos\n"
    ))


def test_stdin_filename_without_the_dash_path_is_a_usage_error(tree: Tree, cli: Cli) -> None:
    tree({"accounts.yaml": ACME})
    result = cli("validate", "--stdin-filename", "x.yaml", "accounts.yaml", input=CLEAN)
    assert result.exit_code == 2
    assert result.stderr == ("billcheck: --stdin-filename names the document on standard "
                             "input: add the path '-'\n")


# -- show-source and colour ------------------------------------------------------------


def test_show_source(tree: Tree, cli: Cli) -> None:
    tree({"accounts.yaml": ACME})
    result = cli("validate", "--show-source")
    assert (result.exit_code, result.stdout) == (1, (
        "accounts.yaml:2:5: error BC102 account 'acme' is missing required field "
        "'emailAddress'\n"
        "    2 |   - code: acme\n"
        "      |     ^\n"
        "    hint: add 'emailAddress'\n"
        "accounts.yaml:4:5: error BC101 unknown field 'colour' in account 'acme'\n"
        "    4 |     colour: red\n"
        "      |     ^\n"
        "    hint: allowed fields: code, name, emailAddress, parentAccount, billEpoch, currency, "
        "daysBeforeBillDue, purchaseOrderNumber, address, creditApplicationOrder, customFields\n"
        "1 file checked: 2 errors, 0 warnings, 0 infos\n"
    ))


RED = "\033[31merror\033[0m"


@pytest.mark.parametrize(("env", "option", "coloured"), [
    ({}, "auto", False),                      # not a terminal
    ({"FORCE_COLOR": "1"}, "auto", True),
    ({"FORCE_COLOR": "0"}, "auto", False),
    ({"NO_COLOR": "1"}, "always", True),
    ({"FORCE_COLOR": "1"}, "never", False),
    ({"FORCE_COLOR": "1", "NO_COLOR": "1"}, "auto", False),
    ({}, "always", True),
])
def test_colour_follows_option_then_environment(
    tree: Tree, cli: Cli, monkeypatch: pytest.MonkeyPatch,
    env: dict[str, str], option: str, coloured: bool,
) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    tree({"accounts.yaml": ACME})
    output = cli("validate", "--color", option).stdout
    assert (RED in output) is coloured
    if not coloured:
        assert output == ACME_TEXT


def test_colour_never_reaches_machine_formats(
    tree: Tree, cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FORCE_COLOR", "1")
    tree({"accounts.yaml": ACME})
    for name in ("json", "github", "sarif", "junit", "gitlab"):
        assert "\033" not in cli("validate", "--format", name, "--color", "always").stdout


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_auto_colours_a_terminal_unless_no_color(monkeypatch: pytest.MonkeyPatch) -> None:
    assert use_color(Terminal()) is True
    assert use_color(io.StringIO()) is False
    monkeypatch.setenv("NO_COLOR", "1")
    assert use_color(Terminal()) is False
    monkeypatch.setenv("NO_COLOR", "")  # the NO_COLOR convention: empty means unset
    assert use_color(Terminal()) is True


# -- baselines -----------------------------------------------------------------------------


def test_a_missing_baseline_is_written_and_the_run_passes(tree: Tree, cli: Cli) -> None:
    root = tree({"accounts.yaml": ACME})
    result = cli("validate", "--baseline", "baseline.json")
    assert (result.exit_code, result.stdout) == (
        0, "1 file checked: 0 errors, 0 warnings, 0 infos, 2 baselined\n")
    assert result.stderr == "billcheck: wrote 2 findings to baseline baseline.json\n"
    acme = {"kind": "account", "code": "acme"}
    assert json.loads((root / "baseline.json").read_text(encoding="utf-8")) == {
        "version": 1, "tool": "billcheck", "findings": [
            {"rule": "BC102", "path": "accounts.yaml", "entity": acme,
             "message": "account 'acme' is missing required field 'emailAddress'"},
            {"rule": "BC101", "path": "accounts.yaml", "entity": acme,
             "message": "unknown field 'colour' in account 'acme'"},
        ]}


def test_baselined_findings_pass_and_new_ones_fail(tree: Tree, cli: Cli) -> None:
    tree({"accounts.yaml": ACME})
    cli("validate", "--baseline", "baseline.json")
    again = cli("validate", "--baseline", "baseline.json")
    assert (again.exit_code, again.stdout, again.stderr) == (
        0, "1 file checked: 0 errors, 0 warnings, 0 infos, 2 baselined\n", "")
    tree({"accounts.yaml": ACME + "  - code: beta\n    name: Beta\n"})
    new = cli("validate", "--baseline", "baseline.json")
    assert (new.exit_code, new.stdout) == (1, (
        "accounts.yaml:5:5: error BC102 account 'beta' is missing required field "
        "'emailAddress'\n"
        "    hint: add 'emailAddress'\n"
        "1 file checked: 1 error, 0 warnings, 0 infos, 2 baselined\n"
    ))
    document = json.loads(cli("validate", "--baseline", "baseline.json", "--format", "json").stdout)
    assert document["summary"] == {
        "files": 1, "errors": 1, "warnings": 0, "infos": 0, "baselined": 2}


def test_baselined_findings_still_match_after_lines_shift(tree: Tree, cli: Cli) -> None:
    tree({"accounts.yaml": ACME})
    cli("validate", "--baseline", "baseline.json")
    tree({"accounts.yaml": "# Accounts of the EMEA region\n\n" + ACME})
    result = cli("validate", "--baseline", "baseline.json")
    assert (result.exit_code, result.stdout) == (
        0, "1 file checked: 0 errors, 0 warnings, 0 infos, 2 baselined\n")


def test_each_baseline_entry_accepts_one_finding(tree: Tree, cli: Cli) -> None:
    account = "accounts:\n  - code: x\n    name: X\n    emailAddress: x@y.z\n    address: no\n"
    tree({"a.yaml": account})
    cli("validate", "--baseline", "baseline.json")
    tree({"a.yaml": account + "    purchaseOrderNumber: no\n"})
    result = cli("validate", "--baseline", "baseline.json", "--fail-on", "warning")
    # The same finding (rule, entity, message) twice now, against one baseline entry.
    assert (result.exit_code, result.stdout) == (1, (
        "a.yaml:6:26: warning BC005 unquoted 'no' is a string to billcheck (YAML 1.2) but a "
        "boolean to YAML 1.1 readers\n"
        '    hint: quote it: "no"\n'
        "1 file checked: 0 errors, 1 warning, 0 infos, 1 baselined\n"
    ))


def test_update_baseline_rewrites_it(tree: Tree, cli: Cli) -> None:
    root = tree({"accounts.yaml": ACME})
    cli("validate", "--baseline", "baseline.json")
    tree({"accounts.yaml": CLEAN})
    result = cli("validate", "--baseline", "baseline.json", "--update-baseline")
    assert (result.exit_code, result.stderr) == (
        0, "billcheck: wrote 0 findings to baseline baseline.json\n")
    saved = json.loads((root / "baseline.json").read_text(encoding="utf-8"))
    assert saved["findings"] == []


@pytest.mark.parametrize(("content", "message"), [
    ("{not json", "billcheck: baseline baseline.json is not a JSON file: "),
    ('{"version": 2, "findings": []}',
     "billcheck: baseline baseline.json is not a billcheck baseline of version 1"),
    ('{"version": 1, "findings": [{"rule": "BC101"}]}',
     "billcheck: baseline baseline.json: finding #1 needs string 'rule', 'path' and "
     "'message', and 'entity' null or {kind, code}"),
])
def test_a_broken_baseline_is_a_usage_error(
    tree: Tree, cli: Cli, content: str, message: str
) -> None:
    tree({"accounts.yaml": ACME, "baseline.json": content})
    result = cli("validate", "--baseline", "baseline.json")
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr.startswith(message)


# -- import cost -----------------------------------------------------------------------------


def test_validate_imports_neither_jinja_nor_unused_reporters(tree: Tree) -> None:
    root = tree({"clean.yaml": CLEAN})
    script = (
        "import sys\n"
        "from validator.cli import main\n"
        "try:\n"
        "    main(['validate', 'clean.yaml'])\n"
        "except SystemExit:\n"
        "    pass\n"
        "loaded = (m for m in sys.modules if m.startswith(('jinja2', 'validator.reporters.')))\n"
        "print(sorted(loaded))\n"
    )
    done = subprocess.run([sys.executable, "-c", script], cwd=root, capture_output=True,
                          text=True, check=True, env={"PYTHONPATH": str(REPO_ROOT)})
    assert done.stdout.splitlines()[-1] == "['validator.reporters.text']"
