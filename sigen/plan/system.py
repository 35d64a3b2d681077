"""The system as the blueprint describes it: frozen dataclasses with every reference resolved.

These are the plan's entity types (``sigen.compile.model`` builds them from a validated
blueprint; raw dicts do not get past that stage, except service ``settings``, which are the
role's own options). Objects compare by identity (``eq=False``): references form a graph and
field-wise equality or hashing over it would be slow at 10,000 hosts and meaningless.
"""

from __future__ import annotations

import functools
import ipaddress
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from datetime import timedelta
from typing import Any

from sigen.plan.baseline import BaselineException
from sigen.plan.evaluation import EvaluationSettings

__all__ = [
    "Admin",
    "BackupPolicy",
    "Blueprint",
    "ChangeManagement",
    "CloudInstance",
    "Disk",
    "Drill",
    "Environment",
    "Hardware",
    "Host",
    "Hypervisor",
    "Interface",
    "Network",
    "NotSecret",
    "Person",
    "Rack",
    "RackCabinet",
    "RackEquipment",
    "Secret",
    "Security",
    "Service",
    "Site",
    "VirtualMachine",
    "parse_duration",
]

_DURATION = re.compile(r"^(\d+)([smhdw])$")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


class _ReprOnce:
    """The dataclass repr (every field shown), made once per object: the plans recall a
    host's rows by the repr of the host (sigen.render.memo), which shows its interfaces, their
    networks and sites, objects that 10,000 hosts share. The classes are frozen and built
    once; those using it set ``repr=False`` so the dataclass does not make its own."""

    def __repr__(self) -> str:
        kept = self.__dict__.get("_repr")
        if kept is None:
            cls = type(self)
            names = _SHOWN.get(cls)
            if names is None:
                names = _SHOWN[cls] = tuple(f.name for f in fields(cls) if f.repr)  # type: ignore[arg-type]
            shown = ", ".join([f"{name}={getattr(self, name)!r}" for name in names])
            kept = self.__dict__["_repr"] = f"{cls.__qualname__}({shown})"
        return str(kept)


_SHOWN: dict[type, tuple[str, ...]] = {}  # the fields each class shows


def parse_duration(text: str) -> timedelta:
    """``15m``, ``4h``, ``1d``, ``1w`` -> timedelta (validation has checked the form)."""
    match = _DURATION.match(text.strip())
    if not match:
        raise ValueError(f"not a duration: {text!r}")
    return timedelta(seconds=int(match.group(1)) * _UNIT_SECONDS[match.group(2)])


@dataclass(frozen=True, eq=False)
class Secret:
    """A reference to a secret: an ansible-vault variable or an environment variable."""

    kind: str  # "vault" | "env"
    name: str

    def describe(self) -> str:
        return f"vault variable {self.name}" if self.kind == "vault" else f"environment {self.name}"


@dataclass(frozen=True, eq=False)
class Person:
    name: str
    role: str = ""
    contact: str = ""
    level: int = 0
    # A stakeholder's part in the task list (O1.1.3): the duties (sigen.plan.team.DUTIES)
    # and the services they are responsible for, and whom they report to.
    responsible_for: tuple[str, ...] = ()
    owns: tuple[str, ...] = ()
    reports_to: str = ""


@dataclass(frozen=True, eq=False)
class Environment:
    name: str
    description: str
    user: str | None
    port: int | None
    become: bool | None
    host_overrides: Mapping[str, Mapping[str, Any]]


@dataclass(frozen=True, eq=False, repr=False)
class Site(_ReprOnce):
    name: str
    kind: str
    location: str
    provider: str
    region: str
    position: int


@dataclass(frozen=True, eq=False, repr=False)
class Network(_ReprOnce):
    name: str
    site: Site
    zone: str
    cidr: str
    cidr6: str
    vlan: int | None
    gateway: str
    description: str
    position: int

    @property
    def ip_network(self) -> ipaddress.IPv4Network | ipaddress.IPv6Network:
        return ipaddress.ip_network(self.cidr, strict=False)


@dataclass(frozen=True, eq=False, repr=False)
class Interface(_ReprOnce):
    network: Network
    address: str
    address6: str
    device: str
    switch: str = ""  # the switch it is cabled to (a rack's equipment), or not said
    switch_port: str = ""


Number = int | float  # as written in the blueprint: the documents print it as given


@dataclass(frozen=True, eq=False, repr=False)
class Disk(_ReprOnce):
    size_gb: Number
    count: int = 1
    type: str = ""  # ssd | nvme | hdd, or not said
    raid: int | None = None


