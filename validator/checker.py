"""The validate pipeline: load → schema → model → rules → one finished result.

Nothing here prints or exits; the CLI hands the result to a reporter and picks the exit
status. Severity overrides, `--select` / `--ignore` and inline suppressions are applied
here, after the rules, so a rule never needs to know about them.
"""

from __future__ import annotations

import datetime
import gc
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from .config import Config
from .engine import RULES, all_rules, run_rules
from .entities import Entity
from .findings import SEVERITY_RANK, Finding, Location, Severity
from .loading import LoadedTree, Suppression, TextSource, load_tree, yaml11_findings
from .model import Model
from .tree import SourceFile, discover

if TYPE_CHECKING:
    from .cache import FileCache

UNUSED_SUPPRESSION = "BC009"
# Load findings after which a file contributes no entities at all (SPEC §2).
UNCHECKED_FILE_RULES = frozenset({"BC001", "BC003", "BC004"})


@dataclass(frozen=True)
class RuleSelection:
    """Which rules run and at which severity: config `rules:`, `--select`, `--ignore`."""

    severities: dict[str, str] = field(default_factory=dict)
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()

    def enabled(self, rule_id: str) -> bool:
        """Whether a rule's findings are kept (ids or prefixes such as `BC3`).

        `--select` never hides a file that could not be read (BC001, BC003, BC004): its
        entities were not checked at all, so a selected rule could not have run on them.
        Only `--ignore` or `off` in the config file silence those.
        """
        if (
            self.select
            and rule_id not in UNCHECKED_FILE_RULES
            and not any(rule_id.startswith(p) for p in self.select)
        ):
            return False
        if any(rule_id.startswith(p) for p in self.ignore):
            return False
        return self.severities.get(rule_id) != "off"

    def severity(self, finding: Finding) -> Severity:
        """The configured severity of a finding's rule, else its own."""
        level = self.severities.get(finding.rule)
        return level if level in SEVERITY_RANK else finding.severity  # type: ignore[return-value]


@dataclass(frozen=True)
class CheckResult:
    """The finished result of a validate run: sorted findings, file count, and the model.

    `paths` lists every file checked (display paths, sorted); `texts` holds the text of
    documents that were not read from disk (standard input); `baselined` counts findings
    a baseline file accepted and left out (None when no baseline was used).
    """

    findings: list[Finding]
    files: int
    model: Model
    paths: list[str] = field(default_factory=list)
    texts: dict[str, str] = field(default_factory=dict)
    baselined: int | None = None

    def counts(self) -> dict[str, int]:
        """Findings per severity, as the summary shows them."""
        counts = {"error": 0, "warning": 0, "info": 0}
        for finding in self.findings:
            counts[finding.severity] += 1
        return counts

    def fails(self, fail_on: str) -> bool:
        """Whether any finding is at or above the `--fail-on` severity."""
        threshold = SEVERITY_RANK[fail_on]
        return any(SEVERITY_RANK[f.severity] >= threshold for f in self.findings)


def check_paths(
    paths: Sequence[str], config: Config, selection: RuleSelection, cwd: Path,
    as_of: datetime.date | None = None, stdin: TextSource | None = None,
    cache: FileCache | None = None,
) -> CheckResult:
    """Run the whole pipeline over the files under `paths`, and the `stdin` document if given.

    The stdin document takes its place among the files by its display name, and replaces
    a file of that name (an editor checks the unsaved buffer, not the file on disk).
    With a `cache`, files read before are not parsed or schema-checked again.
    """
    sources: list[SourceFile | TextSource] = list(discover(paths, config.exclude, cwd))
    if stdin is not None:
        sources = [s for s in sources if s.display != stdin.display] + [stdin]
        sources.sort(key=lambda source: source.display)
    with collector_paused():
        tree = load_tree(sources, config.limits, cache, lazy=cache is not None)
        return check_tree(tree, selection, cache)


def check_tree_with_entities(
    paths: Sequence[str], config: Config, cwd: Path
) -> tuple[list[Entity], CheckResult]:
    """Every entity of the tree (schema errors included) and the check of it, uncached.

    For commands that need the entities as written besides the result (show, diff);
    rule severities come from the config. Raises tree.MissingPath for a missing path.
    """
    with collector_paused():
        tree = load_tree(discover(paths, config.exclude, cwd), config.limits)
        return tree.entities, check_tree(tree, RuleSelection(config.rules))


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while the pipeline builds its objects.

    Loading a large tree allocates millions of dicts, lists and strings that live until
    the run ends and hold no reference cycles; left on, the collector would scan them over
    and over (a quarter of the load time on a 5,000-account tree).
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            # Freezing first keeps the collector, once on again, from walking every object
            # the run allocated; they are still freed by reference counting.
            gc.freeze()
            gc.enable()


