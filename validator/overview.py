"""The account overview behind `billcheck show` (SPEC §3, §5), computed as plain data.

For one account: its hierarchy, its account plans by product with their status as of a
date, the effective settings and where each came from, the next bill dates, and the
validate findings that concern it. For the whole tree: every parent with its children.
Dates come from `periods` through the model, the same arithmetic the preview uses; the
command only formats what is built here.
"""

from __future__ import annotations

import datetime
import difflib
from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import periods
from .checker import UNCHECKED_FILE_RULES, CheckResult, check_tree_with_entities
from .config import Config
from .entities import Entity
from .findings import Finding
from .model import DEFAULT_CHILD_BILLING_MODE, Model, Schedule, active_interval

ACTIVE, PENDING, INACTIVE = "ACTIVE", "PENDING", "INACTIVE"
NEXT_BILL_COUNT = 3


class UnknownAccount(Exception):
    """No account in the tree has the code.

    `suggestion` is the closest account code, if any; `unread_files` are the files whose
    syntax or content kept all their entities out (the account may be written there).
    """

    def __init__(self, code: str, suggestion: str | None, unread_files: list[str]) -> None:
        super().__init__(code)
        self.code = code
        self.suggestion = suggestion
        self.unread_files = unread_files


class UnloadableAccount(Exception):
    """The account is written in the tree, but its own findings keep it out of the model."""

    def __init__(self, code: str, findings: list[Finding]) -> None:
        super().__init__(code)
        self.code = code
        self.findings = findings


@dataclass(frozen=True)
class CheckedTree:
    """A validated tree: the check result and every entity loaded, valid or not."""

    result: CheckResult
    entities: list[Entity]

    @property
    def model(self) -> Model:
        """The resolved model of the valid entities."""
        return self.result.model


@dataclass(frozen=True)
class Setting:
    """An effective value and where it came from (`accountPlan`, `account`, `organization`,
    or `default` for the SPEC default)."""

    value: Any
    source: str


@dataclass(frozen=True)
class CustomField:
    """One custom field after the organization's defaults are merged in.

    `overrides` is set when the entity's own value replaces an organization default, whose
    value is then kept in `default`.
    """

    name: str
    value: Any
    source: str
    overrides: bool = False
    default: Any = None


@dataclass(frozen=True)
class NextBill:
    """One bill date and the service period it covers (all periods gathered onto it)."""

    bill_date: datetime.date
    start: datetime.date
    end: datetime.date


@dataclass(frozen=True)
class Contract:
    """The contract an account plan belongs to; dates are None when it does not resolve."""

    code: str
    start: datetime.date | None
    end: datetime.date | None


@dataclass(frozen=True)
class PlanOverview:
    """One account plan for one product (a plan group gives one entry per product)."""

    code: str | None
    product: str | None
    plan: str | None
    plan_group: str | None
    status: str
    start: datetime.date | None
    end: datetime.date | None
    frequency: str | None
    interval: int | None
    child_billing_mode: Setting
    bill_epoch: Setting
    contract: Contract | None
    custom_fields: list[CustomField]
    next_bills: list[NextBill]


@dataclass(frozen=True)
class ChildOverview:
    """A child account with its own account plans."""

    code: str
    name: str
    plans: list[PlanOverview]


@dataclass(frozen=True)
class AccountOverview:
    """Everything `billcheck show ACCOUNT` prints."""

    as_of: datetime.date
    code: str
    name: str
    currency: Setting
    bill_epoch: datetime.date | None
    parent: str | None
    parent_name: str | None
    children: list[ChildOverview]
    custom_fields: list[CustomField]
    plans: list[PlanOverview]
    findings: list[Finding]


@dataclass(frozen=True)
class TreeAccount:
    """One account in the hierarchy view, with its count of active account plans."""

    code: str
    name: str
    active_plans: int


@dataclass(frozen=True)
class TreeParent:
    """A parent account with its children."""

    account: TreeAccount
    children: list[TreeAccount]


@dataclass(frozen=True)
class TreeOverview:
    """Everything `billcheck show --tree` prints."""

    as_of: datetime.date
    parents: list[TreeParent]
    standalone: list[TreeAccount]
    findings: list[Finding]


# -- loading --------------------------------------------------------------------------


def check_for_overview(paths: Sequence[str], config: Config, cwd: Path) -> CheckedTree:
    """Load and validate the tree with the config's rule severities.

    Raises tree.MissingPath for a path that does not exist.
    """
    entities, result = check_tree_with_entities(paths, config, cwd)
    return CheckedTree(result, entities)


