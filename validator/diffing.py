"""What a change does to billing (SPEC §5, `billcheck diff`), computed as plain data.

Two sides (BASE and HEAD) are each loaded and validated with the same config; then:

- *entities* are matched by kind and code. Entities without a code are matched by what
  identifies them on the platform: an account plan by account, product (the products of
  its plan or plan group; the plan / planGroup code when that does not resolve) and
  startDate; a pricing by plan / planTemplate, aggregation and startDate; a counter
  pricing by plan / planTemplate, counter and startDate; the organization is one entity.
  Anything else without a code (an entity with a schema error) matches only an identical
  entity. Matched entities are compared field by field (top-level fields; a nested value
  such as pricingBands is shown whole). Entities sharing a key pair up in file order.
- *findings* are matched by rule, entity and message (never by line), as baselines match
  them (`baseline.finding_key`); each finding matches at most one on the other side.
- *bills*: both sides are previewed over the window with the same usage files, and every
  bill whose total differs is listed with both totals; a bill on one side only has 0 on
  the other. A bill is keyed by account, bill date and currency, so an account whose
  currency changes shows its old bills going to 0 and its new ones coming from 0.
"""

from __future__ import annotations

import json
import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from .baseline import finding_key
from .checker import CheckResult, check_tree_with_entities
from .config import Config
from .entities import KINDS, Entity
from .findings import Finding
from .model import Model
from .preview.document import Preview
from .preview.engine import PreviewRequest, run_preview
from .preview.schedule import Window
from .preview.usage import UsageSource

BillKey = tuple[str, date, str]  # account, bill date, currency
Pairs = tuple[tuple[str, str], ...]
_KIND_ORDER = {kind: index for index, kind in enumerate(KINDS)}
_OWNERS = ("plan", "planTemplate")


@dataclass(frozen=True)
class Side:
    """One side of the change, validated: every entity as written, and the check result."""

    label: str
    entities: list[Entity]
    result: CheckResult

    @property
    def model(self) -> Model:
        """The side's resolved model (valid entities only)."""
        return self.result.model

    @property
    def errors(self) -> list[Finding]:
        """The side's error findings (after the config's severities)."""
        return [finding for finding in self.result.findings if finding.severity == "error"]


def load_side(label: str, targets: Sequence[str], config: Config, cwd: Path) -> Side:
    """Load and validate the files under `targets` (relative to `cwd`) as one side."""
    entities, result = check_tree_with_entities(targets, config, cwd)
    return Side(label, entities, result)


# -- entities ---------------------------------------------------------------------------


@dataclass(frozen=True)
class EntityChange:
    """An entity added, removed or changed.

    `match` says how an entity without a code was identified (`(("account", "acme"),
    ("product", "api"), ("startDate", "2025-01-01"))`), empty for one with a code.
    `fields` lists a changed entity's fields as (name, before, after); None is absent.
    """

    kind: str
    code: str | None
    match: Pairs = ()
    fields: tuple[tuple[str, Any, Any], ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """The entity as SPEC §5 lists it: kind, code, and for a change its fields."""
        data: dict[str, Any] = {"kind": self.kind, "code": self.code}
        if self.fields:
            data["fields"] = {
                name: [json_value(before), json_value(after)]
                for name, before, after in self.fields
            }
        return data

    def sort_key(self) -> tuple[Any, ...]:
        """Kinds in the order of the SPEC's collections, then code, then match."""
        return (_KIND_ORDER.get(self.kind, len(KINDS)), self.code or "", self.match)


@dataclass(frozen=True)
class EntityDiff:
    """The entities HEAD adds, removes and changes."""

    added: list[EntityChange] = field(default_factory=list)
    removed: list[EntityChange] = field(default_factory=list)
    changed: list[EntityChange] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.added) + len(self.removed) + len(self.changed)


def entity_changes(base: Side, head: Side) -> EntityDiff:
    """Match the entities of both sides and compare the matched ones field by field."""
    before = _by_identity(base)
    after = _by_identity(head)
    diff = EntityDiff()
    for key in before.keys() | after.keys():
        olds, news = before.get(key, []), after.get(key, [])
        for old, new in zip(olds, news, strict=False):
            fields = changed_fields(old.entity.data, new.entity.data)
            if fields:
                diff.changed.append(_change(new, fields))
        diff.removed.extend(_change(old) for old in olds[len(news):])
        diff.added.extend(_change(new) for new in news[len(olds):])
    for changes in (diff.added, diff.removed, diff.changed):
        changes.sort(key=EntityChange.sort_key)
    return diff


@dataclass(frozen=True)
class _Identified:
    entity: Entity
    match: Pairs  # shown to the user for an entity without a code


def _change(item: _Identified, fields: Iterable[tuple[str, Any, Any]] = ()) -> EntityChange:
    return EntityChange(item.entity.kind, item.entity.code, item.match, tuple(fields))


