"""Entities: the list items of the config's collections, with where each was written."""

from __future__ import annotations

import dataclasses
import datetime
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from .findings import EntityRef, Location, shorten
from .positions import Mark, Positions

# Top-level key → the kind of entity its items are.
COLLECTIONS: dict[str, str] = {
    "organization": "organization",
    "products": "product",
    "planTemplates": "planTemplate",
    "plans": "plan",
    "planGroups": "planGroup",
    "accounts": "account",
    "accountPlans": "accountPlan",
    "contracts": "contract",
    "aggregations": "aggregation",
    "pricings": "pricing",
    "counters": "counter",
    "counterPricings": "counterPricing",
}
KINDS: tuple[str, ...] = tuple(COLLECTIONS.values())


@dataclass(eq=False, slots=True, init=False)
class Entity:
    """One entity as written: its kind, its fields, and where it and each field stand.

    `order` is the entity's place in the whole tree (files in sorted order, then line),
    which decides which of two entities a pairwise finding belongs to. `code` is the
    entity's code, or None when it has none (account plans, pricings may not). Entities
    are read, never changed, so the code and parsed dates are worked out once.
    """

    kind: str
    data: dict[str, Any]
    path: str
    positions: Positions
    mark: Mark
    order: int
    code: str | None = dataclasses.field(init=False, repr=False)
    _dates: dict[str, datetime.date | None] | None = dataclasses.field(init=False, repr=False)

    def __init__(
        self, kind: str, data: dict[str, Any], path: str, positions: Positions, mark: Mark,
        order: int,
    ) -> None:
        self.kind = kind
        self.data = data
        self.path = path
        self.positions = positions
        self.mark = mark
        self.order = order
        code = data.get("code") if isinstance(data, dict) else None
        self.code = code if isinstance(code, str) else None
        self._dates = None

    @property
    def ref(self) -> EntityRef:
        """The entity as a finding names it (a code too long to be valid is shortened)."""
        code = self.code
        return EntityRef(self.kind, shorten(code) if code is not None else None)

    @property
    def label(self) -> str:
        """How messages name the entity: `account plan 'acme-api'` or `pricing at line 12`."""
        noun = KIND_NOUNS.get(self.kind, self.kind)
        if self.code is not None:
            return f"{noun} '{shorten(self.code)}'"
        return f"{noun} at {self.path}:{self.mark[0]}"

    def get(self, field: str, default: Any = None) -> Any:
        """A field's raw value."""
        return self.data.get(field, default)

    def date(self, field: str) -> datetime.date | None:
        """A date field as a date (schema validation has checked the format)."""
        dates = self._dates
        if dates is None:
            dates = self._dates = {}
        elif field in dates:
            return dates[field]
        value = self.data.get(field)
        parsed = datetime.date.fromisoformat(value) if isinstance(value, str) else None
        dates[field] = parsed
        return parsed

    def decimal(self, field: str, default: Decimal | None = None) -> Decimal | None:
        """A number field as an exact Decimal (floats through their shortest repr)."""
        return to_decimal(self.data.get(field), default)

    def location(self, field: str | None = None, *, key: bool = False) -> Location:
        """Where a field's value (or key) stands; the entity's first line without a field."""
        mark = None
        if field is not None:
            if key:
                mark = self.positions.key_mark(self.data, field)
            else:
                mark = self.positions.value_mark(self.data, field)
        line, column = mark or self.mark
        return Location(self.path, line, column)

    def location_at(self, path: tuple[Any, ...], *, key: bool = False) -> Location:
        """Where a nested value stands, following keys and indexes from the entity."""
        return Location(self.path, *locate(self.data, self.positions, path, self.mark, key=key))


KIND_NOUNS: dict[str, str] = {
    "organization": "organization",
    "product": "product",
    "planTemplate": "plan template",
    "plan": "plan",
    "planGroup": "plan group",
    "account": "account",
    "accountPlan": "account plan",
    "contract": "contract",
    "aggregation": "aggregation",
    "pricing": "pricing",
    "counter": "counter",
    "counterPricing": "counter pricing",
}


def to_decimal(value: Any, default: Decimal | None = None) -> Decimal | None:
    """A loaded number as a Decimal; floats go through repr, so 1.005 stays 1.005."""
    if isinstance(value, bool) or value is None:
        return default
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(repr(value))
    return default


def locate(
    root: Any, positions: Positions, path: tuple[Any, ...], fallback: Mark, *, key: bool = False
) -> Mark:
    """The mark of the value (or key) at `path` below `root`, or of the nearest one above it."""
    mark = fallback
    node = root
    for index, step in enumerate(path):
        want_key = key and index == len(path) - 1 and isinstance(node, dict)
        step_mark = positions.key_mark(node, step) if want_key else positions.value_mark(node, step)
        if step_mark is None:
            break
        mark = step_mark
        try:
            node = node[step]
        except (KeyError, IndexError, TypeError):
            break
    return mark
