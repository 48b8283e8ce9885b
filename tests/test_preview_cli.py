"""`billcheck preview` on the command line: exact JSON output and exit statuses."""

from __future__ import annotations

import json
import sys
import types
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import Result
from test_preview_engine import base_config

Tree = Callable[[dict[str, str]], Path]
Cli = Callable[..., Result]
WINDOW = ("--from", "2025-01-01", "--to", "2025-02-01")
USAGE = "account,aggregation,timestamp,value\nacme,calls,2025-01-10,6\n"


def config_text(**changes: Any) -> str:
    config = base_config()
    config["planTemplates"][0]["standingCharge"] = 10
    config.update(changes)
    return yaml.safe_dump(config, sort_keys=False)


def test_json_preview_is_exact(tree: Tree, cli: Cli) -> None:
    tree({"config/billing.yaml": config_text(), "usage.csv": USAGE})
    result = cli("preview", "config", *WINDOW, "--usage", "usage.csv", "--format", "json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {
        "from": "2025-01-01",
        "to": "2025-02-01",
        "warnings": [],
        "bills": [{
            "account": "acme", "billDate": "2025-02-01", "currency": "USD", "total": "51.50",
            "lineItems": [
                {
                    "type": "STANDING_CHARGE", "product": "api", "plan": "pro",
                    "accountPlan": "acme-pro", "childAccount": None, "aggregation": None,
                    "pricing": None,
                    "servicePeriod": {"start": "2025-01-01", "end": "2025-02-01"},
                    "quantity": None, "unitPrice": "10", "bands": None,
                    "prorationFactor": "1", "amount": "10.00",
                },
                {
                    "type": "USAGE", "product": "api", "plan": "pro",
                    "accountPlan": "acme-pro", "childAccount": None, "aggregation": "calls",
                    "pricing": "pro-calls",
                    "servicePeriod": {"start": "2025-01-01", "end": "2025-02-01"},
                    "quantity": "6", "unitPrice": None,
                    "bands": [
                        {"lowerLimit": "0", "units": "5", "unitPrice": "7", "fixedPrice": "0",
                         "amount": "35"},
                        {"lowerLimit": "5", "units": "1", "unitPrice": "6.5",
                         "fixedPrice": "0", "amount": "6.5"},
                    ],
                    "prorationFactor": "1", "amount": "41.50",
                },
            ],
        }],
    }


def test_validation_warnings_head_the_document(tree: Tree, cli: Cli) -> None:
    text = config_text().replace("name: Acme", "name: yes")
    tree({"billing.yaml": text})
    result = cli("preview", *WINDOW, "--format", "json")
    assert result.exit_code == 0, result.output
    assert [(w["rule"], w["path"], w["severity"]) for w in json.loads(result.stdout)["warnings"]] \
        == [("BC005", "billing.yaml", "warning")]


def test_output_file_receives_the_preview(tree: Tree, cli: Cli) -> None:
    root = tree({"billing.yaml": config_text()})
    result = cli("preview", *WINDOW, "--format", "json", "--output", "preview.json")
    assert result.exit_code == 0
    assert result.stdout == ""
    assert json.loads((root / "preview.json").read_text())["bills"][0]["total"] == "10.00"


def test_account_option_repeats(tree: Tree, cli: Cli) -> None:
    config = yaml.safe_load(config_text())
    config["accounts"].append({"code": "globex", "name": "Globex", "emailAddress": "g@x.test"})
    config["accountPlans"].append(
        {"code": "globex-pro", "account": "globex", "plan": "pro", "startDate": "2025-01-01"}
    )
    tree({"billing.yaml": yaml.safe_dump(config)})
    both = cli("preview", *WINDOW, "--format", "json", "--account", "globex", "--account", "acme")
    one = cli("preview", *WINDOW, "--format", "json", "--account", "globex")
    assert [b["account"] for b in json.loads(both.stdout)["bills"]] == ["acme", "globex"]
    assert [b["account"] for b in json.loads(one.stdout)["bills"]] == ["globex"]


