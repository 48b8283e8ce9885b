"""Edge cases of billcheck's YAML loader, with the line and column a user would be shown."""

from __future__ import annotations

import datetime
import math
import time
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import example, given
from hypothesis import strategies as st
from yaml.nodes import ScalarNode

from validator.yamlload import Limits, LoadResult, Problem, load, resolve_plain, yaml11_reading


def loaded(text: str, limits: Limits | None = None) -> LoadResult:
    """Load a stream that must load without a fatal problem."""
    result = load(text, limits)
    assert result.fatal is None, result.fatal
    return result


def only_document(text: str) -> Any:
    """The single document of a stream that must load cleanly."""
    result = loaded(text)
    assert len(result.documents) == 1
    return result.documents[0]


def fatal(text: str, limits: Limits | None = None) -> Problem:
    """The problem that stops a stream (and the proof that nothing else survived)."""
    result = load(text, limits)
    assert result.fatal is not None, result.documents
    assert (result.documents, result.duplicates, result.suspects) == ([], [], [])
    return result.fatal


# --- Duplicate keys -----------------------------------------------------------------------


def test_a_duplicate_key_keeps_the_first_value_and_is_reported_at_the_second_key() -> None:
    result = loaded("a: 1\nb: 2\na: 3\n")
    assert result.documents == [{"a": 1, "b": 2}]
    assert result.duplicates == [Problem(
        "BC002",
        "duplicate key 'a' (first defined at line 1); the first value is used",
        (3, 1),
        "remove one of the two keys",
    )]
    document = result.documents[0]
    assert result.positions.key_mark(document, "a") == (1, 1)
    assert result.positions.value_mark(document, "a") == (1, 4)


def test_a_duplicate_key_in_a_flow_mapping_is_reported_at_the_second_key() -> None:
    result = loaded("{a: 1, a: 2}")
    assert result.documents == [{"a": 1}]
    assert [(problem.rule, problem.mark) for problem in result.duplicates] == [("BC002", (1, 8))]


def test_a_duplicate_key_deep_inside_is_reported_where_it_is() -> None:
    result = loaded("outer:\n  inner:\n    x: 1\n    x: {y: 2}\n  other: 3\n")
    assert result.documents == [{"outer": {"inner": {"x": 1}, "other": 3}}]
    assert [(problem.rule, problem.mark) for problem in result.duplicates] == [("BC002", (4, 5))]
    assert "first defined at line 3" in result.duplicates[0].message


def test_every_repetition_of_a_key_is_reported() -> None:
    result = loaded("- {a: 1, a: 2, a: 3}\n- {b: 1, b: 2}\n")
    assert result.documents == [[{"a": 1}, {"b": 1}]]
    assert [problem.mark for problem in result.duplicates] == [(1, 10), (1, 16), (2, 10)]


def test_keys_that_only_look_alike_are_not_duplicates() -> None:
    result = loaded("'1': a\n1: b\n")
    assert result.documents == [{"1": "a", 1: "b"}]
    assert result.duplicates == []


# --- Syntax errors ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "mark", "message"),
    [
        ("key: value: other\n", (1, 11), "mapping values are not allowed in this context"),
        ("a: [1, 2\nb: 3\n", (2, 2), "did not find expected ',' or ']'"),
        ("a:\n\tb: 1\n", (2, 1), "found character that cannot start any token"),
        ("ééé: x: y\n", (1, 7), "mapping values are not allowed"),  # columns count characters
        ("a: 'open\n", (2, 1), "found unexpected end of stream"),
        ("- a\nb: c\n", (2, 1), "did not find expected '-' indicator"),
        ("a: *nowhere\n", (1, 4), "found undefined alias 'nowhere'"),
        # an anchor ends with its document
        ("--- &a x\n--- *a\n", (2, 5), "found undefined alias 'a'"),
    ],
)
def test_a_syntax_error_is_bc001_at_the_parsers_problem_mark(
    text: str, mark: tuple[int, int], message: str
) -> None:
    problem = fatal(text)
    assert (problem.rule, problem.mark) == ("BC001", mark)
    assert problem.message.startswith("YAML syntax error: ")
    assert message in problem.message


