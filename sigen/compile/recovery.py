"""Backup jobs, restore procedures and drills: their IDs and every fact they run with.

Backup policies get ``BAK-`` IDs in blueprint order, the restore procedure of each backed-up
service an ``RST-`` ID (its policies together, in policy order) and each drill a ``DRL-`` ID.
Each carries what both its plan section and its play need: the backup plan prints a job's
timer and retention from the same fields its role variables are made of; the drill plan
names the databases and folders its phases record and damage from the same tuples the drill
plays get.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import timedelta
from typing import Any

from sigen.compile.standing import drill_basis
from sigen.compile.wiring import backup as backup_wiring
from sigen.plan import (
    AffectedService,
    BackupJob,
    BackupPolicy,
    Blueprint,
    Drill,
    DrillPart,
    DrillStep,
    Host,
    InstallStep,
    Jinja,
    RestoreProcedure,
    RestoreTask,
    Service,
    Site,
    parse_duration,
)

__all__ = ["ALERT_FOR", "CHECK_CALENDAR", "steps"]

# When each policy's repository is checked (restic check, sigen-backup-check.timer): weekly,
# after the nightly backups. backup.yml and drills also check after every backup they take.
CHECK_CALENDAR = "Sun *-*-* 04:00:00"
CHECK_EVERY = timedelta(days=7)
# Each weekly check also reads back a quarter of the data (restic check --read-data-subset),
# another quarter each week: every byte is read back within four weeks, at a quarter of
# the cost of reading it all every week.
READ_DATA_PARTS = 4
# BackupTooOld (the monitoring role's rule): a policy's last success may be older than its
# interval by the time a run may take or slip (half the interval, at most two hours) before
# it counts as missed; the rule fires once that has lasted ALERT_FOR.
ALERT_GRACE_MAX = timedelta(hours=2)
ALERT_FOR = timedelta(minutes=15)
# When the backup host applies each policy's retention (restic forget --prune, its
# sigen-backup-forget-<policy>.timer): daily, after the nightly backups and before the
# working day; a backup it meets waits for it (and it for the backup) on the repository lock.
FORGET_CALENDAR = "*-*-* 05:30:00"
# restic forget --keep-<unit>, in restic's order (shortest first).
_KEPT = ("last", "hourly", "daily", "weekly", "monthly", "yearly")

Dependents = Mapping[str, tuple[Service, ...]]


def _hosts_at(place: Host | Site, bp: Blueprint) -> tuple[Host, ...]:
    """The hosts a failure of ``place`` takes down: a site's every host; a host, and the
    virtual machines that run on it when it is a hypervisor."""
    if isinstance(place, Host):
        return (place, *(h for h in bp.hosts
                         if h.vm is not None and h.vm.hypervisor == place.name))
    return tuple(h for h in bp.hosts if h.site is place)


def _affected(bp: Blueprint, d: Drill, lost: tuple[Host, ...],
              policies: tuple[BackupPolicy, ...], dependents: Dependents
              ) -> tuple[tuple[AffectedService, ...], tuple[str, ...]]:
    """Every service ``lost`` hits, and the order to bring the down ones back."""
    from sigen.compile.planner import service_order  # the planner imports this module

    gone = set(lost)
    restored: dict[str, list[str]] = {}
    for policy in policies:
        if policy.service is not None:
            restored.setdefault(policy.service.name, []).append(policy.name)
    if d.scenario == "data-corruption":  # the hosts keep running; the restored data is hit
        damaged = [AffectedService(s, "damaged", "restore", ", ".join(restored[s.name]))
               for s in service_order(bp.services) if s.name in restored]
        return tuple(damaged), tuple(a.service.name for a in damaged)
    found = []
    for svc in service_order(bp.services):
        hit = gone & set(svc.hosts)
        if not hit:
            continue
        if len(hit) < len(svc.hosts):
            found.append(AffectedService(svc, "degraded", "redundancy", ", ".join(
                h.name for h in svc.hosts if h not in gone)))
            continue
        standby = next((s for s in dependents.get(svc.name, ())
                        if s.settings.get("replication_role") == "standby"
                        and not gone & set(s.hosts)), None)
        if svc.name in restored:
            found.append(AffectedService(svc, "down", "restore", ", ".join(
                restored[svc.name])))
        elif standby is not None:
            found.append(AffectedService(svc, "down", "standby", standby.name))
        else:
            found.append(AffectedService(svc, "down", "not recovered",
                                         d.not_recovered.get(svc.name, "")))
    order = tuple(a.service.name for a in found
                  if a.status == "down" and a.recovery in ("restore", "standby"))
    return tuple(found), order


def _recovery_hosts(drill: Drill, policies: tuple[BackupPolicy, ...],
                    bp: Blueprint) -> tuple[Host, ...]:
    if isinstance(drill.recover_on, Host):
        return (drill.recover_on,)
    at_site = _hosts_at(drill.recover_on, bp)
    components = {p.service.component for p in policies if p.service is not None}
    able = tuple(h for h in at_site if any(s.component in components for s in h.services))
    return able or at_site[:1]


def _groups(bp: Blueprint) -> dict[str, list[BackupPolicy]]:
    """The policies of each restore procedure: a backed-up service's together."""
    groups: dict[str, list[BackupPolicy]] = {}
    for policy in bp.backups:
        key = policy.service.name if policy.service else f"policy:{policy.name}"
        groups.setdefault(key, []).append(policy)
    return groups


