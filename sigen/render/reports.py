"""What the test report, the verification checklist and the lab report are rendered from.

The checks are the plan's (the same tuple verify.yml runs); the outcomes those of the
verification runs in the plan's evidence; the lab is the plan's. This module only groups
them for the tables; wording lives in the templates.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sigen.plan import Host, Plan
from sigen.plan.inventory import MEMORY_SEEN
from sigen.plan.system import Disk

__all__ = ["context"]


def _group_by(checks: Sequence[Mapping[str, Any]], key: str) -> dict[str, list[Mapping[str, Any]]]:
    """Checks grouped by ``key`` (host, kind), in their order, in one pass: a filter per host
    in the templates made the reports of 1,000 hosts take 20 s."""
    out: dict[str, list[Mapping[str, Any]]] = {}
    for check in checks:
        value = check.get(key)
        name = value if type(value) is str else str(value)
        bucket = out.get(name)
        if bucket is None:
            out[name] = [check]
        else:
            bucket.append(check)
    return out


def _having(checks: Sequence[Mapping[str, Any]], key: str,
            values: Sequence[Any]) -> list[Mapping[str, Any]]:
    """The checks whose ``key`` is one of ``values``, in their order (Jinja's selectattr
    took 2 s over the 60,000 sshd checks of 10,000 hosts)."""
    wanted = set(values)
    return [c for c in checks if c.get(key) in wanted]


def _outcome(checks: Sequence[Mapping[str, Any]], about: str) -> dict[str, Any]:
    """The hosts (or subjects) of ``checks``: all, those with a failed check, those with a
    check not run, and those that passed every check; each in the checks' order. ``status``
    is the item's: a failure outranks a check not run, which outranks a pass."""
    every: dict[str, None] = {}
    failed: dict[str, None] = {}
    unrun: dict[str, None] = {}
    for check in checks:
        name = str(check.get(about))
        every[name] = None
        if check.get("passed") is False:
            failed[name] = None
        elif check.get("passed") is None:
            unrun[name] = None
    passed = [h for h in every if h not in failed and h not in unrun]
    status = "failed" if failed else "unrun" if unrun else "passed"
    return {"hosts": list(every), "failed": list(failed), "unrun": list(unrun),
            "passed": passed, "status": status}


def _disks(host: Host) -> tuple[Disk, ...]:
    """The disks the blueprint gives a host, whatever kind of host it is."""
    for part in (host.hardware, host.vm, host.cloud):
        if part is not None:
            return part.disks
    return ()


def context(plan: Plan) -> dict[str, Any]:
    evidence = plan.evidence
    latest = evidence.latest_run
    return {
        "planned": plan.planned_checks,
        "group_by": _group_by,
        "having": _having,
        "outcome": _outcome,
        "runs": evidence.verify_runs,
        "latest": latest,
        "latest_summary": latest["summary"] if latest else None,
        "lab": plan.lab,
        "network_named": {n.name: n for n in plan.blueprint.networks},
        "lab_overrides": plan.lab.overrides,
        "cross_network_flows": plan.lab.cross_network_flows,
        "unmanaged": plan.lab.unmanaged,
        "inv": plan.inventory,
        "inventory_runs": evidence.inventory_runs,
        "memory_seen": MEMORY_SEEN,
        "disks_of": {h.name: _disks(h) for h in plan.blueprint.hosts},
        "latest_of_env": {str(r.get("environment")): r for r in evidence.verify_runs},
        "last_drill_run": {str((r.get("drill") or {}).get("name")): r
                           for r in evidence.drill_runs},
        "owner_of_host": _owners_of_hosts(plan),
        "support_rows": _support_rows(plan),
    }


def _support_rows(plan: Plan) -> list[dict[str, Any]]:
    """Each component once (several roles install the same package), with the roles that
    install it and its support commitments."""
    rows: dict[tuple[str, str], dict[str, Any]] = {}
    for info in plan.components:
        for c in info.components:
            row = rows.setdefault((c.name, c.version), {"component": c, "roles": []})
            row["roles"].append(info.name)
    return list(rows.values())


def _owners_of_hosts(plan: Plan) -> dict[str, str]:
    """Per host, the first person who owns a service on it (``owns``): who an open item
    of that host goes to."""
    owner_of: dict[str, str] = {}
    for person in plan.blueprint.stakeholders:
        for name in person.owns:
            owner_of.setdefault(name, person.name)
    out: dict[str, str] = {}
    for service in plan.blueprint.services:
        if service.name in owner_of:
            for host in service.hosts:
                out.setdefault(host.name, owner_of[service.name])
    return out