def _by_identity(side: Side) -> dict[tuple[Any, ...], list[_Identified]]:
    found: dict[tuple[Any, ...], list[_Identified]] = defaultdict(list)
    for entity in side.entities:
        key, match = identity(entity, side.model)
        found[(entity.kind, key)].append(_Identified(entity, match))
    return found


def identity(entity: Entity, model: Model) -> tuple[Pairs, Pairs]:
    """What matches `entity` across sides, and how to show it (empty when it has a code)."""
    if entity.kind == "organization":
        return (), ()
    if entity.code is not None:
        return (("code", entity.code),), ()
    if isinstance(entity.data, dict):
        pairs = _codeless_identity(entity, model)
        if pairs is not None:
            return pairs, pairs
    # Nothing identifies it: only an identical entity is the same one.
    where = (("at", f"{entity.path}:{entity.mark[0]}"),)
    return (("data", _canonical(entity.data)),), where


def _codeless_identity(entity: Entity, model: Model) -> Pairs | None:
    if entity.kind == "accountPlan":
        products = model.products_of(entity)
        if products:
            product: tuple[str, str] = ("product", ", ".join(products))
        else:
            attached = "plan" if "plan" in entity.data else "planGroup"
            product = (attached, _token(entity.get(attached)))
        return (("account", _token(entity.get("account"))), product,
                ("startDate", _token(entity.get("startDate"))))
    if entity.kind in ("pricing", "counterPricing"):
        owner = next((name for name in _OWNERS if name in entity.data), "plan")
        measured = "aggregation" if entity.kind == "pricing" else "counter"
        return ((owner, _token(entity.get(owner))), (measured, _token(entity.get(measured))),
                ("startDate", _token(entity.get("startDate"))))
    return None


def _token(value: Any) -> str:
    return value if isinstance(value, str) else _canonical(value)


def _canonical(value: Any) -> str:
    return json.dumps(json_value(value), sort_keys=True, ensure_ascii=False)


def changed_fields(before: Any, after: Any) -> list[tuple[str, Any, Any]]:
    """(name, before, after) of every top-level field that differs, in the order written."""
    if not isinstance(before, dict) or not isinstance(after, dict):
        return [] if same_value(before, after) else [("(entity)", before, after)]
    names = list(dict.fromkeys([*before, *after]))
    return [
        (str(name), before.get(name), after.get(name))
        for name in names
        if not same_value(before.get(name), after.get(name))
    ]


def same_value(left: Any, right: Any) -> bool:
    """Equal as configuration: 10 and 10.0 are, true and 1 are not, key order does not count."""
    if isinstance(left, bool) or isinstance(right, bool):
        return type(left) is type(right) and left == right
    if isinstance(left, dict) and isinstance(right, dict):
        return left.keys() == right.keys() and all(same_value(left[k], right[k]) for k in left)
    if isinstance(left, list) and isinstance(right, list):
        return len(left) == len(right) and all(map(same_value, left, right))
    if isinstance(left, (dict, list)) or isinstance(right, (dict, list)):
        return False
    if isinstance(left, float) and isinstance(right, float) and math.isnan(left):
        return math.isnan(right)
    return bool(left == right)


def json_value(value: Any) -> Any:
    """A loaded YAML value as strict JSON: non-finite numbers become strings."""
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, dict):
        return {str(key): json_value(item) for key, item in value.items()}
    if isinstance(value, list):
        return [json_value(item) for item in value]
    return value


# -- findings ---------------------------------------------------------------------------


@dataclass(frozen=True)
class FindingDiff:
    """Findings HEAD has and BASE has not (introduced), and the other way (resolved)."""

    introduced: list[Finding]
    resolved: list[Finding]


def finding_changes(base: Sequence[Finding], head: Sequence[Finding]) -> FindingDiff:
    """Match findings by rule, entity and message; each matches at most one other."""
    return FindingDiff(_unmatched(head, base), _unmatched(base, head))


def _unmatched(findings: Sequence[Finding], others: Sequence[Finding]) -> list[Finding]:
    available = Counter(finding_key(other) for other in others)
    left = []
    for finding in findings:
        key = finding_key(finding)
        if available[key]:
            available[key] -= 1
        else:
            left.append(finding)
    return sorted(left, key=Finding.sort_key)


# -- bills ------------------------------------------------------------------------------


@dataclass(frozen=True)
class BillChange:
    """A bill whose total differs; None where the bill does not exist on that side."""

    account: str
    bill_date: date
    currency: str
    before: Decimal | None
    after: Decimal | None

    @property
    def difference(self) -> Decimal:
        """After minus before (a missing bill counts as 0)."""
        return (self.after if self.after is not None else Decimal(0)) - (
            self.before if self.before is not None else Decimal(0)
        )

    def to_dict(self) -> dict[str, str]:
        """The bill as SPEC §5 lists it; amounts are decimal strings, a missing bill "0"."""
        return {
            "account": self.account,
            "billDate": self.bill_date.isoformat(),
            "currency": self.currency,
            "before": _amount(self.before),
            "after": _amount(self.after),
            "difference": f"{self.difference:f}",
        }


