"""軟硬體及網路設計示意圖 (O3.1.1): the services on their hosts and the flows between them —
dependencies and clients with their ports, PostgreSQL replication, backups to the backup
store, the monitoring path — every arrow one or more of the firewall flows of the plan
(``plan.flows``), none worked out here.

Services are boxes grouped by site and zone (the zone of their first host). With more
than SERVICE_LIMIT services, the services of one component in a zone are one box and the
arrows between boxes count the services they stand for."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from sigen.plan import Flow, Plan, Service
from sigen.render.diagrams.graph import Cluster, Edge, Graph, Ids, Node
from sigen.render.diagrams.hosts import host_zone, names_text

__all__ = ["DRAWN_KINDS", "SERVICE_LIMIT", "Link", "links", "system_design"]

Term = Callable[[str], str]
SERVICE_LIMIT = 60
# The flows the diagram draws; drill restores and failovers are in the document's table.
DRAWN_KINDS = ("client", "dependency", "replication", "backup", "monitoring")
_DATA = {"postgresql": "data", "redis": "data", "backup_server": "store",
         "monitoring": "monitor"}


@dataclass(frozen=True)
class Link:
    """Flows of one kind from one box to another on one port: ``flows`` of them."""

    kind: str
    source: str  # the box's name: a service, a client, a backup policy's hosts
    target: str
    port: int
    flows: int
    subjects: tuple[str, ...]  # the backup policies, drills or clients they exist for
    address: str = ""  # where clients come from (a network's CIDR, 0.0.0.0/0)


def _source(flow: Flow, term: Term) -> str:
    if flow.kind == "client":
        return term("any client") if flow.subject == "any" else flow.subject
    if flow.source_service:
        return flow.source_service
    if flow.kind == "backup":
        return f"{term('hosts of')} {flow.subject}"
    return flow.source_host.name if flow.source_host else flow.source


def _target(flow: Flow, term: Term) -> str:
    if flow.kind == "monitoring":
        return term("node exporter on every host")
    return flow.service or flow.host.name


def links(plan: Plan, term: Term, kinds: Iterable[str] | None = None) -> list[Link]:
    """The flows of ``plan`` merged per kind, source box, target box and port, in the
    order they first appear (plan.flows is in host order)."""
    wanted = set(kinds) if kinds is not None else None
    merged: dict[tuple[str, str, str, int], list[Flow]] = {}
    for flows in plan.flows.values():
        for flow in flows:
            if wanted is not None and flow.kind not in wanted:
                continue
            key = (flow.kind, _source(flow, term), _target(flow, term), flow.port)
            merged.setdefault(key, []).append(flow)
    order = {k: i for i, k in enumerate(("client", "dependency", "replication", "backup",
                                         "monitoring", "drill", "failover"))}
    out = [Link(kind, source, target, port, len(flows),
                tuple(dict.fromkeys(f.subject for f in flows if f.subject)),
                flows[0].source if kind == "client" else "")
           for (kind, source, target, port), flows in merged.items()]
    return sorted(out, key=lambda link: order.get(link.kind, 9))


def _ports(ports: tuple[int, ...]) -> str:
    return "TCP " + ", ".join(map(str, ports)) if ports else ""


def _label(link: Link, term: Term, grouped: bool) -> str:
    port = f"TCP {link.port}" if link.kind != "backup" else f"SSH {link.port}"
    if link.kind == "replication":
        port = f"{term('replication')} · {port}"
    elif link.kind == "backup":
        port = f"{', '.join(link.subjects)} · {port}" if not grouped else \
            f"{term('backup')} · {port}"
    return port


def system_design(plan: Plan, term: Term) -> Graph:
    bp = plan.blueprint
    grouped = len(bp.services) > SERVICE_LIMIT
    ids, cids = Ids(), Ids("c")
    graph = Graph("design", "LR")
    sites: dict[str, Cluster] = {}
    zones: dict[tuple[str, str], Cluster] = {}
    box_of: dict[str, str] = {}  # service name -> the id of its box
    boxes: dict[str, Node] = {}

    def zone_of(svc: Service) -> Cluster:
        host = svc.hosts[0]
        site = sites.get(host.site.name)
        if site is None:
            site = sites[host.site.name] = Cluster(cids(host.site.name),
                                                   f"{term('site')} {host.site.name}", "site")
            graph.clusters.append(site)
        zone_name = host_zone(host)
        zone = zones.get((host.site.name, zone_name))
        if zone is None:
            zone = zones[(host.site.name, zone_name)] = Cluster(
                cids(f"\0zone:{host.site.name}:{zone_name}"), f"{term('zone')} {zone_name}",
                "zone")
            site.clusters.append(zone)
        return zone

    members: dict[str, list[Service]] = {}
    for svc in bp.services:
        key = (f"\0group:{svc.hosts[0].site.name}:{host_zone(svc.hosts[0])}:{svc.component}"
               if grouped else svc.name)
        members.setdefault(key, []).append(svc)
        box_of[svc.name] = ids(key)
    for key, services in members.items():
        first = services[0]
        style = _DATA.get(first.component, "service")
        shape = "cylinder" if style in ("data", "store") else "box"
        if grouped:
            hosts = list(dict.fromkeys(h.name for s in services for h in s.hosts))
            lines: tuple[str, ...] = (first.component, f"{len(services)} {term('n services')}",
                                      f"{len(hosts)} {term('n hosts')}: {names_text(hosts)}")
            names = tuple(s.name for s in services)
        else:
            hosts = [h.name for h in first.hosts]
            lines = tuple(x for x in (f"{first.name} ({first.component})", _ports(first.ports),
                                      names_text(hosts, 4)) if x)
            names = (first.name,)
        node = Node(ids(key), lines, style, shape, members=names)
        boxes[key] = node
        zone_of(first).nodes.append(node)
    outside: dict[str, Node] = {}
    merged: dict[tuple[str, str, str, str], list[Link]] = {}
    for link in links(plan, term, DRAWN_KINDS):
        source = box_of.get(link.source) if link.kind != "client" else None
        if source is None:
            found = outside.get(link.source)
            if found is None:
                style = "client" if link.kind == "client" else "service"
                # A client named by its address shows the address once.
                lines = (link.source, link.address) \
                    if link.address and link.address != link.source else (link.source,)
                found = outside[link.source] = Node(ids(f"\0outside:{link.source}"), lines,
                                                    style, "round")
                graph.nodes.append(found)
            source = found.id
        target = box_of.get(link.target)
        if target is None:  # the node exporters
            found = outside.get(link.target)
            if found is None:
                found = outside[link.target] = Node(
                    ids(f"\0outside:{link.target}"),
                    (link.target, f"{link.flows} {term('n hosts')}"), "monitor", "round")
                graph.nodes.append(found)
            target = found.id
        merged.setdefault((link.kind, source, target, _label(link, term, grouped)),
                          []).append(link)
    for (kind, source, target, text), joined in merged.items():
        count = len({(link.source, link.target) for link in joined})
        if grouped and count > 1:
            text += f" x{count}"
        graph.edges.append(Edge(source, target, text, kind))
    return graph