def test_a_syntax_error_in_a_later_document_discards_the_whole_stream() -> None:
    problem = fatal("a: 1\na: 2\ncode: no\n---\nb: [\n")
    assert (problem.rule, problem.mark) == ("BC001", (6, 1))


# --- Tags ---------------------------------------------------------------------------------


def test_a_python_tag_is_refused_and_nothing_is_executed(tmp_path: Path) -> None:
    witness = tmp_path / "executed"
    text = f"a: !!python/object/apply:os.system ['touch {witness}']\n"
    problem = fatal(text)
    assert problem == Problem(
        "BC003",
        "unsupported YAML tag '!!python/object/apply:os.system': billcheck reads plain data only",
        (1, 4),
        "remove the tag",
    )
    assert not witness.exists()


@pytest.mark.parametrize(
    ("text", "mark", "shown"),
    [
        ("a: !!python/name:os.system ''\n", (1, 4), "!!python/name:os.system"),
        ("a:\n  b: !Ref x\n", (2, 6), "!Ref"),
        ("- !<tag:example.com,2000:app/foo> {a: 1}\n", (1, 3), "tag:example.com,2000:app/foo"),
        ("!local [1]\n", (1, 1), "!local"),
        ("a: !!value x\n", (1, 4), "!!value"),
    ],
)
def test_an_unknown_tag_is_bc003_at_the_tagged_node(
    text: str, mark: tuple[int, int], shown: str
) -> None:
    problem = fatal(text)
    assert (problem.rule, problem.mark) == ("BC003", mark)
    assert f"'{shown}'" in problem.message


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("!!seq {a: 1}", "the YAML tag '!!seq' cannot be put on a mapping"),
        ("!!set [a]", "the YAML tag '!!set' cannot be put on a list"),
        ("!!map [a]", "the YAML tag '!!map' cannot be put on a list"),
        ("!!omap {a: 1}", "the YAML tag '!!omap' cannot be put on a mapping"),
        ("!!int [1]", "the YAML tag '!!int' cannot be put on a list"),
        ("!!seq x", "the YAML tag '!!seq' cannot be put on a scalar"),
    ],
)
def test_a_standard_tag_on_the_wrong_kind_of_node_is_bc003(text: str, message: str) -> None:
    assert fatal(text) == Problem("BC003", message, (1, 1), "remove the tag")


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("!!str 12", "12"),
        ("!!int '7'", 7),
        ("!!int 012", 12),  # YAML 1.2: decimal, not octal
        ("!!int 0o17", 15),
        ("!!int 0b101", 5),
        ("!!int 1_000", 1000),
        ("!!int -0x1F", -31),
        ("!!float 1_000.5", 1000.5),
        ("!!float -.inf", -math.inf),
        ("!!bool yes", True),
        ("!!bool OFF", False),
        ("!!null ''", None),
        ("!!binary aGk=", b"hi"),
        ("!!timestamp 2024-01-31", datetime.date(2024, 1, 31)),
        (
            "!!timestamp 2024-01-31T10:20:30.5+02:00",
            datetime.datetime(
                2024, 1, 31, 10, 20, 30, 500_000,
                tzinfo=datetime.timezone(datetime.timedelta(hours=2)),
            ),
        ),
        ("!!set {a, b}", {"a", "b"}),
        ("!!omap [{a: 1}, {b: 2}]", [("a", 1), ("b", 2)]),
        ("! 12", 12),  # the non-specific tag on a plain scalar resolves it, as PyYAML does
    ],
)
def test_a_standard_tag_gives_its_type(text: str, value: Any) -> None:
    assert only_document(text) == value


