"""The plan stage: every fact the back ends need, computed once from the model.

Install steps are numbered in the order they run: base configuration of every host, the
host firewall, the monitoring agent, then one step per service in dependency order
(``graphlib``; among services ready at the same time, the one written first in the blueprint
goes first), then one step per backup policy. Backup policies get ``BAK-`` IDs, the restore
procedure of each backed-up service an ``RST-`` ID and each drill a ``DRL-`` ID
(``sigen.compile.recovery``); IDs follow blueprint order, so adding a service at the end
never renumbers earlier ones. Then the firewall flows, the role variables
(``sigen.compile.wiring``), the verification checks, the lab and the secrets.
"""

from __future__ import annotations

import heapq
import math
from dataclasses import replace
from graphlib import TopologicalSorter
from pathlib import Path

from sigen.compile import lab, recovery, verification, wiring
from sigen.compile.baseline import make_baseline
from sigen.compile.change import change_request
from sigen.compile.components import role_infos
from sigen.compile.evaluation import host_evaluation
from sigen.compile.findings import failures, findings
from sigen.compile.hostbuild import host_builds
from sigen.compile.inventory import inventory
from sigen.compile.patching import patch_batches, patch_window
from sigen.compile.ports import NODE_EXPORTER_PORT
from sigen.compile.protection import protection
from sigen.compile.review import review_items
from sigen.compile.roles import role_files
from sigen.compile.standing import drill_standings, verify_standings
from sigen.compile.team import team
from sigen.compile.wiring.backup import backup_hosts
from sigen.compile.wiring.base import root_login
from sigen.compile.wiring.services import primary_of
from sigen.plan import (
    Blueprint,
    Documents,
    DrillStep,
    Evidence,
    Flow,
    Host,
    InstallStep,
    Plan,
    Service,
    parse_duration,
)
from sigen.plan.steps import FORKS

__all__ = ["FORKS", "make_plan", "on_calendar", "service_order"]

# Minutes one batch of hosts takes for a step of this kind, measured roughly on lab hosts and
# rounded up; the plan shows them as estimates.
_MINUTES = {
    "base": 10, "firewall": 5, "monitoring-agent": 5, "backup": 10,
    "postgresql": 15, "redis": 5, "haproxy": 5, "nginx": 5, "app_service": 10,
    "monitoring": 10, "backup_server": 10,
}
_PRIORITY = {"critical": 1, "high": 2, "medium": 3, "low": 4}


def on_calendar(every: str, at: str, timezone: str = "") -> str:
    """A blueprint schedule as a systemd ``OnCalendar`` expression, in ``timezone`` when
    given (the hosts' own zone otherwise).

    ``1d`` at 01:30 -> ``*-*-* 01:30:00``; ``1w`` -> Mondays; ``4h`` at 00:15 -> every 4 hours
    from 00:15; ``15m`` -> every 15 minutes. ``at`` defaults to midnight. Validation allows
    only intervals a calendar keeps evenly (minutes dividing 60, hours dividing 24, 1d, 1w).
    """
    amount, unit = int(every[:-1]), every[-1]
    hour, minute = (int(x) for x in (at or "00:00").split(":"))
    if unit == "w":
        spec = f"Mon *-*-* {hour:02d}:{minute:02d}:00"
    elif unit == "d":
        spec = f"*-*-* {hour:02d}:{minute:02d}:00"
    elif unit == "h":
        spec = f"*-*-* {hour % amount:02d}/{amount}:{minute:02d}:00"
    else:
        spec = f"*-*-* *:{minute % amount:02d}/{amount}:00"
    return f"{spec} {timezone}" if timezone else spec


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
        deps += [by_service[s.name].id for store in backup_hosts(policy)
                 for s in store.services if s.component == "backup_server"]
        crit = policy.service.criticality if policy.service else "medium"
        add(kind="backup", title=f"Backup policy {policy.name} ({policy.method})",
            hosts=policy.hosts, roles=("backup_client",), depends_on=tuple(sorted(set(deps))),
            priority=_PRIORITY.get(crit, 3), minutes=_minutes("backup", len(policy.hosts)),
            policy=policy)
    return _inherit_priorities(steps)


def _inherit_priorities(steps: list[InstallStep]) -> list[InstallStep]:
    """A step is at least as important as any step that needs it: the monitoring agent
    that the critical database's backup waits for is priority 1 too, not 2."""
    priority = {s.id: s.priority for s in steps}
    for step in reversed(steps):  # dependants come after what they depend on
        for needed in step.depends_on:
            priority[needed] = min(priority[needed], priority[step.id])
    return [replace(s, priority=priority[s.id]) if priority[s.id] != s.priority else s
            for s in steps]


