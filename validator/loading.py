"""Stage one of the pipeline: the config tree's files → entities and load findings.

Each file is read, parsed and split into entities on its own, so a broken file yields
its findings (BC001–BC004, and BC002/BC005/BC101/BC103 for structure) and the other
files are still checked. A file with a syntax error, unreadable content or a broken limit
contributes no entities and no other findings.
"""

from __future__ import annotations

import codecs
import marshal
import re
from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from .cache import blake2b, finding_of_row, finding_row
from .entities import COLLECTIONS, Entity
from .findings import EntityRef, Finding, Location, close_match, shorten
from .groups import file_components, links_of
from .positions import CachedPositions, Mark, Positions, Suspect, mirror
from .tree import ReadProblem, SourceFile, decode_text, read_bytes

if TYPE_CHECKING:
    from .cache import FileCache
    from .groups import FileComponents
    from .yamlload import Problem

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

    `schema` holds each entity's schema findings, in step with `entities` (empty when the
    entity is valid); `keys` the cache key of each file read through the cache. `paths`
    lists every file read (display paths, in order); `texts` keeps the text of the
    documents that do not live on disk, so a reporter can still quote their lines.

    A tree loaded `lazily` leaves `entities` and `schema` empty: `loads` has each file's
    load (display path, load, order of its first entity) and entities are made on demand.
    """

    entities: list[Entity] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    suppressions: list[Suppression] = field(default_factory=list)
    files: int = 0
    suspects: list[tuple[str, Suspect]] = field(default_factory=list)
    paths: list[str] = field(default_factory=list)
    texts: dict[str, str] = field(default_factory=dict)
    schema: list[list[Finding]] = field(default_factory=list)
    keys: dict[str, str] = field(default_factory=dict)
    lazy: bool = False
    loads: list[tuple[str, FileLoad, int]] = field(default_factory=list)


@dataclass
class FileLoad:
    """What one file holds once read: the cache keeps exactly this, plain data throughout.

    `length` is the text's size in bytes (for the total-size limit); `count` is the number
    of entities and `items` the items of top-level lists the parser met (what the entity
    limit counts while parsing, organizations aside); `codes` the codes of each kind
    (`codes_digest`, a digest of them); `groups` the file's account-group components
    (validator/groups.py); `owners` each entity's (first line, kind, code), kept only for a
    file with YAML 1.1 suspects. `entities` are (kind, data, mark) for each entity, `data`
    being the very object inside `documents` (`marshal` keeps shared objects shared, so a
    cached copy keeps this); a load read back from the cache keeps them serialised in
    `body` until `materialize()` is called. `fatal` is set when the file contributes
    nothing but `findings` (a syntax error, a document that is not a mapping). `schema` is
    each entity's schema findings, once they have been checked.
    """

    length: int
    count: int
    findings: list[Finding]
    suspects: list[Suspect]
    suppressions: list[tuple[int, frozenset[str]]]
    fatal: bool = False
    schema: list[list[Finding]] | None = None
    codes: dict[str, list[str]] = field(default_factory=dict)
    codes_digest: str = ""
    groups: FileComponents = ([], [], [])
    owners: list[tuple[int, str, str | None]] = field(default_factory=list)
    text: str | None = None  # kept for documents that are not on disk (never cached)
    documents: list[Any] | None = None
    entities: list[tuple[str, Any, Mark]] | None = None
    positions: Positions | None = None
    body: bytes | None = None
    items: int = 0

    def materialize(self) -> tuple[list[tuple[str, Any, Mark]], Positions]:
        """The entities and positions, decoded from `body` on first use."""
        if self.entities is None or self.positions is None:
            assert self.body is not None
            documents, entities, serialised = marshal.loads(self.body)
            self.documents, self.entities = documents, entities
            self.positions = CachedPositions(documents, serialised)
            self.body = None
        return self.entities, self.positions

    def make_entities(self, path: str, first_order: int) -> list[Entity]:
        """The file's entities as Entity objects, numbered from `first_order`."""
        entities, positions = self.materialize()
        return [
            Entity(kind, data, path, positions, mark, order)
            for order, (kind, data, mark) in enumerate(entities, start=first_order)
        ]