@pytest.mark.parametrize(
    "text", ["a: !!int abc", "a: !!bool y", "a: !!null x", "a: !!timestamp 2024-02-30"]
)
def test_a_tagged_value_that_does_not_fit_its_tag_is_bc003(text: str) -> None:
    problem = fatal(text)
    assert (problem.rule, problem.mark) == ("BC003", (1, 4))
    assert problem.message.startswith("cannot read ")


def test_a_number_too_long_to_convert_is_bc003_not_an_exception() -> None:
    problem = fatal("n: " + "1" * 5000 + "\n")
    assert (problem.rule, problem.mark) == ("BC003", (1, 4))
    assert "5000-character number" in problem.message


# --- YAML 1.1 against 1.2 -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value", "kind"),
    [
        ("no", "no", "boolean"),
        ("on", "on", "boolean"),
        ("yes", "yes", "boolean"),
        ("y", "y", "boolean"),
        ("Off", "Off", "boolean"),
        ("2024-01-01", "2024-01-01", "date"),
        ("2024-01-01 10:20:30", "2024-01-01 10:20:30", "date"),
        ("1_000", "1_000", "number"),
        ("1_000.5", "1_000.5", "number"),
        ("0b101", "0b101", "number"),
        ("1:20", "1:20", "number"),
        ("-0x1F", "-0x1F", "number"),
        ("012", 12, None),  # a 1.2 integer (1.1 would read octal 10), not a string
        ("0o17", 15, None),
        ("0x1F", 31, None),
        ("true", True, None),
        ("FALSE", False, None),
        ("~", None, None),
        ("Null", None, None),
        ("1e3", 1000.0, None),
        ("-.inf", -math.inf, None),
        ("2024-1-1", "2024-1-1", None),
        ("acme", "acme", None),
        ("yesterday", "yesterday", None),
    ],
)
def test_scalars_follow_yaml_1_2_and_1_1_readings_are_suspects(
    text: str, value: Any, kind: str | None
) -> None:
    result = loaded(f"code: {text}\n")
    assert result.documents == [{"code": value}]
    expected = [(result.documents[0], "code", text, kind, (1, 7))] if kind else []
    assert [
        (suspect.container, suspect.key, suspect.text, suspect.kind, suspect.mark)
        for suspect in result.suspects
    ] == expected


def test_suspects_name_their_list_index_and_skip_quoted_values_and_keys() -> None:
    result = loaded("codes:\n  - no\n  - 'no'\n  - \"on\"\nyes: 1\nflag: off\n")
    document = result.documents[0]
    assert document == {"codes": ["no", "no", "on"], "yes": 1, "flag": "off"}
    assert [(suspect.key, suspect.mark) for suspect in result.suspects] == [
        (0, (2, 5)), ("flag", (6, 7))
    ]
    assert result.suspects[0].container is document["codes"]


@pytest.mark.parametrize("text", ["0.5", ".nan", "1.", "-12", "+7", "0", ".5e-3"])
def test_core_numbers_have_the_pythons_number(text: str) -> None:
    value = resolve_plain(text)
    expected = yaml.load(f"!!float {text}" if "." in text else f"!!int {text}", yaml.SafeLoader)
    assert type(value) is type(expected)
    assert value == expected or (math.isnan(value) and math.isnan(expected))


_PYYAML_KINDS = {
    "tag:yaml.org,2002:bool": "boolean",
    "tag:yaml.org,2002:int": "number",
    "tag:yaml.org,2002:float": "number",
    "tag:yaml.org,2002:timestamp": "date",
}
_NUMBERISH = st.text(alphabet="0123456789_:.-+eExob", min_size=1, max_size=10)
_DATEISH = st.from_regex(
    r"[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}"
    r"(?:[Tt ][0-9]{1,2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]{0,3})?"
    r"(?: ?(?:Z|[-+][0-9]{1,2}(?::[0-9]{2})?))?)?",
    fullmatch=True,
)
_WORDS = st.sampled_from(["yes", "No", "ON", "off", "y", "N", "true", "<<", "=", "Yes!"])


