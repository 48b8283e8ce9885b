"""Stage one of the pipeline: the config tree's files → entities and load findings.

Each file is read, parsed and split into entities on its own, so a broken file yields
its findings (BC001–BC004, and BC002/BC005/BC101/BC103 for structure) and the other
files are still checked. A file with a syntax error, unreadable content or a broken limit
contributes no entities and no other findings.
"""

from __future__ import annotations

import codecs
import re
from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from .entities import COLLECTIONS, Entity
from .findings import Finding, Location, close_match, shorten
from .tree import ReadProblem, SourceFile, read_text
from .yamlload import Limits, LoadResult, Positions, Problem, Suspect, load

DATE_FIELDS = frozenset({
    "startDate", "endDate", "billEpoch", "dayEpoch", "weekEpoch", "monthEpoch", "yearEpoch",
})
SUPPRESSION = re.compile(r"#\s*billcheck:\s*ignore\[([A-Za-z0-9_,\s]*)\]")


@dataclass(frozen=True)
class LoadLimits:
    """The resource limits of SPEC §2, configurable under `limits:` in the config file."""

    max_file_bytes: int = 64 * 1024 * 1024
    max_total_bytes: int = 1024 * 1024 * 1024
    max_depth: int = 100
    max_alias_nodes: int = 10_000
    max_entities: int = 2_000_000


@dataclass
class Suppression:
    """One `# billcheck: ignore[...]` comment: where it is and which rule ids it names."""

    path: str
    line: int
    rules: frozenset[str]
    used: bool = False


@dataclass(frozen=True)
class TextSource:
    """A config document that is not read from disk (standard input), under a display name."""

    display: str
    data: bytes


@dataclass
class LoadedTree:
    """Every entity of the tree in file order, the load findings, and the comments that silence.

    `paths` lists every file read (display paths, in order); `texts` keeps the text of the
    documents that do not live on disk, so a reporter can still quote their lines.
    """

    entities: list[Entity] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    suppressions: list[Suppression] = field(default_factory=list)
    files: int = 0
    suspects: list[tuple[str, Suspect]] = field(default_factory=list)
    paths: list[str] = field(default_factory=list)
    texts: dict[str, str] = field(default_factory=dict)


def load_tree(files: Sequence[SourceFile | TextSource], limits: LoadLimits) -> LoadedTree:
    """Read, parse and split every file (or text under its display name); never raises."""
    tree = LoadedTree()
    total_bytes = 0
    for file in files:
        tree.files += 1
        tree.paths.append(file.display)
        text, problem = _text_of(file, limits.max_file_bytes)
        if problem is not None:
            tree.findings.append(Finding(
                problem.rule, "error", problem.message, Location(file.display, *problem.mark),
                hint=problem.hint,
            ))
            continue
        assert text is not None
        if isinstance(file, TextSource):
            tree.texts[file.display] = text
        total_bytes += len(text.encode("utf-8"))
        if total_bytes > limits.max_total_bytes:
            tree.findings.append(_total_size_finding(file.display, limits.max_total_bytes))
            continue
        yaml_limits = Limits(
            max_depth=limits.max_depth, max_alias_nodes=limits.max_alias_nodes,
            max_alias_chars=limits.max_file_bytes,
            max_entities=limits.max_entities, entities_before=len(tree.entities),
        )
        fatal = _add_file(tree, file.display, load(text, yaml_limits), limits.max_entities)
        tree.suppressions.extend(_usable_suppressions(find_suppressions(file.display, text), fatal))
    return tree


def _usable_suppressions(found: list[Suppression], fatal: Finding | None) -> list[Suppression]:
    """The comments of a file that may silence something (all, unless the file is broken).

    A broken file contributes no finding but the one that broke it, so of its comments only
    those that would silence that finding are kept; the rest are not reported as unused.
    """
    if fatal is None:
        return found
    lines = (fatal.location.line, fatal.location.line - 1)
    return [s for s in found if s.line in lines and fatal.rule in s.rules]


def _text_of(
    source: SourceFile | TextSource, max_bytes: int
) -> tuple[str | None, ReadProblem | None]:
    if isinstance(source, SourceFile):
        return read_text(source, max_bytes)
    data = source.data.removeprefix(codecs.BOM_UTF8)
    if len(data) > max_bytes:
        return None, ReadProblem(
            "BC004", f"input is {len(data)} bytes, over the limit of {max_bytes} bytes per file",
            hint="raise limits.maxFileBytes in .billcheck.yaml if it is meant to be this big",
        )
    try:
        return data.decode("utf-8"), None
    except UnicodeDecodeError as error:
        line_start = data.rfind(b"\n", 0, error.start) + 1
        column = len(data[line_start:error.start].decode("utf-8", "replace")) + 1
        return None, ReadProblem(
            "BC003",
            f"input is not valid UTF-8: byte 0x{data[error.start]:02X} cannot be decoded",
            (data.count(b"\n", 0, error.start) + 1, column),
            "send the document as UTF-8",
        )


def _total_size_finding(path: str, limit: int) -> Finding:
    return Finding(
        "BC004", "error",
        f"the tree is over the limit of {limit} bytes in all; this file was not read",
        Location(path, 1, 1),
        hint="raise limits.maxTotalBytes in .billcheck.yaml, or check fewer paths",
    )


