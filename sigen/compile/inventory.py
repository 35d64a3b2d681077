"""The system inventory's facts (O1.3.1): what each host should show, and the drift between
that and what an inventory run found there.

``planned`` reads what the blueprint states from the plan's own facts: the build document's
roles and components per host (``plan.builds``: the packages installed with the options in
force), the units of those components (``meta/sigen.yml``), the ports the host's services
listen on and the flows its firewall admits, sshd's port, the addresses (the lab's for the
lab), the processors and memory of the hardware or VM. ``drift`` compares one inventory
record with it. Both are pure: the planner uses them for the plans, ``sigen inventory
--check`` for the run it made, so the two can never judge the same record differently.
"""

from __future__ import annotations

import ipaddress
import json
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from sigen.compile.ports import NODE_EXPORTER_PORT
from sigen.plan import Environment, Plan
from sigen.plan.hostbuild import BuildRole, HostPart, Setting
from sigen.plan.inventory import (
    DRIFT_KINDS,
    MEMORY_SEEN,
    Drift,
    Inventory,
    PlannedHost,
    PlannedPackage,
    PlannedPort,
    PlannedUnit,
    PortReason,
    SeenPort,
)

__all__ = ["LAB_ENV", "MEMORY_SEEN", "OS_RELEASES", "describe", "drift", "inventory",
           "listening", "planned", "planned_packages", "ports_seen"]

# The environment sigen's podman lab is (sigen lab up); its hosts are containers.
LAB_ENV = "lab"
# The blueprint's operating systems as Ansible names them: distribution, major version.
OS_RELEASES: Mapping[str, tuple[str, str]] = {"debian-12": ("Debian", "12")}
# The monitoring role's node exporter, which listens on NODE_EXPORTER_PORT.
NODE_EXPORTER_UNIT = "prometheus-node-exporter.service"
_OPTION = re.compile(r"\{([a-z][a-z0-9_]*)\}")


def _setting(settings: Iterable[Setting], name: str) -> str | None:
    for s in settings:
        if s.name == name:
            try:
                value = json.loads(s.value)
            except ValueError:  # a template of sigen's, as its text
                return s.value
            return value if isinstance(value, str) else str(value)
    return None


def _unit_name(template: str, settings: Sequence[Setting]) -> str:
    """A component's unit with each ``{option}`` replaced by the option's value (str
    replacement, never a template engine: values may be user text)."""
    def value(match: re.Match[str]) -> str:
        found = _setting(settings, match[1])
        return found if found is not None else match[0]
    return _OPTION.sub(value, template)


def _software(roles: Sequence[BuildRole], host_settings: Sequence[Setting]
              ) -> tuple[tuple[PlannedPackage, ...], tuple[PlannedUnit, ...]]:
    packages: dict[str, PlannedPackage] = {}
    units: dict[str, PlannedUnit] = {}
    for role in roles:
        settings = (*role.settings, *host_settings)
        for c in role.components:
            packages.setdefault(c.package, PlannedPackage(c.package, c.name, c.version,
                                                          role.role))
            if c.unit:
                name = _unit_name(c.unit, settings) if "{" in c.unit else c.unit
                units.setdefault(name, PlannedUnit(name, c.name, role.role))
    return tuple(packages.values()), tuple(units.values())


def _build_software(roles: Sequence[BuildRole]) -> Callable[
        [HostPart], tuple[tuple[PlannedPackage, ...], tuple[PlannedUnit, ...]]]:
    """The packages and units of a build's hosts: worked out once for the build, again
    only for a host with variables of its own that a unit's name may read."""
    shared = _software(roles, ())

    def of(part: HostPart) -> tuple[tuple[PlannedPackage, ...], tuple[PlannedUnit, ...]]:
        return _software(roles, part.settings) if part.settings else shared
    return of


def _ports(plan: Plan, part: HostPart, units: Sequence[PlannedUnit]
           ) -> tuple[PlannedPort, ...]:
    reasons: dict[tuple[int, str], list[PortReason]] = {}
    if any(u.unit == NODE_EXPORTER_UNIT for u in units):
        reasons[(NODE_EXPORTER_PORT, "tcp")] = [PortReason("node-exporter")]
    for service in part.host.services:
        for port in service.ports:
            reasons.setdefault((port, "tcp"), []).append(PortReason("service", service.name))
    reasons.setdefault((plan.blueprint.security.ssh_port, "tcp"), []).append(
        PortReason("ssh"))
    for flow in part.flows:
        reasons.setdefault((flow.port, flow.protocol), []).append(
            PortReason(flow.kind, flow.service, flow.sources))
    return tuple(PlannedPort(port, protocol, tuple(found))
                 for (port, protocol), found in sorted(reasons.items()))


