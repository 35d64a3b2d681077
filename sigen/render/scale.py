"""The tables of many hosts, grouped: what keeps the plans and reports readable at 10,000.

Up to ``PER_HOST_LIMIT`` hosts the documents give a row (or a section) per host. Above it a
table of 10,000 rows is no longer read by anyone, and the document would be tens of MB in
every format; the documents then group the hosts that the table would show alike, and
count what is per host (checks, flows). The groups are made here from the same plan facts
the per-host rows print; each template says where the per-host detail is (the inventory,
verify.yml, the run's record).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from sigen.plan import Flow, Host, HostSizing, Plan

__all__ = ["FAILURES_LISTED", "PER_HOST_LIMIT", "Group", "Tally", "alike", "check_tally",
           "components", "context", "flow_groups", "host_groups", "lab_groups", "not_passed",
           "sizing_groups"]

# More hosts than this: grouped tables instead of a row per host.
PER_HOST_LIMIT = 100


@dataclass(frozen=True)
class Group:
    """Items a table shows alike: ``first`` stands for all of them (``items``)."""

    first: Any
    items: tuple[Any, ...]


def alike(items: Iterable[Any], key: Callable[[Any], Hashable]) -> list[Group]:
    """``items`` grouped by ``key``, the groups in the order of their first item."""
    found: dict[Hashable, list[Any]] = {}
    for item in items:
        found.setdefault(key(item), []).append(item)
    return [Group(members[0], tuple(members)) for members in found.values()]


def _placement(host: Host) -> Hashable:
    """What the host table shows of where a host runs, without what differs per host (its
    rack unit)."""
    if host.hardware is not None:
        return ("physical", host.hardware.model, host.hypervisor is not None)
    if host.vm is not None:
        return ("vm", host.vm.hypervisor, host.vm.cluster)
    if host.cloud is not None:
        return ("cloud", host.cloud.provider, host.cloud.region, host.cloud.instance_type)
    return (host.kind,)


def components(host: Host) -> tuple[str, ...]:
    """The roles of the services a host runs, once each, in the order of its services."""
    return tuple(dict.fromkeys(s.component for s in host.services))


def host_groups(hosts: Sequence[Host]) -> list[Group]:
    """Hosts alike in site, kind, OS, size, placement and the roles they run (not which
    service of a role: the 400 cells of 25 hosts of the benchmark are seven groups)."""
    return alike(hosts, lambda h: (h.site.name, h.kind, h.os, h.cpu, h.memory_gb,
                                   _placement(h), components(h)))


def lab_groups(hosts: Sequence[Host]) -> list[Group]:
    """Hosts the lab reproduces alike: kind, OS, size, disks, placement (not the rack)."""
    def key(h: Host) -> Hashable:
        disks = tuple((d.count, d.size_gb, d.type, d.raid) for d in h.hardware.disks) \
            if h.hardware is not None else ()
        ratios = (h.hypervisor.vcpu_ratio, h.hypervisor.memory_ratio) \
            if h.hypervisor is not None else ()
        return (h.kind, h.os, h.cpu, h.memory_gb, _placement(h), disks, ratios)

    return alike(hosts, key)


def flow_groups(flows_to: Mapping[str, Sequence[Flow]]) -> list[Group]:
    """Flows alike in port, protocol and the roles of the host they reach (each group's
    flows in order; the templates count their reasons, sources and hosts)."""
    return alike((f for flows in flows_to.values() for f in flows),
                 lambda f: (f.port, f.protocol, components(f.host)))


def sizing_groups(sizings: Sequence[HostSizing]) -> list[Group]:
    """Hosts the host evaluation counts alike (every column but the host's name)."""
    return alike(sizings, lambda s: replace(s, host=""))


@dataclass(frozen=True)
class Tally:
    """The checks of one kind at one site: how many, on how many hosts, with what result."""

    site: str
    kind: str
    hosts: int
    checks: int
    passed: int
    failed: int
    unrun: int


def check_tally(checks: Sequence[Mapping[str, Any]], site_of: Mapping[str, str],
                kinds: Sequence[str]) -> list[Tally]:
    """The checks counted by site (in the blueprint's order of hosts) and kind (in the order
    of ``kinds``)."""
    counts: dict[tuple[str, str], list[Any]] = {}
    for check in checks:
        host = str(check.get("host"))
        entry = counts.setdefault((site_of.get(host, ""), str(check.get("kind"))),
                                  [set(), 0, 0, 0, 0])
        entry[0].add(host)
        entry[1] += 1
        passed = check.get("passed")
        entry[2 if passed is True else 3 if passed is False else 4] += 1
    sites = list(dict.fromkeys(site_of.values()))
    order = {kind: i for i, kind in enumerate(kinds)}
    return [Tally(site, kind, len(e[0]), e[1], e[2], e[3], e[4])
            for (site, kind), e in sorted(counts.items(), key=lambda item: (
                sites.index(item[0][0]) if item[0][0] in sites else len(sites),
                order.get(item[0][1], len(order))))]


# The failed checks a report of many hosts lists; the rest are counted (the run's record
# holds every one).
FAILURES_LISTED = 100


def not_passed(checks: Sequence[Mapping[str, Any]], limit: int | None
               ) -> tuple[list[Mapping[str, Any]], int]:
    """The checks that failed or did not run, the first ``limit`` of them (all with None),
    and how many there are."""
    found = [c for c in checks if c.get("passed") is not True]
    return (found if limit is None else found[:limit]), len(found)


def context(plan: Plan) -> dict[str, Any]:
    """What the templates group with."""
    return {
        "per_host": len(plan.blueprint.hosts) <= PER_HOST_LIMIT,
        "per_host_limit": PER_HOST_LIMIT,
        "host_groups": host_groups,
        "components_of": components,
        "flow_groups": flow_groups,
        "lab_groups": lab_groups,
        "sizing_groups": sizing_groups,
        "check_tally": check_tally,
        "not_passed": not_passed,
        "failures_listed": FAILURES_LISTED,
        "site_of": {h.name: h.site.name for h in plan.blueprint.hosts},
    }
