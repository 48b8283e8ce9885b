"""Where loaded values stand: the side table of line/column marks, and its serial mirror.

`Positions` is filled by the YAML loader; a file read back from the cache gets a
`CachedPositions` instead, which rebuilds the same table from a serialised mirror only
when a finding first asks where something is (a clean file never pays for it).

This module imports nothing heavy, so code that only needs marks does not load PyYAML.
"""

from __future__ import annotations

import marshal
from dataclasses import dataclass
from typing import Any

# A mark is (line, column), both 1-based.
Mark = tuple[int, int]

_CONTAINERS = frozenset({dict, list, tuple, set, frozenset})


class Positions:
    """Side table of positions: for each built dict or list, where it and its children start.

    Keyed by `id()` of the container; the containers stay alive as long as the documents do.
    A mapping's entry maps each key to `(key_mark, value_mark)`; a sequence's entry is the
    list of its items' marks.
    """

    __slots__ = ("starts", "children")

    def __init__(self) -> None:
        self.starts: dict[int, Mark] = {}
        self.children: dict[int, Any] = {}

    def start(self, container: object) -> Mark | None:
        """Where a dict or list starts, or None if it was not built by this loader."""
        return self.starts.get(id(container))

    def key_mark(self, mapping: dict[Any, Any], key: Any) -> Mark | None:
        """Where a key of a mapping is written."""
        entry = self.children.get(id(mapping))
        pair = entry.get(key) if isinstance(entry, dict) else None
        return pair[0] if pair else None

    def value_mark(self, container: Any, key: Any) -> Mark | None:
        """Where the value under a mapping key (or at a sequence index) is written."""
        entry = self.children.get(id(container))
        if entry is None:
            return None
        if isinstance(entry, dict):
            pair = entry.get(key)
            return pair[1] if pair else None
        if isinstance(key, int) and 0 <= key < len(entry):
            return entry[key]  # type: ignore[no-any-return]
        return None


@dataclass(frozen=True)
class Suspect:
    """A plain scalar read as a string that a YAML 1.1 reader would read as `kind`."""

    container: Any
    key: Any
    text: str
    kind: str  # "boolean" | "number" | "date"
    mark: Mark


def _containers(documents: list[Any]) -> list[Any]:
    """Every container below `documents` once, depth first, in a fixed order.

    The order depends only on the documents' shape, so the same walk over a copy read back
    with `marshal` (which keeps shared objects shared) meets the same containers in turn.
    """
    seen: set[int] = set()
    found: list[Any] = []
    stack: list[Any] = [documents]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        found.append(node)
        kind = node.__class__
        if kind is dict:
            children = [value for value in node.values() if value.__class__ in _CONTAINERS]
        elif kind is list or kind is tuple:
            children = [value for value in node if value.__class__ in _CONTAINERS]
        else:
            continue
        if children:
            children.reverse()
            stack.extend(children)
    return found


def mirror(documents: list[Any], positions: Positions) -> bytes:
    """The positions of `documents` as bytes: one (start, children) entry per container."""
    entries = [
        (positions.starts.get(id(node)), positions.children.get(id(node)))
        for node in _containers(documents)
    ]
    return marshal.dumps(entries)


class CachedPositions(Positions):
    """Positions rebuilt from a `mirror` over a copy of the documents, on first use."""

    __slots__ = ("_documents", "_mirror")

    def __init__(self, documents: list[Any], serialised: bytes) -> None:
        super().__init__()
        self._documents: list[Any] | None = documents
        self._mirror = serialised

    def _fill(self) -> None:
        documents, self._documents = self._documents, None
        if documents is None:
            return
        entries = marshal.loads(self._mirror)
        for node, (start, children) in zip(_containers(documents), entries, strict=False):
            if start is not None:
                self.starts[id(node)] = start
            if children is not None:
                self.children[id(node)] = children

    def start(self, container: object) -> Mark | None:
        """Where a dict or list starts (see `Positions.start`)."""
        self._fill()
        return super().start(container)

    def key_mark(self, mapping: dict[Any, Any], key: Any) -> Mark | None:
        """Where a key of a mapping is written (see `Positions.key_mark`)."""
        self._fill()
        return super().key_mark(mapping, key)

    def value_mark(self, container: Any, key: Any) -> Mark | None:
        """Where a value is written (see `Positions.value_mark`)."""
        self._fill()
        return super().value_mark(container, key)