def default_as_of(model: Model) -> datetime.date:
    """Today in the organization's timezone (the local date when the zone is unknown)."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        zone = ZoneInfo(str(model.org_setting("timezone")))
    except (ZoneInfoNotFoundError, ValueError):
        return datetime.date.today()
    return datetime.datetime.now(zone).date()


# -- one account ----------------------------------------------------------------------


def account_overview(checked: CheckedTree, code: str, as_of: datetime.date) -> AccountOverview:
    """The overview of one account; raises UnknownAccount or UnloadableAccount."""
    model = checked.model
    account = model.get("account", code)
    if account is None:
        raise _missing_account(checked, code)
    children = sorted(model.children.get(code, []), key=lambda child: child.code or "")
    parent = model.parent(account)
    return AccountOverview(
        as_of=as_of,
        code=code,
        name=str(account.get("name")),
        currency=_currency(model, account),
        bill_epoch=account.date("billEpoch"),
        parent=account.get("parentAccount"),
        parent_name=str(parent.get("name")) if parent is not None else None,
        children=[
            ChildOverview(child.code or "", str(child.get("name")),
                          account_plans(model, child, as_of))
            for child in children
        ],
        custom_fields=merged_custom_fields(
            _org_custom_fields(model, "account"), account.get("customFields"), "account"
        ),
        plans=account_plans(model, account, as_of),
        findings=findings_about(code, checked.result.findings, checked.entities),
    )


def _missing_account(checked: CheckedTree, code: str) -> Exception:
    written = [e for e in checked.entities if e.kind == "account" and e.code == code]
    if written:
        return UnloadableAccount(
            code, findings_about(code, checked.result.findings, checked.entities)
        )
    codes = sorted({e.code for e in checked.entities if e.kind == "account" and e.code})
    close = difflib.get_close_matches(code, codes, n=1)
    findings = checked.result.findings
    unread = sorted({f.location.path for f in findings if f.rule in UNCHECKED_FILE_RULES})
    return UnknownAccount(code, close[0] if close else None, unread)


def _currency(model: Model, account: Entity) -> Setting:
    own = account.get("currency")
    if isinstance(own, str):
        return Setting(own, "account")
    return Setting(model.currency, "organization")


def plan_status(
    start: datetime.date | None, end: datetime.date | None, as_of: datetime.date
) -> str:
    """ACTIVE when as_of ∈ [start, end), PENDING before, INACTIVE after.

    An account plan whose end is not after its start (BC301) is never active: INACTIVE.
    """
    if start is None or (end is not None and end <= start):
        return INACTIVE
    if as_of < start:
        return PENDING
    return ACTIVE if end is None or as_of < end else INACTIVE


def account_plans(model: Model, account: Entity, as_of: datetime.date) -> list[PlanOverview]:
    """The account's account plans, one entry per product, sorted by product then start."""
    entries = [
        (account_plan, entry)
        for account_plan in model.account_plans_by_account.get(account.code or "", [])
        for entry in _plan_entries(model, account_plan, as_of)
    ]
    entries.sort(key=lambda pair: (
        pair[1].product is None, pair[1].product or "",
        pair[1].start or datetime.date.min, pair[0].order,
    ))
    return [entry for _, entry in entries]


def _plan_entries(model: Model, account_plan: Entity, as_of: datetime.date) -> list[PlanOverview]:
    """One entry per plan the account plan attaches (one, for an unresolved plan or group)."""
    plans: list[Entity | None] = list(model.plans_of(account_plan)) or [None]
    return [_plan_entry(model, account_plan, plan, as_of) for plan in plans]


def _plan_entry(
    model: Model, account_plan: Entity, plan: Entity | None, as_of: datetime.date
) -> PlanOverview:
    start, end = active_interval(account_plan) or (None, None)
    status = plan_status(start, end, as_of)
    schedule = model.schedule(account_plan, plan) if plan is not None else None
    mode = account_plan.get("childBillingMode")
    return PlanOverview(
        code=account_plan.code,
        product=model.product_of(plan),
        plan=plan.code if plan is not None else account_plan.get("plan"),
        plan_group=account_plan.get("planGroup"),
        status=status,
        start=start,
        end=end,
        frequency=schedule.frequency if schedule is not None else None,
        interval=schedule.interval if schedule is not None else None,
        child_billing_mode=Setting(mode, "accountPlan") if mode is not None
        else Setting(DEFAULT_CHILD_BILLING_MODE, "default"),
        bill_epoch=_bill_epoch(model, account_plan, schedule),
        contract=_contract(model, account_plan),
        custom_fields=merged_custom_fields(
            _org_custom_fields(model, "accountPlan"), account_plan.get("customFields"),
            "accountPlan",
        ),
        next_bills=_next_bills(model, account_plan, schedule, as_of) if status == ACTIVE else [],
    )


def _bill_epoch(model: Model, account_plan: Entity, schedule: Schedule | None) -> Setting:
    """The billEpoch in force: the account plan's, the account's, or the organization's."""
    own = account_plan.date("billEpoch")
    if own is not None:
        return Setting(own, "accountPlan")
    explicit = model.explicit_epoch(account_plan)
    if explicit is not None:
        return Setting(explicit, "account")
    if schedule is not None and schedule.periodic:
        return Setting(schedule.anchor, schedule.epoch_source)
    return Setting(None, "organization")


