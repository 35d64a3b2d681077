"""A Graph as Mermaid (a flowchart), for the Markdown: GitHub draws it where the document
is reviewed. Every label is quoted and its special characters written as Mermaid's entity
codes, ids are sigen's own (n1, c1 ...), and every line is indented, so no user text can end
the Markdown fence or the label it is in."""

from __future__ import annotations

import itertools

from sigen.render.diagrams.graph import STYLES, Cluster, Edge, Graph, Node

__all__ = ["label", "mermaid"]

_ENTITIES = {'"': "#quot;", "<": "#lt;", ">": "#gt;", "#": "#35;", "&": "#amp;",
             "`": "#96;", "|": "#124;", "\\": "#92;"}
_SHAPES = {"box": ('["', '"]'), "round": ('("', '")'), "cylinder": ('[("', '")]')}
_ARROWS = {"dependency": "-->", "client": "-->", "replication": "==>", "monitoring": "-.->",
           "backup": "-.->", "drill": "-.->", "failover": "-.->", "link": "---",
           "invisible": "~~~"}
# Marks the invisible links while the text is made (no label can hold it: labels are
# quoted and a control character is never kept in them).
_HIDDEN_MARK = "\x00"
_EDGE_COLOURS = {"replication": "#54468f", "monitoring": "#1f6f6a", "backup": "#8f2f2f",
                 "drill": "#8f2f2f", "failover": "#a8661b", "client": "#666666"}


def label(text: str) -> str:
    """``text`` safe inside a quoted Mermaid label: one line, entities for markup."""
    flat = " ".join("".join(c if c >= " " else " " for c in text).split())
    return "".join(_ENTITIES.get(c, c) for c in flat)


def _lines(lines: tuple[str, ...]) -> str:
    if not lines:
        return " "
    head, *rest = lines
    return "<br/>".join([f"<b>{label(head)}</b>", *(label(x) for x in rest)])


def mermaid(graph: Graph) -> str:
    """The flowchart source (no fence), one statement a line, ending in a newline."""
    out = [f"flowchart {graph.direction}"]
    styled: dict[str, list[str]] = {}
    for cluster in graph.clusters:
        _cluster(out, cluster, 1, styled, graph.columns)
    for node in graph.nodes:
        _node(out, node, 1, styled)
    # linkStyle numbers every link in the order written, the invisible ones too.
    hidden = sum(1 for line in out if line.endswith(_HIDDEN_MARK))
    out[:] = [line.removesuffix(_HIDDEN_MARK) for line in out]
    links = _edges(out, graph.edges, hidden)
    for style, ids in sorted(styled.items()):
        fill, stroke = STYLES.get(style, STYLES["service"])
        out.append(f"    classDef {style} fill:{fill},stroke:{stroke},color:#1a1a1a")
        for start in range(0, len(ids), 200):  # long class lines are hard to diff
            out.append(f"    class {','.join(ids[start:start + 200])} {style}")
    for kind, numbers in sorted(links.items()):
        colour = _EDGE_COLOURS.get(kind)
        if colour:
            out.append(f"    linkStyle {','.join(map(str, numbers))} stroke:{colour}")
    return "\n".join(out) + "\n"


def _cluster(out: list[str], cluster: Cluster, depth: int, styled: dict[str, list[str]],
             columns: int) -> None:
    pad = "    " * depth
    out.append(f'{pad}subgraph {cluster.id}["{label(cluster.label)}"]')
    if columns and cluster.nodes and not cluster.clusters:
        out.append(f"{pad}    direction TB")
    for inner in cluster.clusters:
        _cluster(out, inner, depth + 1, styled, columns)
    for node in cluster.nodes:
        _node(out, node, depth + 1, styled)
    if columns and len(cluster.nodes) > columns:
        # Rows of ``columns``: each node above the one ``columns`` further on.
        for first, below in zip(cluster.nodes, cluster.nodes[columns:], strict=False):
            out.append(f"{pad}    {_anchor(first, last=True)} ~~~ {_anchor(below)}"
                       + _HIDDEN_MARK)
    out.append(f"{pad}end")
    styled.setdefault(cluster.style, []).append(cluster.id)


def _anchor(node: Node, last: bool = False) -> str:
    """The id an invisible link holds a node by (a rack is a subgraph of its units)."""
    if node.shape == "rack" and node.units:
        return f"{node.id}u{len(node.units) if last else 1}"
    return node.id


def _node(out: list[str], node: Node, depth: int, styled: dict[str, list[str]]) -> None:
    pad = "    " * depth
    if node.shape == "rack":
        # A rack: a subgraph of its runs of units, top down, held in order by invisible
        # links (Mermaid has no tables).
        out.append(f'{pad}subgraph {node.id}["{label(" · ".join(node.lines))}"]')
        out.append(f"{pad}    direction TB")
        ids = []
        for n, unit in enumerate(node.units, 1):
            uid = f"{node.id}u{n}"
            ids.append(uid)
            where = f"U{unit.first}" if unit.first == unit.last else \
                f"U{unit.first}-U{unit.last}"
            text = " · ".join([where, *(c for c in unit.cells if c)])
            out.append(f'{pad}    {uid}["{label(text)}"]')
            styled.setdefault(unit.style, []).append(uid)
        for upper, lower in itertools.pairwise(ids):
            out.append(f"{pad}    {upper} ~~~ {lower}{_HIDDEN_MARK}")
        out.append(f"{pad}end")
        styled.setdefault("site", []).append(node.id)
        return
    start, end = _SHAPES.get(node.shape, _SHAPES["box"])
    out.append(f"{pad}{node.id}{start}{_lines(node.lines)}{end}")
    styled.setdefault(node.style, []).append(node.id)


def _edges(out: list[str], edges: list[Edge], first: int) -> dict[str, list[int]]:
    """The edges, and the numbers of the links of each kind (for their colours); ``first``
    is the number of the first (the links written before them)."""
    links: dict[str, list[int]] = {}
    for n, edge in enumerate(edges, first):
        arrow = _ARROWS.get(edge.kind, "-->")
        text = f'|"{label(edge.label)}"|' if edge.label else ""
        out.append(f"    {edge.source} {arrow}{text} {edge.target}")
        links.setdefault(edge.kind, []).append(n)
    return links
