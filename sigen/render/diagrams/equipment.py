"""需求單位現有設備配置圖 (O1.1.2): per site, the racks as elevations — which units each host
and piece of equipment occupies, the power feeds each host is plugged into and the networks
(and switch ports) it is cabled to. A site of many racks is drawn as one box per rack with
its occupancy, the elevations staying in the document's tables; past RACK_LIMIT racks,
consecutive racks (in blueprint order) share a box, so the diagram keeps a size GitHub's
Mermaid draws and a reader can take in."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sigen.plan import Blueprint, Host, RackCabinet, RackEquipment, Site
from sigen.render.diagrams.graph import Cluster, Graph, Ids, Node, Unit

__all__ = ["DETAILED_RACKS", "DETAILED_RUNS", "RACK_LIMIT", "Run", "attachments", "elevation",
           "equipment_layouts", "occupants", "unmounted"]

Term = Callable[[str], str]
# A site of up to this many racks, holding up to DETAILED_RUNS runs of units between them,
# is drawn as elevations, unit by unit: a run is a line of about 180 characters of Mermaid,
# and GitHub draws no diagram of more than 50,000.
DETAILED_RACKS = 12
DETAILED_RUNS = 200
# A site of more racks than this is drawn with several racks to a box.
RACK_LIMIT = 60
_ELEVATIONS_PER_ROW = 6
_BOXES_PER_ROW = 8


def attachments(host: Host, term: Term) -> str:
    """The networks a host is cabled to, with VLAN and switch port where known."""
    out = []
    for iface in host.interfaces:
        net = iface.network
        text = net.name + (f" VLAN {net.vlan}" if net.vlan else "")
        if iface.switch:
            text += f" {term('via')} {iface.switch}" + (f" {iface.switch_port}"
                                                      if iface.switch_port else "")
        out.append(text)
    return ", ".join(out)


@dataclass(frozen=True)
class Run:
    """Units ``first``..``last`` of a rack and what occupies them (None: free)."""

    first: int
    last: int
    host: Host | None = None
    item: RackEquipment | None = None


def elevation(rack: RackCabinet) -> list[Run]:
    """What occupies the rack, as runs of units from the top down, free runs included
    (validation has ruled out overlaps and units beyond the top)."""
    taken = [Run(h.hardware.rack.unit, h.hardware.rack.top, host=h) for h in rack.hosts
             if h.hardware is not None and h.hardware.rack is not None]
    taken += [Run(e.unit, e.top, item=e) for e in rack.equipment]
    taken.sort(key=lambda r: -r.last)
    out: list[Run] = []
    above = rack.height_u
    for run in taken:
        if run.last < above:
            out.append(Run(run.last + 1, above))
        out.append(run)
        above = min(above, run.first - 1)
    if above >= 1:
        out.append(Run(1, above))
    return out


def occupants(rack: RackCabinet, term: Term) -> list[Unit]:
    """The rack's elevation as the diagram draws it: occupant, power feeds, networks."""
    out = []
    for run in elevation(rack):
        host, item = run.host, run.item
        if host is not None:
            place = host.hardware.rack if host.hardware else None
            name = host.name + (f" ({term('hypervisor')})" if host.hypervisor else "")
            out.append(Unit(run.first, run.last,
                            (name, ", ".join(place.power) if place and place.power else "-",
                             attachments(host, term)),
                            "hypervisor" if host.hypervisor else "physical"))
        elif item is not None:
            out.append(Unit(run.first, run.last,
                            (f"{item.name} ({term('equipment kind:' + item.kind)})", "-", "-"),
                            "switch" if item.kind == "switch" else "equipment"))
        else:
            out.append(Unit(run.first, run.last, (term("free units"),), "free"))
    return out


def unmounted(bp: Blueprint, site: Site) -> list[Host]:
    """The physical hosts of a site that the blueprint puts in no rack."""
    return [h for h in bp.hosts if h.site is site and h.kind == "physical"
            and (h.hardware is None or h.hardware.rack is None)]


def equipment_layouts(bp: Blueprint, term: Term) -> list[tuple[Site, Graph]]:
    """One diagram per site with physical hosts or racks, in blueprint order."""
    out = []
    for site in bp.sites:
        racks = [r for r in bp.racks if r.site is site]
        loose = unmounted(bp, site)
        if not racks and not loose:
            continue
        ids = Ids()
        detailed = len(racks) <= DETAILED_RACKS and \
            sum(len(elevation(r)) for r in racks) <= DETAILED_RUNS
        cluster = Cluster("c1", f"{term('site')} {site.name}"
                          + (f" · {site.location}" if site.location else ""), "site")
        if len(racks) > RACK_LIMIT:
            size = -(-len(racks) // RACK_LIMIT)
            for start in range(0, len(racks), size):
                chunk = racks[start:start + size]
                members = tuple(h.name for r in chunk for h in r.hosts)
                cluster.nodes.append(Node(ids(chunk[0].name), _chunk_summary(chunk, term),
                                          "physical", members=members))
        for rack in racks if len(racks) <= RACK_LIMIT else ():
            heading = (f"{term('rack')} {rack.name}",
                       f"{rack.height_u}U" + (f" · {rack.description}" if rack.description
                                              else ""))
            members = tuple(h.name for h in rack.hosts)
            if detailed:
                cluster.nodes.append(Node(ids(rack.name), heading, "site", "rack",
                                          tuple(occupants(rack, term)), rack.height_u,
                                          members))
            else:
                cluster.nodes.append(Node(ids(rack.name), _summary(rack, term), "physical",
                                          members=members))
        if loose:
            names = [h.name for h in loose]
            shown = ", ".join(names) if len(names) <= 6 else f"{names[0]} … {names[-1]}"
            cluster.nodes.append(Node(ids("\0loose"), (term("not in a rack"),
                                                       f"{len(names)} {term('n hosts')}", shown),
                                      "equipment", members=tuple(names)))
        out.append((site, Graph(f"equipment-{site.name}", "TB", [cluster],
                                columns=_ELEVATIONS_PER_ROW if detailed else _BOXES_PER_ROW)))
    return out


def _summary(rack: RackCabinet, term: Term) -> tuple[str, ...]:
    used = sum(r.last - r.first + 1 for r in elevation(rack) if r.host or r.item)
    names = [h.name for h in rack.hosts]
    shown = ", ".join(names) if len(names) <= 3 else f"{names[0]} … {names[-1]}"
    lines = [f"{term('rack')} {rack.name}", f"{used}/{rack.height_u}U {term('used')}",
             f"{len(names)} {term('n hosts')}" + (f": {shown}" if names else "")]
    if rack.power_feeds:
        lines.append(f"{term('power')}: {', '.join(rack.power_feeds)}")
    return tuple(lines)


def _chunk_summary(racks: list[RackCabinet], term: Term) -> tuple[str, ...]:
    """Consecutive racks as one box: their names, the units used of all of them, their
    hosts (first and last named)."""
    used = sum(r.last - r.first + 1 for rack in racks for r in elevation(rack)
               if r.host or r.item)
    units = sum(r.height_u for r in racks)
    names = [h.name for r in racks for h in r.hosts]
    shown = ", ".join(names) if len(names) <= 3 else f"{names[0]} … {names[-1]}"
    return (f"{term('racks')} {racks[0].name} … {racks[-1].name} ({len(racks)})",
            f"{used}/{units}U {term('used')}",
            f"{len(names)} {term('n hosts')}" + (f": {shown}" if names else ""))