def _next_bills(
    model: Model, account_plan: Entity, schedule: Schedule | None, as_of: datetime.date
) -> list[NextBill]:
    """The next bill dates on or after as_of, each once, spanning the periods it covers."""
    interval = active_interval(account_plan)
    if schedule is None or not schedule.periodic or interval is None:
        return []
    start, end = interval
    pairs = periods.next_bills(
        schedule.anchor, schedule.frequency, schedule.interval, start, end, as_of,
        NEXT_BILL_COUNT, model.explicit_epoch(account_plan),
    )
    return group_bills(pairs)


def group_bills(pairs: Iterable[tuple[datetime.date, periods.ServicePeriod]]) -> list[NextBill]:
    """(bill date, period) pairs as one NextBill per date, in date order.

    An epoch floor can gather several consecutive periods onto one bill; the bill's
    service period then runs from the first one's start to the last one's end.
    """
    spans: dict[datetime.date, tuple[datetime.date, datetime.date]] = {}
    for billed_on, period in pairs:
        first, last = spans.get(billed_on, (period.start, period.end))
        spans[billed_on] = (min(first, period.start), max(last, period.end))
    return [NextBill(day, first, last) for day, (first, last) in sorted(spans.items())]


def _contract(model: Model, account_plan: Entity) -> Contract | None:
    code = account_plan.get("contract")
    if not isinstance(code, str):
        return None
    contract = model.get("contract", code)
    if contract is None:
        return Contract(code, None, None)
    return Contract(code, contract.date("startDate"), contract.date("endDate"))


def _org_custom_fields(model: Model, kind: str) -> Any:
    defaults = model.org_setting("customFields")
    return defaults.get(kind) if isinstance(defaults, dict) else None


def merged_custom_fields(defaults: Any, own: Any, own_source: str) -> list[CustomField]:
    """Organization defaults with the entity's own fields on top, sorted by name."""
    defaults = defaults if isinstance(defaults, dict) else {}
    own = own if isinstance(own, dict) else {}
    fields = []
    for name in sorted({*defaults, *own}, key=str):
        if name in own:
            overrides = name in defaults
            fields.append(CustomField(
                str(name), own[name], own_source, overrides,
                defaults.get(name) if overrides else None,
            ))
        else:
            fields.append(CustomField(str(name), defaults[name], "organization"))
    return fields


# -- findings -------------------------------------------------------------------------


def findings_about(
    code: str, findings: Iterable[Finding], entities: Sequence[Entity]
) -> list[Finding]:
    """The findings that concern an account: about it, its account plans or contracts,
    or located inside any of them (for findings that name no entity)."""
    own = [
        e for e in entities
        if (e.kind == "account" and e.code == code)
        or (e.kind in ("accountPlan", "contract") and _data(e).get("account") == code)
    ]
    named = {(e.kind, e.code) for e in own if e.code is not None}
    own_ids = {id(e) for e in own}
    starts = _entity_starts(entities)
    return [
        finding for finding in findings
        if (finding.entity is not None and (finding.entity.kind, finding.entity.code) in named)
        or id(_entity_at(starts, finding)) in own_ids
    ]


def _data(entity: Entity) -> dict[str, Any]:
    return entity.data if isinstance(entity.data, dict) else {}


Starts = dict[str, list[tuple[tuple[int, int], Entity]]]


def _entity_starts(entities: Iterable[Entity]) -> Starts:
    starts: Starts = {}
    for entity in entities:
        starts.setdefault(entity.path, []).append((entity.mark, entity))
    for entries in starts.values():
        entries.sort(key=lambda pair: pair[0])
    return starts


def _entity_at(starts: Starts, finding: Finding) -> Entity | None:
    """The entity whose text holds the finding's position, if any.

    Entities are list items indented under their collection key, so a position in column 1
    (a top-level key, a document marker) lies between entities, not inside one.
    """
    location = finding.location
    if location.column <= 1:
        return None
    entries = starts.get(location.path, [])
    index = bisect_right(entries, (location.line, location.column), key=lambda pair: pair[0]) - 1
    return entries[index][1] if index >= 0 else None


# -- the whole tree -------------------------------------------------------------------


def tree_overview(checked: CheckedTree, as_of: datetime.date) -> TreeOverview:
    """Every parent with its children, and the accounts outside any hierarchy."""
    model = checked.model
    accounts = sorted(model.by_code["account"].values(), key=lambda a: a.code or "")
    parents = []
    standalone = []
    for account in accounts:
        children = model.children.get(account.code or "", [])
        if children:
            parents.append(TreeParent(
                _tree_account(model, account, as_of),
                [_tree_account(model, child, as_of)
                 for child in sorted(children, key=lambda c: (c.code or "", c.order))],
            ))
        elif model.parent(account) is None:
            standalone.append(_tree_account(model, account, as_of))
    return TreeOverview(as_of, parents, standalone, checked.result.findings)


def _tree_account(model: Model, account: Entity, as_of: datetime.date) -> TreeAccount:
    active = 0
    for account_plan in model.account_plans_by_account.get(account.code or "", []):
        start, end = active_interval(account_plan) or (None, None)
        active += plan_status(start, end, as_of) == ACTIVE
    return TreeAccount(account.code or "", str(account.get("name")), active)
