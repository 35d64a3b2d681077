"""The plan: install order, stable step IDs and firewall flows, computed from the model.

Install steps are numbered in the order they run: base configuration of every host, the
host firewall, the monitoring agent, then one step per service in dependency order
(``graphlib``; among services ready at the same time, the one written first in the blueprint
goes first), then one step per backup policy. Backup policies get ``BAK-`` IDs, the restore
procedure of each backed-up service an ``RST-`` ID and each drill a ``DRL-`` ID; IDs follow
blueprint order, so adding a service at the end never renumbers earlier ones.
"""

from __future__ import annotations

import heapq
import math
from dataclasses import dataclass, field
from datetime import timedelta
from graphlib import TopologicalSorter

from sigen.model import BackupPolicy, Blueprint, Drill, Host, Service, Site, parse_duration

__all__ = [
    "CHECK_CALENDAR",
    "BackupStep",
    "DrillStep",
    "Flow",
    "InstallStep",
    "Plan",
    "RestoreProcedure",
    "make_plan",
    "on_calendar",
    "service_order",
]

# Monitoring scrapes this port on every host (the monitoring role's node exporter default).
NODE_EXPORTER_PORT = 9100
# Hosts Ansible configures at once (ansible.cfg forks); used for duration estimates.
FORKS = 20
# Minutes one batch of hosts takes for a step of this kind, measured roughly on lab hosts and
# rounded up; the plan shows them as estimates.
_MINUTES = {
    "base": 10, "firewall": 5, "monitoring-agent": 5, "backup": 10,
    "postgresql": 15, "redis": 5, "haproxy": 5, "nginx": 5, "app_service": 10,
    "monitoring": 10, "backup_server": 10,
}
_PRIORITY = {"critical": 1, "high": 2, "medium": 3, "low": 4}
# When each policy's repository is checked (restic check, sigen-backup-check.timer): weekly,
# after the nightly backups. backup.yml and drills also check after every backup they take.
CHECK_CALENDAR = "Sun *-*-* 04:00:00"
_WEEKDAYS = {"mon": "Mon", "tue": "Tue", "wed": "Wed", "thu": "Thu", "fri": "Fri",
             "sat": "Sat", "sun": "Sun"}


@dataclass(frozen=True, eq=False)
class Flow:
    """One allowed inbound connection on ``host``: from ``source`` to ``port``/``protocol``."""

    # Not in the repr: the plans key their rows of flows by it (sigen.memo), per host.
    host: Host = field(repr=False)
    name: str
    source: str
    port: int
    protocol: str
    reason: str


@dataclass(frozen=True, eq=False)
class InstallStep:
    id: str
    kind: str  # base | firewall | monitoring-agent | service | backup
    title: str
    hosts: tuple[Host, ...]
    roles: tuple[str, ...]
    depends_on: tuple[str, ...]
    priority: int
    minutes: int
    service: Service | None = None
    policy: BackupPolicy | None = None

    @property
    def group(self) -> str:
        """Inventory group the play targets."""
        if self.service is not None:
            return group_name("service", self.service.name)
        if self.policy is not None:
            return group_name("backup", self.policy.name)
        return "all"


@dataclass(frozen=True, eq=False)
class BackupStep:
    id: str
    policy: BackupPolicy
    install_id: str
    interval: timedelta
    rpo: timedelta
    rto: timedelta
    on_calendar: str

    @property
    def meets_rpo(self) -> bool:
        return self.interval <= self.rpo


@dataclass(frozen=True, eq=False)
class RestoreProcedure:
    id: str
    title: str
    service: Service | None
    policies: tuple[BackupPolicy, ...]
    hosts: tuple[Host, ...]


@dataclass(frozen=True, eq=False)
class DrillStep:
    id: str
    drill: Drill
    recovery_hosts: tuple[Host, ...]
    policies: tuple[BackupPolicy, ...]
    restores: tuple[RestoreProcedure, ...]
    lost_hosts: tuple[Host, ...]

    def source_host(self, policy: BackupPolicy) -> Host:
        """The host whose data of ``policy`` the drill loses and restores."""
        return next((h for h in policy.hosts if h in self.lost_hosts), policy.hosts[0])

    def recovery_host(self, policy: BackupPolicy) -> Host:
        """Where ``policy`` is restored: the first recovery host that runs the same kind of
        service, else the first recovery host."""
        component = policy.service.component if policy.service else None
        return next((h for h in self.recovery_hosts
                     if any(s.component == component for s in h.services)),
                    self.recovery_hosts[0])


@dataclass(frozen=True, eq=False)
class Plan:
    blueprint: Blueprint
    install: tuple[InstallStep, ...]
    backups: tuple[BackupStep, ...]
    restores: tuple[RestoreProcedure, ...]
    drills: tuple[DrillStep, ...]
    flows: dict[str, tuple[Flow, ...]]  # destination host name -> flows, in a stable order
    dependents: dict[str, tuple[Service, ...]]  # service name -> services that depend on it

    def all_ids(self) -> list[str]:
        return ([s.id for s in self.install] + [b.id for b in self.backups]
                + [r.id for r in self.restores] + [d.id for d in self.drills])


