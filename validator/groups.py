"""Account groups: the parts of a tree that account-scoped rules relate, and no more.

An account group is an account with everything linked to it: its parent and children
(`parentAccount`), their account plans and contracts (`account`), the contracts those
account plans name (`contract`), the entities of one kind that share a code, and the
owners of the custom plans and plan groups its account plans attach (directly or inside
a plan group). Every other entity (organization, products, templates, plans, pricings...)
belongs to the catalog, which every group may read.

Groups are found with a union-find over "nodes", the names links use: an account's code
as it is, ("contract", code), ("accountPlan", code), ("plan", code), ("planGroup", code).
Plan and plan-group nodes only join when the plan or group is custom (has an `account`)
or holds a custom plan, so the shared catalog does not fuse every account into one group.
Joining more than needed is always safe (groups only get larger); joining less is not.

Each file's valid entities are first joined into components in the file (cached with the
file), so a run joins a few components per file instead of every entity.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence
from typing import TYPE_CHECKING, Any

ACCOUNT_KINDS = frozenset({"account", "accountPlan", "contract"})
CATALOG = -1  # component_of value of a valid entity that belongs to no account
INVALID = -2  # component_of value of an entity with schema findings

if TYPE_CHECKING:
    # An entity's code, the nodes it joins (account-side entities) and, for plans and plan
    # groups, the links that make them custom: (node, owner account) and (group, member plan).
    Links = tuple["str | None", tuple[Hashable, ...], tuple[tuple[Hashable, Hashable], ...]]
    # A component: (the account and contract nodes it reaches; the nodes that join only on
    # the whole tree's say, which are plan and plan-group nodes (when custom) and account-plan
    # code nodes (when another component has the same code); the offset of its first entity).
    Component = tuple[tuple[Hashable, ...], tuple[Hashable, ...], int]
    FileComponents = tuple[list[Component], list[int], list[tuple[Hashable, Hashable]]]


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def links_of(kind: str, data: Any) -> Links:
    """An entity's code, the nodes it joins, and its custom-plan links (see `Links`)."""
    if not isinstance(data, dict):
        return (None, (), ())
    code = _text(data.get("code"))
    get = data.get
    if kind == "account":
        return (code, _present(code, _text(get("parentAccount"))), ())
    if kind == "contract":
        return (code, _present(_named("contract", code), _text(get("account"))), ())
    if kind == "accountPlan":
        return (code, _present(
            _text(get("account")), _named("contract", _text(get("contract"))),
            _named("accountPlan", code), _named("plan", _text(get("plan"))),
            _named("planGroup", _text(get("planGroup"))),
        ), ())
    if kind in ("plan", "planGroup") and code is not None:
        own = (kind, code)
        owner = _text(get("account"))
        custom: list[tuple[Hashable, Hashable]] = [(own, owner)] if owner is not None else []
        members = get("plans") if kind == "planGroup" else None
        if isinstance(members, list):
            custom.extend((own, ("plan", m)) for m in members if isinstance(m, str))
        return (code, (), tuple(custom))
    return (code, (), ())


def _named(kind: str, code: str | None) -> Hashable | None:
    return (kind, code) if code is not None else None


def _present(*nodes: Hashable | None) -> tuple[Hashable, ...]:
    return tuple(node for node in nodes if node is not None)


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


def file_components(kinds: Sequence[str], links: Sequence[Links],
                    valid: Sequence[bool]) -> FileComponents:
    """A file's valid account-side entities joined into components.

    Returns the components (see `Component`); for each entity, its component's index,
    CATALOG or INVALID; and the custom-plan links of its valid plans and plan groups.
    """
    sets = UnionFind()
    own: list[Hashable] = []
    custom: list[tuple[Hashable, Hashable]] = []
    # Whether these nodes join is for the whole tree to tell (see `Component`).
    plan_nodes: dict[int, list[Hashable]] = {}
    for offset, (kind, (_, nodes, custom_links), is_valid) in enumerate(
        zip(kinds, links, valid, strict=True)
    ):
        if not is_valid or kind not in ACCOUNT_KINDS:
            own.append(None)
            if is_valid:
                custom.extend(custom_links)
            continue
        joined: list[Hashable] = [("offset", offset)]
        for node in nodes:
            if _is_conditional(node):
                plan_nodes.setdefault(offset, []).append(node)
            else:
                joined.append(node)
        own.append(sets.join(joined))
    component_of: list[int] = []
    numbers: dict[Hashable, int] = {}
    firsts: list[int] = []
    for offset, node in enumerate(own):
        if node is None:
            component_of.append(CATALOG if valid[offset] else INVALID)
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
    plans: list[list[Hashable]] = [[] for _ in firsts]
    for offset, found in plan_nodes.items():
        plans[component_of[offset]].extend(found)
    components = [
        (tuple(nodes), tuple(dict.fromkeys(plan)), first)
        for nodes, plan, first in zip(reach, plans, firsts, strict=True)
    ]
    return components, component_of, custom


def tree_groups(files: Sequence[FileComponents]) -> list[list[Hashable]]:
    """The group (a root node) of every component of every file, in the same shape."""
    joining = _custom_nodes(link for _, _, links in files for link in links)
    joining |= _shared_codes(
        conditional for components, _, _ in files for _, conditional, _ in components
    )
    sets = UnionFind()
    for _, _, links in files:
        for node, other in links:
            if node in joining and (not isinstance(other, tuple) or other in joining):
                sets.join((node, other))
    joined: list[list[Hashable]] = []
    for file_number, (components, _, _) in enumerate(files):
        roots: list[Hashable] = []
        for number, (nodes, conditional, _) in enumerate(components):
            kept = list(nodes)
            if joining and conditional:
                kept.extend(joining.intersection(conditional))
            roots.append(sets.join(kept) if kept else ("component", file_number, number))
        joined.append(roots)
    return [[sets.find(root) for root in roots] for roots in joined]


def _is_conditional(node: Hashable) -> bool:
    return isinstance(node, tuple) and node[0] in ("plan", "planGroup", "accountPlan")


def _shared_codes(conditionals: Iterable[tuple[Hashable, ...]]) -> set[Hashable]:
    """Account-plan code nodes that more than one component reaches."""
    seen: set[Hashable] = set()
    shared: set[Hashable] = set()
    for conditional in conditionals:
        codes = {node for node in conditional if node[0] == "accountPlan"}  # type: ignore[index]
        shared |= seen & codes
        seen |= codes
    return shared


def _custom_nodes(links: Iterable[tuple[Hashable, Hashable]]) -> set[Hashable]:
    """Plan and plan-group nodes that lead to an owner: custom ones and groups holding one."""
    links = list(links)
    relevant = {node for node, other in links if not isinstance(other, tuple)}
    relevant |= {node for node, other in links if other in relevant}
    return relevant