def _amount(total: Decimal | None) -> str:
    return "0" if total is None else f"{total:f}"


def bill_changes(
    before: dict[BillKey, Decimal], after: dict[BillKey, Decimal]
) -> list[BillChange]:
    """Every bill whose total differs, by account, then bill date (BASE's currency first)."""
    changes = [
        BillChange(*key, before.get(key), after.get(key))
        for key in before.keys() | after.keys()
        if before.get(key) != after.get(key)
    ]
    return sorted(changes, key=lambda c: (c.account, c.bill_date, c.before is None, c.currency))


def currency_totals(changes: Iterable[BillChange]) -> dict[str, Decimal]:
    """The sum of the differences per currency, currencies in alphabetical order."""
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for change in changes:
        totals[change.currency] += change.difference
    return dict(sorted(totals.items()))


@dataclass(frozen=True)
class BillImpact:
    """The changed bills, or why they could not be computed (`changes` is then None).

    `errors` are the problems the preview itself found (malformed usage rows).
    """

    changes: list[BillChange] | None
    skipped: str | None = None
    errors: list[Finding] = field(default_factory=list)


def bill_impact(
    base: Side, head: Side, window: Window | None, usage: Sequence[UsageSource]
) -> BillImpact:
    """Preview both sides over `window` with the same usage and compare the bills.

    A side with errors cannot be previewed (the preview refuses), so then nothing is
    compared and `skipped` says which side. Raises `UnreadableUsage` like the preview.
    """
    if window is None:
        return BillImpact(None, "no preview window given (--from and --to)")
    blocked = [side.label for side in (base, head) if side.errors]
    if blocked:
        verb = "has" if len(blocked) == 1 else "have"
        return BillImpact(None, f"{' and '.join(blocked)} {verb} errors, "
                                "bill impact not computed")
    _share_usage_codes(base.model, head.model)
    request = PreviewRequest(window, tuple(usage))
    totals = []
    for side in (base, head):
        side_totals = _side_totals(side, request)
        if isinstance(side_totals, BillImpact):
            return side_totals
        totals.append(side_totals)
    return BillImpact(bill_changes(*totals))


def _side_totals(side: Side, request: PreviewRequest) -> dict[BillKey, Decimal] | BillImpact:
    """One side's bill totals (its preview is let go of once they are summed), or why not."""
    outcome = run_preview(side.model, request)
    if outcome.preview is None:
        errors = sorted(set(outcome.errors), key=Finding.sort_key)
        count = f"{len(errors)} error" + ("" if len(errors) == 1 else "s")
        return BillImpact(None, f"the preview of {side.label} found {count}, "
                                "bill impact not computed", errors)
    return preview_totals(outcome.preview)


def _share_usage_codes(base: Model, head: Model) -> None:
    """Let each side's usage reader know the accounts and aggregations of both sides.

    Both sides read the same usage files, so a row for an account that one side adds or
    removes is fine there and must not be a malformed row on the other side, where it is
    simply not rated (the preview reads the codes it knows from `known_codes`).
    """
    for kind in ("account", "aggregation"):
        both = base.known_codes[kind] | head.known_codes[kind]
        base.known_codes[kind] = set(both)
        head.known_codes[kind] = set(both)


def preview_totals(preview: Preview) -> dict[BillKey, Decimal]:
    """Each bill's total (the sum of its rounded lines), by account, bill date and currency."""
    return {
        (account, day, preview.currency_of(account)):
            sum((line.amount for line in lines), Decimal(0))
        for (account, day), lines in preview.bills.items()
    }


# -- the whole change -------------------------------------------------------------------


@dataclass(frozen=True)
class ChangeDiff:
    """Everything `billcheck diff` reports: entities, findings and bills."""

    entities: EntityDiff
    findings: FindingDiff
    bills: BillImpact
    window: Window | None = None  # None without --from / --to

    def document(self) -> dict[str, Any]:
        """The JSON document of SPEC §5. Without bills, `bills` is null and `billsSkipped`
        says why."""
        data: dict[str, Any] = {
            "entities": {
                "added": [change.to_dict() for change in self.entities.added],
                "removed": [change.to_dict() for change in self.entities.removed],
                "changed": [change.to_dict() for change in self.entities.changed],
            },
            "findings": {
                "introduced": [finding.to_dict() for finding in self.findings.introduced],
                "resolved": [finding.to_dict() for finding in self.findings.resolved],
            },
            "bills": None if self.bills.changes is None else [
                change.to_dict() for change in self.bills.changes
            ],
        }
        if self.bills.changes is None:
            data["billsSkipped"] = self.bills.skipped
        return data


def compare(
    base: Side, head: Side, window: Window | None = None, usage: Sequence[UsageSource] = ()
) -> ChangeDiff:
    """The whole diff of two validated sides."""
    return ChangeDiff(
        entity_changes(base, head),
        finding_changes(base.result.findings, head.result.findings),
        bill_impact(base, head, window, usage),
        window,
    )
