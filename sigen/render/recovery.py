"""backup.yml, restore.yml and drill.yml: the plays of the backup/restore and drill plans.

- ``backup.yml``: one play per policy (``BAK-`` tag): back up now through the script the
  timer runs, then ``restic check``.
- ``restore.yml``: one play per restore procedure (``RST-`` tag). Extra variables choose
  where and what: ``sigen_restore_to`` (a host; default the service's hosts),
  ``sigen_restore_from`` (whose snapshots; default each host its own),
  ``sigen_restore_snapshot`` (default ``latest``) and ``sigen_restore_replace`` (move
  existing data aside, promote a standby). ``sigen restore`` sets them after checking them.
- ``drill.yml``: one playbook per drill (``DRL-`` tag) whose plays are its phases, each
  tagged ``DRL-nnn-<phase>`` and ``never``: a run without tags does nothing, so a drill
  (which promotes standbys and replaces data) never starts by accident. ``sigen drill`` runs
  the phases one by one and injects host and site loss itself between them.

Every phase writes what it found to ``sigen_drill_output`` on the controller when that is
set, as the verify play does; sigen compares and times them.
"""

from __future__ import annotations

import re
from typing import Any

from sigen.model import BackupPolicy, Host
from sigen.plan import DrillStep, Plan, RestoreProcedure, group_name
from sigen.wiring import backup as backup_wiring
from sigen.yamlout import Jinja

__all__ = ["SNAPSHOT_ID", "backup_play", "drill_plays", "restore_hosts", "restore_play"]

# A restic snapshot ID: the only snapshot text sigen passes to the plays as extra variables.
SNAPSHOT_ID = re.compile(r"[0-9a-f]{8,64}")

# What a looped wait_for found, per item: connected or not, and what it said.
_ANSWERED = Jinja("""\
{%- set out = [] -%}
{%- for r in sigen_drill_answers.results | default([]) -%}
{%- set _ = out.append({'port': r.item, 'answered': not (r.failed | default(false)),
                        'said': r.msg | default('') | string}) -%}
{%- endfor -%}
{{ out }}""")
_REACHED = Jinja("""\
{%- set out = [] -%}
{%- for r in sigen_drill_reach.results | default([]) -%}
{%- set _ = out.append({'service': r.item.service, 'target': r.item.target,
                        'address': r.item.address, 'port': r.item.port,
                        'reached': not (r.failed | default(false)),
                        'said': r.msg | default('') | string}) -%}
{%- endfor -%}
{{ out }}""")


def backup_play(plan: Plan, bak_id: str, policy: BackupPolicy) -> dict[str, Any]:
    return {
        "name": f"{bak_id} Back up {policy.name} now and check its repository",
        "hosts": group_name("backup", policy.name),
        "tags": [bak_id],
        "tasks": [{
            "name": f"{bak_id} Back up {policy.name} now, then restic check",
            "ansible.builtin.include_role": {"name": "backup_client",
                                             "tasks_from": "backup_now"},
            "vars": backup_wiring.access(plan, policy, policy.hosts[0]),
        }],
    }


def _server_address(plan: Plan, policy: BackupPolicy, hosts: list[Host]) -> Any:
    """The backup server's address as each of ``hosts`` reaches it: a literal when they
    all agree, else a lookup by inventory host name."""
    dest = policy.destination
    seen = {h.name: dest.address_towards(h) for h in hosts}
    if len(set(seen.values())) == 1:
        return next(iter(seen.values()))
    pairs = ", ".join(f"'{name}': '{address}'" for name, address in seen.items())
    return Jinja("{{ {" + pairs + "}[inventory_hostname] }}")


def _restore_task(owner: str, what: str, policy: BackupPolicy, role_vars: dict[str, Any],
                  replace: bool | Jinja) -> dict[str, Any]:
    """include_role restore; a database restore may move existing data aside (and promote
    a standby) when ``replace`` says so."""
    if "backup_client_restore_database" in role_vars:
        role_vars["backup_client_restore_replace"] = replace
        role_vars["backup_client_restore_promote"] = replace
    return {
        "name": f"{owner} Restore {what} from backup policy {policy.name}",
        "ansible.builtin.include_role": {"name": "backup_client", "tasks_from": "restore"},
        "vars": role_vars,
    }


def restore_hosts(plan: Plan, policy: BackupPolicy) -> list[Host]:
    """Hosts that may restore ``policy``: its own and the recovery hosts of its drills (the
    backup server's firewall admits no others)."""
    hosts = list(policy.hosts)
    for drill in plan.drills:
        if policy in drill.policies:
            hosts += [h for h in drill.recovery_hosts if h not in hosts]
    return hosts