def _server_address(dest: Host, hosts: tuple[Host, ...]) -> Any:
    """A backup server's address as each of ``hosts`` reaches it: a literal when they
    all agree, else a lookup by inventory host name."""
    seen = {h.name: dest.address_towards(h) for h in hosts}
    if len(set(seen.values())) == 1:
        return next(iter(seen.values()))
    pairs = ", ".join(f"'{name}': '{address}'" for name, address in seen.items())
    return Jinja("{{ {" + pairs + "}[inventory_hostname] }}")


def _restore_tasks(bp: Blueprint, policies: list[BackupPolicy],
                   admitted: Mapping[str, tuple[Host, ...]]) -> tuple[RestoreTask, ...]:
    """restore.yml's tasks: extra variables choose the host, whose snapshots and which."""
    replace = Jinja("{{ sigen_restore_replace | default(false) | bool }}")
    tasks = []
    for policy in policies:
        for what, role_vars in backup_wiring.restores(bp, policy, policy.hosts[0], None):
            role_vars.update({
                "backup_client_server_address": _server_address(policy.destination,
                                                                admitted[policy.name]),
                "backup_client_restore_from_host": Jinja(
                    "{{ sigen_restore_from | default(inventory_hostname) }}"),
                "backup_client_restore_snapshot": Jinja(
                    "{{ sigen_restore_snapshot | default('latest') }}"),
            })
            if policy.copy_to is not None:
                # The copy is restored from instead when asked (its host is reachable, the
                # destination perhaps not).
                role_vars["backup_client_copy_server_address"] = _server_address(
                    policy.copy_to, admitted[policy.name])
                role_vars["backup_client_restore_from_copy"] = Jinja(
                    "{{ sigen_restore_from_copy | default(false) | bool }}")
            tasks.append(RestoreTask(policy, what, backup_wiring.with_replace(role_vars,
                                                                              replace)))
    return tuple(tasks)


def _service_address(policy: BackupPolicy, target: Host, dependents: Dependents) -> str:
    """Where the recovered service is checked: the recovery host's address towards the
    first dependant, else its first address outside management."""
    svc = policy.service
    for user in dependents.get(svc.name, ()) if svc else ():
        for host in user.hosts:
            if host is not target:
                return target.address_towards(host)
    return next((i.address for i in target.interfaces if i.network.zone != "management"),
                target.interfaces[0].address)


