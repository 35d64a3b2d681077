"""服務主機及相關設備配置圖 (O2.1.3): the hosts by site and zone — VMs inside their
hypervisors (and clusters), cloud instances inside their provider, region and availability
zone — and the networks with their CIDRs, VLANs and gateways, each host joined to the
networks it has an address on.

Up to DETAILED_HOSTS hosts every host is a box. A larger estate is drawn in groups: hosts
alike (same site, placement, kind, networks and services) are one box that names its first
and last host and counts the others; when even those groups are more than GROUP_LIMIT, hosts
are grouped by site, zone, kind and the components they run, and the networks of a zone are
one box."""

from __future__ import annotations

from collections.abc import Callable

from sigen.plan import Blueprint, Host, Network, Site
from sigen.render.diagrams.graph import Cluster, Edge, Graph, Ids, Node

__all__ = ["DETAILED_HOSTS", "GROUP_LIMIT", "host_layout", "host_zone", "names_text"]

Term = Callable[[str], str]
DETAILED_HOSTS = 100
GROUP_LIMIT = 60


def host_zone(host: Host) -> str:
    """The zone a host is drawn in: that of its first interface off the management
    networks (every host has one on them), else of its first interface."""
    for iface in host.interfaces:
        if iface.network.zone != "management":
            return iface.network.zone
    return host.interfaces[0].network.zone


def names_text(names: list[str], limit: int = 3) -> str:
    """A few names in full, or the first and last of many."""
    return ", ".join(names) if len(names) <= limit else f"{names[0]} … {names[-1]}"


def _network_lines(net: Network, term: Term) -> tuple[str, ...]:
    lines = [net.name, net.cidr + (f", {net.cidr6}" if net.cidr6 else "")]
    extra = [x for x in (f"VLAN {net.vlan}" if net.vlan else "",
                         f"{term('gateway')} {net.gateway}" if net.gateway else "") if x]
    if extra:
        lines.append(" · ".join(extra))
    return tuple(lines)


def _host_lines(host: Host, term: Term) -> tuple[str, ...]:
    if host.kind == "physical" and host.hardware is not None:
        what = host.hardware.model
        size = f"{host.hardware.cpu_cores} {term('cores')} · {host.memory_gb:g} GB"
    elif host.kind == "vm" and host.vm is not None:
        what = term("host kind:vm")
        size = f"{host.vm.vcpus} vCPU · {host.memory_gb:g} GB"
    else:
        what = host.cloud.instance_type if host.cloud else ""
        size = term("host kind:cloud")
    services = ", ".join(s.name for s in host.services)
    return tuple(x for x in (host.name, what, size, services) if x)


def _site_label(site: Site, term: Term) -> str:
    where = site.location or " ".join(x for x in (site.provider, site.region) if x)
    return f"{term('site')} {site.name} ({term('site kind:' + site.kind)})" + (
        f" · {where}" if where else "")


def host_layout(bp: Blueprint, term: Term) -> Graph:
    if len(bp.hosts) < DETAILED_HOSTS:
        return _detailed(bp, term)
    graph = _grouped(bp, term, fine=True)
    if len(graph.all_nodes()) - len(bp.networks) > GROUP_LIMIT:
        graph = _grouped(bp, term, fine=False)
    return graph


def _networks_by_zone(bp: Blueprint, site: Site, ids: Ids, cids: Ids,
                      term: Term) -> list[Cluster]:
    zones: dict[str, Cluster] = {}
    for net in bp.networks:
        if net.site is not site:
            continue
        zone = zones.get(net.zone)
        if zone is None:
            zone = zones[net.zone] = Cluster(cids(f"\0zone:{site.name}:{net.zone}"),
                                             f"{term('zone')} {net.zone}", "zone")
        zone.nodes.append(Node(ids(f"\0net:{net.name}"), _network_lines(net, term), "network"))
    return list(zones.values())


def _detailed(bp: Blueprint, term: Term) -> Graph:
    ids, cids = Ids(), Ids("c")
    graph = Graph("hosts", "LR")
    for site in bp.sites:
        cluster = Cluster(cids(site.name), _site_label(site, term), "site")
        graph.clusters.append(cluster)
        hosts = [h for h in bp.hosts if h.site is site]
        vms_on: dict[str, list[Host]] = {}
        for h in hosts:
            if h.vm is not None:
                vms_on.setdefault(h.vm.hypervisor or f"\0cluster:{h.vm.cluster}", []).append(h)
        in_cluster = {m.name: name for name, members in bp.clusters.items()
                      for m in members if m.site is site}
        clusters = {name: Cluster(cids(f"\0cluster:{name}"),
                                  f"{term('cluster')} {name}", "hypervisor")
                    for name in dict.fromkeys(in_cluster.values())}
        for name, box in clusters.items():
            box.nodes += [_node(vm, ids, term) for vm in vms_on.get(f"\0cluster:{name}", [])]
        regions: dict[str, Cluster] = {}
        for h in hosts:
            if h.vm is not None:
                continue  # drawn inside its hypervisor or cluster
            if h.hypervisor is not None:
                box = Cluster(cids(h.name), f"{term('hypervisor')} {h.name}", "hypervisor")
                box.nodes.append(_node(h, ids, term))
                box.nodes += [_node(vm, ids, term) for vm in vms_on.get(h.name, [])]
                parent = clusters.get(in_cluster.get(h.name, ""))
                (parent.clusters if parent else cluster.clusters).append(box)
            elif h.cloud is not None:
                key = f"{h.cloud.provider} {h.cloud.region}"
                region = regions.get(key)
                if region is None:
                    region = regions[key] = Cluster(cids(f"\0region:{site.name}:{key}"), key,
                                                    "region")
                    cluster.clusters.append(region)
                target = region
                if h.cloud.zone:
                    target = next((c for c in region.clusters if c.label == h.cloud.zone),
                                  None) or _add(region, Cluster(
                                      cids(f"\0az:{site.name}:{key}:{h.cloud.zone}"),
                                      h.cloud.zone, "zone"))
                target.nodes.append(_node(h, ids, term))
            else:
                cluster.nodes.append(_node(h, ids, term))
        cluster.clusters += clusters.values()
        cluster.clusters += _networks_by_zone(bp, site, ids, cids, term)
    for h in bp.hosts:
        for iface in h.interfaces:
            graph.edges.append(Edge(ids(f"\0host:{h.name}"), ids(f"\0net:{iface.network.name}"),
                                    iface.address, "link"))
    return graph


