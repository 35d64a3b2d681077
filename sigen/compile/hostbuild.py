"""The software build document's facts (O3.1.2), read from the finished plan: the install
steps each host runs, the role variables the inventory and the playbooks give the roles
there, the components of the role metadata, the flows, backups and restores of each host.

Hosts that run the same steps share one build: the same plays give them the same variables.
"""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import replace
from typing import Any

import yaml  # type: ignore[import-untyped,unused-ignore]

from sigen.plan import (
    BackupJob,
    Flow,
    Host,
    InstallStep,
    Jinja,
    Plan,
    RestoreProcedure,
    common_vars_file,
    host_vars_file,
)
from sigen.plan.components import Managed
from sigen.plan.hostbuild import Admitted, BuildRole, Builds, HostBuild, HostPart, Setting

__all__ = ["host_builds"]


def _text(value: Any) -> str:
    # A template of sigen's (a vault reference) is shown as the text Ansible evaluates.
    if isinstance(value, Jinja):
        return str(value)
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str,
                      separators=(", ", ": "))


def _settings(role: str, values: Mapping[str, Any], file: str,
              skip: Iterable[str] = ()) -> list[Setting]:
    prefix, left_out = f"{role}_", set(skip)
    return [Setting(role, name, _text(value), file,
                    len(value) if isinstance(value, (list, tuple, dict)) else 0,
                    isinstance(value, Jinja) and "vault_" in value)
            for name, value in values.items()
            if name.startswith(prefix) and name not in left_out]


def _play_vars(plan: Plan, step: InstallStep) -> Mapping[str, Any]:
    """The role variables of the step's play (ansible.py writes the same into it)."""
    if step.service is not None:
        return plan.ansible.service_vars[step.service.name]
    if step.policy is not None:
        return plan.backup_of[step.policy.name].client_vars
    return {}


def _switched_on(plan: Plan, when: str, steps: tuple[InstallStep, ...],
                 inventory: Mapping[str, Any], defaults: Mapping[str, str]) -> bool:
    """Whether the boolean option ``when`` is on for one of ``steps``: in the step's play,
    else in the inventory, else by the role's default ("" is always on)."""
    if not when:
        return True
    fallback = inventory.get(when, json.loads(defaults.get(when) or "false"))
    return any(bool(_play_vars(plan, s).get(when, fallback)) for s in steps)


# {option} or {option[].key} in a managed item's name (meta/sigen.yml manages).
_PLACEHOLDER = re.compile(r"\{([a-z][a-z0-9_]*)(?:\[\]\.([a-z_][a-z0-9_]*))?\}")


def _named(item: Managed, values: Mapping[str, Any]) -> list[Managed]:
    """The item with its placeholders filled from the role's values: one item per entry
    of a list option; an option the build does not know stays as ``<option>``."""
    names = [item.name]
    for match in _PLACEHOLDER.finditer(item.name):
        option, key = match.groups()
        value = values.get(option)
        if key is not None:
            entries = [str(v[key]) for v in value if isinstance(v, Mapping) and key in v] \
                if isinstance(value, list) else []
            fills = entries or [f"<{option}>"]
        else:
            plain = isinstance(value, str | int | float) and not isinstance(value, bool)
            fills = [str(value) if plain else f"<{option}>"]
        names = [n.replace(match.group(0), fill) for n in names for fill in fills]
    return [replace(item, name=n) for n in dict.fromkeys(names)]


def _defaults(options: Mapping[str, str]) -> dict[str, Any]:
    """The role's defaults as values (argument specs give them as YAML flow text)."""
    out = {}
    for name, text in options.items():
        with contextlib.suppress(yaml.YAMLError):
            out[name] = yaml.safe_load(text) if text else None
    return out


