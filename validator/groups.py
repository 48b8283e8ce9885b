"""Account groups: the parts of a tree that account-scoped rules relate, and no more.

An account group is an account with everything linked to it: its parent and children
(`parentAccount`), their account plans and contracts (`account`), the contracts those
account plans name (`contract`), and the entities of one kind that share a code. Every
other entity (organization, products, templates, plans, pricings...) belongs to the
catalog, which every group may read.

Groups are found with a union-find over "nodes", the names links use: an account's code
as it is, ("contract", code) and ("accountPlan", code). Each file's valid entities are
first joined into components in the file (cached with the file), so a run joins a few
components per file instead of every entity.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence
from typing import Any

ACCOUNT_KINDS = frozenset({"account", "accountPlan", "contract"})
CATALOG = -1  # component_of value of a valid entity that belongs to no account
INVALID = -2  # component_of value of an entity with schema findings

# (kind, code, first link, second link): what grouping needs to know of an entity.
Links = tuple[str, "str | None", "str | None", "str | None"]
LINK_FIELDS: dict[str, tuple[str, str]] = {
    "account": ("parentAccount", ""),
    "contract": ("account", ""),
    "accountPlan": ("account", "contract"),
}


def links_of(kind: str, data: Any) -> Links:
    """An entity's code and the codes it links to (None where unset or not a string)."""
    if not isinstance(data, dict):
        return (kind, None, None, None)
    code = data.get("code")
    fields = LINK_FIELDS.get(kind)
    if fields is None:
        return (kind, code if isinstance(code, str) else None, None, None)
    first = data.get(fields[0])
    second = data.get(fields[1]) if fields[1] else None
    return (
        kind,
        code if isinstance(code, str) else None,
        first if isinstance(first, str) else None,
        second if isinstance(second, str) else None,
    )


def _nodes(links: Links) -> list[Hashable]:
    """The nodes an account-side entity joins (its own first)."""
    kind, code, first, second = links
    nodes: list[Hashable] = []
    if kind == "account" and code is not None:
        nodes.append(code)
    elif kind == "contract" and code is not None:
        nodes.append(("contract", code))
    if kind != "accountPlan":
        if first is not None:
            nodes.append(first)
        return nodes
    if first is not None:
        nodes.append(first)
    if second is not None:
        nodes.append(("contract", second))
    if code is not None:
        nodes.append(("accountPlan", code))
    return nodes


class UnionFind:
    """Disjoint sets of hashable nodes, with path compression."""

    def __init__(self) -> None:
        self.parents: dict[Hashable, Hashable] = {}

    def find(self, node: Hashable) -> Hashable:
        """The root of the set holding `node`."""
        parents = self.parents
        root = node
        while (above := parents.get(root, root)) != root:
            root = above
        while node != root:
            parents[node], node = root, parents[node]
        return root

    def join(self, nodes: Sequence[Hashable]) -> Hashable:
        """Put the nodes in one set; its root."""
        root = self.find(nodes[0])
        for node in nodes[1:]:
            other = self.find(node)
            if other != root:
                self.parents[other] = root
        return root


FileComponents = tuple[list[tuple[tuple[Hashable, ...], int]], list[int]]


def file_components(links: Sequence[Links], valid: Sequence[bool]) -> FileComponents:
    """A file's valid account-side entities joined into components.

    Returns the components as (the nodes they reach outside, offset of the first entity)
    and, for each entity, its component's index, CATALOG or INVALID.
    """
    sets = UnionFind()
    own: list[Hashable] = []
    for offset, (entity, is_valid) in enumerate(zip(links, valid, strict=True)):
        if not is_valid or entity[0] not in ACCOUNT_KINDS:
            own.append(None)
            continue
        nodes = [("offset", offset), *_nodes(entity)]
        own.append(sets.join(nodes))
    component_of: list[int] = []
    numbers: dict[Hashable, int] = {}
    firsts: list[int] = []
    for offset, node in enumerate(own):
        if node is None:
            component_of.append(INVALID if not valid[offset] else CATALOG)
            continue
        root = sets.find(node)
        number = numbers.get(root)
        if number is None:
            number = numbers[root] = len(firsts)
            firsts.append(offset)
        component_of.append(number)
    reach: list[list[Hashable]] = [[] for _ in firsts]
    for node in sets.parents:
        if not (isinstance(node, tuple) and node[0] == "offset"):
            reach[numbers[sets.find(node)]].append(node)
    return [(tuple(nodes), first) for nodes, first in zip(reach, firsts, strict=True)], \
        component_of


def tree_groups(files: Iterable[list[tuple[tuple[Hashable, ...], int]]]) -> list[list[Hashable]]:
    """The group (a root node) of every component of every file, in the same shape."""
    sets = UnionFind()
    joined: list[list[Hashable | None]] = []
    for file_number, components in enumerate(files):
        roots: list[Hashable | None] = []
        for number, (nodes, _) in enumerate(components):
            roots.append(sets.join(nodes) if nodes else ("component", file_number, number))
        joined.append(roots)
    return [[sets.find(root) for root in roots] for roots in joined]