def _addresses(lab: Mapping[str, tuple[str, ...]] | None, part: HostPart
               ) -> tuple[str, ...]:
    host = part.host
    if lab is not None and host.name in lab:
        return lab[host.name]
    found = []
    for interface in host.interfaces:
        found += [a.split("/")[0] for a in (interface.address, interface.address6) if a]
    return tuple(found)


def _sizing(part: HostPart) -> tuple[int, str, float]:
    host = part.host
    if host.hardware is not None:
        return host.hardware.cpu_cores, "cores", float(host.hardware.memory_gb)
    if host.vm is not None:
        return host.vm.vcpus, "vcpus", float(host.vm.memory_gb)
    return 0, "", 0.0


def planned(plan: Plan, env: Environment) -> tuple[PlannedHost, ...]:
    """What each host of the blueprint should show an inventory run in ``env``, in
    blueprint order."""
    found: dict[str, PlannedHost] = {}
    every = plan.builds.every_host_roles
    lab = {h.hostname: tuple(a for _net, a in h.addresses) for h in plan.lab.hosts
           if h.kind != "timeserver"} if env.name == LAB_ENV else None
    for build in plan.builds.builds:
        software = _build_software((*every, *build.roles))
        for part in build.hosts:
            packages, units = software(part)
            cpus, cpu_kind, memory = _sizing(part)
            distribution, version = OS_RELEASES.get(part.host.os, (part.host.os, ""))
            found[part.host.name] = PlannedHost(
                host=part.host.name, os=part.host.os, distribution=distribution,
                version=version, addresses=_addresses(lab, part),
                packages=packages, units=units, ports=_ports(plan, part, units),
                cpus=cpus, cpu_kind=cpu_kind, memory_gb=memory)
    return tuple(found[h.name] for h in plan.blueprint.hosts if h.name in found)


def planned_packages(hosts: Iterable[PlannedHost]) -> tuple[str, ...]:
    """Every package the roles install on some host: what the inventory play keeps of the
    hosts' package lists."""
    return tuple(sorted({p.package for h in hosts for p in h.packages}))


def listening(lines: Iterable[str]) -> list[dict[str, Any]]:
    """``ss -Hltnu`` lines as ``{protocol, address, port}``, sorted and without repeats."""
    found = set()
    for line in lines:
        fields = line.split()
        if len(fields) < 5 or fields[0] not in ("tcp", "udp") or ":" not in fields[4]:
            continue
        address, _, port = fields[4].rpartition(":")
        if not port.isdigit():
            continue
        address = address.strip("[]").split("%")[0]
        found.add((fields[0], address, int(port)))
    return [{"protocol": p, "address": a, "port": n} for p, a, n in sorted(found)]


def _loopback(address: str) -> bool:
    try:
        return ipaddress.ip_address(address).is_loopback
    except ValueError:
        return address == "localhost"


def ports_seen(want: PlannedHost, facts: Mapping[str, Any]) -> tuple[SeenPort, ...]:
    """The ports ``facts`` show listening, each with the planned reasons for it."""
    reasons = {(p.port, p.protocol): p.reasons for p in want.ports}
    addresses: dict[tuple[int, str], list[str]] = {}
    for item in facts.get("listening") or ():
        if isinstance(item, Mapping):
            addresses.setdefault((int(item["port"]), str(item["protocol"])), []).append(
                str(item["address"]))
    return tuple(SeenPort(port, protocol, tuple(found), reasons.get((port, protocol), ()),
                          all(_loopback(a) for a in found))
                 for (port, protocol), found in sorted(addresses.items()))


def _release(facts: Mapping[str, Any]) -> str:
    os_facts = facts.get("os") or {}
    return f"{os_facts.get('distribution', '?')} {os_facts.get('major', '?')}"


def _unit_state(services: Mapping[str, Mapping[str, Any]], unit: str) -> str | None:
    """None when ``unit`` is enabled and running, else its ``state/status`` ("" when the
    host has no such unit)."""
    svc = services.get(unit)
    if svc is None:
        return ""
    status = str(svc.get("status"))
    if svc.get("state") == "running" and status.startswith("enabled"):
        return None
    # An instance of a template (postgresql@15-main.service) is in no list-unit-files line,
    # so service_facts gives it the ACTIVE column of list-units ("active") for a status; on
    # Debian such instances start at boot through their generator, not by being enabled.
    if svc.get("state") == "running" and "@" in unit and status == "active":
        return None
    return f"{svc.get('state')}/{status}"