def find_suppressions(path: str, text: str) -> list[Suppression]:
    """Every `# billcheck: ignore[BC302, ...]` comment in a file's text."""
    if "billcheck:" not in text:
        return []
    found = []
    for number, line in enumerate(text.splitlines(), start=1):
        match = SUPPRESSION.search(line)
        if match:
            parts = (part.strip() for part in match.group(1).split(","))
            rules = frozenset(part.upper() for part in parts if part)
            found.append(Suppression(path, number, rules))
    return found


def _add_file(
    tree: LoadedTree, path: str, loaded: LoadResult, max_entities: int
) -> Finding | None:
    """Add a loaded file's entities and findings; return the finding that broke it, if any."""
    fatal = _fatal_finding(tree, path, loaded, max_entities)
    if fatal is not None:
        tree.findings.append(fatal)
    return fatal


def _fatal_finding(
    tree: LoadedTree, path: str, loaded: LoadResult, max_entities: int
) -> Finding | None:
    if loaded.fatal is not None:
        return _problem_finding(path, loaded.fatal)
    file_entities: list[Entity] = []
    file_findings = [_problem_finding(path, problem) for problem in loaded.duplicates]
    for document in loaded.documents:
        if document is None:
            continue
        if not isinstance(document, dict):
            return _not_a_mapping(path, document, loaded.positions)
        file_findings.extend(
            _split_document(document, path, loaded.positions, file_entities, len(tree.entities))
        )
    if len(tree.entities) + len(file_entities) > max_entities:
        return Finding(
            "BC004", "error",
            f"the tree holds more than the limit of {max_entities} entities; "
            "this file's entities were not checked",
            Location(path, 1, 1),
            hint="raise limits.maxEntities in .billcheck.yaml",
        )
    tree.entities.extend(file_entities)
    tree.findings.extend(file_findings)
    tree.suspects.extend((path, suspect) for suspect in loaded.suspects)
    return None


def _problem_finding(path: str, problem: Problem) -> Finding:
    return Finding(problem.rule, "error", problem.message, Location(path, *problem.mark),
                   hint=problem.hint)


def _not_a_mapping(path: str, document: Any, positions: Positions) -> Finding:
    what = "a list" if isinstance(document, list) else f"the scalar {shorten(repr(document))}"
    line, column = positions.start(document) or (1, 1)
    return Finding(
        "BC003", "error",
        f"a config document must be a mapping of collections (accounts:, plans:, ...), not {what}",
        Location(path, line, column),
        hint="start the document with a collection key such as 'accounts:'",
    )


def _split_document(
    document: dict[Any, Any], path: str, positions: Positions, out: list[Entity], offset: int
) -> Iterable[Finding]:
    """Turn one document's collections into entities, reporting what is not a collection."""
    for key, value in document.items():
        kind = COLLECTIONS.get(key) if isinstance(key, str) else None
        if kind is None:
            yield _unknown_collection(key, path, positions.key_mark(document, key))
            continue
        value_mark = positions.value_mark(document, key) or (1, 1)
        if kind == "organization":
            if isinstance(value, dict):
                out.append(Entity(kind, value, path, positions, value_mark, offset + len(out)))
            else:
                yield _wrong_shape(key, "a mapping", path, value_mark)
            continue
        if value is None:
            continue
        if not isinstance(value, list):
            yield _wrong_shape(key, "a list", path, value_mark)
            continue
        for index, item in enumerate(value):
            mark = positions.value_mark(value, index) or value_mark
            out.append(Entity(kind, item, path, positions, mark, offset + len(out)))


def _unknown_collection(key: Any, path: str, mark: tuple[int, int] | None) -> Finding:
    close = close_match(key, COLLECTIONS)
    message = f"unknown top-level key '{shorten(key)}'"
    hint = "top-level keys: " + ", ".join(COLLECTIONS)
    if close:
        message += f" (did you mean '{close}'?)"
        hint = f"rename '{shorten(key)}' to '{close}'"
    return Finding("BC101", "error", message, Location(path, *(mark or (1, 1))), hint=hint)


def _wrong_shape(key: str, shape: str, path: str, mark: tuple[int, int]) -> Finding:
    return Finding(
        "BC103", "error", f"'{key}' must be {shape} of entities", Location(path, *mark),
    )


def yaml11_findings(
    suspects: Iterable[tuple[str, Suspect]], entities: Sequence[Entity], flagged: set[Location]
) -> list[Finding]:
    """BC005: plain scalars read as strings that YAML 1.1 readers would read otherwise.

    A date-looking value in a date field is what the field wants and is not reported, nor is
    a value that already has a schema finding (`flagged`).
    """
    starts: dict[str, list[tuple[int, Entity]]] = {}
    for entity in entities:
        starts.setdefault(entity.path, []).append((entity.mark[0], entity))
    findings = []
    for path, suspect in suspects:
        if suspect.kind == "date" and suspect.key in DATE_FIELDS:
            continue
        location = Location(path, *suspect.mark)
        if location in flagged:
            continue
        owner = _entity_at(starts.get(path, []), suspect.mark[0])
        findings.append(Finding(
            "BC005", "warning",
            f"unquoted {suspect.text!r} is a string to billcheck (YAML 1.2) but a "
            f"{suspect.kind} to YAML 1.1 readers",
            location,
            owner.ref if owner else None,
            f"quote it: \"{suspect.text}\"",
            (owner.mark[0],) if owner else (),
        ))
    return findings


def _entity_at(starts: list[tuple[int, Entity]], line: int) -> Entity | None:
    index = bisect_right(starts, line, key=lambda pair: pair[0]) - 1
    return starts[index][1] if index >= 0 else None
