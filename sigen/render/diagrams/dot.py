"""A Graph as Graphviz DOT, and its SVG as laid out by ``dot`` (the HTML, DOCX and PDF show
it). Labels are Graphviz's HTML-like labels with every value escaped; a rack is one table,
a row per unit. The text is set in Noto Sans CJK TC (fonts-noto-cjk, which the PDFs embed
too), so the layout measures the same glyphs a reader sees, Chinese or Latin.

``svg`` runs ``dot`` once per distinct source: the same source always gives the same bytes
(Graphviz's comments, which name its version, are removed, and its ids made the diagram's
own so that several SVGs can share one HTML page), and an incremental build recalls the
SVG of a source it laid out before (``sigen.render.memo``).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from html import escape

from sigen.render.diagrams.graph import STYLES, Cluster, Edge, Graph, Node, Unit
from sigen.render.formats.model import FormatError
from sigen.render.memo import recalled

__all__ = ["FONT", "dot", "html_text", "svg"]

FONT = "Noto Sans CJK TC"
_EDGES = {
    "dependency": 'color="#333333"',
    "client": 'color="#666666"',
    "replication": 'color="#54468f", penwidth=2, style=bold',
    "monitoring": 'color="#1f6f6a", style=dotted',
    "backup": 'color="#8f2f2f", style=dashed',
    "drill": 'color="#8f2f2f", style=dashed',
    "failover": 'color="#a8661b", style=dashed',
    "link": 'color="#888888", arrowhead=none',
}
_SHAPES = {"box": 'shape=box, style="rounded,filled"', "round": 'shape=box, style="rounded,filled"',
           "cylinder": 'shape=cylinder, style=filled'}


def html_text(text: str) -> str:
    """``text`` as one line of a Graphviz HTML-like label."""
    flat = " ".join("".join(c if c >= " " else " " for c in text).split())
    return escape(flat, quote=True)


def _label(lines: tuple[str, ...]) -> str:
    if not lines:
        return "<&nbsp;>"
    head, *rest = lines
    return "<" + "<br/>".join([f"<b>{html_text(head)}</b>", *(html_text(x) for x in rest)]) + ">"


def dot(graph: Graph) -> str:
    """The DOT source of ``graph``."""
    out = [
        f'digraph "{graph.name}" {{',
        f'  graph [rankdir={graph.direction}, fontname="{FONT}", fontsize=11, '
        'nodesep=0.3, ranksep=0.6, newrank=true, labeljust=l, pad=0.2];',
        f'  node [fontname="{FONT}", fontsize=10, margin="0.12,0.06", penwidth=1.2];',
        f'  edge [fontname="{FONT}", fontsize=9, arrowsize=0.7];',
    ]
    for cluster in graph.clusters:
        _cluster(out, cluster, 1, graph.columns)
    for node in graph.nodes:
        out.append("  " + _node(node))
    for edge in graph.edges:
        out.append("  " + _edge(edge))
    out.append("}")
    return "\n".join(out) + "\n"


def _cluster(out: list[str], cluster: Cluster, depth: int, columns: int) -> None:
    pad = "  " * depth
    fill, stroke = STYLES.get(cluster.style, STYLES["site"])
    out.append(f"{pad}subgraph cluster_{cluster.id} {{")
    out.append(f'{pad}  label=<<b>{html_text(cluster.label)}</b>>; style="rounded,filled"; '
               f'fillcolor="{fill}"; color="{stroke}";')
    for inner in cluster.clusters:
        _cluster(out, inner, depth + 1, columns)
    for node in cluster.nodes:
        out.append(f"{pad}  {_node(node)}")
    if columns and cluster.nodes:
        # Rows of ``columns`` nodes in their order, each row above the next.
        for start in range(0, len(cluster.nodes), columns):
            row = cluster.nodes[start:start + columns]
            chain = " -> ".join(n.id for n in row)
            out.append(f"{pad}  {{rank=same; {chain} [style=invis];}}" if len(row) > 1
                       else f"{pad}  {{rank=same; {row[0].id};}}")
        for first, below in zip(cluster.nodes, cluster.nodes[columns:], strict=False):
            out.append(f"{pad}  {first.id} -> {below.id} [style=invis];")
    out.append(f"{pad}}}")


def _node(node: Node) -> str:
    fill, stroke = STYLES.get(node.style, STYLES["service"])
    if node.shape == "rack":
        return f"{node.id} [shape=plain, label=<{_rack(node)}>];"
    shape = _SHAPES.get(node.shape, _SHAPES["box"])
    return (f'{node.id} [{shape}, fillcolor="{fill}", color="{stroke}", '
            f"label={_label(node.lines)}];")


def _rack(node: Node) -> str:
    """A rack elevation: the heading, then a row per unit from the top; a run of units is
    one cell spanning its rows."""
    columns = 1 + max((len(u.cells) for u in node.units), default=1)
    head = "<br/>".join(html_text(x) for x in node.lines)
    rows = [f'<tr><td colspan="{columns}" bgcolor="#dddddd"><b>{head}</b></td></tr>']
    by_top = {u.last: u for u in node.units}
    for unit_number in range(node.height_u, 0, -1):
        cells = [f'<td align="right"><font point-size="8">{unit_number}</font></td>']
        run = by_top.get(unit_number)
        if run is not None:
            cells += _run_cells(run, columns - 1)
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return ('<table border="0" cellborder="1" cellspacing="0" cellpadding="2" '
            f'color="#555555">{"".join(rows)}</table>')


def _run_cells(run: Unit, width: int) -> list[str]:
    fill, _stroke = STYLES.get(run.style, STYLES["equipment"])
    span = run.last - run.first + 1
    attrs = f' rowspan="{span}" bgcolor="{fill}"' if span > 1 else f' bgcolor="{fill}"'
    texts = list(run.cells) + [""] * (width - len(run.cells))
    if run.style == "free":
        return [f'<td colspan="{width}"{attrs}><font color="#999999" point-size="8">'
                f"{html_text(texts[0])}</font></td>"]
    out = [f'<td{attrs} align="left"><b>{html_text(texts[0])}</b></td>']
    out += [f'<td{attrs} align="left"><font point-size="8">{html_text(t) or " "}</font></td>'
            for t in texts[1:]]
    return out


def _edge(edge: Edge) -> str:
    look = _EDGES.get(edge.kind, _EDGES["dependency"])
    text = f", label=<{html_text(edge.label)}>" if edge.label else ""
    return f"{edge.source} -> {edge.target} [{look}{text}];"


_COMMENT = re.compile(r"<!--.*?-->\s*", re.S)
_PROLOGUE = re.compile(r"^.*?(?=<svg\b)", re.S)
_ID = re.compile(r'\bid="')
_REF = re.compile(r'(xlink:href|href)="#')


def svg(source: str, name: str) -> bytes:
    """The SVG of the DOT ``source`` (``name``: a prefix for its element ids). Raises
    FormatError when Graphviz is missing or refuses the source."""
    engine = shutil.which("dot")
    if engine is None:
        raise FormatError("the diagrams of the HTML, DOCX and PDF documents are laid out by "
                          "Graphviz, which is not installed: apt-get install graphviz "
                          "(or build Markdown only: --formats md)")
    # A Graphviz installed anew may lay out differently: its file is part of the key.
    stat = os.stat(engine)
    stamp = f"graphviz-svg:{name}:{stat.st_size}:{stat.st_mtime_ns}"
    text = recalled(source, stamp, lambda: _layout(engine, source, name))
    return text.encode("utf-8")


def _layout(engine: str, source: str, name: str) -> str:
    # The C locale: numbers in the SVG are written with a decimal point whatever the
    # machine's locale.
    env = {**os.environ, "LC_ALL": "C.UTF-8"}
    done = subprocess.run([engine, "-Tsvg"], input=source.encode("utf-8"),
                          capture_output=True, env=env, check=False)
    if done.returncode != 0:
        detail = done.stderr.decode("utf-8", "replace").strip()[-500:]
        raise FormatError(f"Graphviz could not lay out the diagram {name}: {detail}")
    text = done.stdout.decode("utf-8")
    text = _COMMENT.sub("", _PROLOGUE.sub("", text, count=1))
    return _REF.sub(rf'\1="#{name}-', _ID.sub(f'id="{name}-', text))