@dataclass(frozen=True, eq=False, repr=False)
class Rack(_ReprOnce):
    """Where a server is mounted (``hardware.rack``); the rack itself is a RackCabinet."""

    name: str
    unit: int  # the lowest rack unit the server occupies
    height_u: int = 1
    power: tuple[str, ...] = ()  # the rack's power feeds its supplies are plugged into

    @property
    def top(self) -> int:
        """The highest rack unit it occupies."""
        return self.unit + self.height_u - 1


@dataclass(frozen=True, eq=False, repr=False)
class RackEquipment(_ReprOnce):
    """Something in a rack that is not a host: a switch, a patch panel, a PDU ..."""

    name: str
    kind: str  # switch | patch-panel | firewall | router | storage | pdu | kvm | other
    model: str
    unit: int
    height_u: int = 1

    @property
    def top(self) -> int:
        return self.unit + self.height_u - 1


# The height of a rack the blueprint names without declaring it (the common 42U cabinet).
DEFAULT_RACK_UNITS = 42


@dataclass(frozen=True, eq=False, repr=False)
class RackCabinet(_ReprOnce):
    """A rack at a site: declared in ``racks:``, or named only by its hosts (``declared``
    False: DEFAULT_RACK_UNITS high, no power feeds or equipment known). ``hosts`` are the
    physical hosts mounted in it, in blueprint order."""

    name: str
    site: Site
    height_u: int
    description: str
    power_feeds: tuple[str, ...]
    equipment: tuple[RackEquipment, ...]
    declared: bool
    position: int
    hosts: tuple[Host, ...] = field(default=(), repr=False)


@dataclass(frozen=True, eq=False, repr=False)
class Hardware(_ReprOnce):
    """A physical server; the optional fields have their defaults here, and only here."""

    model: str
    cpu_cores: int
    memory_gb: Number
    disks: tuple[Disk, ...]
    serial: str = ""
    rack: Rack | None = None
    power_watts: int | None = None
    warranty_end: str = ""


@dataclass(frozen=True, eq=False, repr=False)
class Hypervisor(_ReprOnce):
    """A physical host that runs VMs, with the oversubscription it allows."""

    vcpu_ratio: Number = 1.0
    memory_ratio: Number = 1.0
    reserved_memory_gb: Number = 0


@dataclass(frozen=True, eq=False, repr=False)
class VirtualMachine(_ReprOnce):
    vcpus: int
    memory_gb: Number
    disks: tuple[Disk, ...]
    hypervisor: str = ""  # the physical host it runs on, or
    cluster: str = ""  # the cluster of hypervisors it runs on

    @property
    def placement(self) -> str:
        return self.hypervisor or f"cluster {self.cluster}"


@dataclass(frozen=True, eq=False, repr=False)
class CloudInstance(_ReprOnce):
    provider: str
    region: str
    instance_type: str
    zone: str = ""
    disks: tuple[Disk, ...] = ()  # its volumes, when the blueprint gives them


@dataclass(frozen=True, eq=False, repr=False)
class Host(_ReprOnce):
    name: str
    kind: str  # physical | vm | cloud
    site: Site
    os: str
    description: str
    interfaces: tuple[Interface, ...]
    labels: Mapping[str, str | int | bool]
    hardware: Hardware | None  # physical
    hypervisor: Hypervisor | None  # a physical host that runs VMs
    vm: VirtualMachine | None  # vm
    cloud: CloudInstance | None  # cloud
    position: int
    # Not in the repr, which is the host's data and nothing else: the plans recall a
    # host's table row by it (sigen.render.memo) and are given its services apart.
    services: list[Service] = field(default_factory=list, repr=False)

    @property
    def zones(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(i.network.zone for i in self.interfaces))

    def address_on(self, networks: frozenset[str] | set[str]) -> str | None:
        for iface in self.interfaces:
            if iface.network.name in networks:
                return iface.address
        return None

    @functools.cached_property
    def network_names(self) -> frozenset[str]:
        """The networks this host is on (asked for each pair of hosts that talk: kept)."""
        return frozenset(i.network.name for i in self.interfaces)

    def address_towards(self, other: Host) -> str:
        """This host's address on a network it shares with ``other`` (else its first one)."""
        theirs = other.network_names
        management = None
        for iface in self.interfaces:
            if iface.network.name in theirs:
                # Service traffic belongs on a service network; management only when
                # nothing else is shared.
                if iface.network.zone != "management":
                    return iface.address
                management = management or iface
        return management.address if management else self.interfaces[0].address

    @property
    def cpu(self) -> int:
        return int(self.hardware.cpu_cores if self.hardware else
                   self.vm.vcpus if self.vm else 0)

    @property
    def memory_gb(self) -> float:
        return float(self.hardware.memory_gb if self.hardware else
                     self.vm.memory_gb if self.vm else 0)


