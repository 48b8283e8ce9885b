"""A safe, strict YAML loader that keeps the line and column of every key and value.

libyaml's parser (through PyYAML's `CParser`) produces events; this module builds plain
dicts, lists and scalars from them, which is several times faster than PyYAML's own
constructors and lets every event's position be kept in a side table (`Positions`).

Scalars follow the YAML 1.2 core schema: `yes`, `no`, `on`, `off` and `2024-01-01` stay
strings. Merge keys (`<<`) and the standard explicit tags (`!!str`, `!!int`, `!!binary`,
`!!set`, `!!omap`, …) are read as PyYAML's SafeLoader reads them; any other tag is refused.
Duplicate keys keep the first value and are reported. Resource limits (nesting depth,
nodes produced through aliases, and items of top-level lists — the entities of a config
document) stop the load early instead of exhausting memory, and an alias inside the node
it names (a recursive structure) is refused.

`tests/test_yaml_suite.py` holds this loader to PyYAML's reading, under the same scalar
rules, of every case of the yaml-test-suite; the cases where it deliberately differs are
listed there.
"""

from __future__ import annotations

import base64
import binascii
import datetime
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import yaml
from yaml import events

from .findings import shorten
from .positions import Mark, Positions, Suspect

try:  # libyaml is bundled with PyYAML's wheels; the pure-Python parser is the fallback.
    from yaml.cyaml import CParser as _Parser  # type: ignore[attr-defined]

    _READER_OFFSETS_IN_BYTES = True  # libyaml reports a reader error's offset in UTF-8 bytes
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml.parser import Parser as _Parser  # type: ignore[assignment]

    _READER_OFFSETS_IN_BYTES = False

_TAG = "tag:yaml.org,2002:"
_NULLS = frozenset({"", "~", "null", "Null", "NULL"})
_NOT_SPECIAL = object()
_SPECIAL_PLAIN: dict[str, Any] = {
    **dict.fromkeys(_NULLS),
    **dict.fromkeys(("true", "True", "TRUE"), True),
    **dict.fromkeys(("false", "False", "FALSE"), False),
}
# The core schema's numbers, one alternative per kind so that a single match resolves them.
_CORE_NUMBER = re.compile(
    r"""(?P<int>[-+]?[0-9]+)
    |(?P<float>[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?)
    |(?P<oct>0o[0-7]+)
    |(?P<hex>0x[0-9a-fA-F]+)
    |(?P<inf>[-+]?\.(?:inf|Inf|INF))
    |(?P<nan>\.(?:nan|NaN|NAN))""",
    re.X,
)
_NUMBER_START = frozenset("-+.0123456789")

# What a YAML 1.1 reader turns into a non-string: PyYAML's own resolver patterns
# (yaml/resolver.py), plus the one-letter booleans of the YAML 1.1 spec, which PyYAML
# leaves out but other 1.1 readers (go-yaml v2, SnakeYAML) honour.
_YAML11_BOOL = re.compile(r"(?:y|Y|yes|Yes|YES|n|N|no|No|NO|on|On|ON|off|Off|OFF)\Z")
_YAML11_NUMBER = re.compile(
    r"""(?:[-+]?0b[0-1_]+
    |[-+]?0[0-7_]+
    |[-+]?(?:0|[1-9][0-9_]*)
    |[-+]?0x[0-9a-fA-F_]+
    |[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+
    |[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?
    |\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?
    |[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*)\Z""",
    re.X,
)
_YAML11_DATE = re.compile(
    r"""(?:[0-9]{4}-[0-9]{2}-[0-9]{2}
    |[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}(?:[Tt]|[ \t]+)[0-9]{1,2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]*)?
    (?:[ \t]*(?:Z|[-+][0-9]{1,2}(?::[0-9]{2})?))?)\Z""",
    re.X,
)
_LONGEST_YAML11_WORD = 3  # "yes", "off": the longest words _YAML11_BOOL matches

_TIMESTAMP = re.compile(
    r"""(?P<year>[0-9]{4})-(?P<month>[0-9]{1,2})-(?P<day>[0-9]{1,2})
    (?:(?:[Tt]|[ \t]+)(?P<hour>[0-9]{1,2}):(?P<minute>[0-9]{2}):(?P<second>[0-9]{2})
    (?:\.(?P<fraction>[0-9]*))?
    (?:[ \t]*(?P<tz>Z|(?P<tz_sign>[-+])(?P<tz_hour>[0-9]{1,2})
    (?::(?P<tz_minute>[0-9]{2}))?))?)?\Z""",
    re.X,
)


