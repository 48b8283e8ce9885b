"""billcheck's YAML loader reads every yaml-test-suite case the way PyYAML does.

The oracle, REFERENCE, is PyYAML's CSafeLoader with its implicit resolvers replaced by the
YAML 1.2 core schema's (SPEC §1: `yes`/`no`/`on`/`off` and dates stay strings), so the two
loaders must agree case by case: both refuse the input, or both build the same data.

The suite is read in place from `shared/reference/yaml-test-suite` beside the repository
(CI always checks it out there); it is never copied into the project. A missing suite is a
failure, not a skip: without it these tests would prove nothing.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st
from yaml.constructor import SafeConstructor
from yaml.nodes import MappingNode, ScalarNode

from validator.yamlload import load

_CORE = "tag:yaml.org,2002:"
MERGE_TAG = _CORE + "merge"


def _repo_root() -> Path:
    for folder in Path(__file__).resolve().parents:
        if (folder / "pyproject.toml").is_file():
            return folder
    raise AssertionError(f"no pyproject.toml above {__file__}: cannot find the repository root")


SUITE = _repo_root().parent / "shared" / "reference" / "yaml-test-suite"
SUITE_MISSING = "yaml-test-suite-missing"


def _case_ids() -> list[str]:
    """Every folder of the suite holding an `in.yaml`, nested ones as `XXXX/00`."""
    if not SUITE.is_dir():
        return [SUITE_MISSING]
    return sorted(path.parent.relative_to(SUITE).as_posix() for path in SUITE.rglob("in.yaml"))


CASE_IDS = _case_ids()


# --- The oracle ---------------------------------------------------------------------------

# The YAML 1.2 core schema (spec §10.3.2): tag, pattern, the characters a match starts with.
CORE_SCHEMA_RESOLVERS = (
    ("null", r"~|null|Null|NULL|", ["~", "n", "N", ""]),
    ("bool", r"true|True|TRUE|false|False|FALSE", list("tTfF")),
    ("int", r"[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+", list("-+0123456789")),
    (
        "float",
        r"[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
        r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN)",
        list("-+.0123456789"),
    ),
    ("merge", r"<<", ["<"]),  # not core YAML 1.2, but billcheck (like PyYAML) honours it
)


class Reference(yaml.CSafeLoader):
    """PyYAML's safe loader reading scalars by the YAML 1.2 core schema, with no timestamps."""

    yaml_implicit_resolvers: dict[Any, Any] = {}  # replaces, not extends, SafeLoader's


for _name, _pattern, _first in CORE_SCHEMA_RESOLVERS:
    Reference.add_implicit_resolver(_CORE + _name, re.compile(rf"(?:{_pattern})\Z"), _first)


def _construct_core_int(loader: Reference, node: ScalarNode) -> int:
    """`!!int`: core forms by YAML 1.2 (`012` is twelve, not ten); others as PyYAML reads them."""
    text = loader.construct_scalar(node)
    if re.fullmatch(r"[-+]?[0-9]+", text):
        return int(text, 10)
    if re.fullmatch(r"0o[0-7]+", text):
        return int(text[2:], 8)
    if re.fullmatch(r"0x[0-9a-fA-F]+", text):
        return int(text[2:], 16)
    return SafeConstructor.construct_yaml_int(loader, node)  # type: ignore[no-any-return]


Reference.add_constructor(_CORE + "int", _construct_core_int)


class FirstValueWins(Reference):
    """REFERENCE, but a key written twice in a mapping keeps its first value, as billcheck does.

    Used where billcheck reports a duplicate key (BC002). PyYAML lets the last value win;
    this variant drops each later entry whose key equals an earlier explicit key of the same
    mapping before PyYAML applies merge keys, so explicit keys still override merged ones.
    """

    def flatten_mapping(self, node: MappingNode) -> None:
        """Drop repeated explicit keys (first wins), then merge as PyYAML does."""
        seen: set[Any] = set()
        kept = []
        for key_node, value_node in node.value:
            if key_node.tag != MERGE_TAG:
                key = self.construct_object(key_node, deep=True)
                if _hashable(key):
                    if key in seen:
                        continue
                    seen.add(key)
            kept.append((key_node, value_node))
        node.value = kept
        super().flatten_mapping(node)


def _hashable(value: Any) -> bool:
    try:
        hash(value)
    except TypeError:
        return False
    return True


def same_data(ours: Any, theirs: Any) -> bool:
    """Deep equality that also requires equal types, equal key order, and NaN == NaN."""
    if type(ours) is not type(theirs):
        return False
    if isinstance(ours, float):
        return ours == theirs or (math.isnan(ours) and math.isnan(theirs))
    if isinstance(ours, (list, tuple)):
        return len(ours) == len(theirs) and all(map(same_data, ours, theirs))
    if isinstance(ours, dict):
        return len(ours) == len(theirs) and all(
            same_data(our_key, their_key) and same_data(our_value, their_value)
            for (our_key, our_value), (their_key, their_value)
            in zip(ours.items(), theirs.items(), strict=True)
        )
    if isinstance(ours, set):
        return len(ours) == len(theirs) and all(
            any(same_data(item, other) for other in theirs) for item in ours
        )
    return bool(ours == theirs)


