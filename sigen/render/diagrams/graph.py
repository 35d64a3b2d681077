"""What a diagram draws, before any syntax: boxes in nested clusters, rack elevations and
arrows. The diagram modules (``equipment``, ``hosts``, ``design``) make one from the plan;
``mermaid`` and ``dot`` write the same one in their syntax, so the Markdown's diagram and the
SVG of the other formats cannot show different things."""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["STYLES", "Cluster", "Edge", "Graph", "Node", "Unit"]

# The looks a node, cluster or edge can have, as (fill, border) colours; both writers use
# them, so a style means the same colour in the Markdown and the SVG.
STYLES: dict[str, tuple[str, str]] = {
    "physical": ("#dbe8f6", "#2f5f8f"),
    "hypervisor": ("#e4e0f4", "#54468f"),
    "vm": ("#eef4fb", "#2f5f8f"),
    "cloud": ("#fdf0dc", "#a8661b"),
    "network": ("#e3f1e3", "#2e6b30"),
    "service": ("#ffffff", "#333333"),
    "data": ("#fff7d6", "#8a6d00"),
    "store": ("#f3e4e4", "#8f2f2f"),
    "monitor": ("#e0f2f1", "#1f6f6a"),
    "client": ("#f2f2f2", "#666666"),
    "group": ("#eef4fb", "#2f5f8f"),
    "switch": ("#e3f1e3", "#2e6b30"),
    "equipment": ("#f2f2f2", "#666666"),
    "free": ("#ffffff", "#bbbbbb"),
    "site": ("#fafafa", "#888888"),
    "zone": ("#ffffff", "#aaaaaa"),
    "region": ("#fffaf2", "#a8661b"),
}


@dataclass(frozen=True)
class Unit:
    """A run of rack units (``first`` is the lowest) and what occupies it, in a rack
    elevation: ``cells`` are its columns after the unit numbers (occupant, power,
    networks); ``style`` "free" for empty units."""

    first: int
    last: int
    cells: tuple[str, ...]
    style: str


@dataclass
class Node:
    """A box: ``lines`` of text (the first is its name), or, for a rack, its ``units``
    from the top down under the ``lines`` as heading. ``members`` are the hosts (or other
    entities) it stands for, by name: one for a host, many for a group."""

    id: str
    lines: tuple[str, ...]
    style: str = "service"
    shape: str = "box"  # box | round | cylinder | rack
    units: tuple[Unit, ...] = ()
    height_u: int = 0  # a rack's
    members: tuple[str, ...] = ()


@dataclass
class Cluster:
    id: str
    label: str
    style: str = "site"
    nodes: list[Node] = field(default_factory=list)
    clusters: list[Cluster] = field(default_factory=list)


@dataclass(frozen=True)
class Edge:
    """An arrow from ``source`` to ``target`` (node ids); ``kind`` sets its line:
    a FLOW_KINDS value, or "link" for a plain attachment."""

    source: str
    target: str
    label: str = ""
    kind: str = "link"


@dataclass
class Graph:
    """A whole diagram. ``columns``: lay the top-level nodes of each cluster out in rows
    of that many (rack elevations side by side, wrapping), 0 to let the engine decide."""

    name: str
    direction: str = "LR"  # LR | TB
    clusters: list[Cluster] = field(default_factory=list)
    nodes: list[Node] = field(default_factory=list)
    edges: list[Edge] = field(default_factory=list)
    columns: int = 0

    def all_nodes(self) -> list[Node]:
        out = list(self.nodes)
        stack = list(reversed(self.clusters))
        while stack:
            cluster = stack.pop()
            out += cluster.nodes
            stack += reversed(cluster.clusters)
        return out


class Ids:
    """Node and cluster ids that are valid in both syntaxes whatever the names: n1, n2 ...
    in the order asked, the same name always the same id."""

    def __init__(self, prefix: str = "n") -> None:
        self._prefix = prefix
        self._ids: dict[str, str] = {}

    def __call__(self, key: str) -> str:
        found = self._ids.get(key)
        if found is None:
            found = self._ids[key] = f"{self._prefix}{len(self._ids) + 1}"
        return found