def _flows(bp: Blueprint, restores: tuple[DrillStep, ...]) -> dict[str, tuple[Flow, ...]]:
    flows: dict[str, dict[tuple[str, int, str], Flow]] = {h.name: {} for h in bp.hosts}
    nets = {n.name: n for n in bp.networks}

    def allow(dest: Host, name: str, source: str, port: int, reason: str, kind: str,
              source_host: Host | None = None, source_service: str = "", service: str = "",
              subject: str = "") -> None:
        key = (source, port, "tcp")
        if key not in flows[dest.name]:
            flows[dest.name][key] = Flow(dest, name, source, port, "tcp", reason, kind,
                                         source_host, source_service, service, subject)

    for svc in bp.services:
        for dep in svc.depends_on:
            # A standby's dependency on its primary is the replication stream.
            kind = "replication" if primary_of(svc) is dep else "dependency"
            for dest in dep.hosts:
                for src in svc.hosts:
                    if src is dest:
                        continue
                    for port in dep.ports:
                        allow(dest, f"{svc.name}-to-{dep.name}", src.address_towards(dest),
                              port, f"{svc.name} depends on {dep.name}", kind, src, svc.name,
                              dep.name)
        for client in svc.allow_from:
            source = ("0.0.0.0/0" if client == "any"
                      else nets[client].cidr if client in nets else client)
            for dest in svc.hosts:
                for port in svc.ports:
                    allow(dest, f"{svc.name}-from-{client}".replace("/", "_"), source, port,
                          f"clients of {svc.name} from {client}", "client", None, "",
                          svc.name, client)
    for svc in bp.services:
        if svc.component != "monitoring":
            continue
        for mon in svc.hosts:
            for dest in bp.hosts:
                if dest is not mon:
                    allow(dest, f"{svc.name}-scrape", mon.address_towards(dest),
                          NODE_EXPORTER_PORT, f"{svc.name} collects metrics", "monitoring",
                          mon, svc.name)
    for policy in bp.backups:
        for dest in backup_hosts(policy):
            store = next((s.name for s in dest.services if s.component == "backup_server"), "")
            for src in policy.hosts:
                allow(dest, f"backup-{policy.name}", src.address_towards(dest),
                      bp.security.ssh_port, f"backup policy {policy.name} sends its data",
                      "backup", src, policy.service.name if policy.service else "", store,
                      policy.name)
    for drill in restores:
        for policy in drill.policies:
            for src in drill.recovery_hosts:
                for dest in backup_hosts(policy):
                    store = next((s.name for s in dest.services
                                  if s.component == "backup_server"), "")
                    if src is not dest:
                        allow(dest, f"drill-{drill.drill.name}", src.address_towards(dest),
                              bp.security.ssh_port,
                              f"drill {drill.drill.name} restores from here", "drill", src, "",
                              store, drill.drill.name)
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
                                  f"{drill.drill.name}", "failover", src, user.name, svc.name,
                                  drill.drill.name)
    return {name: tuple(f.values()) for name, f in flows.items()}


def _dependents(bp: Blueprint) -> dict[str, tuple[Service, ...]]:
    found: dict[str, list[Service]] = {s.name: [] for s in bp.services}
    for svc in bp.services:
        for dep in svc.depends_on:
            found[dep.name].append(svc)
    return {k: tuple(v) for k, v in found.items()}


def _roles_used(install: tuple[InstallStep, ...], backups: bool) -> tuple[str, ...]:
    names = {r for s in install for r in s.roles}
    if backups:
        names.add("backup_client")
    return tuple(sorted(names))


def _judged(evidence: Evidence, drills: tuple[DrillStep, ...], bp: Blueprint) -> Evidence:
    """The evidence with each drill run's missed criteria and the actions they call for,
    and whether the latest runs still prove the system."""
    by_id = {d.id: d.drill for d in drills}
    return replace(evidence,
                   failures={str(r.get("name")): failures(r) for r in evidence.drill_runs},
                   findings=findings(evidence.drill_runs, by_id, bp.owner),
                   drills=drill_standings(drills, evidence.drill_runs, bp.sha256),
                   verified=verify_standings(evidence, bp.sha256))


def make_plan(bp: Blueprint, evidence: Evidence | None = None,
              roles_dir: Path | None = None, documents: Documents | None = None) -> Plan:
    """The plan of a blueprint's model, with the ``evidence`` of earlier runs beside it, the
    files of the roles it uses from ``roles_dir`` (none without it) and the ``documents``
    to write (default: both languages, Markdown)."""
    install = tuple(_install_steps(bp))
    dependents = _dependents(bp)
    zone = bp.change.timezone if bp.change else ""
    jobs, restores, drills = recovery.steps(
        bp, install, dependents, lambda policy: on_calendar(policy.every, policy.at, zone))
    production = next((e for e in bp.environments if e.name == "production"),
                      bp.environments[0])
    core = Plan(
        blueprint=bp, install=install, backups=jobs, restores=restores, drills=drills,
        flows=_flows(bp, drills), dependents=dependents, default_env=production,
        root_login={e.name: root_login(bp.security, e) for e in bp.environments},
        install_minutes=sum(s.minutes for s in install),
        window_minutes=(int(parse_duration(bp.change.duration).total_seconds()) // 60
                        if bp.change else 0),
        roles=(roles := _roles_used(install, bool(jobs))),
        evidence=_judged(evidence or Evidence(), drills, bp),
        role_files=role_files(roles_dir, roles) if roles_dir is not None else {},
        documents=documents or Documents(),
        baseline=make_baseline(bp.security),
    )
    core = replace(core, change=change_request(bp, install, jobs, dependents,
                                               core.window_minutes))
    components = role_infos(roles_dir, roles) if roles_dir is not None else ()
    core = replace(
        core,
        components=components,
        protection=protection(bp, jobs, components),
        patching=patch_window(bp),
        evaluation=host_evaluation(bp, core.install_minutes),
        team=team(bp, core.documents, install, jobs, restores, drills, core.change))
    checks = verification.checks(core)
    with_checks = replace(core, checks=checks)
    wired = replace(
        with_checks,
        planned_checks=tuple(verification.rows(with_checks, production)),
        secrets=wiring.secrets_used(core),
        lab=lab.topology(core),
        ansible=wiring.wire(core),
    )
    # Last: the build document reads the variables the wiring gives the roles.
    built = replace(wired, builds=host_builds(wired))
    # Last again: the inventory reads the builds' components and flows.
    listed = replace(built, inventory=inventory(built, built.evidence.inventory_runs))
    # After the inventory: a batch's checks are the units and ports it plans per host.
    patched = replace(listed, patch_batches=patch_batches(listed))
    return replace(patched, review_items=review_items(patched))