def load_tree(
    files: Sequence[SourceFile | TextSource], limits: LoadLimits, cache: FileCache | None = None,
    *, lazy: bool = False,
) -> LoadedTree:
    """Read, parse, split and schema-check every file (or text under its display name).

    Never raises. With a `cache`, a file whose entry exists is not parsed or checked
    again, and each file read afresh gets an entry; standard input is never cached.
    `lazy` leaves the entities in `loads` (see LoadedTree).
    """
    tree = LoadedTree(lazy=lazy)
    total_bytes = 0
    entity_count = 0
    for file in files:
        tree.files += 1
        tree.paths.append(file.display)
        loaded, key, problem = _load_file(file, limits, cache, entity_count)
        if problem is not None:
            tree.findings.append(Finding(
                problem.rule, "error", problem.message, Location(file.display, *problem.mark),
                hint=problem.hint,
            ))
            continue
        assert loaded is not None
        if loaded.text is not None:
            tree.texts[file.display] = loaded.text
        total_bytes += loaded.length
        if total_bytes > limits.max_total_bytes:
            tree.findings.append(_total_size_finding(file.display, limits.max_total_bytes))
            continue
        fresh = loaded.schema is None
        added, fatal = _add_file(tree, file.display, loaded, limits.max_entities, entity_count)
        entity_count += added
        tree.suppressions.extend(_usable_suppressions(
            [Suppression(file.display, line, rules) for line, rules in loaded.suppressions], fatal
        ))
        if fresh and (lazy or key is not None):
            _index(loaded)
        if cache is not None and key is not None:
            tree.keys[file.display] = key
            if fresh:
                _store(cache, key, loaded)
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


def _load_file(
    file: SourceFile | TextSource, limits: LoadLimits, cache: FileCache | None,
    entities_before: int,
) -> tuple[FileLoad | None, str | None, ReadProblem | None]:
    """The file's load from the cache or afresh, the cache key to store it under, or why not.

    A load stopped by the entity limit depends on the entities of earlier files, which no
    key covers: it is never stored, and a stored load is used only when the entities before
    it and its own top-level items stay within the limit (then a fresh parse could not stop).
    """
    if isinstance(file, TextSource):
        text, problem = _text_of(file, limits.max_file_bytes)
        if text is None:
            return None, None, problem
        loaded = _parse(text, limits, entities_before)
        loaded.text = text
        return loaded, None, None
    data, problem = read_bytes(file, limits.max_file_bytes)
    if data is None:
        return None, None, problem
    key = cache.key(file.display, data) if cache is not None else None
    if cache is not None and key is not None:
        cached = _from_entry(cache.get(key))
        if cached is not None and entities_before + cached.items <= limits.max_entities:
            return cached, key, None
    text, problem = decode_text(data)
    if text is None:
        return None, None, problem
    loaded = _parse(text, limits, entities_before)
    if entities_before + loaded.items > limits.max_entities:
        return loaded, None, None
    return loaded, key, None


def _parse(text: str, limits: LoadLimits, entities_before: int) -> FileLoad:
    """Parse one file's text and locate its entities and structural findings."""
    from .yamlload import Limits, load

    loaded = load(text, Limits(
        max_depth=limits.max_depth, max_alias_nodes=limits.max_alias_nodes,
        max_alias_chars=limits.max_file_bytes,
        max_entities=limits.max_entities, entities_before=entities_before,
    ))
    suppressions = [(s.line, s.rules) for s in find_suppressions("", text)]
    # The total-size limit counts bytes, as the per-file limit does.
    result = FileLoad(len(text.encode("utf-8")), 0, [], loaded.suspects, suppressions,
                      documents=loaded.documents, entities=[], positions=loaded.positions,
                      items=loaded.items)
    if loaded.fatal is not None:
        result.findings.append(_problem_finding("", loaded.fatal))
        result.fatal = True
        return result
    assert result.entities is not None
    result.findings.extend(_problem_finding("", problem) for problem in loaded.duplicates)
    for document in loaded.documents:
        if document is None:
            continue
        if not isinstance(document, dict):
            result.findings = [_not_a_mapping("", document, loaded.positions)]
            result.fatal = True
            result.entities.clear()
            return result
        result.findings.extend(_split_document(document, loaded.positions, result.entities))
    result.count = len(result.entities)
    return result


