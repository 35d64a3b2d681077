"""The diagrams of the documents, each made once from the plan and written twice: as
Mermaid in the Markdown (GitHub draws it), and as DOT that Graphviz lays out into the SVG
the HTML, DOCX and PDF embed (docs/diagrams.md).

``drawings`` gives every diagram of a language; the documents print ``mermaid`` in a fenced
block, and the format writers get the SVG of that block through ``svg_of`` (Graphviz runs
only then: a Markdown-only build never starts it).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sigen.plan import Plan
from sigen.render.diagrams import design, dot, equipment, hosts, mermaid, schedule
from sigen.render.diagrams.graph import Graph

__all__ = ["Drawing", "drawings", "svg_of"]

Term = Callable[[str], str]


@dataclass(frozen=True)
class Drawing:
    """One diagram: its name (an SVG id prefix), its Mermaid source (no fence, as the
    Markdown holds it) and its DOT source; ``graph`` is what both draw (None for the
    schedule chart, a table of bars)."""

    name: str
    mermaid: str
    dot: str
    graph: Graph | None = None


def _of(graph: Graph) -> Drawing:
    return Drawing(graph.name, mermaid.mermaid(graph), dot.dot(graph), graph)


def drawings(plan: Plan, term: Term) -> dict[str, Drawing]:
    """Every diagram of the documents, by key: ``equipment:<site>`` per site with racks or
    physical hosts, ``hosts``, ``design`` and ``schedule``."""
    bp = plan.blueprint
    out = {f"equipment:{site.name}": _of(graph)
           for site, graph in equipment.equipment_layouts(bp, term)}
    out["hosts"] = _of(hosts.host_layout(bp, term))
    out["design"] = _of(design.system_design(plan, term))
    # On the window's clock only: without a window the steps have no times to draw.
    if plan.change is not None and plan.change.schedule and plan.change.window_start:
        out["schedule"] = Drawing("schedule", schedule.gantt_mermaid(plan, term),
                                  schedule.gantt_dot(plan, term))
    return out


def svg_of(drawn: dict[str, Drawing]) -> Callable[[str], bytes | None]:
    """The hook of the format writers: the SVG of a Mermaid block of the Markdown, when
    it is one of ``drawn`` (None for another, such as a drill report's timeline)."""
    by_source = {d.mermaid.strip(): d for d in drawn.values()}

    def draw(source: str) -> bytes | None:
        found = by_source.get(source.strip())
        return dot.svg(found.dot, found.name) if found is not None else None

    return draw
