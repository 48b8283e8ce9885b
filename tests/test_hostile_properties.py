"""Property-based tests: whatever the config says, billcheck answers, the same way every time.

Configs are generated two ways: a small valid tree mutated field by field (fields dropped,
retyped, replaced by random strings, random dates, or another entity's code), and YAML-ish
text with no structure at all (random bytes, token soups). For every one, the pipeline
never raises, every finding is well formed, the exit status follows the findings, every
reporter writes its document, and the result does not depend on how often or in which
order the files are given.
"""

from __future__ import annotations

import contextlib
import copy
import io
import json
import os
import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import yaml
from click.testing import CliRunner, Result
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from validator.checker import CheckResult, RuleSelection, check_paths, check_tree
from validator.cli import main
from validator.config import Config
from validator.engine import all_rules
from validator.findings import Finding, Location
from validator.loading import LoadLimits, TextSource, load_tree
from validator.model import Model
from validator.reporters import FORMATS, reporter_for
from validator.reporters.text import TextReporter

FAST = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
FEW = settings(max_examples=20, deadline=None,
               suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

BASE: dict[str, Any] = {
    "organization": {"currency": "USD", "monthEpoch": "2022-01-01"},
    "products": [{"code": "api", "name": "API"}, {"code": "storage", "name": "Storage"}],
    "planTemplates": [
        {"code": "api-monthly", "name": "API monthly", "product": "api", "currency": "USD",
         "billFrequency": "MONTHLY", "standingCharge": 10},
        {"code": "storage-monthly", "name": "Storage monthly", "product": "storage",
         "currency": "USD", "billFrequency": "MONTHLY", "standingCharge": 0},
    ],
    "plans": [
        {"code": "api-pro", "name": "API Pro", "planTemplate": "api-monthly"},
        {"code": "storage-std", "name": "Storage", "planTemplate": "storage-monthly",
         "minimumSpend": 5},
    ],
    "aggregations": [
        {"code": "requests", "name": "Requests", "unit": "call", "aggregation": "SUM"},
        {"code": "gigabytes", "name": "GB", "unit": "GB", "aggregation": "MAX",
         "rounding": "UP", "quantityPerUnit": 1},
    ],
    "pricings": [
        {"code": "api-2024", "plan": "api-pro", "aggregation": "requests",
         "startDate": "2024-01-01", "cumulative": True,
         "pricingBands": [{"lowerLimit": 0, "unitPrice": 1.5, "fixedPrice": 0},
                          {"lowerLimit": 100, "unitPrice": 1.0, "fixedPrice": 0}]},
        {"code": "storage-2024", "planTemplate": "storage-monthly", "aggregation": "gigabytes",
         "startDate": "2024-01-01", "pricingBands": [{"lowerLimit": 0, "unitPrice": 0.02}]},
    ],
    "accounts": [
        {"code": "acme", "name": "Acme", "emailAddress": "ap@acme.example"},
        {"code": "acme-eu", "name": "Acme EU", "emailAddress": "eu@acme.example",
         "parentAccount": "acme"},
        {"code": "solo", "name": "Solo", "emailAddress": "solo@example.com"},
    ],
    "contracts": [
        {"code": "acme-2024", "name": "Acme 2024", "account": "acme",
         "startDate": "2024-01-01", "endDate": "2026-01-01"},
    ],
    "accountPlans": [
        {"code": "acme-api", "account": "acme", "plan": "api-pro", "startDate": "2024-01-01",
         "endDate": "2026-01-01", "contract": "acme-2024"},
        {"code": "solo-storage", "account": "solo", "plan": "storage-std",
         "startDate": "2024-03-01"},
    ],
}
CODES = sorted({
    entity["code"] for key, value in BASE.items() if isinstance(value, list) for entity in value
})
FIELDS = sorted({
    name for value in BASE.values() for entity in (value if isinstance(value, list) else [value])
    for name in entity
})

JUNK = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=30),
    st.dates().map(lambda day: day.isoformat()),
    st.from_regex(r"\A[0-9]{4}-[0-9]{2}-[0-9]{2}\Z"),
    st.sampled_from(CODES),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=3),
)
TOKENS = st.sampled_from([
    "accounts", "plans", "organization", "code", "name", ":", ": ", " ", "  ", "\n", "- ",
    "{", "}", "[", "]", ", ", "&a ", "*a", "!!str ", "!!python/object:os.system ", "!x ",
    "---\n", "...\n", "? ", "<<: ", "'", '"', "# billcheck: ignore[BC101]", "|\n", ">-\n",
    "2024-02-30", "2024-01-01", "no", "0x1F", "1e999", ".nan", "~", "null", "\t", "\ufeff",
    "%YAML 1.2\n", "%TAG ! tag:x,2000:\n", "@", "`", "\x00", "\x85", "\u2028", "\\", "é",
])
SOUP = st.lists(TOKENS, max_size=60).map("".join)

RULE_IDS = {registered.id for registered in all_rules()} | {"BC009"}


