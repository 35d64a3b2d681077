"""The typed domain model: frozen dataclasses with every reference resolved.

``build_model`` turns a validated blueprint's plain data into a ``Blueprint``; raw dicts do not
get past this stage (service ``settings`` stay a mapping: they are the role's own options).
Objects compare by identity (``eq=False``): references form a graph and field-wise equality
or hashing over it would be slow at 10,000 hosts and meaningless.
"""

from __future__ import annotations

import functools
import ipaddress
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from datetime import timedelta
from typing import Any

from sigen.loader import LoadedBlueprint

__all__ = [
    "BackupPolicy",
    "Blueprint",
    "ChangeManagement",
    "Drill",
    "Environment",
    "Host",
    "Interface",
    "Network",
    "Person",
    "Secret",
    "Security",
    "Service",
    "Site",
    "build_model",
    "parse_duration",
]

_DURATION = re.compile(r"^(\d+)([smhdw])$")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


class _ReprOnce:
    """The dataclass repr (every field shown), made once per object: the plans recall a
    host's rows by the repr of the host (sigen.memo), which shows its interfaces, their
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


@dataclass(frozen=True, eq=False, repr=False)
class Host(_ReprOnce):
    name: str
    kind: str  # physical | vm | cloud
    site: Site
    os: str
    description: str
    interfaces: tuple[Interface, ...]
    labels: Mapping[str, str | int | bool]
    hardware: Mapping[str, Any]  # physical: model, cpu_cores, memory_gb, disks, rack, ...
    hypervisor: Mapping[str, Any]  # set on a physical host that runs VMs
    vm: Mapping[str, Any]  # vm: hypervisor|cluster, vcpus, memory_gb, disks
    cloud: Mapping[str, Any]  # cloud: provider, region, instance_type, zone
    position: int
    # Not in the repr, which is the host's data and nothing else: the plans recall a
    # host's table row by it (sigen.memo) and are given its services apart.
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
        return int(self.hardware.get("cpu_cores") or self.vm.get("vcpus") or 0)

    @property
    def memory_gb(self) -> float:
        return float(self.hardware.get("memory_gb") or self.vm.get("memory_gb") or 0)


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


@dataclass(frozen=True, eq=False)
class ChangeManagement:
    days: tuple[str, ...]
    start: str
    duration: str
    timezone: str
    approvers: tuple[Person, ...]
    escalation: tuple[Person, ...]


@dataclass(frozen=True, eq=False)
class Admin:
    name: str
    ssh_keys: tuple[str, ...]
    sudo: bool


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

    def host(self, name: str) -> Host:
        return self._hosts_by_name[name]

    @property
    def _hosts_by_name(self) -> dict[str, Host]:
        cached: dict[str, Host] | None = self.__dict__.get("_host_index")
        if cached is None:
            cached = {h.name: h for h in self.hosts}
            object.__setattr__(self, "_host_index", cached)
        return cached


def _secret(value: Any) -> Secret | None:
    if isinstance(value, Mapping):
        if "vault" in value:
            return Secret("vault", str(value["vault"]))
        if "env" in value:
            return Secret("env", str(value["env"]))
    return None


def _str(value: Any) -> str:
    return "" if value is None else str(value)


def build_model(loaded: LoadedBlueprint) -> Blueprint:
    """The model of a blueprint that ``validate_blueprint`` found clean."""
    data = loaded.data
    system = data["system"]
    sites = tuple(
        Site(s["name"], s["kind"], _str(s.get("location")), _str(s.get("provider")),
             _str(s.get("region")), i)
        for i, s in enumerate(data["sites"])
    )
    site_by = {s.name: s for s in sites}
    networks = tuple(
        Network(n["name"], site_by[n["site"]], n["zone"], n["cidr"], _str(n.get("cidr6")),
                n.get("vlan"), _str(n.get("gateway")), _str(n.get("description")), i)
        for i, n in enumerate(data["networks"])
    )
    net_by = {n.name: n for n in networks}
    hosts = tuple(
        Host(
            name=h["name"], kind=h["kind"], site=site_by[h["site"]], os=h["os"],
            description=_str(h.get("description")),
            interfaces=tuple(
                Interface(net_by[i["network"]], i["address"], _str(i.get("address6")),
                          _str(i.get("device")))
                for i in h["interfaces"]
            ),
            labels=dict(h.get("labels") or {}), hardware=dict(h.get("hardware") or {}),
            hypervisor=dict(h.get("hypervisor") or {}), vm=dict(h.get("vm") or {}),
            cloud=dict(h.get("cloud") or {}), position=i,
        )
        for i, h in enumerate(data["hosts"])
    )
    host_by = {h.name: h for h in hosts}

    raw_services = data["services"]
    service_by: dict[str, Service] = {}
    # Dependencies point at services defined anywhere in the list: resolve in dependency
    # order (validation has ruled out cycles).
    pending = {s["name"]: (i, s) for i, s in enumerate(raw_services)}

    def resolve(name: str) -> Service:
        if name in service_by:
            return service_by[name]
        i, s = pending[name]
        svc = Service(
            name=name, component=s["component"], description=_str(s.get("description")),
            hosts=tuple(host_by[h] for h in s["hosts"]),
            ports=tuple(s.get("ports") or ()), allow_from=tuple(s.get("allow_from") or ()),
            depends_on=tuple(resolve(d) for d in s.get("depends_on") or ()),
            data=tuple(s.get("data") or ()), criticality=_str(s.get("criticality")) or "medium",
            settings=dict(s.get("settings") or {}), position=i,
        )
        service_by[name] = svc
        return svc

    services = tuple(resolve(s["name"]) for s in raw_services)
    for svc in services:
        for host in svc.hosts:
            host.services.append(svc)

    backups = []
    for i, b in enumerate(data.get("backups") or ()):
        protected = service_by.get(b["service"]) if b.get("service") else None
        b_hosts = tuple(host_by[h] for h in b.get("hosts") or ()) or (
            protected.hosts if protected else ())
        enc = b.get("encryption") or {}
        sched = b["schedule"]
        backups.append(BackupPolicy(
            name=b["name"], service=protected, hosts=b_hosts, method=b["method"],
            paths=tuple(b.get("paths") or ()), every=sched["every"], at=_str(sched.get("at")),
            retention={k: int(v) for k, v in (b.get("retention") or {}).items()},
            destination=host_by[b["destination"]], password=_secret(enc.get("password")),
            rpo=b["rpo"], rto=b["rto"], position=i,
        ))
    backup_by = {b.name: b for b in backups}

    def place(name: str) -> Host | Site:
        return host_by[name] if name in host_by else site_by[name]

    drills = tuple(
        Drill(
            name=d["name"], scenario=d["scenario"], description=_str(d.get("description")),
            target=place(d["target"]), recover_on=place(d["recover_on"]),
            restore=tuple(backup_by[r] for r in d.get("restore") or ()),
            frequency=d["frequency"], success_rto=d["success"]["rto"],
            success_rpo=d["success"]["rpo"],
            participants=tuple(d.get("participants") or ()), position=i,
        )
        for i, d in enumerate(data.get("drills") or ())
    )

    cm = data.get("change_management") or {}
    change = None
    if cm.get("maintenance_window"):
        w = cm["maintenance_window"]
        change = ChangeManagement(
            days=tuple(w["days"]), start=w["start"], duration=w["duration"],
            timezone=w["timezone"],
            approvers=tuple(Person(a["name"], a["role"], _str(a.get("contact")))
                            for a in cm.get("approvers") or ()),
            escalation=tuple(
                Person(e["name"], _str(e.get("role")), e["contact"], int(e["level"]))
                for e in sorted(cm.get("escalation") or (), key=lambda e: int(e["level"]))
            ),
        )

    sec = data.get("security") or {}
    ssh = sec.get("ssh") or {}
    fw = sec.get("firewall") or {}
    patch = sec.get("patching") or {}
    window = patch.get("window") or {}
    security = Security(
        admins=tuple(Admin(a["name"], tuple(a["ssh_keys"]), bool(a.get("sudo", True)))
                     for a in sec.get("admins") or ()),
        root_login=_str(ssh.get("root_login")) or "key-only",
        ssh_port=int(ssh.get("port") or 22),
        management_networks=tuple(net_by[n] for n in ssh.get("management_networks") or ()),
        default_inbound=_str(fw.get("default_inbound")) or "deny",
        log_denied=bool(fw.get("log_denied", False)),
        patch_day=_str(window.get("day")), patch_at=_str(window.get("at")),
        reboot=_str(patch.get("reboot")) or "never",
    )

    environments = tuple(
        Environment(
            name=e["name"], description=_str(e.get("description")),
            user=(e.get("connection") or {}).get("user"),
            port=(e.get("connection") or {}).get("port"),
            become=(e.get("connection") or {}).get("become"),
            host_overrides=dict(e.get("hosts") or {}),
        )
        for e in system["environments"]
    )
    return Blueprint(
        name=system["name"], title=system["title"], owner=system["owner"],
        description=_str(system.get("description")),
        stakeholders=tuple(Person(p["name"], p["role"], p["contact"])
                           for p in system.get("stakeholders") or ()),
        environments=environments, sites=sites, networks=networks, hosts=hosts,
        services=services, backups=tuple(backups), drills=drills, change=change,
        security=security,
        clusters={c["name"]: tuple(host_by[h] for h in c["hosts"])
                  for c in data.get("clusters") or ()},
        sha256=loaded.sha256,
    )