@given(st.one_of(_NUMBERISH, _DATEISH, _WORDS))
@example("1._5")
@example("190:20:30.15")
def test_yaml11_reading_matches_pyyamls_yaml11_resolver(text: str) -> None:
    """Where YAML 1.2 keeps a string, the suspect kind is what PyYAML (a 1.1 reader) makes of it."""
    if not isinstance(resolve_plain(text), str):
        return
    tag = yaml.resolver.Resolver().resolve(ScalarNode, text, (True, False))
    expected = _PYYAML_KINDS.get(tag)
    if text in ("y", "Y", "n", "N"):  # 1.1 spec booleans that PyYAML alone leaves out
        expected = "boolean"
    assert yaml11_reading(text) == expected


# --- Streams, documents, encodings --------------------------------------------------------


def test_every_document_of_a_stream_is_loaded_with_its_own_positions() -> None:
    result = loaded("a: 1\n---\n---\nb: [x]\n...\n--- plain\n")
    assert result.documents == [{"a": 1}, None, {"b": ["x"]}, "plain"]
    second = result.documents[2]
    assert result.positions.key_mark(second, "b") == (4, 1)
    assert result.positions.value_mark(second["b"], 0) == (4, 5)


@pytest.mark.parametrize(
    ("text", "documents"),
    [
        ("", []),
        ("\n\n  \n", []),
        ("# only a comment\n# and another\n", []),
        ("---\n", [None]),
        ("---\n...\n", [None]),
        ("--- # a comment\n", [None]),
    ],
)
def test_an_empty_stream_has_no_documents_and_a_bare_marker_one_empty_document(
    text: str, documents: list[Any]
) -> None:
    assert loaded(text).documents == documents


def test_text_without_a_byte_order_mark_and_with_one_load_alike() -> None:
    plain = loaded("a: 1\nb: [x]\n")
    marked = loaded("\ufeffa: 1\nb: [x]\n")
    assert plain.documents == marked.documents == [{"a": 1, "b": ["x"]}]
    for result in (plain, marked):
        document = result.documents[0]
        assert result.positions.key_mark(document, "a") == (1, 1)
        assert result.positions.value_mark(document["b"], 0) == (2, 5)


@pytest.mark.parametrize(
    ("text", "mark", "character"),
    [
        ("a: b\x01c\n", (1, 5), "#x0001"),
        ("name: ok\nnote: héllo\x07\n", (2, 12), "#x0007"),  # the column counts characters
        ("a: \x00\n", (1, 4), "#x0000"),
        ("a: 'x\x7f'\n", (1, 6), "#x007F"),
        ("a: \x9b\n", (1, 4), "#x009B"),
        ("a: ok\nb: \ud800\n", (2, 4), "#xD800"),
    ],
)
def test_a_control_character_is_bc003_where_it_is(
    text: str, mark: tuple[int, int], character: str
) -> None:
    problem = fatal(text)
    assert (problem.rule, problem.mark) == ("BC003", mark)
    assert f"character {character} is not allowed" in problem.message


def test_escaped_control_characters_and_tabs_are_ordinary_content() -> None:
    assert only_document('a: "\\x01"\nb: c\td\n') == {"a": "\x01", "b": "c\td"}


# --- Limits -------------------------------------------------------------------------------


def billion_laughs(levels: int = 9) -> str:
    """The classic alias bomb: each level holds nine aliases of the level before."""
    lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for level in range(1, levels + 1):
        aliases = ",".join([f"*a{level - 1}"] * 9)
        lines.append(f"a{level}: &a{level} [{aliases}]")
    return "\n".join(lines) + "\n"


def test_an_alias_bomb_stops_with_bc004_within_a_second() -> None:
    started = time.perf_counter()
    problem = fatal(billion_laughs())
    elapsed = time.perf_counter() - started
    assert problem.rule == "BC004"
    assert problem.message == "aliases expand to more than the limit of 10000 nodes"
    assert problem.mark[0] == 5  # the first level whose nine aliases exceed it
    assert elapsed < 1.0