@st.composite
def mutated_configs(draw: st.DrawFn) -> dict[str, Any]:
    """The base tree after one to five mutations."""
    config = copy.deepcopy(BASE)
    for _ in range(draw(st.integers(1, 5))):
        key = draw(st.sampled_from(sorted(config)))
        value = config[key]
        entities = value if isinstance(value, list) else [value]
        if not entities:
            continue
        entity = draw(st.sampled_from(entities))
        if not isinstance(entity, dict):
            continue
        action = draw(st.sampled_from(["drop", "set", "add", "duplicate", "replace"]))
        field = draw(st.sampled_from(sorted(entity) or ["code"]))
        if action == "drop":
            entity.pop(field, None)
        elif action == "set":
            entity[field] = draw(JUNK)
        elif action == "add":
            entity[draw(st.sampled_from([*FIELDS, "colour", "codes"]))] = draw(JUNK)
        elif action == "duplicate" and isinstance(value, list):
            value.append(copy.deepcopy(entity))
        elif action == "replace":
            config[key] = draw(JUNK)
    return config


@st.composite
def split_into_files(draw: st.DrawFn, config: dict[str, Any]) -> dict[str, str]:
    """The config as one to three files, some of them multi-document."""
    names = ["a.yaml", "b/c.yaml", "d.yml"][: draw(st.integers(1, 3))]
    documents: dict[str, list[dict[str, Any]]] = {name: [] for name in names}
    for key, value in config.items():
        name = draw(st.sampled_from(names))
        if documents[name] and draw(st.booleans()):
            documents[name][-1][key] = value
        else:
            documents[name].append({key: value})
    return {name: yaml.safe_dump_all(docs, allow_unicode=True, sort_keys=False)
            for name, docs in documents.items()}


configs_as_files = mutated_configs().flatmap(split_into_files)


def check_texts(files: Mapping[str, str | bytes]) -> CheckResult:
    sources = [
        TextSource(name, data.encode("utf-8") if isinstance(data, str) else data)
        for name, data in sorted(files.items())
    ]
    return check_tree(load_tree(sources, LoadLimits()), RuleSelection())


def reports(result: CheckResult) -> dict[str, str]:
    written = {}
    for name in FORMATS:
        out = io.StringIO()
        reporter_for(name).report(result, out)
        written[name] = out.getvalue()
    return written


def assert_well_formed(result: CheckResult, names: set[str]) -> None:
    for finding in result.findings:
        assert finding.rule in RULE_IDS
        assert finding.severity in ("error", "warning", "info")
        assert finding.location.path in names
        assert finding.location.line >= 1 and finding.location.column >= 1
        assert finding.message
    assert result.findings == sorted(result.findings, key=Finding.sort_key)
    assert result.fails("error") == any(f.severity == "error" for f in result.findings)
    written = reports(result)
    for name in ("json", "sarif", "gitlab"):
        json.loads(written[name])


def test_the_base_tree_is_valid() -> None:
    assert check_texts({"a.yaml": yaml.safe_dump(BASE)}).findings == []


@FAST
@given(configs_as_files)
def test_a_mutated_config_never_raises_and_its_findings_are_well_formed(
    files: dict[str, str]
) -> None:
    assert_well_formed(check_texts(files), set(files))


@FAST
@given(configs_as_files)
def test_the_same_files_give_the_same_output(files: dict[str, str]) -> None:
    first, second = check_texts(files), check_texts(dict(reversed(list(files.items()))))
    assert reports(first) == reports(second)


@FAST
@given(st.binary(max_size=2000))
def test_random_bytes_never_raise(data: bytes) -> None:
    result = check_texts({"a.yaml": data})
    assert_well_formed(result, {"a.yaml"})


@FAST
@given(SOUP)
def test_token_soups_never_raise(text: str) -> None:
    result = check_texts({"a.yaml": text})
    assert_well_formed(result, {"a.yaml"})
    rules = {finding.rule for finding in result.findings}
    if rules & {"BC001", "BC003", "BC004"}:  # such a file contributes nothing else
        assert len(rules) == 1 and len(result.findings) == 1


@FAST
@given(st.text(min_size=1, max_size=80), st.text(min_size=1, max_size=40))
def test_a_text_finding_is_always_one_line(message: str, path: str) -> None:
    finding = Finding("BC101", "error", message, Location(path, 1, 1), hint=message)
    out = io.StringIO()
    TextReporter().report(CheckResult([finding], 1, Model([])), out)
    lines = out.getvalue().split("\n")
    assert len(lines) == 4 and lines[1].startswith("    hint: ") and lines[3] == ""


@FEW
@given(configs_as_files, st.randoms(use_true_random=False))
def test_findings_do_not_depend_on_the_order_of_path_arguments(
    files: dict[str, str], shuffler: Any
) -> None:
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        write(root, files)
        names = sorted(files)
        shuffled = list(names)
        shuffler.shuffle(shuffled)
        in_order = check_paths(names, Config(), RuleSelection(), root)
        permuted = check_paths(shuffled + names[:1], Config(), RuleSelection(), root)
        whole = check_paths(["."], Config(), RuleSelection(), root)
        assert reports(in_order) == reports(permuted) == reports(whole)


@FEW
@given(configs_as_files)
def test_the_cli_exits_0_or_1_as_the_findings_say(files: dict[str, str]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        write(Path(folder), files)
        result = invoke_in(Path(folder), "validate", "--format", "json")
    document = json.loads(result.output)
    errors = document["summary"]["errors"]
    assert result.exit_code == (1 if errors else 0)
    assert len(document["findings"]) >= errors


def write(root: Path, files: Mapping[str, str]) -> None:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")


def invoke_in(folder: Path, *args: str) -> Result:
    with working_directory(folder):
        return CliRunner().invoke(main, list(args), catch_exceptions=False)


@contextlib.contextmanager
def working_directory(folder: Path) -> Iterator[None]:
    before = os.getcwd()
    os.chdir(folder)
    try:
        yield
    finally:
        os.chdir(before)
