"""The model stage: a validated blueprint's plain data as the plan's typed entities.

``build_model`` turns the data into a ``Blueprint`` (``sigen.plan.system``) with every
reference resolved; raw dicts do not get past this stage (service ``settings`` stay a
mapping: they are the role's own options).
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from sigen.compile.loader import LoadedBlueprint
from sigen.plan.baseline import BaselineException
from sigen.plan.evaluation import EvaluationSettings, PriceOverride
from sigen.plan.system import (
    DEFAULT_RACK_UNITS,
    Admin,
    BackupPolicy,
    Blueprint,
    ChangeManagement,
    CloudInstance,
    Disk,
    Drill,
    Environment,
    Hardware,
    Host,
    Hypervisor,
    Interface,
    KeyCustody,
    Network,
    NotSecret,
    Person,
    Rack,
    RackCabinet,
    RackEquipment,
    Secret,
    Security,
    Service,
    Site,
    VirtualMachine,
)

__all__ = ["build_model"]


def _secret(value: Any) -> Secret | None:
    if isinstance(value, Mapping):
        if "vault" in value:
            return Secret("vault", str(value["vault"]))
        if "env" in value:
            return Secret("env", str(value["env"]))
    return None


def _str(value: Any) -> str:
    return "" if value is None else str(value)


def _disks(items: Any) -> tuple[Disk, ...]:
    return tuple(Disk(size_gb=d["size_gb"], count=int(d.get("count", 1)),
                      type=_str(d.get("type")), raid=d.get("raid"))
                 for d in items or ())


def _hardware(h: Mapping[str, Any] | None) -> Hardware | None:
    if not h:
        return None
    rack = h.get("rack")
    return Hardware(
        model=str(h["model"]), cpu_cores=int(h["cpu_cores"]), memory_gb=h["memory_gb"],
        disks=_disks(h.get("disks")), serial=_str(h.get("serial")),
        rack=Rack(str(rack["name"]), int(rack["unit"]), int(rack.get("height_u", 1)),
                  tuple(str(p) for p in rack.get("power") or ()))
        if rack else None,
        power_watts=h.get("power_watts"), warranty_end=_str(h.get("warranty_end")))


def _racks(data: Any, hosts: tuple[Host, ...], site_by: Mapping[str, Site]
           ) -> tuple[RackCabinet, ...]:
    """The declared racks, then those only hosts name (at the first such host's site),
    each with the hosts mounted in it."""
    mounted: dict[str, list[Host]] = {}
    for host in hosts:
        if host.hardware is not None and host.hardware.rack is not None:
            mounted.setdefault(host.hardware.rack.name, []).append(host)
    racks = [
        RackCabinet(
            name=str(r["name"]), site=site_by[r["site"]],
            height_u=int(r.get("height_u", DEFAULT_RACK_UNITS)),
            description=_str(r.get("description")),
            power_feeds=tuple(str(f) for f in r.get("power_feeds") or ()),
            equipment=tuple(RackEquipment(str(e["name"]), str(e["kind"]), _str(e.get("model")),
                                          int(e["unit"]), int(e.get("height_u", 1)))
                            for e in r.get("equipment") or ()),
            declared=True, position=i, hosts=tuple(mounted.get(str(r["name"]), ())))
        for i, r in enumerate(data or ())
    ]
    declared = {r.name for r in racks}
    for name, members in mounted.items():
        if name not in declared:
            racks.append(RackCabinet(name, members[0].site, DEFAULT_RACK_UNITS, "", (), (),
                                     declared=False, position=len(racks),
                                     hosts=tuple(members)))
    return tuple(racks)


def _hypervisor(h: Mapping[str, Any] | None) -> Hypervisor | None:
    if h is None:
        return None
    return Hypervisor(vcpu_ratio=h.get("vcpu_ratio", 1.0),
                      memory_ratio=h.get("memory_ratio", 1.0),
                      reserved_memory_gb=h.get("reserved_memory_gb", 0))


def _vm(v: Mapping[str, Any] | None) -> VirtualMachine | None:
    if not v:
        return None
    return VirtualMachine(vcpus=int(v["vcpus"]), memory_gb=v["memory_gb"],
                          disks=_disks(v.get("disks")), hypervisor=_str(v.get("hypervisor")),
                          cluster=_str(v.get("cluster")))


def _cloud(c: Mapping[str, Any] | None) -> CloudInstance | None:
    if not c:
        return None
    return CloudInstance(provider=str(c["provider"]), region=str(c["region"]),
                         instance_type=str(c["instance_type"]), zone=_str(c.get("zone")),
                         disks=_disks(c.get("disks")))


def _stakeholder(p: Mapping[str, Any]) -> Person:
    return Person(p["name"], p["role"], p["contact"],
                  responsible_for=tuple(dict.fromkeys(p.get("responsible_for") or ())),
                  owns=tuple(dict.fromkeys(p.get("owns") or ())),
                  reports_to=_str(p.get("reports_to")))


def _evaluation(e: Mapping[str, Any] | None) -> EvaluationSettings:
    """The evaluation section; amounts as Decimal from their written digits."""
    if not e:
        return EvaluationSettings()
    egress = e.get("egress_gb_per_month")
    return EvaluationSettings(
        period_years=int(e.get("period_years", 5)),
        egress_gb_per_month=None if egress is None else Decimal(str(egress)),
        overrides=tuple(
            PriceOverride(key=str(k), amount=Decimal(str(v["amount"])),
                          source=str(v["source"]), currency=_str(v.get("currency")),
                          date=_str(v.get("date")), vcpus=int(v.get("vcpus") or 0),
                          memory_gb=None if v.get("memory_gb") is None
                          else Decimal(str(v["memory_gb"])))
            for k, v in (e.get("prices") or {}).items()))


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
                          _str(i.get("device")), _str(i.get("switch")),
                          _str(i.get("switch_port")))
                for i in h["interfaces"]
            ),
            labels=dict(h.get("labels") or {}), hardware=_hardware(h.get("hardware")),
            hypervisor=_hypervisor(h.get("hypervisor")), vm=_vm(h.get("vm")),
            cloud=_cloud(h.get("cloud")), position=i,
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
            copy_to=host_by[b["copy_to"]] if b.get("copy_to") else None,
        ))
    backup_by = {b.name: b for b in backups}

    def place(name: str) -> Host | Site:
        return host_by[name] if name in host_by else site_by[name]

    drills = tuple(
        Drill(
            name=d["name"], scenario=d["scenario"], description=_str(d.get("description")),
            target=place(d["fails"]), recover_on=place(d["recover_on"]),
            restore=tuple(backup_by[r] for r in d.get("restore") or ()),
            frequency=d["frequency"], success_rto=d["success"]["rto"],
            success_rpo=d["success"]["rpo"],
            participants=tuple(d.get("participants") or ()), position=i,
            not_recovered={str(n["service"]): str(n["reason"])
                           for n in d.get("not_recovered") or ()},
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
            number=_str(cm.get("change_number")), type=_str(cm.get("change_type")) or "normal",
            reason=_str(cm.get("reason")), in_service=tuple(cm.get("in_service") or ()),
        )

    sec = data.get("security") or {}
    ssh = sec.get("ssh") or {}
    fw = sec.get("firewall") or {}
    patch = sec.get("patching") or {}
    window = patch.get("window") or {}
    baseline = sec.get("baseline") or {}
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
        patch_updates=_str(patch.get("updates")) or "security",
        patch_method=_str(patch.get("method")) or "automatic",
        not_secrets=tuple(NotSecret(str(e["at"]), str(e["reason"]), str(e["reviewed_by"]))
                          for e in sec.get("not_secrets") or ()),
        key_custody=(KeyCustody(str(custody["holder"]), str(custody["escrow"]),
                                _str(custody.get("deputy")))
                     if isinstance(custody := sec.get("key_custody"), dict) else None),
        banner=_str(baseline.get("banner")),
        exceptions=tuple(BaselineException(str(e["control"]), e["value"], str(e["reason"]),
                                           str(e["approved_by"]))
                         for e in baseline.get("exceptions") or ()),
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
        stakeholders=tuple(_stakeholder(p) for p in system.get("stakeholders") or ()),
        environments=environments, sites=sites, networks=networks, hosts=hosts,
        services=services, backups=tuple(backups), drills=drills, change=change,
        security=security,
        clusters={c["name"]: tuple(host_by[h] for h in c["hosts"])
                  for c in data.get("clusters") or ()},
        sha256=loaded.sha256, racks=_racks(data.get("racks"), hosts, site_by),
        evaluation=_evaluation(data.get("evaluation")),
    )