@dataclass(frozen=True)
class Limits:
    """Resource limits for loading one file (SPEC §2 defaults).

    `max_alias_chars` bounds the characters of the keys and strings that aliases produce (an
    alias to a 5 MB string is one node but 5 MB of text for every later stage); None: no
    such limit. `max_entities` bounds the items of lists directly under a document's top-level keys
    (the entities), counting from `entities_before` (those of files loaded earlier), so a
    file of millions of tiny items stops as soon as it passes the limit, not once it has
    filled the memory; None: no such limit.
    """

    max_depth: int = 100
    max_alias_nodes: int = 10_000
    max_alias_chars: int | None = None
    max_entities: int | None = None
    entities_before: int = 0


@dataclass(frozen=True)
class Problem:
    """Something that stopped or marred a load: a rule id, a message and where."""

    rule: str
    message: str
    mark: Mark
    hint: str | None = None


@dataclass
class LoadResult:
    """The documents of one YAML stream with their positions, or the problem that stopped it.

    When `fatal` is set the stream contributes nothing else: documents, positions, suspects
    and duplicates are all empty. `items` counts the items of top-level lists (what
    `Limits.max_entities` limits) met before the stream ended or stopped, so a caller can
    tell whether another count of earlier entities would have stopped it sooner.
    """

    documents: list[Any] = field(default_factory=list)
    positions: Positions = field(default_factory=Positions)
    suspects: list[Suspect] = field(default_factory=list)
    duplicates: list[Problem] = field(default_factory=list)
    fatal: Problem | None = None
    items: int = 0