def test_configuration_errors_refuse_the_preview(tree: Tree, cli: Cli) -> None:
    config = yaml.safe_load(config_text())
    del config["accounts"][0]["emailAddress"]
    tree({"billing.yaml": yaml.safe_dump(config, sort_keys=False)})
    result = cli("preview", *WINDOW, "--format", "json")
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.splitlines()[0].startswith("billing.yaml:")
    assert " error BC102 " in result.stderr.splitlines()[0]
    assert result.stderr.splitlines()[-1] == (
        "billcheck: no preview: the configuration has 1 error"
    )


def test_malformed_usage_rows_refuse_the_preview(tree: Tree, cli: Cli) -> None:
    usage = USAGE + "acm,calls,2025-01-10,6\nacme,calls,2025-01-10,six\n"
    tree({"billing.yaml": config_text(), "data/usage.csv": usage})
    result = cli("preview", "billing.yaml", *WINDOW, "--usage", "data/usage.csv",
                 "--format", "json")
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        "data/usage.csv:3:1: error usage-row unknown account 'acm' (did you mean 'acme'?)",
        "data/usage.csv:4:23: error usage-row bad number 'six' in value",
        "billcheck: no preview: the preview found 2 errors",
    ]


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--from", "2025-02-01", "--to", "2025-02-01"],
         "billcheck: --to (2025-02-01) must be after --from (2025-02-01)"),
        (["--from", "2025-02-30", "--to", "2025-03-01"],
         "billcheck: --from must be a date written YYYY-MM-DD, not '2025-02-30'"),
        ([*WINDOW, "--account", "acmee"],
         "billcheck: unknown account 'acmee' (did you mean 'acme'?)"),
        ([*WINDOW, "--usage", "missing.csv"], "billcheck: usage file not found: missing.csv"),
        ([*WINDOW, "--template", "t.j2"],
         "billcheck: --template applies to text, markdown and html, not json"),
        (["nowhere", *WINDOW], "billcheck: path not found: nowhere"),
    ],
)
def test_command_that_cannot_run_exits_2(
    tree: Tree, cli: Cli, arguments: list[str], message: str
) -> None:
    tree({"billing.yaml": config_text(), "t.j2": "{{ bills }}"})
    result = cli("preview", *arguments, "--format", "json")
    assert result.exit_code == 2
    assert result.stderr.strip() == message


def test_from_and_to_are_required(tree: Tree, cli: Cli) -> None:
    tree({"billing.yaml": config_text()})
    result = cli("preview", "--to", "2025-02-01", "--format", "json")
    assert result.exit_code == 2
    assert "--from" in result.stderr


def test_format_without_its_renderer_is_not_available(
    tree: Tree, cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "validator.preview.render", None)
    tree({"billing.yaml": config_text()})
    result = cli("preview", *WINDOW, "--format", "markdown")
    assert result.exit_code == 2
    assert result.stderr.strip() == "billcheck: format markdown is not available"


def test_other_formats_render_the_json_document(
    tree: Tree, cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[tuple[Any, ...]] = []

    def render(document: dict[str, Any], fmt: str, template_path: str | None) -> str:
        calls.append((document, fmt, template_path))
        return f"{len(document['bills'])} bill(s) as {fmt}\n"

    module = types.ModuleType("validator.preview.render")
    module.render = render  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "validator.preview.render", module)
    tree({"billing.yaml": config_text(), "mine.j2": ""})
    result = cli("preview", *WINDOW, "--format", "html", "--template", "mine.j2")
    assert result.exit_code == 0
    assert result.stdout == "1 bill(s) as html\n"
    json_result = cli("preview", *WINDOW, "--format", "json")
    [(document, fmt, template)] = calls
    assert (fmt, template) == ("html", "mine.j2")
    assert document == json.loads(json_result.stdout)


def test_preview_runs_as_a_process(tree: Tree, billcheck_process: Any) -> None:
    root = tree({"billing.yaml": config_text(), "usage.jsonl": json.dumps(
        {"account": "acme", "aggregation": "calls", "timestamp": "2025-01-10", "value": 6}
    ) + "\n"})
    completed = billcheck_process("preview", *WINDOW, "--usage", "usage.jsonl",
                                  "--format", "json", cwd=root)
    assert completed.returncode == 0, completed.stderr
    assert json.loads(completed.stdout)["bills"][0]["total"] == "51.50"
