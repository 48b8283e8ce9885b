"""The bundled examples: the clean organisation stays clean, the broken copy finds its mistakes."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

from validator.checker import RuleSelection, check_paths
from validator.config import Config

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
ROW = r"\| `([^`]+\.yaml):(\d+)(?::\d+)?` \| (BC\d{3}) \|"


def findings_of(tree: str) -> list[tuple[str, str, int]]:
    result = check_paths([tree], Config(), RuleSelection(), EXAMPLES)
    return [(f.rule, f.location.path, f.location.line) for f in result.findings]


def test_the_acme_organisation_has_no_findings_at_all() -> None:
    assert findings_of("acme") == []


def test_the_broken_copy_finds_exactly_the_mistakes_its_readme_lists() -> None:
    readme = (EXAMPLES / "README.md").read_text(encoding="utf-8")
    listed = sorted(
        (rule, f"broken/{path}", int(line))
        for path, line, rule in re.findall(ROW, readme)
    )
    assert len(listed) == 15
    assert sorted(findings_of("broken")) == listed


def test_every_mistake_in_the_broken_copy_is_marked_in_its_file() -> None:
    for rule, path, line in findings_of("broken"):
        lines = (EXAMPLES / path).read_text(encoding="utf-8").splitlines()
        nearby = "\n".join(lines[max(0, line - 7): line])
        assert f"MISTAKE {rule}" in nearby, f"{path}:{line} has no '# MISTAKE {rule}' comment"


def test_check_jsonschema_accepts_every_example_file() -> None:
    executable = shutil.which("check-jsonschema")
    assert executable, "check-jsonschema is in the test extras"
    files = sorted(str(p) for p in (EXAMPLES / "acme").rglob("*.yaml"))
    schema = EXAMPLES.parent / "schemas" / "billcheck.schema.json"
    run = subprocess.run([executable, "--schemafile", str(schema), *files],
                         capture_output=True, text=True, check=False)
    assert run.returncode == 0, run.stdout + run.stderr


def test_the_cli_reports_the_broken_copy_as_json(billcheck_process) -> None:  # type: ignore[no-untyped-def]
    run = billcheck_process("validate", "broken", "--format", "json", cwd=EXAMPLES)
    assert run.returncode == 1
    summary = json.loads(run.stdout)["summary"]
    assert summary == {"files": 15, "errors": 13, "warnings": 2, "infos": 0}


def _q1_bills(cli_process) -> list[dict]:  # type: ignore[no-untyped-def,type-arg]
    run = cli_process("preview", "acme", "--from", "2025-01-01", "--to", "2025-04-01",
                      "--usage", "acme-usage.csv", "--format", "json", cwd=EXAMPLES)
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout)["bills"]  # type: ignore[no-any-return]


def _line_sum(bills: list[dict], account: str, bill_date: str,  # type: ignore[type-arg]
              line_type: str, product: str) -> str:
    from decimal import Decimal

    (bill,) = [b for b in bills if b["account"] == account and b["billDate"] == bill_date]
    total = sum((Decimal(line["amount"]) for line in bill["lineItems"]
                 if line["type"] == line_type and line["product"] == product), Decimal(0))
    return str(total)


def test_the_q1_preview_matches_the_figures_worked_out_by_hand(billcheck_process) -> None:  # type: ignore[no-untyped-def]
    bills = _q1_bills(billcheck_process)
    # The globex family's pooled, tiered API usage, split per account on Globex's bill.
    assert [_line_sum(bills, "globex", day, "USAGE", "api")
            for day in ("2025-02-01", "2025-03-01", "2025-04-01")] == [
        "2693.30", "2591.90", "3130.70"]
    # Pooled volume storage crosses the 5,000 band in March.
    assert _line_sum(bills, "globex", "2025-04-01", "USAGE", "storage") == "243.23"
    # Globex Europe's EUR CDN plan lands on Globex's bill, converted.
    assert _line_sum(bills, "globex", "2025-02-01", "USAGE", "cdn") == "619.15"
    # Umbrella's January API usage is topped up to its 200.00 minimum spend.
    assert _line_sum(bills, "umbrella", "2025-02-01", "USAGE", "api") == "134.55"
    assert _line_sum(bills, "umbrella", "2025-02-01", "MINIMUM_SPEND", "api") == "65.45"