class _Stop(Exception):
    """Raised inside the builder to abandon a stream with a problem."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(problem.message)
        self.problem = problem


def load(text: str, limits: Limits | None = None) -> LoadResult:
    """Load every document of a YAML stream; never raises for bad input."""
    result = LoadResult()
    builder = _Builder(result, limits or Limits())
    try:
        builder.run(_Parser(text))
    except _Stop as stop:
        result.fatal = stop.problem
    except yaml.MarkedYAMLError as error:
        result.fatal = _parser_problem(error)
    except yaml.reader.ReaderError as error:
        result.fatal = _reader_problem(text, error)
    except UnicodeEncodeError as error:  # a lone surrogate cannot reach the UTF-8 parser
        code = f"#x{ord(text[error.start]):04X}"
        result.fatal = _unreadable(text, error.start, code, "a lone surrogate")
    except yaml.YAMLError as error:
        result.fatal = Problem("BC003", f"unreadable YAML: {error}", (1, 1))
    result.items = builder.entities - builder.limits.entities_before
    if result.fatal is not None:
        result.documents.clear()
        result.suspects.clear()
        result.duplicates.clear()
        result.positions = Positions()
    return result


def offset_mark(text: str, offset: int) -> Mark:
    """The 1-based line and column of a character offset into `text`."""
    line_start = text.rfind("\n", 0, offset) + 1
    return (text.count("\n", 0, offset) + 1, offset - line_start + 1)


def _reader_problem(text: str, error: yaml.reader.ReaderError) -> Problem:
    offset = error.position
    if _READER_OFFSETS_IN_BYTES:
        offset = len(text.encode("utf-8", "surrogatepass")[:offset].decode("utf-8", "ignore"))
    character = error.character
    code = ord(character) if isinstance(character, str) else character
    return _unreadable(text, offset, f"#x{code:04X}", str(error.reason))


def _unreadable(text: str, offset: int, character: str, reason: str) -> Problem:
    return Problem(
        "BC003",
        f"unreadable YAML: character {character} is not allowed in YAML ({reason})",
        offset_mark(text, offset),
        "remove the character, or write it as an escape in a double-quoted string",
    )


def _parser_problem(error: yaml.MarkedYAMLError) -> Problem:
    mark = error.problem_mark or error.context_mark
    where = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
    what = error.problem or error.context or "invalid YAML"
    context = f" ({error.context})" if error.context and error.problem else ""
    return Problem("BC001", f"YAML syntax error: {what}{context}", where)


def resolve_plain(text: str) -> Any:
    """The value of an untagged plain scalar under the YAML 1.2 core schema.

    Raises ValueError for an integer too long for Python to convert (sys.int_info).
    """
    special = _SPECIAL_PLAIN.get(text, _NOT_SPECIAL)
    if special is not _NOT_SPECIAL:
        return special
    if text[0] not in _NUMBER_START:
        return text
    match = _CORE_NUMBER.fullmatch(text)
    if match is None:
        return text
    kind = match.lastgroup
    if kind == "int":
        return int(text)
    if kind == "float":
        return float(text)
    if kind == "oct":
        return int(text[2:], 8)
    if kind == "hex":
        return int(text[2:], 16)
    if kind == "inf":
        return float("-inf") if text[0] == "-" else float("inf")
    return float("nan")


def yaml11_reading(text: str) -> str | None:
    """What a YAML 1.1 reader would make of a plain scalar that YAML 1.2 keeps a string."""
    if not text:
        return None
    if len(text) <= _LONGEST_YAML11_WORD and _YAML11_BOOL.match(text):
        return "boolean"
    if text[0] in _NUMBER_START:
        if _YAML11_DATE.match(text):
            return "date"
        if _YAML11_NUMBER.match(text):
            return "number"
    return None


def _could_be_yaml11(text: str) -> bool:
    """A cheap pre-check: only such strings can have a YAML 1.1 reading."""
    return len(text) <= _LONGEST_YAML11_WORD or text[0] in _NUMBER_START


class _Frame:
    """A mapping or sequence under construction."""

    __slots__ = (
        "value", "marks", "anchor", "tag", "size", "key", "key_mark", "merges", "mark",
        "is_mapping", "holds_entities",
    )

    def __init__(
        self, value: Any, marks: Any, anchor: str | None, tag: str | None, mark: Mark
    ) -> None:
        self.value = value
        self.marks = marks
        self.anchor = anchor
        self.tag = tag
        self.size = 1
        self.key: Any = _NO_KEY
        self.key_mark: Mark = (0, 0)
        self.merges: list[tuple[Any, Mark]] | None = None
        self.mark = mark
        self.is_mapping = isinstance(value, dict)
        self.holds_entities = False


_NO_KEY = object()
_MERGE = object()
# An anchor whose node is still being built: an alias to it would make a recursive structure.
_UNDER_CONSTRUCTION = (None, 0, (0, 0))

_SCALAR_EVENT = events.ScalarEvent
_MAPPING_START = events.MappingStartEvent
_SEQUENCE_START = events.SequenceStartEvent
_COLLECTION_END = (events.MappingEndEvent, events.SequenceEndEvent)


class _Builder:
    """Turns parser events into Python data, positions, duplicate-key and 1.1 reports."""

    def __init__(self, result: LoadResult, limits: Limits) -> None:
        self.result = result
        self.limits = limits
        self.positions = result.positions
        self.anchors: dict[str, tuple[Any, int, Mark]] = {}
        self.alias_nodes = 0
        self.alias_chars = 0
        self.entities = limits.entities_before
        self.stack: list[_Frame] = []

    def run(self, parser: Any) -> None:
        """Consume the whole event stream.

        This loop runs once per event and is the loader's hot path: an untagged plain
        scalar that can only be a string (most of them) is recognised without a call.
        """
        get_event = parser.get_event
        stack = self.stack
        while True:
            event = get_event()
            kind = type(event)
            if kind is _SCALAR_EVENT:
                start = event.start_mark
                mark = (start.line + 1, start.column + 1)
                tag = event.tag
                if (tag is None or tag == "!") and event.implicit[0]:
                    text = event.value
                    value = text
                    if text in _SPECIAL_PLAIN or text[0] in _NUMBER_START:
                        value = self._plain(text, mark)
                    if event.anchor:
                        self.anchors[event.anchor] = (value, 1, mark)
                    self._add(value, mark, 1, text)
                else:
                    value = self._scalar(event, mark)
                    if event.anchor:
                        self.anchors[event.anchor] = (value, 1, mark)
                    self._add(value, mark, 1, None)
            elif kind is _MAPPING_START or kind is _SEQUENCE_START:
                self._open(event, kind is _MAPPING_START)
            elif kind in _COLLECTION_END:
                frame = stack.pop()
                value = self._close(frame)
                if frame.anchor:
                    self.anchors[frame.anchor] = (value, frame.size, frame.mark)
                self._add(value, frame.mark, frame.size, None)
            elif kind is events.AliasEvent:
                self._alias(event)
            elif kind is events.DocumentStartEvent:
                self.anchors = {}
                stack.append(_Frame([], [], None, None, (1, 1)))
            elif kind is events.DocumentEndEvent:
                holder = stack.pop().value
                self.result.documents.append(holder[0] if holder else None)
            elif kind is events.StreamEndEvent:
                return

    def _plain(self, text: str, mark: Mark) -> Any:
        try:
            return resolve_plain(text)
        except ValueError as error:  # an integer longer than Python converts (sys.int_info)
            raise _Stop(Problem(
                "BC003", f"cannot read a {len(text)}-character number: {error}", mark
            )) from None

    def _open(self, event: Any, is_mapping: bool) -> None:
        mark = (event.start_mark.line + 1, event.start_mark.column + 1)
        if len(self.stack) > self.limits.max_depth:
            raise _Stop(Problem(
                "BC004",
                f"nesting deeper than the limit of {self.limits.max_depth} levels",
                mark,
                "raise limits.maxDepth in .billcheck.yaml if this nesting is intended",
            ))
        tag = event.tag if event.tag not in (None, "!") else None
        if tag is not None and tag not in (_MAPPING_TAGS if is_mapping else _SEQUENCE_TAGS):
            raise _Stop(_unsupported_tag(tag, mark, "a mapping" if is_mapping else "a list"))
        if event.anchor:
            self.anchors[event.anchor] = _UNDER_CONSTRUCTION
        if is_mapping:
            frame = _Frame({}, {}, event.anchor, tag, mark)
        else:
            frame = _Frame([], [], event.anchor, tag, mark)
            # [document holder, top-level mapping]: this list's items are entities.
            frame.holds_entities = len(self.stack) == 2 and self.stack[1].is_mapping
        self.stack.append(frame)

    def _close(self, frame: _Frame) -> Any:
        value = frame.value
        if frame.merges:
            self._apply_merges(frame)
        if frame.tag == _TAG + "set":
            value = set(value)
        elif frame.tag in (_TAG + "omap", _TAG + "pairs"):
            value = _pairs(value, frame)
        key = id(value)
        self.positions.starts[key] = frame.mark
        self.positions.children[key] = frame.marks
        return value

    def _add(self, value: Any, mark: Mark, size: int, plain_text: str | None) -> None:
        """Put a finished node into the collection being built (plain_text: if untagged plain)."""
        frame = self.stack[-1]
        frame.size += size
        container = frame.value
        if not frame.is_mapping:
            if frame.holds_entities:
                self._count_entity(mark)
            if plain_text is not None and value.__class__ is str and _could_be_yaml11(value):
                self._note_suspect(container, len(container), plain_text, mark)
            container.append(value)
            frame.marks.append(mark)
            return
        if frame.key is _NO_KEY:
            if plain_text == "<<":
                frame.key = _MERGE
            else:
                if value.__class__ is not str:
                    _check_hashable(value, mark)
                frame.key = value
            frame.key_mark = mark
            return
        key = frame.key
        frame.key = _NO_KEY
        if key is _MERGE:
            if frame.merges is None:
                frame.merges = []
            frame.merges.append((value, mark))
        elif key in container:
            self._note_duplicate(frame, key)
        else:
            if plain_text is not None and value.__class__ is str and _could_be_yaml11(value):
                self._note_suspect(container, key, plain_text, mark)
            container[key] = value
            frame.marks[key] = (frame.key_mark, mark)

    def _count_entity(self, mark: Mark) -> None:
        self.entities += 1
        limit = self.limits.max_entities
        if limit is not None and self.entities > limit:
            raise _Stop(Problem(
                "BC004",
                f"the tree holds more than the limit of {limit} entities; "
                "this file's entities were not checked",
                mark,
                "raise limits.maxEntities in .billcheck.yaml",
            ))

    def _note_duplicate(self, frame: _Frame, key: Any) -> None:
        first = frame.marks[key][0]
        self.result.duplicates.append(Problem(
            "BC002",
            f"duplicate key '{shorten(key)}' (first defined at line {first[0]}); "
            "the first value is used",
            frame.key_mark,
            "remove one of the two keys",
        ))

    def _note_suspect(self, container: Any, key: Any, text: str, mark: Mark) -> None:
        kind = yaml11_reading(text)
        if kind is not None:
            self.result.suspects.append(Suspect(container, key, text, kind, mark))

    def _alias(self, event: Any) -> None:
        mark = (event.start_mark.line + 1, event.start_mark.column + 1)
        target = self.anchors.get(event.anchor)
        if target is None:
            raise _Stop(Problem(
                "BC001", f"YAML syntax error: found undefined alias '{event.anchor}'", mark
            ))
        if target is _UNDER_CONSTRUCTION:
            raise _Stop(Problem(
                "BC004",
                f"alias '*{event.anchor}' is inside the node it names: a recursive structure "
                "would expand without end",
                mark,
                "anchor a node that does not contain the alias",
            ))
        value, size, _ = target
        self.alias_nodes += size
        if self.alias_nodes > self.limits.max_alias_nodes:
            raise _Stop(Problem(
                "BC004",
                f"aliases expand to more than the limit of {self.limits.max_alias_nodes} nodes",
                mark,
                "raise limits.maxAliasNodes in .billcheck.yaml if these aliases are intended",
            ))
        self._count_alias_chars(value, event.anchor, mark)
        self._add(value, mark, size, None)

    def _count_alias_chars(self, value: Any, anchor: str, mark: Mark) -> None:
        limit = self.limits.max_alias_chars
        if limit is None:
            return
        # Walking the value is bounded: its nodes have just passed the alias node limit.
        self.alias_chars += text_size(value)
        if self.alias_chars > limit:
            raise _Stop(Problem(
                "BC004",
                f"aliases expand to more than the limit of {limit} characters of text "
                f"(alias '*{shorten(anchor)}')",
                mark,
                "raise limits.maxFileBytes in .billcheck.yaml if these aliases are intended",
            ))

    def _apply_merges(self, frame: _Frame) -> None:
        """Merge keys as PyYAML reads them: explicit keys win, then later `<<`, then earlier."""
        merged: dict[Any, Any] = {}
        merged_marks: dict[Any, Any] = {}
        for source, mark in frame.merges or ():
            sources = [source] if isinstance(source, dict) else source
            if not isinstance(sources, list) or not all(isinstance(s, dict) for s in sources):
                raise _Stop(Problem(
                    "BC003", "a merge key (<<) must be given a mapping or a list of mappings", mark
                ))
            for mapping in reversed(sources):
                merged.update(mapping)
                merged_marks.update(self.positions.children.get(id(mapping), {}))
        merged.update(frame.value)
        merged_marks.update(frame.marks)
        frame.value.clear()
        frame.value.update(merged)
        frame.marks = merged_marks

    def _scalar(self, event: Any, mark: Mark) -> Any:
        """The value of a scalar event that is quoted, a block scalar or explicitly tagged."""
        tag = event.tag
        text = event.value
        if tag is None or tag == "!":
            return text
        constructor = _SCALAR_TAGS.get(tag)
        if constructor is None:
            raise _Stop(_unsupported_tag(tag, mark, "a scalar"))
        try:
            return constructor(text)
        except (ValueError, binascii.Error) as error:
            shown = tag.replace(_TAG, "!!")
            message = f"cannot read {text!r} as {shown}: {error}"
            raise _Stop(Problem("BC003", message, mark)) from None


def _unsupported_tag(tag: str, mark: Mark, kind: str) -> Problem:
    shown = tag.replace(_TAG, "!!")
    if tag in _SCALAR_TAGS or tag in _MAPPING_TAGS or tag in _SEQUENCE_TAGS:
        message = f"the YAML tag '{shown}' cannot be put on {kind}"
    else:
        message = f"unsupported YAML tag '{shown}': billcheck reads plain data only"
    return Problem("BC003", message, mark, "remove the tag")


def _check_hashable(key: Any, mark: Mark) -> None:
    try:
        hash(key)
    except TypeError:
        raise _Stop(Problem(
            "BC003", "a mapping key must be a scalar, not a collection", mark
        )) from None


def _pairs(items: list[Any], frame: _Frame) -> list[tuple[Any, Any]]:
    pairs = []
    for item in items:
        if not isinstance(item, dict) or len(item) != 1:
            raise _Stop(Problem(
                "BC003", "an ordered map (!!omap, !!pairs) holds single-key mappings", frame.mark
            ))
        pairs.append(next(iter(item.items())))
    return pairs


def _split_sign(text: str) -> tuple[int, str]:
    """The sign of a number written with an optional leading '+' or '-', and the rest."""
    if text[:1] == "-":
        return -1, text[1:]
    if text[:1] == "+":
        return 1, text[1:]
    return 1, text


def _to_int(text: str) -> int:
    """`!!int`: the core schema's forms as YAML 1.2 reads them, other forms as PyYAML does."""
    core = _CORE_NUMBER.fullmatch(text)
    if core is not None and core.lastgroup in ("int", "oct", "hex"):
        return resolve_plain(text)  # type: ignore[no-any-return]
    sign, value = _split_sign(text.replace("_", ""))
    if value.startswith("0b"):
        return sign * int(value[2:], 2)
    if value.startswith("0x"):
        return sign * int(value[2:], 16)
    if value.startswith("0") and value != "0":
        return sign * int(value, 8)
    if ":" in value:
        return sign * _sexagesimal(value, int)
    return sign * int(value)