# --- Readings -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Reading:
    """What one loader made of a stream: its documents, or why it refused the stream."""

    documents: list[Any] | None  # None: refused
    refusal: str = ""

    def describe(self) -> str:
        """The reading for an assertion message."""
        return f"refused: {self.refusal}" if self.documents is None else repr(self.documents)


def billcheck_reading(text: str) -> tuple[Reading, bool]:
    """billcheck's reading of a stream, and whether it reported a duplicate key."""
    result = load(text)
    if result.fatal is not None:
        fatal = result.fatal
        return Reading(None, f"{fatal.rule} at {fatal.mark}: {fatal.message}"), False
    return Reading(result.documents), bool(result.duplicates)


def reference_reading(text: str, first_value_wins: bool) -> Reading:
    """PyYAML's reading of a stream under the core schema."""
    loader = FirstValueWins if first_value_wins else Reference
    try:
        return Reading(list(yaml.load_all(text, Loader=loader)))
    except yaml.YAMLError as error:
        return Reading(None, f"{type(error).__name__}: {error}")


def agree(ours: Reading, theirs: Reading) -> bool:
    """Both loaders refuse, or both build the same documents."""
    if ours.documents is None or theirs.documents is None:
        return ours.documents is None and theirs.documents is None
    return same_data(ours.documents, theirs.documents)


def case_text(case_id: str) -> str:
    """A case's in.yaml exactly as written (no newline translation)."""
    if case_id == SUITE_MISSING:
        pytest.fail(
            f"the yaml-test-suite is missing: expected it at {SUITE} "
            "(shared/reference/yaml-test-suite beside the repository)"
        )
    return (SUITE / case_id / "in.yaml").read_bytes().decode("utf-8")


# --- Deliberate differences ---------------------------------------------------------------


@dataclass(frozen=True)
class Difference:
    """A suite case billcheck reads differently from PyYAML on purpose, and exactly how."""

    reason: str
    billcheck_documents: list[Any]
    pyyaml_error: type[yaml.YAMLError]


# YAML 1.2 (§3.2.2.2, example 7.1) lets a document define an anchor again; an alias names
# the most recent node with that anchor. PyYAML's composer refuses the second definition
# ("found duplicate anchor"); billcheck follows the spec, so a config file that reuses an
# anchor name (one `&defaults` per account, say) is not reported as broken.
EXPECTED_DIFFERENCES: dict[str, Difference] = {
    "3GZX": Difference(
        "an anchor defined again (spec example 7.1)",
        [{
            "First occurrence": "Foo",
            "Second occurrence": "Foo",
            "Override anchor": "Bar",
            "Reuse anchor": "Bar",
        }],
        yaml.composer.ComposerError,
    ),
    "PW8X": Difference(
        "an anchor on an empty scalar defined again",
        [[None, "a", {None: "a", "b": None}, {None: None}, {None: None}, {None: None}]],
        yaml.composer.ComposerError,
    ),
}


# --- Tests --------------------------------------------------------------------------------


@pytest.mark.parametrize("case_id", CASE_IDS)
def test_billcheck_reads_the_suite_case_as_pyyaml_does(case_id: str) -> None:
    text = case_text(case_id)
    ours, has_duplicates = billcheck_reading(text)
    theirs = reference_reading(text, first_value_wins=has_duplicates)
    difference = EXPECTED_DIFFERENCES.get(case_id)
    if difference is None:
        assert agree(ours, theirs), (
            f"{case_id}: billcheck {ours.describe()}\n  PyYAML {theirs.describe()}"
        )
        return
    assert ours.documents is not None and same_data(
        ours.documents, difference.billcheck_documents
    ), f"{case_id} ({difference.reason}): billcheck now {ours.describe()}"
    with pytest.raises(difference.pyyaml_error):
        list(yaml.load_all(text, Loader=Reference))


def test_the_suite_is_complete() -> None:
    assert SUITE.is_dir(), f"the yaml-test-suite is missing: expected it at {SUITE}"
    nested = [case for case in CASE_IDS if "/" in case]
    assert len(CASE_IDS) >= 400 and len(nested) >= 60, f"only {len(CASE_IDS)} cases under {SUITE}"


def test_every_expected_difference_names_a_suite_case() -> None:
    assert set(EXPECTED_DIFFERENCES) <= set(CASE_IDS)


