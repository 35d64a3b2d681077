"""What a lab of a blueprint consists of: podman networks, containers and a time server.

Pure data from the blueprint, so ``lab up`` can compare it with what podman has. Every
blueprint network becomes a podman network with the blueprint's subnet and gateway, and
every host a container with the blueprint's addresses: the generated inventories, flows
and listen addresses then hold unchanged in the lab, and this machine reaches each host at
its management address through the network's bridge, as it would reach a VM.
"""

from __future__ import annotations

import hashlib
import ipaddress
import json
from dataclasses import dataclass

from sigen.model import Blueprint, Network
from sigen.wiring import management_address

__all__ = ["HOST_IMAGE", "LAB_OVERRIDES", "SSH_ARGS", "TIME_IMAGE", "LabHost", "LabNetwork",
           "Topology", "topology"]

HOST_IMAGE = "localhost/sigen-lab:bookworm-systemd"
# Role options the lab overrides for every run (extra vars), because every lab host shares
# this machine's disk: capacity is not reproduced (the lab report says so).
LAB_OVERRIDES = {"backup_server_min_free_gb": 0}
# Lab keys only: lab hosts are recreated with new host keys at will.
SSH_ARGS = "-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR"
TIME_IMAGE = "localhost/sigen-lab:timeserver"
LABEL = "sigen.lab"
# How a blueprint host's container runs: systemd as on a VM; nftables needs CAP_NET_ADMIN
# (a VM has it); a VM's open-file limit rather than the 1024 podman gives here (haproxy
# needs about 2 x maxconn; 20000 is the most these machines allow). Both limits must be
# given: podman otherwise asks for an nproc limit the kernel refuses.
HOST_OPTIONS = ("--systemd=always", "--stop-timeout=3", "--cap-add", "NET_ADMIN",
                "--ulimit", "nofile=20000:20000", "--ulimit", "nproc=4096:4096")


@dataclass(frozen=True)
class LabNetwork:
    name: str  # podman network name
    blueprint_name: str
    subnet: str
    gateway: str

    @property
    def spec(self) -> str:
        return _digest([self.subnet, self.gateway])


@dataclass(frozen=True)
class LabHost:
    name: str  # container name
    hostname: str  # the blueprint host's name ("" for the time server)
    kind: str  # physical | vm | cloud | timeserver
    image: str
    addresses: tuple[tuple[str, str], ...]  # (podman network, address), blueprint order
    management: str  # where this machine reaches it over SSH

    @property
    def spec(self) -> str:
        options = HOST_OPTIONS if self.kind != "timeserver" else ()
        return _digest([self.image, self.hostname, [list(a) for a in self.addresses],
                        list(options)])


@dataclass(frozen=True)
class Topology:
    system: str
    networks: tuple[LabNetwork, ...]
    hosts: tuple[LabHost, ...]  # blueprint hosts, in blueprint order
    timeserver: LabHost
    # blueprint host -> the time server address on a network it has
    ntp_server: dict[str, str]


def _digest(value: object) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True).encode()).hexdigest()[:16]


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


def topology(bp: Blueprint) -> Topology:
    """The lab of ``bp``."""
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
    return Topology(bp.name, networks, hosts, timeserver, ntp_server)