def _to_float(text: str) -> float:
    """`!!float` as PyYAML reads it (underscores, `.inf`, `.nan`, base 60)."""
    sign, value = _split_sign(text.replace("_", "").lower())
    if value == ".inf":
        return sign * float("inf")
    if value == ".nan":
        return float("nan")
    if ":" in value:
        return sign * _sexagesimal(value, float)
    return sign * float(value)


def _sexagesimal(value: str, number: Any) -> Any:
    total = number(0)
    for part in value.split(":"):
        total = total * 60 + number(part)
    return total


def _to_bool(text: str) -> bool:
    """`!!bool` as PyYAML reads it: true/false, yes/no, on/off in any casing."""
    lowered = text.lower()
    if lowered in ("true", "yes", "on"):
        return True
    if lowered in ("false", "no", "off"):
        return False
    raise ValueError("not a boolean")


def _to_null(text: str) -> None:
    if text not in _NULLS:
        raise ValueError("not a null")


def _to_binary(text: str) -> bytes:
    return base64.decodebytes(text.encode("ascii"))


def _to_timestamp(text: str) -> datetime.date | datetime.datetime:
    match = _TIMESTAMP.match(text)
    if match is None:
        raise ValueError("not a timestamp")
    parts = match.groupdict()
    day = datetime.date(int(parts["year"]), int(parts["month"]), int(parts["day"]))
    if parts["hour"] is None:
        return day
    fraction = (parts["fraction"] or "")[:6].ljust(6, "0")
    tzinfo = None
    if parts["tz_sign"]:
        delta = datetime.timedelta(
            hours=int(parts["tz_hour"]), minutes=int(parts["tz_minute"] or 0)
        )
        tzinfo = datetime.timezone(-delta if parts["tz_sign"] == "-" else delta)
    elif parts["tz"]:
        tzinfo = datetime.timezone.utc
    return datetime.datetime(
        day.year, day.month, day.day, int(parts["hour"]), int(parts["minute"]),
        int(parts["second"]), int(fraction), tzinfo=tzinfo,
    )


_SCALAR_TAGS: dict[str, Callable[[str], Any]] = {
    _TAG + "str": str,
    _TAG + "int": _to_int,
    _TAG + "float": _to_float,
    _TAG + "bool": _to_bool,
    _TAG + "null": _to_null,
    _TAG + "binary": _to_binary,
    _TAG + "timestamp": _to_timestamp,
}
_MAPPING_TAGS = frozenset({_TAG + "map", _TAG + "set"})
_SEQUENCE_TAGS = frozenset({_TAG + "seq", _TAG + "omap", _TAG + "pairs"})


def text_size(value: Any) -> int:
    """The characters of every string key and string scalar inside a loaded value."""
    total = 0
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            total += len(item)
        elif isinstance(item, dict):
            stack.extend(item)
            stack.extend(item.values())
        elif isinstance(item, (list, set, tuple)):
            stack.extend(item)
    return total
