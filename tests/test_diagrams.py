"""The diagrams: what they draw comes from the plan, the SVG that Graphviz lays out parses
and names every host (or the group it is in), the Mermaid is well formed, a large estate is
drawn in groups, and a Markdown-only build never needs Graphviz."""

from __future__ import annotations

import itertools
import re
import sys
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest

from sigen.build import Options, plan_for, render_loaded
from sigen.compile.loader import load_blueprint, load_text
from sigen.compile.validate.racks import free_runs
from sigen.diagnostics import SigenError
from sigen.plan import Plan
from sigen.plan.change import Clock
from sigen.render import documents, words
from sigen.render.diagrams import Drawing, design, drawings, equipment, hosts, schedule
from sigen.render.diagrams.dot import dot, svg
from sigen.render.diagrams.graph import Graph
from sigen.render.diagrams.mermaid import mermaid
from tests.conftest import REPO, ROLES

sys.path.insert(0, str(REPO / "bench"))
from run import blueprint as bench_blueprint

BLUEPRINTS = {p.stem: p for p in sorted((REPO / "blueprints").glob("*.yml"))}
SVG = "{http://www.w3.org/2000/svg}"


def _term(plan: Plan, language: str = "en") -> Callable[[str], str]:
    term: Callable[[str], str] = words.context(plan, language, documents.describe_changes)[
        "term"]
    return term


@pytest.fixture(scope="module")
def plans() -> dict[str, Plan]:
    out = {name: plan_for(load_blueprint(path), ROLES) for name, path in BLUEPRINTS.items()}
    out["bench-500"] = plan_for(load_text(Path("bench-500.yml"),
                                          bench_blueprint(500).encode()), ROLES)
    return out


@pytest.fixture(scope="module")
def drawn(plans: dict[str, Plan]) -> dict[tuple[str, str], dict[str, Drawing]]:
    return {(name, lang): drawings(plan, _term(plan, lang))
            for name, plan in plans.items() for lang in ("en", "zh-TW")}


def _svg_text(data: bytes) -> str:
    """Every text of the SVG, joined: Graphviz writes a label line per <text>."""
    root = ET.fromstring(data)
    assert root.tag == f"{SVG}svg"
    return "\n".join("".join(t.itertext()) for t in root.iter(f"{SVG}text"))


def _title_of(graph: Graph, member: str) -> str:
    """The first line of the box that draws ``member``."""
    found = [n for n in graph.all_nodes() if member in n.members]
    assert found, f"{member} is drawn nowhere in {graph.name}"
    return found[0].lines[0]


# Mermaid, checked for the mistakes that make GitHub show an error instead of a diagram.
_ID = r"[A-Za-z][A-Za-z0-9_]*"
_NODE = re.compile(rf'^({_ID})(\["|\("|\[\(")(.*?)("\]|"\)|"\)\])$')
_EDGE = re.compile(rf'^({_ID}) (-->|==>|-\.->|---|~~~)(?:\|"([^"]*)"\|)? ({_ID})$')
_SUBGRAPH = re.compile(rf'^subgraph ({_ID})\["([^"]*)"\]$')


def mermaid_faults(source: str) -> list[str]:
    """What is wrong with a flowchart: an unknown statement, an unbalanced subgraph, a
    label with a raw quote or angle bracket (outside <b> and <br/>), an edge to an id never
    declared, an id declared twice."""
    lines = source.splitlines()
    faults = []
    if not lines or lines[0] not in ("flowchart LR", "flowchart TB"):
        return [f"first line {lines[:1]}"]
    declared: set[str] = set()
    edges: list[tuple[str, str]] = []
    depth = 0
    for line in (x.strip() for x in lines[1:]):
        if m := _SUBGRAPH.match(line):
            depth += 1
            new = {m.group(1)}
        elif line == "end":
            depth -= 1
            if depth < 0:
                faults.append("end without subgraph")
            continue
        elif line.startswith(("direction ", "classDef ", "class ", "linkStyle ")):
            continue
        elif m := _NODE.match(line):
            new = {m.group(1)}
            text = re.sub(r"</?b>|<br/>", "", m.group(3))
            if re.search(r'["<>]', text):
                faults.append(f"raw markup in label: {line}")
        elif m := _EDGE.match(line):
            edges.append((m.group(1), m.group(4)))
            continue
        else:
            faults.append(f"not a statement: {line}")
            continue
        if new & declared:
            faults.append(f"declared twice: {line}")
        declared |= new
    if depth:
        faults.append(f"{depth} subgraph(s) not closed")
    faults += [f"edge to undeclared {a} -> {b}" for a, b in edges
               if a not in declared or b not in declared]
    return faults


