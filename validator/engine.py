"""The rule registry and the engine that runs rules over the resolved model.

A rule is a short function registered with `@rule(id, slug, severity)`; its docstring is
its user documentation (summary, "Why is this bad?", "Example", "Use instead"), printed
by `billcheck explain` and rendered into docs/rules.md. A rule yields `Report`s; the
engine turns them into findings, stamping the rule id and the configured severity, so no
rule reads the config.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Literal

from .entities import Entity
from .findings import Finding, Location, Severity
from .model import Model


@dataclass(frozen=True)
class Report:
    """What a rule found: the entity it belongs to, the message, where, and a fix hint."""

    entity: Entity
    message: str
    location: Location | None = None
    hint: str | None = None


RuleCheck = Callable[[Model], Iterable[Report]]
# "tree": a finding may depend on anything in the model. "account": the rule's finding
# about an entity depends only on that entity's account group (accounts linked by
# parentAccount, their account plans and contracts) and on the entities that belong to no
# account (organization, products, plans, templates, pricings...); a finding about such an
# entity depends on those alone. The load cache keeps "account" findings per group, so a
# change to one account's file re-runs those rules on that group only (validator/incremental.py).
Scope = Literal["tree", "account"]


@dataclass(frozen=True)
class Rule:
    """A registered rule: stable id, slug, default severity, documentation, and its check.

    Rules of the loading and schema stages (BC0xx, BC1xx) are reported by those stages and
    have no check of their own here.
    """

    id: str
    slug: str
    severity: Severity
    doc: str
    check: RuleCheck | None
    scope: Scope = "tree"

    @property
    def summary(self) -> str:
        """The first paragraph of the documentation, on one line."""
        paragraph = self.doc.strip().split("\n\n", 1)[0]
        return " ".join(paragraph.split()) or self.slug


RULES: dict[str, Rule] = {}


def rule(
    rule_id: str, slug: str, severity: Severity, scope: Scope = "tree"
) -> Callable[[RuleCheck], RuleCheck]:
    """Register a rule check under a stable id (see `Scope` for `scope`)."""

    def register(check: RuleCheck) -> RuleCheck:
        _register(rule_id, slug, severity, check.__doc__ or "", check, scope)
        return check

    return register


def documented(rule_id: str, slug: str, severity: Severity, doc: str) -> None:
    """Register a rule reported by the loading or schema stage (documentation only)."""
    _register(rule_id, slug, severity, doc, None)


def _register(
    rule_id: str, slug: str, severity: Severity, doc: str, check: RuleCheck | None,
    scope: Scope = "tree",
) -> None:
    if rule_id in RULES:
        raise ValueError(f"rule {rule_id} registered twice")
    RULES[rule_id] = Rule(rule_id, slug, severity, inspect.cleandoc(doc), check, scope)


def all_rules() -> list[Rule]:
    """Every rule, sorted by id (imports the rule modules on first use)."""
    from . import rules  # noqa: F401  (registers the rules)

    return [RULES[rule_id] for rule_id in sorted(RULES)]


def run_rules(model: Model, enabled: Callable[[str], bool]) -> Iterator[Finding]:
    """Every finding of the enabled semantic rules, at their default severities."""
    for registered in all_rules():
        if registered.check is None or not enabled(registered.id):
            continue
        for report in registered.check(model):
            yield to_finding(registered, report)


def to_finding(registered: Rule, report: Report) -> Finding:
    """A rule's report as a finding of that rule."""
    entity = report.entity
    return Finding(
        registered.id,
        registered.severity,
        report.message,
        report.location or entity.location(),
        entity.ref,
        report.hint,
        (entity.mark[0],),
    )