@dataclass(frozen=True, eq=False)
class Service:
    name: str
    component: str
    description: str
    hosts: tuple[Host, ...]
    ports: tuple[int, ...]
    allow_from: tuple[str, ...]
    depends_on: tuple[Service, ...]
    data: tuple[str, ...]
    criticality: str
    settings: Mapping[str, Any]
    position: int


@dataclass(frozen=True, eq=False)
class BackupPolicy:
    name: str
    service: Service | None
    hosts: tuple[Host, ...]
    method: str  # database-dump | files | snapshot
    paths: tuple[str, ...]
    every: str
    at: str
    retention: Mapping[str, int]
    destination: Host
    password: Secret | None
    rpo: str
    rto: str
    position: int
    # A second backup host the hosts copy each new snapshot to (restic copy): a second
    # backup copy, elsewhere than the destination.
    copy_to: Host | None = None


@dataclass(frozen=True, eq=False)
class Drill:
    name: str
    scenario: str
    description: str
    target: Host | Site
    recover_on: Host | Site
    restore: tuple[BackupPolicy, ...]
    frequency: str
    success_rto: str
    success_rpo: str
    participants: tuple[str, ...]
    position: int
    # Services it takes down and knowingly does not recover: name -> reason.
    not_recovered: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, eq=False)
class ChangeManagement:
    days: tuple[str, ...]
    start: str
    duration: str
    timezone: str
    approvers: tuple[Person, ...]
    escalation: tuple[Person, ...]
    number: str = ""
    type: str = "normal"  # standard | normal | emergency
    reason: str = ""
    in_service: tuple[str, ...] = ()  # services already in production this change touches


@dataclass(frozen=True, eq=False)
class Admin:
    name: str
    ssh_keys: tuple[str, ...]
    sudo: bool


@dataclass(frozen=True, eq=False)
class NotSecret:
    """A value the secret scan flags that a reviewer found harmless (security.not_secrets)."""

    at: str
    reason: str
    reviewed_by: str


@dataclass(frozen=True)
class KeyCustody:
    """Who holds the keys without which the backups and the project are unusable (the
    ansible-vault password, the backup repositories' passwords), and where the escrow
    copy is kept."""

    holder: str
    escrow: str
    deputy: str = ""


@dataclass(frozen=True, eq=False)
class Security:
    admins: tuple[Admin, ...]
    root_login: str
    ssh_port: int
    management_networks: tuple[Network, ...]
    default_inbound: str
    log_denied: bool
    patch_day: str
    patch_at: str
    reboot: str
    not_secrets: tuple[NotSecret, ...] = ()
    key_custody: KeyCustody | None = None
    patch_updates: str = "security"  # security | all
    patch_method: str = "automatic"  # automatic | rolling (patch.yml)
    banner: str = ""  # security.baseline.banner: the login warning ("" : the baseline's)
    exceptions: tuple[BaselineException, ...] = ()  # security.baseline.exceptions


@dataclass(frozen=True, eq=False)
class Blueprint:
    """A whole validated blueprint; ``sha256`` is the hash of the file's bytes."""

    name: str
    title: str
    owner: str
    description: str
    stakeholders: tuple[Person, ...]
    environments: tuple[Environment, ...]
    sites: tuple[Site, ...]
    networks: tuple[Network, ...]
    hosts: tuple[Host, ...]
    services: tuple[Service, ...]
    backups: tuple[BackupPolicy, ...]
    drills: tuple[Drill, ...]
    change: ChangeManagement | None
    security: Security
    clusters: Mapping[str, tuple[Host, ...]]
    sha256: str
    # The host evaluation's period, workload and prices (the evaluation section).
    evaluation: EvaluationSettings = field(default_factory=EvaluationSettings)
    racks: tuple[RackCabinet, ...] = ()  # those declared, then those only hosts name

    def host(self, name: str) -> Host:
        return self._hosts_by_name[name]

    @property
    def _hosts_by_name(self) -> dict[str, Host]:
        cached: dict[str, Host] | None = self.__dict__.get("_host_index")
        if cached is None:
            cached = {h.name: h for h in self.hosts}
            object.__setattr__(self, "_host_index", cached)
        return cached

