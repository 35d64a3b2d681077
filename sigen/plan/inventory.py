"""The system inventory (系統清冊, O1.3.1): what the blueprint plans on each host, and what an
inventory run (``sigen inventory``) found there, with the drift between the two.

``PlannedHost`` holds, per host, everything the blueprint states that a host can contradict:
its OS release, addresses, the packages and systemd services of the roles it gets, the ports
something planned listens on and why, its processors and memory. ``Drift`` is one
contradiction, as data each language words itself. Both are computed once, by
``sigen.compile.inventory``, for the plans (the default environment) and for ``sigen
inventory --check`` (the environment it ran on).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = ["DRIFT_KINDS", "MEMORY_SEEN", "Drift", "Inventory", "PlannedHost", "PlannedPackage",
           "PlannedPort", "PlannedUnit", "PortReason", "SeenPort"]

# The kernel keeps part of the memory for itself: MemTotal of a 32 GB server is about
# 31.3 GiB. Less than this share of the planned memory is drift.
MEMORY_SEEN = 0.9
# What a drift is about, in the order the documents list them.
DRIFT_KINDS = ("unanswered", "os", "address", "package", "unit", "port", "cpu", "memory")


@dataclass(frozen=True)
class PortReason:
    """Why a port may listen: ``kind`` ``service`` (a service of the host listens there:
    ``name``), ``ssh`` (sshd), ``node-exporter`` (the monitoring role's), or the kind of
    a firewall flow that reaches it (client, dependency, replication, monitoring,
    backup, drill, ...: ``name`` the service it serves, "" for the node exporter) from
    ``sources``."""

    kind: str
    name: str = ""
    sources: tuple[str, ...] = ()


@dataclass(frozen=True)
class PlannedPort:
    port: int
    protocol: str  # tcp | udp
    reasons: tuple[PortReason, ...]


@dataclass(frozen=True)
class SeenPort:
    """A port a host was seen listening on, on ``addresses``, with what explains it
    (``reasons``, empty when nothing planned does); ``loopback`` when it listens on the
    loopback only, where nothing from the network reaches it (never drift)."""

    port: int
    protocol: str
    addresses: tuple[str, ...]
    reasons: tuple[PortReason, ...]
    loopback: bool


@dataclass(frozen=True)
class PlannedPackage:
    """A Debian package a role installs on the host (its decision record's version)."""

    package: str
    component: str
    version: str
    role: str


@dataclass(frozen=True)
class PlannedUnit:
    """A systemd service a role leaves enabled and running on the host."""

    unit: str
    component: str
    role: str


@dataclass(frozen=True)
class PlannedHost:
    """What the blueprint states about one host, as an inventory run can see it.
    ``cpus`` counts ``cpu_kind`` (``cores`` of a physical server, ``vcpus`` of a VM; 0 and
    "" when the blueprint gives none, as for a cloud instance); ``memory_gb`` 0 likewise."""

    host: str
    os: str  # as the blueprint writes it: debian-12
    distribution: str  # as Ansible reports it: Debian
    version: str  # the major version: 12
    addresses: tuple[str, ...]
    packages: tuple[PlannedPackage, ...]
    units: tuple[PlannedUnit, ...]
    ports: tuple[PlannedPort, ...]
    cpus: int
    cpu_kind: str
    memory_gb: float


@dataclass(frozen=True)
class Drift:
    """One thing the blueprint states that the host contradicts. ``kind`` (``DRIFT_KINDS``):
    ``unanswered`` (the host gave no facts), ``os`` (release), ``address`` (a planned address
    on no interface), ``package`` (not installed), ``unit`` (a planned service not enabled
    or not running: ``observed`` its state and status, "" when there is no such unit),
    ``port`` (a port listening beyond the loopback that nothing planned explains:
    ``observed`` the addresses it listens on), ``cpu`` and ``memory`` (fewer than planned).
    ``subject`` is the address, package, unit or ``port/protocol``."""

    host: str
    kind: str
    subject: str
    expected: str
    observed: str


@dataclass(frozen=True, eq=False)
class Inventory:
    """The inventory of ``env`` (the default environment, for the plans): the planned hosts
    and packages, the latest inventory record of ``env`` (None before the first) and its
    drift. ``containers``: the environment's hosts are sigen's podman lab containers, which
    see the machine's memory, processors and disks, so those are recorded but not
    compared."""

    env: str
    containers: bool
    hosts: tuple[PlannedHost, ...]
    packages: tuple[str, ...]  # every package any host gets, sorted: the play's filter
    latest: Mapping[str, Any] | None = None
    drift: tuple[Drift, ...] = ()
    # Per host of the latest record, the ports it listens on and why.
    ports_seen: Mapping[str, tuple[SeenPort, ...]] = field(default_factory=dict)