def _host_drift(want: PlannedHost, facts: Mapping[str, Any], containers: bool) -> list[Drift]:
    out: list[Drift] = []
    host = want.host
    if not facts.get("answered"):
        return [Drift(host, "unanswered", "", "facts", str(facts.get("error") or ""))]
    os_facts = facts.get("os") or {}
    if (os_facts.get("distribution"), str(os_facts.get("major"))) != (want.distribution,
                                                                       want.version):
        out.append(Drift(host, "os", "", f"{want.distribution} {want.version}",
                         _release(facts)))
    seen = {str(a).split("%")[0] for a in facts.get("addresses") or ()}
    out += [Drift(host, "address", a, a, "") for a in want.addresses if a not in seen]
    packages = facts.get("packages") or {}
    out += [Drift(host, "package", p.package, p.version, "")
            for p in want.packages if not packages.get(p.package)]
    services = {str(s.get("name")): s for s in facts.get("services") or ()
                if isinstance(s, Mapping)}
    for unit in want.units:
        state = _unit_state(services, unit.unit)
        if state is not None:
            out.append(Drift(host, "unit", unit.unit, "enabled/running", state))
    out += [Drift(host, "port", f"{p.port}/{p.protocol}", "", ", ".join(p.addresses))
            for p in ports_seen(want, facts) if not p.reasons and not p.loopback]
    if not containers:
        cpus = int(facts.get(want.cpu_kind) or 0) if want.cpu_kind else 0
        if want.cpus and cpus < want.cpus:
            out.append(Drift(host, "cpu", want.cpu_kind, str(want.cpus), str(cpus)))
        memory_mb = int(facts.get("memory_mb") or 0)
        if want.memory_gb and memory_mb < want.memory_gb * 1024 * MEMORY_SEEN:
            out.append(Drift(host, "memory", "", f"{want.memory_gb:g} GB",
                             f"{memory_mb / 1024:.1f} GB"))
    return out


def drift(hosts: Sequence[PlannedHost], record: Mapping[str, Any],
          containers: bool) -> tuple[Drift, ...]:
    """Everything the blueprint states that the hosts of ``record`` contradict, by host in
    blueprint order, then by ``DRIFT_KINDS``."""
    observed = record.get("hosts") or {}
    out: list[Drift] = []
    for want in hosts:
        facts = observed.get(want.host)
        found = _host_drift(want, facts if isinstance(facts, Mapping) else {}, containers)
        out += sorted(found, key=lambda d: DRIFT_KINDS.index(d.kind))
    return tuple(out)


def describe(d: Drift) -> str:
    """One line for the terminal: the host, what the blueprint says, what the host shows."""
    says, shows = {
        "unanswered": ("facts from the host", d.observed or "no answer"),
        "os": (d.expected, d.observed),
        "address": (f"address {d.subject}", "not on any interface"),
        "package": (f"package {d.subject} {d.expected}", "not installed"),
        "unit": (f"{d.subject} enabled and running",
                 d.observed.replace("/", ", ") if d.observed else "no such unit"),
        "port": (f"nothing listens on {d.subject}", f"listening on {d.observed}"),
        "cpu": (f"{d.expected} {d.subject}", f"{d.observed} {d.subject}"),
        "memory": (f"{d.expected} memory", f"{d.observed} memory"),
    }[d.kind]
    return f"{d.host}: blueprint: {says}; host: {shows}"


def inventory(plan: Plan, runs: Sequence[Mapping[str, Any]]) -> Inventory:
    """The plans' inventory: the default environment's planned hosts, its latest record
    among ``runs`` (oldest first) and that record's drift."""
    env = plan.default_env
    hosts = planned(plan, env)
    containers = env.name == LAB_ENV
    latest = next((r for r in reversed(runs) if r.get("environment") == env.name), None)
    if latest is None:
        return Inventory(env=env.name, containers=containers, hosts=hosts,
                         packages=planned_packages(hosts))
    observed = latest.get("hosts") or {}
    seen = {h.host: ports_seen(h, observed.get(h.host) or {}) for h in hosts
            if isinstance(observed.get(h.host), Mapping)}
    return Inventory(env=env.name, containers=containers, hosts=hosts,
                     packages=planned_packages(hosts), latest=latest,
                     drift=drift(hosts, latest, containers), ports_seen=seen)