def test_the_mermaid_check_finds_faults() -> None:
    good = 'flowchart LR\n    subgraph c1["x"]\n        n1["<b>a</b><br/>b"]\n    end\n' \
           '    n2("c")\n    n1 -->|"TCP 80"| n2\n'
    assert mermaid_faults(good) == []
    assert mermaid_faults(good.replace("    end\n", ""))
    assert mermaid_faults(good.replace("n2(", "n3("))
    assert mermaid_faults(good.replace("<b>a</b>", 'a"b'))
    assert mermaid_faults(good.replace("-->", "->"))


@pytest.mark.parametrize("case", [*BLUEPRINTS, "bench-500"])
@pytest.mark.parametrize("language", ["en", "zh-TW"])
def test_mermaid_is_well_formed(drawn: dict[tuple[str, str], dict[str, Drawing]],
                                case: str, language: str) -> None:
    for key, d in drawn[(case, language)].items():
        if key == "schedule":
            lines = d.mermaid.splitlines()
            assert lines[0] == "gantt"
            tasks = [x for x in lines if re.match(r"^    \S.* :b\w+, ", x)]
            assert tasks and all(re.search(r":b\w+, 2000-01-\d\d \d\d:\d\d, "
                                           r"2000-01-\d\d \d\d:\d\d$", x) for x in tasks)
        else:
            assert mermaid_faults(d.mermaid) == [], key
        assert "```" not in d.mermaid and "\n\n" not in d.mermaid


@pytest.mark.parametrize("case", ["onprem-physical", "hybrid-cloud", "virtualised",
                                  "bench-500"])
def test_svg_parses_and_names_every_host(plans: dict[str, Plan],
                                         drawn: dict[tuple[str, str], dict[str, Drawing]],
                                         case: str) -> None:
    plan = plans[case]
    bp = plan.blueprint
    mine = drawn[(case, "en")]
    texts = {key: _svg_text(svg(d.dot, d.name)) for key, d in mine.items()}
    for h in bp.hosts:
        layout = mine["hosts"].graph
        assert layout is not None
        assert _title_of(layout, h.name) in texts["hosts"], h.name
    for rack in bp.racks:
        key = f"equipment:{rack.site.name}"
        graph = mine[key].graph
        assert graph is not None
        for h in rack.hosts:
            assert _title_of(graph, h.name) in texts[key], h.name
    for s in bp.services:
        graph = mine["design"].graph
        assert graph is not None
        assert _title_of(graph, s.name) in texts["design"], s.name
    for net in bp.networks:
        if len(bp.hosts) < hosts.DETAILED_HOSTS:
            assert f"{net.name}\n{net.cidr}" in texts["hosts"], net.name
    assert "INS-001" in texts["schedule"]


def test_svg_is_the_same_bytes_and_keeps_no_comment(
        drawn: dict[tuple[str, str], dict[str, Drawing]]) -> None:
    d = drawn[("onprem-physical", "zh-TW")]["design"]
    first, again = svg(d.dot, d.name), svg(d.dot, d.name)
    assert first == again
    assert first.startswith(b"<svg") and b"<!--" not in first and b"graphviz" not in first
    assert b'id="design-graph0"' in first
    assert "資料庫複寫" in _svg_text(first)  # the zh-TW words, in the CJK font
    assert 'font-family="Noto Sans CJK TC' in first.decode()


def test_a_large_estate_is_drawn_in_groups(plans: dict[str, Plan],
                                           drawn: dict[tuple[str, str], dict[str, Drawing]]
                                           ) -> None:
    bp = plans["bench-500"].blueprint
    mine = drawn[("bench-500", "en")]
    layout = mine["hosts"].graph
    assert layout is not None
    boxes = [n for n in layout.all_nodes() if n.style != "network"]
    assert len(boxes) <= hosts.GROUP_LIMIT, len(boxes)
    assert sorted(m for n in boxes for m in n.members) == sorted(h.name for h in bp.hosts)
    assert len(layout.edges) < len(bp.hosts)  # not an edge per interface
    racks = mine["equipment:dc1"].graph
    assert racks is not None
    assert len(bp.racks) > equipment.DETAILED_RACKS
    assert all(n.shape != "rack" for n in racks.all_nodes())
    assert len(racks.all_nodes()) == len(bp.racks)
    text = documents.render_language(plans["bench-500"], "0", "en")
    assert f"With {len(bp.racks)} racks at this site, the diagram draws each rack as one box" \
        in text["docs/en/equipment-layout.md"].decode()
    bars = schedule.bars(plans["bench-500"], _term(plans["bench-500"]))
    assert len(bars) <= schedule.STEP_LIMIT < len(plans["bench-500"].install)


