"""The lab of a blueprint: podman networks, containers and a time server, as plain data.

Every blueprint network becomes a podman network with the blueprint's subnet and gateway, and
every host a container with the blueprint's addresses: the generated inventories, flows and
listen addresses then hold unchanged in the lab, and this machine reaches each host at its
management address through the network's bridge, as it would reach a VM. ``sigen lab up``
makes it (``sigen.operate.lab``), the generated molecule scenario makes the same with plain
Ansible, and the lab report describes it: all three read this one description.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sigen.plan.steps import Flow
from sigen.plan.system import Host

__all__ = ["HOST_IMAGE", "HOST_OPTIONS", "LABEL", "LAB_OVERRIDES", "SSH_ARGS", "TIME_IMAGE",
           "LabHost", "LabNetwork", "Topology"]

HOST_IMAGE = "localhost/sigen-lab:bookworm-systemd"
# Role options the lab overrides for every run (extra vars), because every lab host shares
# this machine's disk: capacity is not reproduced; and a lab host is a container, which
# cannot reboot: patch.yml restarts its services instead (the lab report says both).
LAB_OVERRIDES: Mapping[str, Any] = {"backup_server_min_free_gb": 0,
                                    "hardening_patch_restart_instead": True}
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


def _digest(value: object) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True).encode()).hexdigest()[:16]


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
    hostname: str  # the blueprint host's name ("ntp" for the time server)
    kind: str  # physical | vm | cloud | timeserver
    image: str
    addresses: tuple[tuple[str, str], ...]  # (podman network, address), blueprint order
    management: str  # where this machine reaches it over SSH

    @property
    def spec(self) -> str:
        options = HOST_OPTIONS if self.kind != "timeserver" else ()
        return _digest([self.image, self.hostname, [list(a) for a in self.addresses],
                        list(options)])


@dataclass(frozen=True, eq=False)
class Topology:
    system: str
    networks: tuple[LabNetwork, ...]
    hosts: tuple[LabHost, ...]  # blueprint hosts, in blueprint order
    timeserver: LabHost
    # blueprint host -> the time server address on a network it has
    ntp_server: dict[str, str]
    # Flows whose source and target share no network: the lab routes them through this
    # machine, which rewrites their source address (the lab report says so).
    cross_network_flows: tuple[Flow, ...] = ()
    # Hosts with no interface on a management network: the lab reaches them elsewhere.
    unmanaged: tuple[Host, ...] = ()
    overrides: Mapping[str, Any] = field(default_factory=lambda: dict(LAB_OVERRIDES))