def _part(bp: Blueprint, policy: BackupPolicy, lost: tuple[Host, ...],
          recovery_hosts: tuple[Host, ...], dependents: Dependents) -> DrillPart:
    source = next((h for h in policy.hosts if h in lost), policy.hosts[0])
    # The first recovery host that runs the same kind of service, else the first.
    component = policy.service.component if policy.service else None
    target = next((h for h in recovery_hosts
                   if any(s.component == component for s in h.services)), recovery_hosts[0])
    restores = []
    for what, role_vars in backup_wiring.restores(bp, policy, target, source):
        # sigen drill names the snapshot its prepare phase took, so a backup that a timer
        # takes meanwhile is not what the drill restores and measures.
        role_vars["backup_client_restore_snapshot"] = Jinja(
            "{{ (sigen_drill_snapshots | default({})).get('" + policy.name + "', 'latest') }}")
        restores.append((what, backup_wiring.with_replace(role_vars, True)))
    svc = policy.service
    return DrillPart(
        policy=policy, source=source, target=target,
        databases=backup_wiring.databases(policy), paths=backup_wiring.paths(policy),
        source_access=backup_wiring.access(bp, policy, source), restores=tuple(restores),
        service_address=_service_address(policy, target, dependents),
        ports=tuple(svc.ports) if svc is not None else (),
    )


def _dependant_checks(parts: tuple[DrillPart, ...], lost: tuple[Host, ...],
                      dependents: Dependents) -> dict[str, tuple[dict[str, Any], ...]]:
    """From each host of a dependant service, the connections to the recovered service."""
    checks: dict[str, list[dict[str, Any]]] = {}
    for part in parts:
        svc = part.policy.service
        if svc is None:
            continue
        for user in dependents.get(svc.name, ()):
            for host in user.hosts:
                if host in lost or host is part.target:
                    continue
                for port in svc.ports:
                    checks.setdefault(host.name, []).append({
                        "service": user.name, "target": part.target.name,
                        "address": part.target.address_towards(host), "port": port})
    return {host: tuple(found) for host, found in checks.items()}


def _drill(bp: Blueprint, i: int, d: Drill, restore_of: Mapping[str, RestoreProcedure],
           dependents: Dependents) -> DrillStep:
    lost = _hosts_at(d.target, bp)
    policies: tuple[BackupPolicy, ...] = d.restore or tuple(
        p for p in bp.backups if set(p.hosts) & set(lost))
    recovery_hosts = _recovery_hosts(d, policies, bp)
    parts = tuple(_part(bp, p, lost, recovery_hosts, dependents) for p in policies)
    dependants = tuple(dict.fromkeys(
        user for part in parts if part.policy.service is not None
        for user in dependents.get(part.policy.service.name, ())
        if set(user.hosts) - set(lost) - {part.target}))
    standbys = tuple(s for s in bp.services if s.settings.get("replication_role") == "standby"
                     and set(s.hosts) & set(recovery_hosts))
    affected, order = _affected(bp, d, lost, policies, dependents)
    step = DrillStep(
        id=f"DRL-{i + 1:03d}", drill=d, recovery_hosts=recovery_hosts, policies=policies,
        restores=tuple(dict.fromkeys(restore_of[p.name] for p in policies)),
        lost_hosts=lost, parts=parts,
        sources=tuple(dict.fromkeys(p.source for p in parts)),
        databases=tuple(dict.fromkeys(db for p in parts for db in p.databases)),
        folders=tuple(dict.fromkeys(path for p in parts for path in p.paths)),
        dependants=dependants, standbys=standbys,
        dependant_checks=_dependant_checks(parts, lost, dependents),
        affected=affected, recovery_order=order,
    )
    return replace(step, facts=drill_basis(step))