# GitHub's Mermaid refuses a diagram of more characters than this (maxTextSize).
GITHUB_MERMAID_CHARACTERS = 50_000


def test_every_mermaid_fits_github(drawn: dict[tuple[str, str], dict[str, Drawing]]) -> None:
    for (case, language), mine in drawn.items():
        for key, d in mine.items():
            assert len(d.mermaid) < GITHUB_MERMAID_CHARACTERS, (case, language, key)


def test_a_site_of_many_racks_is_drawn_several_racks_to_a_box(plans: dict[str, Plan]) -> None:
    """Four times the racks of the 500-host bench (80 racks, past RACK_LIMIT): consecutive
    racks share a box, every host is in exactly one, and the SVG names every box."""
    bp = plans["bench-500"].blueprint
    more = tuple(replace(r, name=f"{r.name}-{k}") for k in range(4) for r in bp.racks)
    assert len(more) > equipment.RACK_LIMIT
    many = replace(bp, racks=more)
    [(_site, graph)] = equipment.equipment_layouts(many, _term(plans["bench-500"]))
    boxes = graph.all_nodes()
    assert len(boxes) <= equipment.RACK_LIMIT
    assert sorted(m for n in boxes for m in n.members) == \
        sorted(h.name for r in more for h in r.hosts)
    text = _svg_text(svg(dot(graph), graph.name))
    assert all(n.lines[0] in text for n in boxes)
    assert len(mermaid(graph)) < GITHUB_MERMAID_CHARACTERS
    # As many racks as are drawn unit by unit, but full: drawn a box per rack instead.
    full = replace(bp, racks=bp.racks[:equipment.DETAILED_RACKS])
    [(_site, graph)] = equipment.equipment_layouts(full, _term(plans["bench-500"]))
    assert len(graph.all_nodes()) == equipment.DETAILED_RACKS
    assert all(n.shape != "rack" for n in graph.all_nodes())
    assert len(mermaid(graph)) < GITHUB_MERMAID_CHARACTERS


def test_the_design_draws_the_flows_of_the_plan(plans: dict[str, Plan]) -> None:
    """Every flow of the plan is in one row of the design's connections, and a row counts
    exactly the flows it stands for; the replication is the standby's PostgreSQL stream."""
    plan = plans["onprem-physical"]
    links = design.links(plan, _term(plan))
    flows = [f for fl in plan.flows.values() for f in fl]
    assert sum(link.flows for link in links) == len(flows)
    by_kind = {k: sum(1 for f in flows if f.kind == k) for k in {f.kind for f in flows}}
    assert {k: sum(x.flows for x in links if x.kind == k) for k in by_kind} == by_kind
    replication = [f for f in flows if f.kind == "replication"]
    standby = plan.ansible.service_vars["database-standby"]
    assert standby["postgresql_replication_role"] == "standby"
    assert [(f.source_service, f.service, f.host.name) for f in replication] == [
        ("database-standby", "database", "db01")]
    assert standby["postgresql_primary_host"] == plan.blueprint.host("db01").address_towards(
        plan.blueprint.host("db02"))
    graph = design.system_design(plan, _term(plan))
    drawn_kinds = {e.kind for e in graph.edges}
    assert drawn_kinds == set(design.DRAWN_KINDS)


def test_the_equipment_tables_are_the_rack_positions(plans: dict[str, Plan]) -> None:
    plan = plans["onprem-physical"]
    rendered = render_loaded(load_blueprint(BLUEPRINTS["onprem-physical"]), ROLES,
                             date="2026-12-06", options=Options(languages=("en",)))
    doc = rendered.files["docs/en/equipment-layout.md"].decode()
    for h in plan.blueprint.hosts:
        place = h.hardware.rack if h.hardware else None
        assert place is not None
        units = f"U{place.unit}" if place.height_u == 1 else f"U{place.unit}-U{place.top}"
        feeds = ", ".join(place.power)
        assert f"| {units} | {h.name} | server | {h.hardware.model} | {feeds} |" in doc, h.name
    assert "| U42 | A03-SW1 | switch | Cisco Catalyst 9300-48T |" in doc
    assert "dmz VLAN 110 via A03-SW1 Gi1/0/1" in doc
    for rack in plan.blueprint.racks:
        runs = equipment.elevation(rack)
        covered = sorted(u for r in runs for u in range(r.first, r.last + 1))
        assert covered == list(range(1, rack.height_u + 1)), rack.name