def test_the_alias_limit_counts_every_node_an_alias_produces() -> None:
    aliases = ", ".join(["*x"] * 10_000)
    assert len(loaded(f"x: &x v\nl: [{aliases}]\n").documents[0]["l"]) == 10_000
    problem = fatal(f"x: &x v\nl: [{aliases}, *x]\n")
    assert (problem.rule, problem.mark) == ("BC004", (2, 5 + 4 * 10_000))
    # A mapping of two pairs is five nodes (itself, two keys, two values): two aliases make ten.
    two_aliases = "m: &m {a: 1, b: 2}\nl: [*m, *m]\n"
    assert fatal(two_aliases, Limits(max_alias_nodes=9)).mark == (2, 9)
    within = loaded(two_aliases, Limits(max_alias_nodes=10))
    assert within.documents[0]["l"] == [{"a": 1, "b": 2}] * 2


@pytest.mark.parametrize(
    ("opening", "closing", "width"), [("[", "]", 1), ("{a: ", "}", 4), ("- ", "", 2)]
)
def test_nesting_20000_deep_is_bc004_not_a_recursion_error(
    opening: str, closing: str, width: int
) -> None:
    text = opening * 20_000 + "x" + closing * 20_000
    started = time.perf_counter()
    problem = fatal(text)
    assert (problem.rule, problem.mark) == ("BC004", (1, 1 + 100 * width))
    assert problem.message == "nesting deeper than the limit of 100 levels"
    assert time.perf_counter() - started < 1.0


def test_the_depth_limit_allows_exactly_its_number_of_levels() -> None:
    assert loaded("[[[x]]]", Limits(max_depth=3)).documents == [[[["x"]]]]
    assert fatal("[[[[x]]]]", Limits(max_depth=3)).mark == (1, 4)


@pytest.mark.parametrize(
    ("text", "mark"), [("&a [ *a ]", (1, 6)), ("a: &r\n  b: [1, *r]\n", (2, 10))]
)
def test_a_recursive_alias_is_refused_with_bc004(text: str, mark: tuple[int, int]) -> None:
    problem = fatal(text)
    assert (problem.rule, problem.mark) == ("BC004", mark)
    assert "inside the node it names" in problem.message


def test_an_anchor_defined_again_is_named_by_later_aliases() -> None:
    assert only_document("- &a 1\n- *a\n- &a [2]\n- *a\n") == [1, 1, [2], [2]]


# --- Merge keys and anchors ---------------------------------------------------------------


def test_a_merge_key_copies_the_anchored_mapping_and_explicit_keys_win() -> None:
    result = loaded("base: &b {x: 1, y: 2}\nderived:\n  <<: *b\n  y: 3\n")
    derived = result.documents[0]["derived"]
    assert derived == {"x": 1, "y": 3}
    assert result.positions.value_mark(derived, "x") == (1, 14)  # where the merged value is written
    assert result.positions.key_mark(derived, "y") == (4, 3)
    assert result.positions.value_mark(derived, "y") == (4, 6)


def test_an_explicit_key_wins_even_when_written_before_the_merge() -> None:
    assert only_document("b: &b {x: 1, y: 2}\nd:\n  y: 3\n  <<: *b\n")["d"] == {"y": 3, "x": 1}


def test_in_a_list_of_merges_the_earlier_mapping_wins() -> None:
    text = "a: &a {x: 1}\nb: &b {x: 2, z: 3}\nd:\n  <<: [*a, *b]\n  w: 4\n"
    assert only_document(text)["d"] == {"x": 1, "z": 3, "w": 4}


def test_merges_chain_through_merged_mappings() -> None:
    text = "a: &a {x: 1}\nb: &b {<<: *a, y: 2}\nc: {<<: *b, z: 3}\n"
    assert only_document(text)["c"] == {"x": 1, "y": 2, "z": 3}


