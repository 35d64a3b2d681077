"""The verification checks of a plan (``sigen.plan.checks`` says what each kind is about).

IDs are numbered in that order, then in blueprint order, so they are stable for a given
blueprint.
"""

from __future__ import annotations

import functools
import ipaddress
from typing import Any

from sigen.plan import Check, Environment, Host, Plan
from sigen.plan.baseline import ROOT_LOGIN

__all__ = ["checks", "rows"]


def _service_address(host: Host, plan: Plan, service_name: str) -> str:
    """Where clients reach a service on ``host``: towards its first dependant, else the
    host's first service-network address, else its first address."""
    for dependant in plan.dependents.get(service_name, ()):
        for client in dependant.hosts:
            if client is not host:
                return host.address_towards(client)
    for iface in host.interfaces:
        if iface.network.zone != "management":
            return iface.address
    return host.interfaces[0].address


def _owner_of(plan: Plan) -> dict[str, Host]:
    return {i.address: h for h in plan.blueprint.hosts for i in h.interfaces}


def _allowed(plan: Plan, dest: Host, source: str, port: int) -> bool:
    src = ipaddress.ip_address(source)
    for flow in plan.flows.get(dest.name, ()):
        if flow.port == port and src in ipaddress.ip_network(flow.source, strict=False):
            return True
    return False


def _refusal_probe(plan: Plan, dest: Host, managed: set[str]) -> tuple[Host, str] | None:
    """A peer on a shared service network whose SSH to ``dest`` no flow allows, and the
    address of ``dest`` it would use (``managed``: the subnets of management networks)."""
    ssh = plan.blueprint.security.ssh_port
    members = _members(plan)
    for iface in dest.interfaces:
        if iface.network.zone == "management" or iface.network.cidr in managed:
            continue
        for peer, address in members.get(iface.network.name, ()):
            if peer is not dest and not _allowed(plan, dest, address, ssh):
                return peer, iface.address
    return None


@functools.lru_cache(maxsize=2)
def _members(plan: Plan) -> dict[str, list[tuple[Host, str]]]:
    """Each network's hosts in blueprint order, with the address of the first interface of
    each on it (looking at every host for every probe made 10,000 hosts take 16 s)."""
    out: dict[str, list[tuple[Host, str]]] = {}
    for host in plan.blueprint.hosts:
        seen: set[str] = set()
        for iface in host.interfaces:
            if iface.network.name not in seen:
                seen.add(iface.network.name)
                out.setdefault(iface.network.name, []).append((host, iface.address))
    return out


def checks(plan: Plan) -> tuple[Check, ...]:
    """Every check of the blueprint, numbered."""
    bp = plan.blueprint
    found: list[Check] = []
    make = tuple.__new__

    def add(kind: str, host: str, subject: str, target: str = "", port: int = 0,
            unit: str = "") -> None:
        # Numbered as made: renumbering 160,000 frozen checks took 2 s at 10,000 hosts.
        # tuple.__new__ is what Check(...) calls, without a Python frame in between.
        found.append(make(Check, (f"TST-{len(found) + 1:03d}", kind, host, subject, target,
                                  port, unit)))

    for svc in bp.services:
        for host in svc.hosts:
            for port in svc.ports:
                add("port", host.name, svc.name,
                    target=_service_address(host, plan, svc.name), port=port)
    owner = _owner_of(plan)
    for dest in bp.hosts:
        for flow in plan.flows.get(dest.name, ()):
            source = owner.get(flow.source)
            if source is None:  # a network or "any": no single host to test from
                continue
            add("flow", source.name, flow.name, target=dest.address_towards(source),
                port=flow.port)
    managed = {n.cidr for n in bp.networks if n.zone == "management"}
    for dest in bp.hosts:
        probe = _refusal_probe(plan, dest, managed)
        if probe is not None:
            peer, address = probe
            add("refused", peer.name, dest.name, target=address, port=bp.security.ssh_port)
    for host in bp.hosts:
        add("time", host.name, "chrony")
    for policy in bp.backups:
        for host in policy.hosts:
            add("backup", host.name, policy.name, unit="sigen-backup.timer")
    return tuple(found)


def _baseline_rows(plan: Plan, env: Environment,
                   seen: dict[tuple[str, Any], dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    every = plan.baseline.checks
    for host in plan.blueprint.hosts:
        for check in every:
            outcome = seen.get((host.name, check["id"]))
            expected = check["expected"]
            out.append({
                "id": check["id"], "kind": check["kind"], "host": host.name,
                "subject": check["id"], "target": "", "port": 0, "setting": check["setting"],
                "expected": plan.root_login[env.name] if expected is ROOT_LOGIN else expected,
                "passed": None if outcome is None else bool(outcome.get("passed")),
                "observed": "" if outcome is None else str(outcome.get("observed", "")),
            })
    return out


def rows(plan: Plan, env: Environment,
         outcomes: dict[str, list[dict[str, Any]]] | None = None) -> list[dict[str, Any]]:
    """Every check as a record row for ``env``: expected values resolved, and the outcome
    (``passed`` None: not run) from verify.yml's ``outcomes`` by host. A run's rows (with
    ``outcomes``) also hold the baseline's checks, one per control and host."""
    seen = {(host, o.get("id")): o for host, items in (outcomes or {}).items() for o in items}
    out = []
    for check in plan.checks:
        outcome = seen.get((check.host, check.id))
        out.append({
            "id": check.id, "kind": check.kind, "host": check.host, "subject": check.subject,
            "target": check.target, "port": check.port, "setting": "", "expected": "",
            "passed": None if outcome is None else bool(outcome.get("passed")),
            "observed": "" if outcome is None else str(outcome.get("observed", "")),
        })
    _witness_refusals(plan, out)
    if outcomes is not None:
        out += _baseline_rows(plan, env, seen)
    return out


def _witness_refusals(plan: Plan, rows: list[dict[str, Any]]) -> None:
    """A refusal counts only when the same run shows its target up: one of the target's
    declared flows reached it, or one of its services answered. Without that, nothing
    answering proves nothing (the host may simply be gone): the check fails, marked
    ``unwitnessed`` for the reports to say why."""
    owner = _owner_of(plan)
    up: set[str] = set()
    for row in rows:
        if row["passed"] and row["kind"] == "flow" and row["target"] in owner:
            up.add(owner[row["target"]].name)
        elif row["passed"] and row["kind"] == "port":
            up.add(row["host"])
    for row in rows:
        if row["kind"] == "refused" and row["passed"] and row["subject"] not in up:
            row["passed"] = False
            row["unwitnessed"] = True
