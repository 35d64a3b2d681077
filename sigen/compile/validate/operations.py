"""Semantic checks of the running system: services, dependencies, backups and drills."""

from __future__ import annotations

import graphlib
from collections import defaultdict

from sigen.compile.patching import PATCH_MINUTES, window_day
from sigen.compile.validate.index import Entry, Index
from sigen.compile.validate.values import format_duration, parse_duration

__all__ = ["BACKUP_SERVER_COMPONENT", "check_operations"]

BACKUP_SERVER_COMPONENT = "backup_server"


def check_operations(index: Index) -> None:
    """Service references and cycles, backup policies, drills, the services in service."""
    _check_services(index)
    _check_cycles(index)
    _check_backups(index)
    _check_drills(index)
    _check_in_service(index)
    _check_patch_window(index)


def _check_patch_window(index: Index) -> None:
    """Automatic updates and their reboots happen inside the maintenance window (SG607)."""
    data = index.loaded.data
    security = data.get("security")
    patching = security.get("patching") if isinstance(security, dict) else None
    window = patching.get("window") if isinstance(patching, dict) else None
    change = data.get("change_management")
    maintenance = change.get("maintenance_window") if isinstance(change, dict) else None
    if not (isinstance(window, dict) and isinstance(maintenance, dict)):
        return
    day, at = window.get("day"), window.get("at")
    days, opens = maintenance.get("days"), maintenance.get("start")
    length = parse_duration(str(maintenance.get("duration", "")))
    if not (isinstance(day, str) and isinstance(at, str) and isinstance(opens, str)
            and isinstance(days, list) and all(isinstance(d, str) for d in days)
            and length is not None):
        return  # reported by the schema
    try:
        inside = window_day(days, opens, length // 60, day, at)
    except (ValueError, IndexError):
        return  # malformed days or times are reported by the schema
    if not inside:
        index.error(("security", "patching", "window"), "SG607",
                    f"the patch window {day} {at} (updates and the reboots they need, "
                    f"{PATCH_MINUTES} minutes) is not inside the maintenance window "
                    f"({', '.join(days)} {opens} for {maintenance.get('duration')}): hosts "
                    "would update and reboot when nobody expects it; move "
                    "security.patching.window into the maintenance window, or widen it")


def _check_in_service(index: Index) -> None:
    change = index.loaded.data.get("change_management")
    names = change.get("in_service") if isinstance(change, dict) else None
    for pos, name in enumerate(names if isinstance(names, list) else []):
        if isinstance(name, str):
            index.reference(("change_management", "in_service", pos), name, "services",
                            "service", "change_management.in_service")


def _check_services(index: Index) -> None:
    ports: dict[tuple[str, int], str] = {}
    for service in index.entries("services"):
        label = f"service {service.name!r}"
        for pos, host in service.str_list("hosts"):
            if index.reference((*service.path, "hosts", pos), host, "hosts", "host", label):
                port_list = service.body.get("ports")
                for ppos, port in enumerate(port_list if isinstance(port_list, list) else []):
                    if not isinstance(port, int) or isinstance(port, bool):
                        continue
                    other = ports.setdefault((host, port), service.name)
                    if other != service.name:
                        index.error((*service.path, "ports", ppos), "SG302",
                                    f"port {port} on host {host!r} is used by service "
                                    f"{other!r} and by {service.name!r}; give one of them "
                                    "another port or host")
        for pos, dep in service.str_list("depends_on"):
            index.reference((*service.path, "depends_on", pos), dep, "services", "service",
                            f"the dependencies of {label}")
        for pos, client in service.str_list("allow_from"):
            if client != "any" and "/" not in client and ":" not in client and \
                    not client.replace(".", "").isdigit():
                index.reference((*service.path, "allow_from", pos), client, "networks",
                                "network", f"allow_from of {label}")


def _check_cycles(index: Index) -> None:
    graph: dict[str, list[str]] = {}
    for service in index.entries("services"):
        if index.get("services", service.name) is service:
            graph[service.name] = [d for _, d in service.str_list("depends_on")
                                   if index.get("services", d) is not None]
    reported: set[frozenset[str]] = set()
    # Find every cycle, not only the first: remove each reported cycle's edge and retry.
    for _ in range(len(graph) + 1):
        try:
            graphlib.TopologicalSorter(graph).prepare()
            return
        except graphlib.CycleError as exc:
            # graphlib lists each node before the ones that depend on it: reversed, each
            # service depends on the next one.
            cycle: list[str] = list(exc.args[1])
            members = frozenset(cycle)
            first = index.get("services", cycle[0])
            chain = list(reversed(cycle))
            if members not in reported and first is not None:
                reported.add(members)
                start = index.get("services", chain[0])
                assert start is not None
                dep_pos = next((p for p, d in start.str_list("depends_on") if d == chain[1]), 0)
                index.error((*start.path, "depends_on", dep_pos), "SG401",
                            f"services depend on each other in a cycle: {' -> '.join(chain)}; "
                            "one of these dependencies must go, or nothing can be installed "
                            "first")
            # Break the cycle at chain[0] -> chain[1] and look for more.
            graph[chain[0]] = [d for d in graph[chain[0]] if d != chain[1]]
    return


def _services_on(index: Index, host: str) -> list[Entry]:
    return index.services_on(host)


def _components_on(index: Index, host: str) -> set[str]:
    return {c for s in _services_on(index, host) if (c := s.get_str("component")) is not None}


def _protected_hosts(index: Index, backup: Entry) -> list[str]:
    hosts = [h for _, h in backup.str_list("hosts")]
    service_name = backup.get_str("service")
    service = index.get("services", service_name) if service_name else None
    if service is not None:
        hosts += [h for _, h in service.str_list("hosts")]
    return hosts


def _check_one_policy_per_host(index: Index) -> None:
    """A host runs one backup policy (one timer, repository and account on it): a second
    one would silently replace the first, so it is refused (SG608)."""
    first: dict[str, str] = {}
    for backup in index.entries("backups"):
        for host in dict.fromkeys(_protected_hosts(index, backup)):
            if host not in first:
                first[host] = backup.name
                continue
            index.error(backup.path, "SG608",
                        f"host {host!r} is already backed up by policy {first[host]!r}, and "
                        f"backup policy {backup.name!r} would replace it (a host runs one "
                        "policy: one timer, one repository, one account): merge the two into "
                        "one policy, or back this data up from another host")


def _check_backups(index: Index) -> None:
    _check_one_policy_per_host(index)
    for backup in index.entries("backups"):
        label = f"backup policy {backup.name!r}"
        service_name = backup.get_str("service")
        if service_name is not None:
            index.reference((*backup.path, "service"), service_name, "services", "service",
                            label)
        for pos, host in backup.str_list("hosts"):
            index.reference((*backup.path, "hosts", pos), host, "hosts", "host", label)
        if "service" not in backup.body and "hosts" not in backup.body:
            index.error(backup.path, "SG113", f"{label} says neither what to back up: give "
                        "service: (a service name) or hosts: with paths:")
        if backup.get_str("method") == "files" and "service" not in backup.body \
                and not backup.body.get("paths"):
            index.error(backup.path, "SG113", f"{label} backs up files of hosts but has no "
                        "paths:; list the folders to back up")
        destination = backup.get_str("destination")
        if destination is not None:
            dest = index.reference((*backup.path, "destination"), destination, "hosts", "host",
                                   f"the destination of {label}")
            if dest is not None:
                if BACKUP_SERVER_COMPONENT not in _components_on(index, destination):
                    index.error((*backup.path, "destination"), "SG603",
                                f"{label} stores its backups on {destination!r}, which runs no "
                                f"{BACKUP_SERVER_COMPONENT} service; add a service with "
                                f"component: {BACKUP_SERVER_COMPONENT} on it or choose a "
                                "host that has one")
                if destination in _protected_hosts(index, backup):
                    index.error((*backup.path, "destination"), "SG601",
                                f"{label} stores its backups on {destination!r}, a host it "
                                "protects; when that host is lost its backups go with it, so "
                                "choose another host (ideally at another site)")
        _check_copy(index, backup, label, destination)
        _check_rpo(index, backup, label)


def _check_copy(index: Index, backup: Entry, label: str, destination: str | None) -> None:
    """The second copy goes to another backup server than the first, off the protected hosts."""
    copy_to = backup.get_str("copy_to")
    if copy_to is None:
        return
    path = (*backup.path, "copy_to")
    if index.reference(path, copy_to, "hosts", "host", f"the copy host of {label}") is None:
        return
    if copy_to == destination:
        index.error(path, "SG609", f"{label} copies its snapshots to {copy_to!r}, its "
                    "destination already: a copy on the same host is lost with it; choose "
                    "another host running a backup_server service (ideally at another site)")
    elif BACKUP_SERVER_COMPONENT not in _components_on(index, copy_to):
        index.error(path, "SG609", f"{label} copies its snapshots to {copy_to!r}, which runs "
                    f"no {BACKUP_SERVER_COMPONENT} service; add a service with component: "
                    f"{BACKUP_SERVER_COMPONENT} on it or choose a host that has one")
    elif copy_to in _protected_hosts(index, backup):
        index.error(path, "SG609", f"{label} copies its snapshots to {copy_to!r}, a host it "
                    "protects; when that host is lost the copy goes with it, so choose "
                    "another backup host")


def _check_rpo(index: Index, backup: Entry, label: str) -> None:
    schedule = backup.get_dict("schedule")
    every = parse_duration(schedule.get("every", ""))
    rpo_text = backup.get_str("rpo")
    rpo = parse_duration(rpo_text or "", seconds=True)
    if every is not None and rpo is not None and every > rpo:
        index.error((*backup.path, "rpo"), "SG602",
                    f"{label} runs every {schedule['every']} but promises an RPO of {rpo_text}: "
                    f"up to {schedule['every']} of data could be lost; back up at least every "
                    f"{rpo_text} or set rpo to {format_duration(every)} or more")


def _site_of(index: Index, host: str) -> str | None:
    entry = index.get("hosts", host)
    return entry.get_str("site") if entry is not None else None


def _hosts_at(index: Index, site: str) -> list[str]:
    return [h.name for h in index.entries("hosts") if h.get_str("site") == site]


def _check_drills(index: Index) -> None:
    for drill in index.entries("drills"):
        scenario = drill.get_str("scenario")
        target = drill.get_str("fails")
        recover_on = drill.get_str("recover_on")
        label = f"drill {drill.name!r}"
        lost_hosts: list[str] = []
        if target is not None and scenario in ("host-loss", "data-corruption"):
            if index.get("hosts", target) is None and index.get("sites", target) is not None:
                index.error((*drill.path, "fails"), "SG605",
                            f"{label} is a {scenario} drill, so what it fails must be a host, "
                            f"but {target!r} is a site; use scenario site-loss or name a host")
            elif index.reference((*drill.path, "fails"), target, "hosts", "host", label):
                lost_hosts = [target]
        elif target is not None and scenario == "site-loss":
            if index.get("sites", target) is None and index.get("hosts", target) is not None:
                index.error((*drill.path, "fails"), "SG605",
                            f"{label} is a site-loss drill, so what it fails must be a site, "
                            f"but {target!r} is a host; use scenario host-loss or name a site")
            elif index.reference((*drill.path, "fails"), target, "sites", "site", label):
                lost_hosts = _hosts_at(index, target)
        restores = []
        for pos, name in drill.str_list("restore"):
            backup = index.reference((*drill.path, "restore", pos), name, "backups",
                                     "backup policy", label)
            if backup is not None:
                restores.append((pos, backup))
        recovery_hosts = _recovery_hosts(index, drill, recover_on, label)
        if recovery_hosts is None or target is None:
            continue
        _check_recovery_place(index, drill, scenario, target, recover_on, lost_hosts, label)
        _check_recovery_capability(index, drill, restores, lost_hosts, recovery_hosts, label)


def _recovery_hosts(index: Index, drill: Entry, recover_on: str | None,
                    label: str) -> list[str] | None:
    if recover_on is None:
        return None
    if index.get("hosts", recover_on) is not None:
        return [recover_on]
    if index.get("sites", recover_on) is not None:
        return _hosts_at(index, recover_on)
    known = sorted({*index.names("hosts"), *index.names("sites")})
    shown = ", ".join(known[:8]) + (", ..." if len(known) > 8 else "")
    index.error((*drill.path, "recover_on"), "SG202",
                f"unknown host or site {recover_on!r} in recover_on of {label}; use one of: "
                f"{shown}")
    return None


def _check_recovery_place(index: Index, drill: Entry, scenario: str | None, target: str,
                          recover_on: str | None, lost_hosts: list[str], label: str) -> None:
    path = (*drill.path, "recover_on")
    if scenario == "host-loss" and recover_on == target:
        index.error(path, "SG605", f"{label} loses host {target!r} and recovers on the same "
                    "host; recover on another host (or use scenario data-corruption)")
    if scenario == "site-loss" and recover_on is not None:
        site = recover_on if index.get("sites", recover_on) else _site_of(index, recover_on)
        if site == target:
            index.error(path, "SG605", f"{label} loses site {target!r} and recovers at that "
                        "same site; recover on a host or site elsewhere")
    for pos, name in drill.str_list("restore"):
        backup = index.get("backups", name)
        dest = backup.get_str("destination") if backup else None
        if dest is not None and dest in lost_hosts and scenario != "data-corruption":
            index.error((*drill.path, "restore", pos), "SG605",
                        f"{label} restores {name!r}, whose backups are stored on {dest!r}, a "
                        f"host lost in this drill; store that backup outside the lost "
                        f"{'site' if scenario == 'site-loss' else 'host'}")


def _check_recovery_capability(index: Index, drill: Entry, restores: list[tuple[int, Entry]],
                               lost_hosts: list[str], recovery_hosts: list[str],
                               label: str) -> None:
    """The recovery place must run (or be able to run) each restored service's component."""
    needed: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for pos, backup in restores:
        service = index.get("services", backup.get_str("service") or "")
        if service is not None and (component := service.get_str("component")):
            needed[component].append((pos, service.name))
    if not restores:
        for host in lost_hosts:
            for service in _services_on(index, host):
                if (component := service.get_str("component")) is not None:
                    needed[component].append((-1, service.name))
    available = set().union(*(_components_on(index, h) for h in recovery_hosts)) \
        if recovery_hosts else set()
    for component, uses in sorted(needed.items()):
        if component in available:
            continue
        pos, service_name = uses[0]
        path = (*drill.path, "restore", pos) if pos >= 0 else (*drill.path, "recover_on")
        place = drill.get_str("recover_on")
        index.error(path, "SG604",
                    f"{label} recovers service {service_name!r} ({component}) on {place!r}, but "
                    f"nothing there runs {component}; recover on a host that runs a "
                    f"{component} service (for example a standby) or add one there")