def _index(loaded: FileLoad) -> None:
    """Work out what later runs need without reading the entities: codes, groups, owners."""
    entities, _ = loaded.materialize()
    kinds = [kind for kind, _, _ in entities]
    links = [links_of(kind, data) for kind, data, _ in entities]
    schema = loaded.schema or [[] for _ in entities]
    codes: dict[str, list[str]] = {}
    for kind, (code, _, _) in zip(kinds, links, strict=True):
        if code is not None:
            codes.setdefault(kind, []).append(code)
    loaded.codes = codes
    loaded.codes_digest = blake2b(
        repr(sorted(codes.items())).encode("utf-8", "surrogatepass"), digest_size=16
    ).hexdigest()
    loaded.groups = file_components(kinds, links, [not problems for problems in schema])
    if loaded.suspects:
        loaded.owners = [(mark[0], kind, code)
                         for (kind, _, mark), (code, _, _) in zip(entities, links, strict=True)]


def _add_file(
    tree: LoadedTree, path: str, loaded: FileLoad, max_entities: int, first_order: int
) -> tuple[int, Finding | None]:
    """Put one file's entities, findings and suspects into the tree (unless over the limit).

    Returns the number of entities added, and the finding that broke the file, if any.
    """
    if loaded.fatal:
        fatal = [_at_path(finding, path) for finding in loaded.findings]
        tree.findings.extend(fatal)
        loaded.schema = []
        return 0, fatal[0] if fatal else None
    file_entities: list[Entity] | None = None
    if loaded.schema is None:
        from .schema import check_entity

        file_entities = loaded.make_entities(path, first_order)
        loaded.schema = [check_entity(entity) for entity in file_entities]
    if first_order + loaded.count > max_entities:
        over = Finding(
            "BC004", "error",
            f"the tree holds more than the limit of {max_entities} entities; "
            "this file's entities were not checked",
            Location(path, 1, 1),
            hint="raise limits.maxEntities in .billcheck.yaml",
        )
        tree.findings.append(over)
        return 0, over
    if tree.lazy:
        tree.loads.append((path, loaded, first_order))
    else:
        if file_entities is None:
            file_entities = loaded.make_entities(path, first_order)
        tree.entities.extend(file_entities)
        tree.schema.extend(loaded.schema)
    tree.findings.extend(_at_path(finding, path) for finding in loaded.findings)
    tree.suspects.extend((path, suspect) for suspect in loaded.suspects)
    return loaded.count, None


def _at_path(finding: Finding, path: str) -> Finding:
    """A finding of a file's load, placed in that file."""
    if finding.location.path == path:
        return finding
    return replace(finding, location=replace(finding.location, path=path))


# -- the cache entry: a FileLoad as plain data ---------------------------------------------


def _to_entry(loaded: FileLoad) -> tuple[Any, ...]:
    entities, positions = loaded.materialize() if not loaded.fatal else ([], Positions())
    documents = loaded.documents if not loaded.fatal else []
    body = marshal.dumps((documents, entities, mirror(documents or [], positions)))
    return (
        loaded.length,
        loaded.count,
        [finding_row(f) for f in loaded.findings],
        [(s.key, s.text, s.kind, s.mark) for s in loaded.suspects],
        [(line, tuple(sorted(rules))) for line, rules in loaded.suppressions],
        loaded.fatal,
        [(offset, [finding_row(f) for f in found])
         for offset, found in enumerate(loaded.schema or ()) if found],
        loaded.codes,
        loaded.codes_digest,
        loaded.groups,
        loaded.owners,
        loaded.items,
        body,
    )