def check_tree(
    tree: LoadedTree, selection: RuleSelection, cache: FileCache | None = None
) -> CheckResult:
    """Schema, model and rules over a loaded tree.

    A tree loaded lazily (through the cache) is checked by `incremental.check_loaded`,
    which re-runs rules only where files changed.
    """
    if tree.lazy:
        assert cache is not None, "a lazily loaded tree is checked through the cache"
        from .incremental import check_loaded

        enabled = [rule for rule in all_rules() if selection.enabled(rule.id)]
        findings, model = check_loaded(tree, enabled, cache)
    else:
        findings, model = _check_entities(tree, selection)
    return CheckResult(
        _finish(findings, tree.suppressions, selection), tree.files, model,
        list(tree.paths), dict(tree.texts),
    )


def _check_entities(tree: LoadedTree, selection: RuleSelection) -> tuple[list[Finding], Model]:
    """The findings (before selection and suppressions) and model of a tree of entities."""
    findings = list(tree.findings)
    valid: list[Entity] = []
    invalid: list[Entity] = []
    schema = tree.schema
    if len(schema) != len(tree.entities):
        from .schema import check_entity

        schema = [check_entity(entity) for entity in tree.entities]
    for entity, problems in zip(tree.entities, schema, strict=True):
        if problems:
            findings.extend(problems)
            invalid.append(entity)
        else:
            valid.append(entity)
    flagged = {f.location for f in findings if f.rule == "BC103"}
    findings.extend(yaml11_findings(tree.suspects, tree.entities, flagged))
    model = Model(valid, invalid)
    findings.extend(run_rules(model, selection.enabled))
    return findings, model


def _finish(
    findings: Iterable[Finding], suppressions: list[Suppression], selection: RuleSelection
) -> list[Finding]:
    """Apply selection, severities and suppressions; sort."""
    by_line = _by_line(suppressions)
    kept = [
        finding.with_severity(selection.severity(finding))
        for finding in findings
        if selection.enabled(finding.rule) and not _suppressed(finding, by_line)
    ]
    if selection.enabled(UNUSED_SUPPRESSION):
        kept.extend(_unused(suppressions, selection))
    return sorted(set(kept), key=Finding.sort_key)


# (path, line) → the suppressions written there, each with its place in the tree's list.
SuppressionsByLine = dict[tuple[str, int], list[tuple[int, Suppression]]]


def _by_line(suppressions: list[Suppression]) -> SuppressionsByLine:
    by_line: SuppressionsByLine = {}
    for index, suppression in enumerate(suppressions):
        by_line.setdefault((suppression.path, suppression.line), []).append((index, suppression))
    return by_line


def _suppressed(finding: Finding, by_line: SuppressionsByLine) -> bool:
    """Whether a comment on the finding's line, the line above, or above its entity silences it.

    Of several comments that would, the first in the tree is the one marked used.
    """
    if not by_line:
        return False
    path = finding.location.path
    lines = {finding.location.line, finding.location.line - 1}
    lines.update(line - 1 for line in finding.anchor_lines)
    matching = [
        (index, suppression)
        for line in lines
        for index, suppression in by_line.get((path, line), ())
        if finding.rule in suppression.rules
    ]
    if not matching:
        return False
    min(matching, key=lambda item: item[0])[1].used = True
    return True


def _unused(suppressions: list[Suppression], selection: RuleSelection) -> list[Finding]:
    findings = []
    for suppression in suppressions:
        if suppression.used or not all(selection.enabled(r) for r in suppression.rules):
            continue
        names = ", ".join(sorted(suppression.rules)) or "no rule"
        finding = Finding(
            UNUSED_SUPPRESSION, "info",
            f"suppression comment for {names} silences nothing",
            Location(suppression.path, suppression.line, 1),
            hint="remove the comment, or fix the rule id it names",
        )
        findings.append(finding.with_severity(selection.severity(finding)))
    return findings


def known_rule_ids() -> set[str]:
    """Every registered rule id (for validating --select / --ignore)."""
    all_rules()
    return set(RULES)
