"""The lab of a plan (``sigen.plan.lab`` says what it is made of)."""

from __future__ import annotations

import ipaddress

from sigen.compile.wiring import management_address
from sigen.plan import Flow, Network, Plan
from sigen.plan.lab import HOST_IMAGE, TIME_IMAGE, LabHost, LabNetwork, Topology

__all__ = ["resource_name", "topology"]


def resource_name(system: str, name: str) -> str:
    return f"sigen-{system}-{name}"


def _gateway(net: Network) -> str:
    if net.gateway:
        return net.gateway
    return str(next(ipaddress.ip_network(net.cidr, strict=False).hosts()))


def _free_address(net: Network, used: set[str]) -> str:
    """The highest address of ``net`` that no host or gateway uses (for the time server)."""
    network = ipaddress.ip_network(net.cidr, strict=False)
    top = int(network.broadcast_address) - 1
    for offset in range(top - int(network.network_address)):
        candidate = str(ipaddress.ip_address(top - offset))
        if candidate not in used:
            return candidate
    return str(ipaddress.ip_address(top))


def _cross_network_flows(plan: Plan) -> tuple[Flow, ...]:
    """Flows whose source and target share no network: the lab routes them through this
    machine, which rewrites their source address."""
    owner = {i.address: h for h in plan.blueprint.hosts for i in h.interfaces}
    out = []
    for flows in plan.flows.values():
        for flow in flows:
            source = owner.get(flow.source)
            if source is None:
                continue
            theirs = {i.network.name for i in flow.host.interfaces}
            if not any(i.network.name in theirs for i in source.interfaces):
                out.append(flow)
    return tuple(out)


def topology(plan: Plan) -> Topology:
    """The lab of ``plan``."""
    bp = plan.blueprint
    used = {i.network.name for h in bp.hosts for i in h.interfaces}
    networks = tuple(
        LabNetwork(resource_name(bp.name, "net-" + n.name), n.name, n.cidr, _gateway(n))
        for n in bp.networks if n.name in used)
    podman_name = {n.blueprint_name: n.name for n in networks}
    hosts = tuple(
        LabHost(resource_name(bp.name, h.name), h.name, h.kind, HOST_IMAGE,
                tuple((podman_name[i.network.name], i.address) for i in h.interfaces),
                management_address(bp, h))
        for h in bp.hosts)
    used = {i.address for h in bp.hosts for i in h.interfaces} | {n.gateway for n in networks}
    by_name = {n.name: n for n in bp.networks}
    time_addresses = tuple(
        (n.name, _free_address(by_name[n.blueprint_name], used)) for n in networks)
    timeserver = LabHost(resource_name(bp.name, "ntp"), "ntp", "timeserver", TIME_IMAGE,
                         time_addresses, time_addresses[0][1] if time_addresses else "")
    on_network = dict(time_addresses)
    ntp_server = {h.name: on_network[h.addresses[0][0]] for h in hosts if h.addresses}
    # Prefer the time server on the host's management network, as production would.
    for host in hosts:
        for network, address in host.addresses:
            if address == host.management:
                ntp_server[host.hostname] = on_network[network]
    return Topology(bp.name, networks, hosts, timeserver, ntp_server,
                    cross_network_flows=_cross_network_flows(plan),
                    unmanaged=tuple(h for h in bp.hosts if "management" not in h.zones))