def _store(cache: FileCache, key: str, loaded: FileLoad) -> None:
    """Keep a fresh load in the cache, unless marshal cannot write its data."""
    try:
        entry = _to_entry(loaded)
    except ValueError:  # a !!timestamp, or data nested too deeply: the file is just not kept
        return
    cache.put(key, entry)


def _from_entry(entry: Any) -> FileLoad | None:
    """A FileLoad from a cache entry; None for anything that is not a well-formed entry."""
    try:
        (length, count, findings, suspects, suppressions, fatal, invalid, codes, codes_digest,
         groups, owners, items, body) = entry
        schema: list[list[Finding]] = [[] for _ in range(count)]
        for offset, rows in invalid:
            schema[offset] = [finding_of_row(row) for row in rows]
        return FileLoad(
            length, count,
            [finding_of_row(row) for row in findings],
            [Suspect(None, key, text, kind, mark) for key, text, kind, mark in suspects],
            [(line, frozenset(rules)) for line, rules in suppressions],
            bool(fatal), schema, codes, codes_digest, groups, owners, body=body, items=items,
        )
    except (TypeError, ValueError, IndexError):
        return None


def _text_of(source: TextSource, max_bytes: int) -> tuple[str | None, ReadProblem | None]:
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
    document: dict[Any, Any], positions: Positions, out: list[tuple[str, Any, Mark]]
) -> Iterable[Finding]:
    """Locate one document's entities, reporting what is not a collection (path left blank)."""
    for key, value in document.items():
        kind = COLLECTIONS.get(key) if isinstance(key, str) else None
        if kind is None:
            yield _unknown_collection(key, "", positions.key_mark(document, key))
            continue
        value_mark = positions.value_mark(document, key) or (1, 1)
        if kind == "organization":
            if isinstance(value, dict):
                out.append((kind, value, value_mark))
            else:
                yield _wrong_shape(key, "a mapping", "", value_mark)
            continue
        if value is None:
            continue
        if not isinstance(value, list):
            yield _wrong_shape(key, "a list", "", value_mark)
            continue
        marks = positions.children.get(id(value)) or ()
        for number, item in enumerate(value):
            out.append((kind, item, marks[number] if number < len(marks) else value_mark))


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
    if not suspects:
        return []
    owners: dict[str, list[tuple[int, EntityRef]]] = {}
    for entity in entities:
        owners.setdefault(entity.path, []).append((entity.mark[0], entity.ref))
    return yaml11_findings_by_owner(suspects, owners, flagged)


def yaml11_findings_by_owner(
    suspects: Iterable[tuple[str, Suspect]], owners: dict[str, list[tuple[int, EntityRef]]],
    flagged: set[Location],
) -> list[Finding]:
    """BC005 as `yaml11_findings`, given each file's entities as (first line, ref) in order."""
    findings = []
    for path, suspect in suspects:
        if suspect.kind == "date" and suspect.key in DATE_FIELDS:
            continue
        location = Location(path, *suspect.mark)
        if location in flagged:
            continue
        owner = _entity_at(owners.get(path, []), suspect.mark[0])
        findings.append(Finding(
            "BC005", "warning",
            f"unquoted {suspect.text!r} is a string to billcheck (YAML 1.2) but a "
            f"{suspect.kind} to YAML 1.1 readers",
            location,
            owner[1] if owner else None,
            f"quote it: \"{suspect.text}\"",
            (owner[0],) if owner else (),
        ))
    return findings


def _entity_at(
    starts: list[tuple[int, EntityRef]], line: int
) -> tuple[int, EntityRef] | None:
    index = bisect_right(starts, line, key=lambda pair: pair[0]) - 1
    return starts[index] if index >= 0 else None