def restore_play(plan: Plan, procedure: RestoreProcedure) -> dict[str, Any]:
    default = (group_name("service", procedure.service.name) if procedure.service
               else ":".join(h.name for h in procedure.hosts))
    replace = Jinja("{{ sigen_restore_replace | default(false) | bool }}")
    tasks = []
    for policy in procedure.policies:
        for what, role_vars in backup_wiring.restores(plan, policy, policy.hosts[0], None):
            role_vars.update({
                "backup_client_server_address": _server_address(
                    plan, policy, restore_hosts(plan, policy)),
                "backup_client_restore_from_host": Jinja(
                    "{{ sigen_restore_from | default(inventory_hostname) }}"),
                "backup_client_restore_snapshot": Jinja(
                    "{{ sigen_restore_snapshot | default('latest') }}"),
            })
            tasks.append(_restore_task(procedure.id, what, policy, role_vars, replace))
    return {
        "name": f"{procedure.id} Restore {procedure.title}",
        "hosts": Jinja("{{ sigen_restore_to | default('" + default + "') }}"),
        "tags": [procedure.id],
        "serial": 1,
        "tasks": tasks,
    }


def _tags(step: DrillStep, phase: str) -> list[str]:
    return [step.id, f"{step.id}-{phase}", "never"]


def _hosts(hosts: list[Host]) -> str:
    return ":".join(dict.fromkeys(h.name for h in hosts))


def _remember(step: DrillStep, policy: BackupPolicy, found: dict[str, Any]) -> dict[str, Any]:
    """set_fact adding ``found`` under the policy's name to sigen_drill_result."""
    return {
        "name": f"{step.id} Keep what was found for {policy.name}",
        "ansible.builtin.set_fact": {"sigen_drill_result": Jinja(
            "{{ sigen_drill_result | default({}) | combine({'" + policy.name
            + "': sigen_found}) }}")},
        "vars": {"sigen_found": found},
    }


def _write(step: DrillStep, phase: str) -> dict[str, Any]:
    return {
        "name": f"{step.id} Write what the {phase} phase found for sigen drill",
        "ansible.builtin.copy": {
            "content": Jinja("{{ dict(ansible_play_hosts_all | zip(ansible_play_hosts_all\n"
                             "    | map('extract', hostvars, 'sigen_drill_result')\n"
                             "    | map('default', {}))) | to_nice_json }}"),
            "dest": Jinja("{{ sigen_drill_output }}/" + phase + ".json"),
            "mode": "0644",
        },
        "delegate_to": "localhost",
        "become": False,
        "run_once": True,
        "when": Jinja("sigen_drill_output is defined"),
    }


def _record(step: DrillStep, policy: BackupPolicy, *, canary: bool) -> dict[str, Any]:
    run = Jinja("{{ sigen_drill_run | default('" + step.id + "') }}") if canary else ""
    return {
        "name": f"{step.id} Record the data of {policy.name}"
                + (" (canary data first)" if canary else ""),
        "ansible.builtin.include_role": {"name": "backup_client", "tasks_from": "drill_record"},
        "vars": {
            "backup_client_drill_run": run,
            "backup_client_drill_databases": backup_wiring.databases(policy),
            "backup_client_drill_paths": backup_wiring.paths(policy),
        },
    }


def _prepare(plan: Plan, step: DrillStep) -> dict[str, Any]:
    tasks: list[dict[str, Any]] = []
    for policy in step.policies:
        source = step.source_host(policy)
        only = {"when": Jinja(f"inventory_hostname == '{source.name}'")}
        tasks += [
            {**_record(step, policy, canary=True), **only},
            {
                "name": f"{step.id} Back up {policy.name} now, then restic check",
                "ansible.builtin.include_role": {"name": "backup_client",
                                                 "tasks_from": "backup_now"},
                "vars": backup_wiring.access(plan, policy, source),
                **only,
            },
            {**_remember(step, policy, {
                "state": Jinja("{{ backup_client_drill_state }}"),
                "snapshot": {"id": Jinja("{{ backup_client_snapshot_id }}"),
                             "time": Jinja("{{ backup_client_snapshot_time }}")}}), **only},
        ]
    return {
        "name": f"{step.id} prepare: canary data, a fresh backup and restic check, the state "
                "that must survive",
        "hosts": _hosts([step.source_host(p) for p in step.policies]),
        "tags": _tags(step, "prepare"),
        "tasks": [*tasks, _write(step, "prepare")],
    }


def _inject(step: DrillStep) -> dict[str, Any]:
    tasks = []
    for policy in step.policies:
        source = step.source_host(policy)
        tasks.append({
            "name": f"{step.id} Damage the data of {policy.name} on purpose",
            "ansible.builtin.include_role": {"name": "backup_client",
                                             "tasks_from": "drill_damage"},
            "vars": {"backup_client_drill_databases": backup_wiring.databases(policy),
                     "backup_client_drill_paths": backup_wiring.paths(policy)},
            "when": Jinja(f"inventory_hostname == '{source.name}'"),
        })
    return {
        "name": f"{step.id} inject: corrupt the data (drop the tables, delete the files)",
        "hosts": _hosts([step.source_host(p) for p in step.policies]),
        "tags": _tags(step, "inject"),
        "tasks": tasks,
    }


