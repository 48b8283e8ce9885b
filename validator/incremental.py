"""Checking a tree read through the cache, re-running rules only where files changed.

Rules are cross-file: they run on the whole model, and on a large tree they cost more
than reading it back from the cache. Most of them only ever relate an account to its
own group, though, and to the entities that belong to no account (the catalog); a rule
registered with scope "account" promises exactly that (see `engine.Scope`, and
validator/groups.py for what a group is).

The groups are worked out from each file's cached index, without reading any entity in
full. Each group's findings are kept in a rule record under a key made of the contents
of the files that hold the group and of the place of its first entity; the record
itself sits under a key made of the catalog's files, the files that hold entities with
schema errors, every code in the tree (rules may read `model.known_codes`), the rules
that ran and billcheck's source. A run re-runs the account-scoped rules on the catalog
plus the groups whose key is new, reading only their files in full, and reuses the
rest. Rules of scope "tree" run on the whole model, which is then read in full; so is
the result's model, on first use.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import defaultdict
from collections.abc import Hashable, Iterable, Sequence
from typing import Any

from .cache import FileCache, blake2b, finding_of_row, finding_row
from .engine import Rule, to_finding
from .entities import Entity
from .findings import EntityRef, Finding
from .groups import CATALOG, INVALID, tree_groups
from .loading import LoadedTree, yaml11_findings_by_owner
from .model import Model

_RECORD_FORMAT = 1


class _Files:
    """The lazily loaded tree: which entities are valid, and Entity objects made on demand."""

    def __init__(self, tree: LoadedTree) -> None:
        self.loads = tree.loads
        self.keys = tree.keys
        self._made: dict[int, list[Entity]] = {}

    def entities(self, index: int) -> list[Entity]:
        """The Entity objects of the `index`-th load (made once)."""
        made = self._made.get(index)
        if made is None:
            path, loaded, first = self.loads[index]
            made = self._made[index] = loaded.make_entities(path, first)
        return made

    def full_model(self) -> Model:
        """The model of the whole tree."""
        valid: list[Entity] = []
        invalid: list[Entity] = []
        for index, (_, loaded, _) in enumerate(self.loads):
            for entity, place in zip(self.entities(index), loaded.groups[1], strict=True):
                (invalid if place == INVALID else valid).append(entity)
        return Model(valid, invalid)

    def known_codes(self) -> dict[str, set[str]]:
        """The codes of every entity of the tree, valid or not, by kind."""
        known: dict[str, set[str]] = defaultdict(set)
        for _, loaded, _ in self.loads:
            for kind, codes in loaded.codes.items():
                known[kind].update(codes)
        return known


class LazyModel(Model):
    """A Model that reads the whole tree only when something first asks it a question."""

    def __init__(self, files: _Files) -> None:
        self.__dict__["_files"] = files  # Model.__init__ runs on first use, in __getattr__

    def __getattr__(self, name: str) -> Any:
        files = self.__dict__.pop("_files", None)
        if files is None:
            raise AttributeError(name)
        built = files.full_model()
        self.__dict__.update(built.__dict__)
        return getattr(self, name)


def check_loaded(
    tree: LoadedTree, rules: Sequence[Rule], cache: FileCache
) -> tuple[list[Finding], Model]:
    """The findings (before selection and suppressions) and model of a lazily loaded tree."""
    files = _Files(tree)
    findings = list(tree.findings)
    owners: dict[str, list[tuple[int, EntityRef]]] = {}
    for path, loaded, _ in tree.loads:
        for problems in loaded.schema or ():
            if problems:
                findings.extend(problems)
        if loaded.owners:
            owners[path] = [(line, EntityRef(kind, code)) for line, kind, code in loaded.owners]
    flagged = {f.location for f in findings if f.rule == "BC103"}
    findings.extend(yaml11_findings_by_owner(tree.suspects, owners, flagged))

    whole_tree = [r for r in rules if r.check is not None and r.scope != "account"]
    per_account = [r for r in rules if r.check is not None and r.scope == "account"]
    model: Model | None = files.full_model() if whole_tree else None
    if model is not None:
        findings.extend(_run(model, whole_tree))
    if per_account:
        findings.extend(_per_account(files, per_account, cache, model))
    return findings, model if model is not None else LazyModel(files)


def _run(model: Model, rules: Iterable[Rule]) -> list[Finding]:
    return [finding for _, finding in _run_pairs(model, rules)]


def _run_pairs(model: Model, rules: Iterable[Rule]) -> list[tuple[Entity, Finding]]:
    """Each finding of `rules` with the entity it belongs to."""
    return [
        (report.entity, to_finding(registered, report))
        for registered in rules if registered.check is not None
        for report in registered.check(model)
    ]


class _Groups:
    """The account groups of a lazily loaded tree, each with its key and the loads it spans."""

    def __init__(self, files: _Files) -> None:
        self.files = files
        self.firsts = [first for _, _, first in files.loads]
        self.roots = tree_groups([loaded.groups for _, loaded, _ in files.loads])
        spans: dict[Hashable, set[int]] = {}
        first: dict[Hashable, tuple[int, int]] = {}
        for index, (roots, (_, loaded, _)) in enumerate(zip(self.roots, files.loads, strict=True)):
            for root, (_, _, offset) in zip(roots, loaded.groups[0], strict=True):
                spanned = spans.get(root)
                if spanned is None:
                    spans[root] = {index}
                    first[root] = (index, offset)
                else:
                    spanned.add(index)
                    first[root] = min(first[root], (index, offset))
        self.keys: dict[Hashable, str | None] = {}
        self.loads: dict[str | None, set[int]] = defaultdict(set)
        for root, spanned in spans.items():
            key = self._key(sorted(spanned), first[root])
            self.keys[root] = key
            self.loads[key] |= spanned
        self.catalog_loads = {
            index for index, (_, loaded, _) in enumerate(files.loads) if CATALOG in loaded.groups[1]
        }
        self.invalid_loads = {
            index for index, (_, loaded, _) in enumerate(files.loads) if INVALID in loaded.groups[1]
        }

    def _key(self, spanned: list[int], first: tuple[int, int]) -> str | None:
        """A group's key: its files' contents and the place of its first entity."""
        loads, keys = self.files.loads, self.files.keys
        paths = [loads[index][0] for index in spanned]
        if not all(path in keys for path in paths):
            return None  # a file read without the cache (standard input)
        material = [loads[first[0]][0], str(first[1]), *(keys[path] for path in paths)]
        return blake2b("\0".join(material).encode("utf-8", "surrogatepass"),
                               digest_size=16).hexdigest()

    def key_of(self, entity: Entity) -> tuple[bool, str | None]:
        """(whether the entity is in a group, that group's key)."""
        index, offset = self._place(entity)
        number = self.files.loads[index][1].groups[1][offset]
        if number < 0:
            return False, None
        return True, self.keys[self.roots[index][number]]

    def _place(self, entity: Entity) -> tuple[int, int]:
        """(index of the load that holds the entity, its offset in that load)."""
        # The last load whose first entity is not after this one (loads with no entity
        # share their first order with the next load).
        index = bisect_right(self.firsts, entity.order) - 1
        return index, entity.order - self.firsts[index]


def _per_account(
    files: _Files, rules: list[Rule], cache: FileCache, model: Model | None
) -> list[Finding]:
    """Findings of the account-scoped rules: kept where their group is unchanged."""
    groups = _Groups(files)
    record_key = _record_key(files, groups.catalog_loads | groups.invalid_loads, rules, cache)
    record = _read_record(cache.get(record_key)) if record_key is not None else None
    current = set(groups.keys.values())
    catalog_rows: list[Any] | None = None
    kept: dict[str, list[Any]] = {}
    if record is not None:
        catalog_rows, kept = record
    stale = {key for key in current if key is None or key not in kept}
    if catalog_rows is not None and not stale:
        findings = [finding_of_row(row) for row in catalog_rows]
        for key in current:
            findings.extend(finding_of_row(row) for row in kept[key])  # type: ignore[index]
        return findings
    fresh: dict[str | None, list[Finding]] = {key: [] for key in stale}
    catalog: list[Finding] = []
    everything = catalog_rows is None
    for entity, finding in _run_pairs(_part_model(files, groups, model, everything, stale), rules):
        grouped, key = groups.key_of(entity)
        (fresh[key] if grouped else catalog).append(finding)
    if catalog_rows is None:
        catalog_rows = [finding_row(f) for f in catalog]
    # Otherwise the catalog's findings were kept: they do not depend on the groups re-run.
    findings = [finding_of_row(row) for row in catalog_rows]
    rows: dict[str, list[Any]] = {}
    for key in current - stale:
        assert key is not None
        rows[key] = kept[key]
        findings.extend(finding_of_row(row) for row in kept[key])
    for key, found in fresh.items():
        findings.extend(found)
        if key is not None:
            rows[key] = [finding_row(f) for f in found]
    if record_key is not None:
        cache.put(record_key, (_RECORD_FORMAT, catalog_rows, rows))
    return findings


def _part_model(
    files: _Files, groups: _Groups, model: Model | None, everything: bool,
    stale: set[str | None],
) -> Model:
    """The model the account-scoped rules re-run on: the catalog and the stale groups.

    Its `known_codes` are the whole tree's, as rules expect of any model.
    """
    if everything:
        return model if model is not None else files.full_model()
    loads = set(groups.catalog_loads)
    for key in stale:
        loads |= groups.loads[key]
    part: list[Entity] = []
    for index in sorted(loads):
        places = files.loads[index][1].groups[1]
        roots = groups.roots[index]
        part.extend(
            entity for entity, place in zip(files.entities(index), places, strict=True)
            if place == CATALOG or (place >= 0 and groups.keys[roots[place]] in stale)
        )
    sub_model = Model(part)
    sub_model.known_codes = files.known_codes()
    return sub_model


def _record_key(
    files: _Files, loads: set[int], rules: Sequence[Rule], cache: FileCache
) -> str | None:
    """The key of the whole record: the catalog's files, every code, the rules, our code."""
    paths = sorted(files.loads[index][0] for index in loads)
    if any(path not in files.keys for path in paths):
        return None
    digest = blake2b(cache.salt, digest_size=20)
    digest.update(b"rules\0" + repr([r.id for r in rules]).encode())
    for path in paths:
        digest.update(path.encode("utf-8", "surrogatepass") + b"\0" + files.keys[path].encode())
    # Rules may read the whole tree's codes (model.known_codes): they are part of the key.
    for shown, loaded, _ in files.loads:
        digest.update(f"\0{shown}\0{loaded.codes_digest}".encode("utf-8", "surrogatepass"))
    return "r" + digest.hexdigest()


def _read_record(value: Any) -> tuple[list[Any], dict[str, list[Any]]] | None:
    if not (isinstance(value, tuple) and len(value) == 3 and value[0] == _RECORD_FORMAT):
        return None
    _, catalog_rows, rows = value
    if not isinstance(catalog_rows, list) or not isinstance(rows, dict):
        return None
    return catalog_rows, rows