def _rows(mermaid: str) -> list[tuple[str, str, str]]:
    """(bar id, start, end) of each row of a gantt, in order."""
    return re.findall(r":b(\w+), (2000-01-\d\d \d\d:\d\d), (2000-01-\d\d \d\d:\d\d)$",
                      mermaid, re.M)


def _at(clock: Clock) -> str:
    return f"2000-01-{1 + clock.day:02d} {clock.time}"


@pytest.mark.parametrize("case", [*BLUEPRINTS, "bench-500"])
def test_the_schedule_is_sequential_on_the_plan_s_clock(plans: dict[str, Plan],
                                                        case: str) -> None:
    """site.yml runs a play per step, one after another: the bars are in the order of
    site.yml, each starts where the one before it ends, every row of the chart is drawn at
    the step's starts_at and ends_at of plan.change.schedule, and each bar names the hosts
    its play runs on, forks of them at once as ansible.cfg says."""
    plan = plans[case]
    assert plan.change is not None
    timed = {t.step: t for t in plan.change.schedule}
    rendered = render_loaded(load_text(Path("b.yml"), _source(case)), ROLES,
                             date="2026-12-06", options=Options(languages=("en",)))
    plays = re.findall(r"^- name: (INS-\d+) ", rendered.files["site.yml"].decode(), re.M)
    forks = int(re.search(r"^forks = (\d+)$", rendered.files["ansible.cfg"].decode(),
                          re.M).group(1))
    bars = schedule.bars(plan, _term(plan))
    assert [i for b in bars for i in b.ids] == plays == [s.id for s in plan.install]
    assert bars[0].starts == 0
    for before, after in itertools.pairwise(bars):
        assert before.ends == after.starts, (before, after)  # never side by side
    rows = _rows(drawings(plan, _term(plan))["schedule"].mermaid)
    assert [r[0] for r in rows] == [b.ids[0].replace("-", "") for b in bars]
    for bar, (_id, begin, end) in zip(bars, rows, strict=True):
        first, last = timed[bar.ids[0]], timed[bar.ids[-1]]
        assert (begin, end) == (_at(first.starts_at), _at(last.ends_at))
        if len(bar.ids) == 1:
            step = next(s for s in plan.install if s.id == bar.ids[0])
            assert (bar.hosts, bar.at_once) == (len(step.hosts), min(len(step.hosts), forks))
            note = f", {bar.hosts} host{'s' if bar.hosts > 1 else ''}" + (f", {forks} at a time"
                                             if bar.hosts > forks else "")
            assert bar.text.endswith(note), bar.text
    text = rendered.files["docs/en/installation-plan.md"].decode()
    assert f"configures all of them together, {forks} at a time" in text
    assert "side by side" not in text and "lane" not in text.lower()


def _source(case: str) -> bytes:
    if case == "bench-500":
        return bench_blueprint(500).encode()
    return BLUEPRINTS[case].read_bytes()


def test_free_runs() -> None:
    assert free_runs(10, []) == [(1, 10)]
    assert free_runs(10, [(1, 2), (5, 5), (9, 12)]) == [(3, 4), (6, 8)]
    assert free_runs(4, [(1, 4)]) == []


def test_html_embeds_the_svg_and_markdown_needs_no_graphviz(
        monkeypatch: pytest.MonkeyPatch) -> None:
    loaded = load_blueprint(BLUEPRINTS["onprem-physical"])
    html = render_loaded(loaded, ROLES, date="2026-12-06",
                         options=Options(languages=("zh-TW",), formats=("md", "html")))
    page = html.files["docs/zh-TW/system-design.html"].decode()
    assert '<figure class="diagram"><svg' in page and "資料庫複寫" in page
    assert 'id="schedule-graph0"' in html.files["docs/zh-TW/installation-plan.html"].decode()
    # Without Graphviz on the PATH: Markdown is built, HTML is a diagnostic naming it.
    monkeypatch.setenv("PATH", "/nonexistent")
    md = render_loaded(loaded, ROLES, date="2026-12-06",
                       options=Options(languages=("zh-TW",), formats=("md",)))
    assert "```mermaid\nflowchart LR" in md.files["docs/zh-TW/system-design.md"].decode()
    with pytest.raises(SigenError) as caught:
        render_loaded(loaded, ROLES, date="2026-12-06",
                      options=Options(languages=("zh-TW",), formats=("md", "html")))
    assert "apt-get install graphviz" in str(caught.value)
    assert caught.value.diagnostics[0].code == "SG803"