def _recover(plan: Plan, step: DrillStep) -> dict[str, Any]:
    tasks: list[dict[str, Any]] = []
    for policy in step.policies:
        target = step.recovery_host(policy)
        only = {"when": Jinja(f"inventory_hostname == '{target.name}'")}
        for what, role_vars in backup_wiring.restores(plan, policy, target,
                                                      step.source_host(policy)):
            # sigen drill names the snapshot its prepare phase took, so a backup that a
            # timer takes meanwhile is not what the drill restores and measures.
            role_vars["backup_client_restore_snapshot"] = Jinja(
                "{{ (sigen_drill_snapshots | default({})).get('" + policy.name
                + "', 'latest') }}")
            tasks.append({**_restore_task(step.id, what, policy, role_vars, True), **only})
        tasks.append({**_remember(step, policy, {"snapshot": {
            "id": Jinja("{{ backup_client_restore_snapshot_id }}"),
            "time": Jinja("{{ backup_client_restore_snapshot_time }}"),
            "host": Jinja("{{ backup_client_restore_snapshot_host }}")}}), **only})
    return {
        "name": f"{step.id} recover: restore the latest snapshots on the recovery host",
        "hosts": _hosts([step.recovery_host(p) for p in step.policies]),
        "tags": _tags(step, "recover"),
        "tasks": [*tasks, _write(step, "recover")],
    }


def _service_address(plan: Plan, policy: BackupPolicy, target: Host) -> str:
    """Where the recovered service is checked: the recovery host's address towards the
    first dependant, else its first address outside management."""
    svc = policy.service
    for user in plan.dependents.get(svc.name, ()) if svc else ():
        for host in user.hosts:
            if host is not target:
                return target.address_towards(host)
    return next((i.address for i in target.interfaces if i.network.zone != "management"),
                target.interfaces[0].address)


def _verify(plan: Plan, step: DrillStep) -> dict[str, Any]:
    tasks: list[dict[str, Any]] = []
    for policy in step.policies:
        target = step.recovery_host(policy)
        only = {"when": Jinja(f"inventory_hostname == '{target.name}'")}
        svc = policy.service
        ports = list(svc.ports) if svc is not None else []
        if svc is not None and svc.ports:
            tasks.append({
                "name": f"{step.id} The recovered {svc.name} answers on its ports",
                "ansible.builtin.wait_for": {"host": _service_address(plan, policy, target),
                                             "port": Jinja("{{ item }}"), "timeout": 30},
                "loop": ports,
                "register": "sigen_drill_answers",
                "ignore_errors": True,
                **only,
            })
        tasks += [
            {**_record(step, policy, canary=False), **only},
            {**_remember(step, policy, {
                "state": Jinja("{{ backup_client_drill_state }}"),
                "answers": _ANSWERED if ports else []}), **only},
        ]
    return {
        "name": f"{step.id} verify: the service answers and holds the recorded data",
        "hosts": _hosts([step.recovery_host(p) for p in step.policies]),
        "tags": _tags(step, "verify"),
        "tasks": [*tasks, _write(step, "verify")],
    }


def _dependants(plan: Plan, step: DrillStep) -> dict[str, Any] | None:
    """From each host of a dependant service, connect to the recovered service."""
    checks: dict[str, list[dict[str, Any]]] = {}
    for policy in step.policies:
        svc = policy.service
        if svc is None:
            continue
        target = step.recovery_host(policy)
        for user in plan.dependents.get(svc.name, ()):
            for host in user.hosts:
                if host in step.lost_hosts or host is target:
                    continue
                for port in svc.ports:
                    checks.setdefault(host.name, []).append({
                        "service": user.name, "target": target.name,
                        "address": target.address_towards(host), "port": port})
    if not checks:
        return None
    return {
        "name": f"{step.id} verify: the dependants reach the recovered service",
        "hosts": ":".join(checks),
        "tags": _tags(step, "verify"),
        "gather_facts": False,
        "vars": {"sigen_drill_checks": checks},
        "tasks": [
            {
                "name": f"{step.id} Connect to the recovered service",
                "ansible.builtin.wait_for": {"host": Jinja("{{ item.address }}"),
                                             "port": Jinja("{{ item.port }}"), "timeout": 10},
                "loop": Jinja("{{ sigen_drill_checks[inventory_hostname] }}"),
                "loop_control": {"label": Jinja("{{ item.service }} -> {{ item.target }}"
                                                ":{{ item.port }}")},
                "register": "sigen_drill_reach",
                "ignore_errors": True,
            },
            {
                "name": f"{step.id} Keep what was found",
                "ansible.builtin.set_fact": {"sigen_drill_result": _REACHED},
            },
            _write(step, "dependants"),
        ],
    }


def drill_plays(plan: Plan, step: DrillStep) -> list[dict[str, Any]]:
    """The phases of one drill, in the order sigen runs them."""
    plays = [_prepare(plan, step)]
    if step.drill.scenario == "data-corruption":
        plays.append(_inject(step))
    plays += [_recover(plan, step), _verify(plan, step)]
    dependants = _dependants(plan, step)
    if dependants is not None:
        plays.append(dependants)
    return plays