def _admitted(bp: Blueprint, drills: tuple[tuple[Drill, tuple[BackupPolicy, ...],
                                               tuple[Host, ...]], ...]
              ) -> dict[str, tuple[Host, ...]]:
    """Hosts that may restore each policy: its own and the recovery hosts of its drills."""
    out: dict[str, tuple[Host, ...]] = {}
    for policy in bp.backups:
        hosts = list(policy.hosts)
        for _, policies, recovery_hosts in drills:
            if policy in policies:
                hosts += [h for h in recovery_hosts if h not in hosts]
        out[policy.name] = tuple(hosts)
    return out


def steps(bp: Blueprint, install: tuple[InstallStep, ...], dependents: Dependents,
          calendar: Callable[[BackupPolicy], str]
          ) -> tuple[tuple[BackupJob, ...], tuple[RestoreProcedure, ...], tuple[DrillStep, ...]]:
    """The backup jobs, restore procedures and drills of ``bp`` (``calendar`` gives each
    policy's systemd OnCalendar)."""
    # Which policies each drill restores and where, before the procedures that admit them.
    outline = []
    for d in bp.drills:
        lost = _hosts_at(d.target, bp)
        policies = d.restore or tuple(p for p in bp.backups if set(p.hosts) & set(lost))
        outline.append((d, policies, _recovery_hosts(d, policies, bp)))
    admitted = _admitted(bp, tuple(outline))
    restores = []
    for i, members in enumerate(_groups(bp).values()):
        svc = members[0].service
        title = f"service {svc.name}" if svc else f"backup {members[0].name}"
        restores.append(RestoreProcedure(
            id=f"RST-{i + 1:03d}", title=title, service=svc, policies=tuple(members),
            hosts=tuple(dict.fromkeys(h for p in members for h in p.hosts)),
            databases=tuple(db for p in members for db in backup_wiring.databases(p)),
            admitted={p.name: admitted[p.name] for p in members},
            tasks=_restore_tasks(bp, members, admitted)))
    restore_of = {p.name: r for r in restores for p in r.policies}
    drills = tuple(_drill(bp, i, d, restore_of, dependents) for i, d in enumerate(bp.drills))
    install_of = {s.policy.name: s.id for s in install if s.policy is not None}
    zone = bp.change.timezone if bp.change else ""
    check_calendar = f"{CHECK_CALENDAR} {zone}" if zone else CHECK_CALENDAR
    forget_calendar = f"{FORGET_CALENDAR} {zone}" if zone else FORGET_CALENDAR
    jobs = []
    for i, p in enumerate(bp.backups):
        keep = {unit: int(p.retention.get(unit, 0)) for unit in _KEPT}
        on_calendar = calendar(p)
        interval = parse_duration(p.every)
        jobs.append(BackupJob(
            id=f"BAK-{i + 1:03d}", policy=p, install_id=install_of[p.name],
            interval=interval, rpo=parse_duration(p.rpo),
            alert_after=interval + min(interval / 2, ALERT_GRACE_MAX), alert_for=ALERT_FOR,
            rto=parse_duration(p.rto), on_calendar=on_calendar, check_calendar=check_calendar,
            check_every=CHECK_EVERY, read_data_parts=READ_DATA_PARTS, keep=keep,
            forget_calendar=forget_calendar,
            databases=backup_wiring.databases(p), paths=backup_wiring.paths(p),
            password=backup_wiring.password(p), account=backup_wiring.account(p),
            append_only=backup_wiring.APPEND_ONLY,
            restore_id=restore_of[p.name].id,
            drills=tuple(d.id for d in drills if p in d.policies),
            access=backup_wiring.access(bp, p, p.hosts[0]),
            client_vars=backup_wiring.client_vars(bp, p, on_calendar, check_calendar,
                                                  CHECK_EVERY, READ_DATA_PARTS),
            server_vars=backup_wiring.server_client(p, keep, forget_calendar)))
    return tuple(jobs), tuple(restores), drills