def _roles(plan: Plan, steps: tuple[InstallStep, ...]) -> tuple[BuildRole, ...]:
    inventory = plan.ansible.inventory_vars.get(plan.default_env.name, {})
    common_file = common_vars_file(plan.default_env.name)
    infos = {r.name: r for r in plan.components}
    out = []
    for role in dict.fromkeys(r for s in steps for r in s.roles):
        mine = tuple(s for s in steps if role in s.roles)
        played = [x for s in mine for x in _settings(role, _play_vars(plan, s),
                                                     f"playbooks/{s.id.lower()}.yml")]
        # A play's variable outranks the inventory's: the inventory's row would not hold.
        settings = _settings(role, inventory, common_file, {x.name for x in played}) + played
        info = infos.get(role)
        defaults = {o.name: o.default for e in info.entry_points if e.name == "main"
                    for o in e.options if "." not in o.name} if info else {}
        components = tuple(c for c in info.components
                           if _switched_on(plan, c.when, mine, inventory, defaults)
                           ) if info else ()
        values = {**_defaults(defaults), **inventory}
        for step in mine:
            values.update(_play_vars(plan, step))
        managed = tuple(named for m in (info.manages if info else ())
                        if _switched_on(plan, m.when, mine, inventory, defaults)
                        for named in _named(m, values))
        out.append(BuildRole(role, tuple(s.id for s in mine), components, tuple(settings),
                             len(set(defaults) - {x.name for x in settings}), managed))
    return tuple(out)


def _admitted(flows: Iterable[Flow]) -> tuple[Admitted, ...]:
    """Flows to one port, kind and service as one row, their sources in order."""
    rows: dict[tuple[int, str, str, str], list[str]] = {}
    for f in flows:
        source = f.source_host.name if f.source_host is not None else f.source
        rows.setdefault((f.port, f.protocol, f.kind, f.service), []).append(source)
    return tuple(Admitted(port, protocol, kind, service, tuple(dict.fromkeys(sources)))
                 for (port, protocol, kind, service), sources in rows.items())


def _part(plan: Plan, host: Host, roles: tuple[BuildRole, ...],
          jobs: Mapping[str, list[BackupJob]],
          restores: Mapping[str, list[RestoreProcedure]]) -> HostPart:
    own = plan.ansible.host_vars.get(host.name, {})
    file = host_vars_file(plan.default_env.name, host.name)
    settings = tuple(x for r in roles for x in _settings(r.role, own, file))
    flows = plan.flows.get(host.name, ())
    return HostPart(
        host, settings, _admitted(flows),
        # Its services' ports, those its firewall admits flows to (the node exporter's) and
        # sshd's, which every host runs.
        tuple(sorted({p for s in host.services for p in s.ports} | {f.port for f in flows}
                     | {plan.blueprint.security.ssh_port})),
        tuple(jobs.get(host.name, ())), tuple(restores.get(host.name, ())))


def _every_host(plan: Plan) -> tuple[InstallStep, ...]:
    everyone = len(plan.blueprint.hosts)
    return tuple(s for s in plan.install if len(s.hosts) == everyone)


def host_builds(plan: Plan) -> Builds:
    """The steps every host runs, then the builds of the hosts in the order of their first
    host."""
    common = _every_host(plan)
    steps_of: dict[str, list[InstallStep]] = {h.name: [] for h in plan.blueprint.hosts}
    for step in plan.install:
        for host in step.hosts:
            steps_of[host.name].append(step)
    jobs: dict[str, list[BackupJob]] = {}
    for job in plan.backups:
        for host in job.policy.hosts:
            jobs.setdefault(host.name, []).append(job)
    restores: dict[str, list[RestoreProcedure]] = {}
    for procedure in plan.restores:
        for host in procedure.hosts:
            restores.setdefault(host.name, []).append(procedure)
    alike: dict[tuple[str, ...], list[Host]] = {}
    for host in plan.blueprint.hosts:
        alike.setdefault(tuple(s.id for s in steps_of[host.name]), []).append(host)
    every = _roles(plan, common)
    shared = {s.id for s in common}
    out = []
    for members in alike.values():
        steps = tuple(steps_of[members[0].name])
        roles = _roles(plan, tuple(s for s in steps if s.id not in shared))
        out.append(HostBuild(steps, roles, tuple(_part(plan, h, every + roles, jobs, restores)
                                                 for h in members)))
    return Builds(common, every, tuple(out))