# The suite has no duplicate keys, merge keys or explicit core tags with YAML 1.1 content;
# these streams hold billcheck to the same oracle where its own rules apply.
EXTRA_STREAMS = {
    "duplicate-keys-block": "a: 1\nb: 2\na: 3\n",
    "duplicate-keys-flow": "{a: 1, b: {c: 2, c: 3}, a: 4}\n",
    "duplicate-key-with-mapping-value": "a: {x: 1}\na: {y: 2}\n",
    "duplicate-key-after-merge": "base: &b {x: 1, y: 2}\nd:\n  <<: *b\n  y: 3\n  y: 4\n",
    "merge-single": "base: &b {x: 1, y: 2}\nd:\n  <<: *b\n  y: 3\n",
    "merge-list-earlier-wins": "a: &a {x: 1}\nb: &b {x: 2, z: 3}\nd:\n  <<: [*a, *b]\n",
    "merge-explicit-key-first": "b: &b {x: 1, y: 2}\nd:\n  y: 3\n  <<: *b\n",
    "merge-nested": "a: &a {x: 1}\nb: &b {<<: *a, y: 2}\nc: {<<: *b, z: 3}\n",
    "merge-not-a-mapping": "d:\n  <<: [1, 2]\n",
    "quoted-merge-is-a-key": "d: {'<<': {x: 1}}\n",
    "yaml11-scalars": "[no, on, yes, y, 2024-01-01, 1_000, 0b101, 1:20, 012, 0o17, 0x1F, +12]\n",
    "core-special-floats": "[.inf, -.Inf, +.INF, .nan, 1., .5, 1e3, -2.5E-3]\n",
    "explicit-core-tags": "[!!int 012, !!int '7', !!float 1_000.5, !!bool yes, !!str 12]\n",
    "explicit-yaml11-ints": "[!!int 0b101, !!int 1_000, !!int 1:20, !!int -0x1F]\n",
    "explicit-timestamps": "[!!timestamp 2024-01-01, !!timestamp 2024-01-01T10:20:30.5+02:00]\n",
    "set-omap-binary": "s: !!set {a, b}\no: !!omap [{a: 1}, {b: 2}]\nb: !!binary aGk=\n",
    "tag-on-wrong-kind": "!!seq {a: 1}\n",
    "anchors-on-scalars": "a: &x 5\nb: *x\nc: [*x, *x]\n",
    "multi-document": "a: 1\n---\n- b\n...\n--- ~\n",
}


@pytest.mark.parametrize("name", sorted(EXTRA_STREAMS))
def test_billcheck_reads_its_own_cases_as_pyyaml_does(name: str) -> None:
    text = EXTRA_STREAMS[name]
    ours, has_duplicates = billcheck_reading(text)
    theirs = reference_reading(text, first_value_wins=has_duplicates)
    assert agree(ours, theirs), f"{name}: billcheck {ours.describe()}\n  PyYAML {theirs.describe()}"


# Characters of numbers, booleans and nulls in both YAML versions (`<` is left out: PyYAML
# refuses a lone `<<` value, which billcheck reads as the string it is in YAML 1.2).
_SCALAR_ALPHABET = "0123456789_:.-+eExXobOBinfINFatrulsTRUEyYNn~"


@given(st.text(alphabet=_SCALAR_ALPHABET, min_size=1, max_size=10))
def test_billcheck_resolves_any_plain_scalar_as_pyyaml_does(text: str) -> None:
    stream = f"value: {text}\nlist: [{text}]\n"
    ours, has_duplicates = billcheck_reading(stream)
    theirs = reference_reading(stream, first_value_wins=has_duplicates)
    assert agree(ours, theirs), f"billcheck {ours.describe()}\n  PyYAML {theirs.describe()}"


def test_the_first_value_wins_oracle_still_lets_explicit_keys_beat_merges() -> None:
    text = "base: &b {x: 1, y: 2}\nd:\n  y: 3\n  <<: *b\n  y: 4\n"
    assert yaml.load(text, Loader=FirstValueWins)["d"] == {"x": 1, "y": 3}
    assert yaml.load(text, Loader=Reference)["d"] == {"x": 1, "y": 4}


def test_the_oracle_reads_yaml_1_2_core_scalars() -> None:
    text = "[yes, no, on, 2024-01-01, 012, 0o17, 0x1F, 1_000, TRUE, ~, .NaN]"
    read = yaml.load(text, Loader=Reference)
    assert same_data(
        read, ["yes", "no", "on", "2024-01-01", 12, 15, 31, "1_000", True, None, math.nan]
    )


def test_same_data_matches_nan_but_not_other_types() -> None:
    assert same_data([math.nan, {"a": 1}], [float("nan"), {"a": 1}])
    assert not same_data([1], [True])
    assert not same_data([1], [1.0])
    assert not same_data({"a": 1, "b": 2}, {"b": 2, "a": 1})