def group_name(prefix: str, name: str) -> str:
    """An inventory group name; Ansible warns about '-' in group names, so use '_'."""
    return f"{prefix}_{name}".replace("-", "_")


def on_calendar(every: str, at: str) -> str:
    """A blueprint schedule as a systemd ``OnCalendar`` expression.

    ``1d`` at 01:30 -> ``*-*-* 01:30:00``; ``1w`` -> Mondays; ``4h`` at 00:15 -> every 4 hours
    from 00:15; ``15m`` -> every 15 minutes. ``at`` defaults to midnight.
    """
    amount, unit = int(every[:-1]), every[-1]
    hour, minute = (int(x) for x in (at or "00:00").split(":"))
    if unit == "w":
        return f"Mon *-*-* {hour:02d}:{minute:02d}:00"
    if unit == "d":
        if amount == 1:
            return f"*-*-* {hour:02d}:{minute:02d}:00"
        return f"*-*-1/{amount} {hour:02d}:{minute:02d}:00"
    if unit == "h":
        return f"*-*-* {hour % amount:02d}/{amount}:{minute:02d}:00"
    return f"*-*-* *:{minute % amount:02d}/{amount}:00"


def service_order(services: tuple[Service, ...]) -> list[Service]:
    """Services in dependency order; ties go to the one written first."""
    sorter: TopologicalSorter[str] = TopologicalSorter()
    by_name = {s.name: s for s in services}
    for svc in services:
        sorter.add(svc.name, *(d.name for d in svc.depends_on))
    sorter.prepare()
    ready: list[tuple[int, str]] = []
    order: list[Service] = []
    while sorter.is_active():
        for name in sorter.get_ready():
            heapq.heappush(ready, (by_name[name].position, name))
        _position, name = heapq.heappop(ready)
        order.append(by_name[name])
        sorter.done(name)
    return order


def _minutes(kind: str, hosts: int) -> int:
    return _MINUTES.get(kind, 10) * max(1, math.ceil(hosts / FORKS))


def _install_steps(bp: Blueprint) -> list[InstallStep]:
    steps: list[InstallStep] = []
    every = bp.hosts
    n = len(every)

    def add(**kw: object) -> InstallStep:
        step = InstallStep(id=f"INS-{len(steps) + 1:03d}", **kw)  # type: ignore[arg-type]
        steps.append(step)
        return step

    base = add(kind="base", title="Base configuration and hardening of every host",
               hosts=every, roles=("common", "hardening"), depends_on=(), priority=1,
               minutes=_minutes("base", n))
    firewall = add(kind="firewall", title="Host firewall on every host", hosts=every,
                   roles=("firewall",), depends_on=(base.id,), priority=1,
                   minutes=_minutes("firewall", n))
    agent = add(kind="monitoring-agent", title="Monitoring agent (node exporter) on every host",
                hosts=every, roles=("monitoring",), depends_on=(base.id,), priority=2,
                minutes=_minutes("monitoring-agent", n))
    by_service: dict[str, InstallStep] = {}
    for svc in service_order(bp.services):
        deps = [base.id, firewall.id] + [by_service[d.name].id for d in svc.depends_on]
        if svc.component == "monitoring":
            deps.append(agent.id)
        by_service[svc.name] = add(
            kind="service", title=f"Service {svc.name} ({svc.component})", hosts=svc.hosts,
            roles=(svc.component,), depends_on=tuple(sorted(set(deps))),
            priority=_PRIORITY.get(svc.criticality, 3),
            minutes=_minutes(svc.component, len(svc.hosts)), service=svc,
        )
    for policy in bp.backups:
        deps = [agent.id]
        if policy.service is not None:
            deps.append(by_service[policy.service.name].id)
        deps += [by_service[s.name].id for s in policy.destination.services
                 if s.component == "backup_server"]
        crit = policy.service.criticality if policy.service else "medium"
        add(kind="backup", title=f"Backup policy {policy.name} ({policy.method})",
            hosts=policy.hosts, roles=("backup_client",), depends_on=tuple(sorted(set(deps))),
            priority=_PRIORITY.get(crit, 3), minutes=_minutes("backup", len(policy.hosts)),
            policy=policy)
    return steps


