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

from typing import Any

from sigen.plan import BackupJob, DrillPart, DrillStep, Host, Jinja, RestoreProcedure, group_name

__all__ = ["backup_play", "drill_plays", "restore_play"]

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


def backup_play(job: BackupJob) -> dict[str, Any]:
    policy = job.policy
    return {
        "name": f"{job.id} Back up {policy.name} now and check its repository",
        "hosts": group_name("backup", policy.name),
        "tags": [job.id],
        "tasks": [{
            "name": f"{job.id} Back up {policy.name} now, then restic check",
            "ansible.builtin.include_role": {"name": "backup_client",
                                             "tasks_from": "backup_now"},
            "vars": dict(job.access),
        }],
    }


def _restore_task(owner: str, what: str, policy_name: str,
                  role_vars: Any) -> dict[str, Any]:
    return {
        "name": f"{owner} Restore {what} from backup policy {policy_name}",
        "ansible.builtin.include_role": {"name": "backup_client", "tasks_from": "restore"},
        "vars": dict(role_vars),
    }


def restore_play(procedure: RestoreProcedure) -> dict[str, Any]:
    default = (group_name("service", procedure.service.name) if procedure.service
               else ":".join(h.name for h in procedure.hosts))
    return {
        "name": f"{procedure.id} Restore {procedure.title}",
        "hosts": Jinja("{{ sigen_restore_to | default('" + default + "') }}"),
        "tags": [procedure.id],
        "serial": 1,
        "tasks": [_restore_task(procedure.id, t.what, t.policy.name, t.role_vars)
                  for t in procedure.tasks],
    }


def _tags(step: DrillStep, phase: str) -> list[str]:
    return [step.id, f"{step.id}-{phase}", "never"]


def _hosts(hosts: list[Host]) -> str:
    return ":".join(dict.fromkeys(h.name for h in hosts))


def _remember(step: DrillStep, part: DrillPart, found: dict[str, Any]) -> dict[str, Any]:
    """set_fact adding ``found`` under the policy's name to sigen_drill_result."""
    name = part.policy.name
    return {
        "name": f"{step.id} Keep what was found for {name}",
        "ansible.builtin.set_fact": {"sigen_drill_result": Jinja(
            "{{ sigen_drill_result | default({}) | combine({'" + name
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


def _record(step: DrillStep, part: DrillPart, *, canary: bool) -> dict[str, Any]:
    run = Jinja("{{ sigen_drill_run | default('" + step.id + "') }}") if canary else ""
    return {
        "name": f"{step.id} Record the data of {part.policy.name}"
                + (" (canary data first)" if canary else ""),
        "ansible.builtin.include_role": {"name": "backup_client", "tasks_from": "drill_record"},
        "vars": {
            "backup_client_drill_run": run,
            "backup_client_drill_databases": list(part.databases),
            "backup_client_drill_paths": list(part.paths),
        },
    }


def _on(host: Host) -> dict[str, Any]:
    return {"when": Jinja(f"inventory_hostname == '{host.name}'")}


def _prepare(step: DrillStep) -> dict[str, Any]:
    tasks: list[dict[str, Any]] = []
    for part in step.parts:
        only = _on(part.source)
        tasks += [
            {**_record(step, part, canary=True), **only},
            {
                "name": f"{step.id} Back up {part.policy.name} now, then restic check",
                "ansible.builtin.include_role": {"name": "backup_client",
                                                 "tasks_from": "backup_now"},
                "vars": dict(part.source_access),
                **only,
            },
            {**_remember(step, part, {
                "state": Jinja("{{ backup_client_drill_state }}"),
                "snapshot": {"id": Jinja("{{ backup_client_snapshot_id }}"),
                             "time": Jinja("{{ backup_client_snapshot_time }}")}}), **only},
        ]
    return {
        "name": f"{step.id} prepare: canary data, a fresh backup and restic check, the state "
                "that must survive",
        "hosts": _hosts([p.source for p in step.parts]),
        "tags": _tags(step, "prepare"),
        "tasks": [*tasks, _write(step, "prepare")],
    }


def _inject(step: DrillStep) -> dict[str, Any]:
    tasks = []
    for part in step.parts:
        tasks.append({
            "name": f"{step.id} Damage the data of {part.policy.name} on purpose",
            "ansible.builtin.include_role": {"name": "backup_client",
                                             "tasks_from": "drill_damage"},
            "vars": {"backup_client_drill_databases": list(part.databases),
                     "backup_client_drill_paths": list(part.paths)},
            **_on(part.source),
        })
    return {
        "name": f"{step.id} inject: corrupt the data (drop the tables, delete the files)",
        "hosts": _hosts([p.source for p in step.parts]),
        "tags": _tags(step, "inject"),
        "tasks": tasks,
    }


def _recover(step: DrillStep) -> dict[str, Any]:
    tasks: list[dict[str, Any]] = []
    for part in step.parts:
        only = _on(part.target)
        for what, role_vars in part.restores:
            tasks.append({**_restore_task(step.id, what, part.policy.name, role_vars), **only})
        tasks.append({**_remember(step, part, {"snapshot": {
            "id": Jinja("{{ backup_client_restore_snapshot_id }}"),
            "time": Jinja("{{ backup_client_restore_snapshot_time }}"),
            "host": Jinja("{{ backup_client_restore_snapshot_host }}")}}), **only})
    return {
        "name": f"{step.id} recover: restore the latest snapshots on the recovery host",
        "hosts": _hosts([p.target for p in step.parts]),
        "tags": _tags(step, "recover"),
        "tasks": [*tasks, _write(step, "recover")],
    }


def _verify(step: DrillStep) -> dict[str, Any]:
    tasks: list[dict[str, Any]] = []
    for part in step.parts:
        only = _on(part.target)
        svc = part.policy.service
        if svc is not None and part.ports:
            tasks.append({
                "name": f"{step.id} The recovered {svc.name} answers on its ports",
                "ansible.builtin.wait_for": {"host": part.service_address,
                                             "port": Jinja("{{ item }}"), "timeout": 30},
                "loop": list(part.ports),
                "register": "sigen_drill_answers",
                "ignore_errors": True,
                **only,
            })
        tasks += [
            {**_record(step, part, canary=False), **only},
            {**_remember(step, part, {
                "state": Jinja("{{ backup_client_drill_state }}"),
                "answers": _ANSWERED if part.ports else []}), **only},
        ]
    return {
        "name": f"{step.id} verify: the service answers and holds the recorded data",
        "hosts": _hosts([p.target for p in step.parts]),
        "tags": _tags(step, "verify"),
        "tasks": [*tasks, _write(step, "verify")],
    }


def _dependants(step: DrillStep) -> dict[str, Any] | None:
    """From each host of a dependant service, connect to the recovered service."""
    checks = {host: [dict(c) for c in found] for host, found in step.dependant_checks.items()}
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


def drill_plays(step: DrillStep) -> list[dict[str, Any]]:
    """The phases of one drill, in the order sigen runs them."""
    plays = [_prepare(step)]
    if step.drill.scenario == "data-corruption":
        plays.append(_inject(step))
    plays += [_recover(step), _verify(step)]
    dependants = _dependants(step)
    if dependants is not None:
        plays.append(dependants)
    return plays