@pytest.mark.parametrize(
    ("text", "mark"), [("d:\n  <<: [1, 2]\n", (2, 7)), ("{a: 1, <<: 5}", (1, 12))]
)
def test_a_merge_of_something_other_than_mappings_is_bc003(
    text: str, mark: tuple[int, int]
) -> None:
    assert fatal(text) == Problem(
        "BC003", "a merge key (<<) must be given a mapping or a list of mappings", mark
    )


def test_a_quoted_merge_key_is_an_ordinary_key() -> None:
    assert only_document("d: {'<<': {x: 1}}\n") == {"d": {"<<": {"x": 1}}}


def test_an_anchored_scalar_is_reused_by_its_aliases_at_their_own_positions() -> None:
    result = loaded("a: &x 5\nb: *x\nc: [*x, *x]\n")
    document = result.documents[0]
    assert document == {"a": 5, "b": 5, "c": [5, 5]}
    assert result.positions.value_mark(document, "a") == (1, 4)
    assert result.positions.value_mark(document, "b") == (2, 4)
    assert result.positions.value_mark(document["c"], 1) == (3, 9)


@pytest.mark.parametrize(
    ("text", "mark"),
    [
        ("? {a: 1}\n: v\n", (1, 3)),
        ("[a, b]: v\n", (1, 1)),
        ("base: &m {a: 1}\n*m : v\n", (2, 1)),
        ("outer:\n  ? - x\n  : v\n", (2, 5)),
    ],
)
def test_a_collection_as_a_key_is_bc003(text: str, mark: tuple[int, int]) -> None:
    assert fatal(text) == Problem(
        "BC003", "a mapping key must be a scalar, not a collection", mark
    )


# --- Positions ----------------------------------------------------------------------------


def test_positions_of_keys_and_values_in_block_style() -> None:
    result = loaded("name: Acme\ncode:   acme\naddress:\n  city: Paris\nempty:\n")
    document, positions = result.documents[0], result.positions
    assert positions.start(document) == (1, 1)
    assert positions.key_mark(document, "code") == (2, 1)
    assert positions.value_mark(document, "code") == (2, 9)
    assert positions.value_mark(document, "address") == (4, 3)  # a nested block starts at its key
    assert positions.key_mark(document["address"], "city") == (4, 3)
    assert positions.value_mark(document, "empty") == (5, 7)


def test_positions_of_keys_and_values_in_flow_style() -> None:
    result = loaded("top: {name: Acme, code: acme, tags: [a, b]}\n")
    top, positions = result.documents[0]["top"], result.positions
    assert positions.start(top) == (1, 6)
    assert positions.key_mark(top, "code") == (1, 19)
    assert positions.value_mark(top, "code") == (1, 25)
    assert positions.value_mark(top["tags"], 1) == (1, 41)


def test_positions_of_sequence_items() -> None:
    result = loaded("items:\n  - a\n  - b: 1\n    c: 2\n  - [x, y]\n")
    items, positions = result.documents[0]["items"], result.positions
    assert positions.start(items) == (2, 3)
    assert [positions.value_mark(items, index) for index in range(3)] == [(2, 5), (3, 5), (5, 5)]
    assert positions.key_mark(items[1], "c") == (4, 5)
    assert positions.value_mark(items, 3) is None
    assert positions.value_mark(items, -1) is None


def test_a_multi_line_scalar_is_positioned_at_its_first_line() -> None:
    result = loaded("note: this is\n  a long line\nblock: |\n  kept\nnext: 1\n")
    document, positions = result.documents[0], result.positions
    assert document == {"note": "this is a long line", "block": "kept\n", "next": 1}
    assert positions.value_mark(document, "note") == (1, 7)
    assert positions.value_mark(document, "block") == (3, 8)
    assert positions.key_mark(document, "next") == (5, 1)


def test_positions_answer_none_for_what_the_loader_did_not_build() -> None:
    result = loaded("a: [1]\n")
    document, positions = result.documents[0], result.positions
    assert positions.key_mark(document, "missing") is None
    assert positions.value_mark(document, "missing") is None
    assert positions.start({"a": [1]}) is None
    assert positions.key_mark(document["a"], 0) is None  # a list has no keys