def _add(parent: Cluster, child: Cluster) -> Cluster:
    parent.clusters.append(child)
    return child


def _node(host: Host, ids: Ids, term: Term) -> Node:
    style = "hypervisor" if host.hypervisor else host.kind
    return Node(ids(f"\0host:{host.name}"), _host_lines(host, term), style,
                members=(host.name,))


def _grouped(bp: Blueprint, term: Term, fine: bool) -> Graph:
    """Hosts alike as one box each: with ``fine``, alike in site, placement, kind, networks
    and services; else in site, zone, kind and components (the networks of a zone one
    box too)."""
    ids, cids = Ids(), Ids("c")
    graph = Graph("hosts", "LR")
    groups: dict[tuple[object, ...], list[Host]] = {}
    for h in bp.hosts:
        if fine:
            place = (h.vm.hypervisor or h.vm.cluster) if h.vm else \
                f"{h.cloud.region} {h.cloud.zone}" if h.cloud else ""
            key: tuple[object, ...] = (h.site.name, place, h.kind,
                                       tuple(i.network.name for i in h.interfaces),
                                       tuple(s.name for s in h.services))
        else:
            key = (h.site.name, host_zone(h), h.kind,
                   tuple(dict.fromkeys(s.component for s in h.services)))
        groups.setdefault(key, []).append(h)
    sites = {s.name: Cluster(cids(s.name), _site_label(s, term), "site") for s in bp.sites}
    zones: dict[tuple[str, str], Cluster] = {}
    for key, members in groups.items():
        site_box = sites[members[0].site.name]
        zone_name = host_zone(members[0])
        zone = zones.get((members[0].site.name, zone_name))
        if zone is None:
            zone = zones[(members[0].site.name, zone_name)] = Cluster(
                cids(f"\0zone:{key[0]}:{zone_name}"), f"{term('zone')} {zone_name}", "zone")
            site_box.clusters.append(zone)
        names = [h.name for h in members]
        what = ", ".join(dict.fromkeys(s.name if fine else s.component
                                       for s in members[0].services)) or term("no service")
        lines = [what, f"{len(members)} {term('host kind:' + members[0].kind)}",
                 names_text(names)]
        if fine and key[1]:
            lines.append(str(key[1]))
        node = Node(ids(f"\0group:{key!r}"), tuple(lines),
                    "hypervisor" if members[0].hypervisor else members[0].kind,
                    members=tuple(names))
        zone.nodes.append(node)
        reached: dict[str, int] = {}
        for h in members:
            for iface in h.interfaces:
                target = f"\0net:{iface.network.name}" if fine else \
                    f"\0nets:{h.site.name}:{iface.network.zone}"
                reached[target] = reached.get(target, 0) + 1
        for target, count in reached.items():
            noun = term("n address" if count == 1 else "n addresses")
            graph.edges.append(Edge(node.id, ids(target), f"{count} {noun}", "link"))
    for site in bp.sites:
        box = sites[site.name]
        if fine:
            box.clusters += _networks_by_zone(bp, site, ids, cids, term)
        else:
            by_zone: dict[str, list[Network]] = {}
            for net in bp.networks:
                if net.site is site:
                    by_zone.setdefault(net.zone, []).append(net)
            for zone_name, nets in by_zone.items():
                vlans = sorted(n.vlan for n in nets if n.vlan)
                noun = term("n network" if len(nets) == 1 else "n networks")
                lines = [f"{term('zone')} {zone_name}: {len(nets)} {noun}",
                         names_text([n.cidr for n in nets], 2)]
                if vlans:
                    lines.append(f"VLAN {vlans[0]}" if len(vlans) == 1 else
                                 f"VLAN {vlans[0]}-{vlans[-1]}")
                box.nodes.append(Node(ids(f"\0nets:{site.name}:{zone_name}"), tuple(lines),
                                      "network", members=tuple(n.name for n in nets)))
        if box.nodes or box.clusters:
            graph.clusters.append(box)
    return graph