def _flows(bp: Blueprint, restores: list[DrillStep]) -> dict[str, tuple[Flow, ...]]:
    flows: dict[str, dict[tuple[str, int, str], Flow]] = {h.name: {} for h in bp.hosts}
    nets = {n.name: n for n in bp.networks}

    def allow(dest: Host, name: str, source: str, port: int, reason: str) -> None:
        key = (source, port, "tcp")
        if key not in flows[dest.name]:
            flows[dest.name][key] = Flow(dest, name, source, port, "tcp", reason)

    for svc in bp.services:
        for dep in svc.depends_on:
            for dest in dep.hosts:
                for src in svc.hosts:
                    if src is dest:
                        continue
                    for port in dep.ports:
                        allow(dest, f"{svc.name}-to-{dep.name}", src.address_towards(dest),
                              port, f"{svc.name} depends on {dep.name}")
        for client in svc.allow_from:
            source = ("0.0.0.0/0" if client == "any"
                      else nets[client].cidr if client in nets else client)
            for dest in svc.hosts:
                for port in svc.ports:
                    allow(dest, f"{svc.name}-from-{client}".replace("/", "_"), source, port,
                          f"clients of {svc.name} from {client}")
    for svc in bp.services:
        if svc.component != "monitoring":
            continue
        for mon in svc.hosts:
            for dest in bp.hosts:
                if dest is not mon:
                    allow(dest, f"{svc.name}-scrape", mon.address_towards(dest),
                          NODE_EXPORTER_PORT, f"{svc.name} collects metrics")
    for policy in bp.backups:
        dest = policy.destination
        for src in policy.hosts:
            allow(dest, f"backup-{policy.name}", src.address_towards(dest), bp.security.ssh_port,
                  f"backup policy {policy.name} sends its data")
    for drill in restores:
        for policy in drill.policies:
            for src in drill.recovery_hosts:
                dest = policy.destination
                if src is not dest:
                    allow(dest, f"drill-{drill.drill.name}", src.address_towards(dest),
                          bp.security.ssh_port, f"drill {drill.drill.name} restores from here")
        # After the recovery the dependants use the service on the recovery host: its
        # firewall admits them ahead of time, so the failover needs no firewall change.
        for svc in dict.fromkeys(p.service for p in drill.policies if p.service is not None):
            for user in (s for s in bp.services if svc in s.depends_on):
                for src in user.hosts:
                    if src in drill.lost_hosts:
                        continue
                    for dest in drill.recovery_hosts:
                        if src is dest:
                            continue
                        for port in svc.ports:
                            allow(dest, f"drill-{drill.drill.name}-{user.name}",
                                  src.address_towards(dest), port,
                                  f"{user.name} uses {svc.name} here after drill "
                                  f"{drill.drill.name}")
    return {name: tuple(f.values()) for name, f in flows.items()}


def _hosts_at(place: Host | Site, bp: Blueprint) -> tuple[Host, ...]:
    if isinstance(place, Host):
        return (place,)
    return tuple(h for h in bp.hosts if h.site is place)


def _recovery_hosts(drill: Drill, policies: tuple[BackupPolicy, ...],
                    bp: Blueprint) -> tuple[Host, ...]:
    if isinstance(drill.recover_on, Host):
        return (drill.recover_on,)
    at_site = _hosts_at(drill.recover_on, bp)
    components = {p.service.component for p in policies if p.service is not None}
    able = tuple(h for h in at_site if any(s.component in components for s in h.services))
    return able or at_site[:1]


def make_plan(bp: Blueprint) -> Plan:
    """Install steps, backup/restore/drill IDs and firewall flows of a blueprint."""
    install = _install_steps(bp)
    install_of = {s.policy.name: s.id for s in install if s.policy is not None}
    backups = tuple(
        BackupStep(
            id=f"BAK-{i + 1:03d}", policy=p, install_id=install_of[p.name],
            interval=parse_duration(p.every), rpo=parse_duration(p.rpo),
            rto=parse_duration(p.rto), on_calendar=on_calendar(p.every, p.at),
        )
        for i, p in enumerate(bp.backups)
    )
    # One restore procedure per backed-up service (its policies together), in policy order.
    groups: dict[str, list[BackupPolicy]] = {}
    for policy in bp.backups:
        key = policy.service.name if policy.service else f"policy:{policy.name}"
        groups.setdefault(key, []).append(policy)
    restores = []
    for i, (key, members) in enumerate(groups.items()):
        svc = members[0].service
        hosts = tuple(dict.fromkeys(h for p in members for h in p.hosts))
        title = f"service {svc.name}" if svc else f"backup {key.split(':', 1)[1]}"
        restores.append(RestoreProcedure(f"RST-{i + 1:03d}", title, svc, tuple(members), hosts))
    restore_of = {p.name: r for r in restores for p in r.policies}

    drills = []
    for i, d in enumerate(bp.drills):
        lost = _hosts_at(d.target, bp)
        policies: tuple[BackupPolicy, ...] = d.restore or tuple(
            p for p in bp.backups if set(p.hosts) & set(lost))
        drills.append(DrillStep(
            id=f"DRL-{i + 1:03d}", drill=d, recovery_hosts=_recovery_hosts(d, policies, bp),
            policies=policies,
            restores=tuple(dict.fromkeys(restore_of[p.name] for p in policies)),
            lost_hosts=lost,
        ))
    dependents: dict[str, list[Service]] = {s.name: [] for s in bp.services}
    for svc in bp.services:
        for dep in svc.depends_on:
            dependents[dep.name].append(svc)
    return Plan(bp, tuple(install), backups, tuple(restores), tuple(drills),
                _flows(bp, drills), {k: tuple(v) for k, v in dependents.items()})
