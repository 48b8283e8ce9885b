"""Data-driven rule tests: tests/rule_cases/BCxxx.yaml holds passing and failing snippets.

Each case writes its files (plus the shared catalog, unless `catalog: false`) to a fresh
folder, runs the whole validate pipeline, and compares EVERY finding — rule, path, line,
column, severity and message — so a case also fails when a rule fires where it should not.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import write_tree

from validator.checker import RuleSelection, check_paths
from validator.config import Config
from validator.engine import all_rules

CASES_DIR = Path(__file__).parent / "rule_cases"
CATALOG = (CASES_DIR / "_catalog.yaml").read_text(encoding="utf-8")


def _load_cases() -> list[Any]:
    params = []
    for path in sorted(CASES_DIR.glob("BC*.yaml")):
        spec = yaml.safe_load(path.read_text(encoding="utf-8"))
        for case in spec["cases"]:
            params.append(pytest.param(spec["rule"], case, id=f"{path.stem}: {case['name']}"))
    return params


def findings_of(root: Path, files: dict[str, str], catalog: bool) -> list[dict[str, Any]]:
    """Every finding of a case's tree, as comparable dicts."""
    write_tree(root, {**({"catalog.yaml": CATALOG} if catalog else {}), **files})
    result = check_paths(["."], Config(), RuleSelection(), root)
    return [
        {"rule": f.rule, "path": f.location.path, "line": f.location.line,
         "column": f.location.column, "severity": f.severity, "message": f.message}
        for f in result.findings
    ]


@pytest.mark.parametrize(("rule_id", "case"), _load_cases())
def test_rule_case(rule_id: str, case: dict[str, Any], tmp_path: Path,
                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    actual = findings_of(tmp_path, case["files"], case.get("catalog", True))
    expected = [
        {"severity": _default_severity(f["rule"]), **f} for f in case.get("findings", [])
    ]
    assert actual == expected


def _default_severity(rule_id: str) -> str:
    return next(r.severity for r in all_rules() if r.id == rule_id)


def test_every_rule_with_a_check_has_failing_and_passing_cases() -> None:
    by_rule: dict[str, list[dict[str, Any]]] = {}
    for param in _load_cases():
        rule_id, case = param.values
        by_rule.setdefault(rule_id, []).append(case)
    for registered in all_rules():
        if registered.check is None and registered.id not in by_rule:
            continue
        cases = by_rule.get(registered.id, [])
        failing = [c for c in cases if _fires(c, registered.id)]
        passing = [c for c in cases if not _fires(c, registered.id)]
        assert failing, f"{registered.id} has no failing case in tests/rule_cases/"
        assert passing, f"{registered.id} has no passing case in tests/rule_cases/"


def _fires(case: dict[str, Any], rule_id: str) -> bool:
    return any(f["rule"] == rule_id for f in case.get("findings", []))


@pytest.mark.parametrize("registered", all_rules(), ids=lambda r: r.id)
def test_every_rule_is_documented(registered: Any) -> None:
    for section in ("Why is this bad?", "Example", "Use instead"):
        assert section in registered.doc, f"{registered.id} docs lack '{section}'"
    assert registered.slug and registered.slug == registered.slug.lower()
