"""The Ansible project: ansible.cfg, one inventory per environment, playbooks, roles.

Everything here is built as Python data and written by ``sigen.render.yamlout`` (playbooks)
and ``sigen.render.jsonout`` (inventories); nothing is templated as text. An inventory is
JSON: ``hosts.json`` holds only the group tree, ``group_vars/all/sigen.json`` what every host
shares and ``host_vars/<host>.json`` each host's own variables. Ansible reads JSON files with
the C parser and the vars files without copying them, the fastest static layout measured
(bench/README.md); variables inline in the inventory file would be copied whole.
"""

from __future__ import annotations

import re
from typing import Any

from sigen.plan import (
    Blueprint,
    Environment,
    Host,
    InstallStep,
    Jinja,
    Plan,
    common_vars_file,
    group_name,
    host_vars_file,
    inventory_file,
)
from sigen.render import jsonout, recovery
from sigen.render.awx import render_awx
from sigen.render.documents import template
from sigen.render.inventory import render_inventory
from sigen.render.molecule import render_molecule
from sigen.render.patching import patch_play, patch_title
from sigen.render.preflight import PLAYBOOK as PREFLIGHT
from sigen.render.preflight import preflight_play, render_preflight
from sigen.render.verify import render_verify
from sigen.render.yamlout import dump, header

__all__ = ["collections_used", "render"]

# Versions of the collections the roles may use: those of the pinned community bundle
# (ansible 12.3.0) that molecule/lab/install-collections installs for the role tests.
COLLECTION_VERSIONS = {
    "ansible.posix": "2.1.0",
    "community.crypto": "3.0.5",
    "community.general": "11.4.2",
    "community.postgresql": "4.2.0",
}
_FQCN = re.compile(r"^\s*-?\s*([a-z_][a-z0-9_]*)\.([a-z_][a-z0-9_]*)\.[a-z_][a-z0-9_]*:",
                   re.MULTILINE)
_BUILTIN = frozenset({"ansible.builtin", "ansible.legacy"})

_YAMLLINT = """\
extends: default
rules:
  line-length:
    max: 160
    allow-non-breakable-words: true
    allow-non-breakable-inline-mappings: true
  truthy:
    allowed-values: ["true", "false"]
    check-keys: false
  comments:
    min-spaces-from-content: 1
  comments-indentation: false
  braces:
    max-spaces-inside: 1
  octal-values:
    forbid-implicit-octal: true
    forbid-explicit-octal: true
"""


def _ansible_cfg(stamp: str, default_env: str) -> str:
    return stamp + f"""[defaults]
inventory = {inventory_file(default_env)}
roles_path = roles
collections_path = collections:~/.ansible/collections:/usr/share/ansible/collections
forks = 20
# Facts once per host and run, not once per play: site.yml has a play per install step.
gathering = smart
# The roles are for Debian, whose python3 is /usr/bin/python3: no discovery round trips.
interpreter_python = /usr/bin/python3
retry_files_enabled = False

[ssh_connection]
pipelining = True
# Ansible's default options, with the shared connection kept for 5 minutes instead of 1:
# a host waits longer than a minute while the plays of other hosts' services run.
ssh_args = -C -o ControlMaster=auto -o ControlPersist=300s

[inventory]
# A missing or unreadable inventory stops the run instead of running on no hosts.
unparsed_is_failed = True
"""


def _inventory(plan: Plan, env: Environment) -> dict[str, Any]:
    bp = plan.blueprint
    groups: dict[str, dict[str, None]] = {}

    def member(group: str, host: Host) -> None:
        groups.setdefault(group, {})[host.name] = None

    for host in bp.hosts:
        member(group_name("site", host.site.name), host)
        member(group_name("kind", host.kind), host)
        for zone in host.zones:
            member(group_name("zone", zone), host)
    for svc in bp.services:
        for host in svc.hosts:
            member(group_name("component", svc.component), host)
            member(group_name("service", svc.name), host)
    for policy in bp.backups:
        for host in policy.hosts:
            member(group_name("backup", policy.name), host)
    for cluster, hosts in bp.clusters.items():
        for host in hosts:
            member(group_name("cluster", cluster), host)
    children: dict[str, Any] = {
        name: {"hosts": hosts} for name, hosts in sorted(groups.items())
    }
    sites = [group_name("site", s.name) for s in bp.sites if group_name("site", s.name) in groups]
    children[group_name("env", env.name)] = {"children": {s: None for s in sites}}
    return {"all": {"children": children}}


def _inventories(plan: Plan, version: str) -> dict[str, bytes]:
    """Every environment's inventory, and the README that says how to read them."""
    bp = plan.blueprint
    files: dict[str, bytes] = {}
    # host_vars differ between environments only in how Ansible connects: emit the rest once.
    wiring = plan.ansible
    shared = {h.name: jsonout.members(wiring.host_vars[h.name]) for h in bp.hosts}
    for env in bp.environments:
        files[inventory_file(env.name)] = jsonout.dump(_inventory(plan, env)).encode()
        files[common_vars_file(env.name)] = jsonout.dump(
            wiring.inventory_vars[env.name]).encode()
        connections = wiring.connection[env.name]
        for host in bp.hosts:
            files[host_vars_file(env.name, host.name)] = jsonout.join(
                jsonout.members(connections[host.name]), shared[host.name]).encode()
    files["inventories/README.md"] = template("inventories-readme.md.j2").render(
        version=version, bp=bp, default_env=plan.default_env,
        inventory_file=inventory_file).encode()
    return files


def _verify_tasks(step: InstallStep) -> list[dict[str, Any]]:
    svc = step.service
    if svc is None:
        return []
    return [
        {
            "name": f"{step.id} Verify that {svc.name} listens on TCP port {port}",
            "ansible.builtin.command": {"argv": ["ss", "-H", "-l", "-t", "-n",
                                                 f"sport = :{port}"]},
            "register": "sigen_listening",
            "changed_when": False,
            "failed_when": Jinja("sigen_listening.stdout | length == 0"),
            "when": Jinja("not ansible_check_mode"),
        }
        for port in svc.ports
    ]


def _install_play(plan: Plan, step: InstallStep) -> dict[str, Any]:
    # The roles read only these facts (the platform's host name, whether it is a container):
    # a full gathering costs seconds per run and makes every task's variables heavier.
    play: dict[str, Any] = {"name": f"{step.id} {step.title}", "hosts": step.group,
                            "gather_subset": ["min", "virtual"], "tags": [step.id]}
    if step.service is not None:
        play["tags"].append(step.service.name)
        play["roles"] = [{"role": step.service.component,
                          "vars": dict(plan.ansible.service_vars[step.service.name])}]
        verify = _verify_tasks(step)
        if verify:
            play["post_tasks"] = verify
    elif step.policy is not None:
        bak = plan.backup_of[step.policy.name]
        play["tags"].append(bak.id)
        play["name"] = f"{step.id} {bak.id} {step.title}"
        role_vars = dict(bak.client_vars)
        play["roles"] = [{"role": "backup_client", "vars": role_vars}]
        # Only the first deploy takes a backup at once: a second deploy changes nothing.
        # The backup script writes this metric after every successful backup.
        metric = ("{{ backup_client_textfile_dir | default('/var/lib/prometheus/node-exporter')"
                  " }}/sigen_backup_" + step.policy.name + ".prom")
        play["post_tasks"] = [
            {
                "name": f"{bak.id} Look for an earlier backup of {step.policy.name}",
                "ansible.builtin.stat": {"path": Jinja(metric)},
                "register": "sigen_earlier_backup",
            },
            {
                "name": f"{bak.id} Take the first backup of {step.policy.name} now",
                "ansible.builtin.include_role": {"name": "backup_client",
                                                 "tasks_from": "backup_now"},
                "vars": role_vars,
                "when": Jinja("not ansible_check_mode and not sigen_earlier_backup.stat.exists"),
            },
        ]
    else:
        play["roles"] = [{"role": r} for r in step.roles]
    return play


def collections_used(role_files: dict[str, bytes]) -> list[str]:
    """Collections (other than ansible.builtin) that the copied roles' YAML refers to."""
    found: set[str] = set()
    for path, content in role_files.items():
        # Modules are named in tasks and handlers (defaults hold look-alikes: sysctl keys).
        if path.split("/")[2] in ("tasks", "handlers") and path.endswith((".yml", ".yaml")):
            for ns, coll in _FQCN.findall(content.decode("utf-8", "replace")):
                found.add(f"{ns}.{coll}")
    return sorted(found - _BUILTIN)


def _entry_playbook(files: dict[str, bytes], name: str, stamp: str, preflight: dict[str, Any],
                    plays: list[tuple[str, str, list[dict[str, Any]]]]) -> None:
    """An entry playbook importing ``playbooks/<id>.yml`` per ID (its plays); none when
    empty (site.yml always has steps)."""
    if not plays:
        return
    # First, in every playbook: the secrets are set (tagged always: runs with --tags too).
    # The play itself, not an import of playbooks/preflight.yml: its `hosts:` line is what
    # makes AWX list the file as a playbook (an AWX that predates FQCNs does not take
    # `ansible.builtin.import_playbook:` for one).
    entries: list[dict[str, Any]] = [preflight]
    for step_id, title, id_plays in plays:
        path = f"playbooks/{step_id.lower()}.yml"
        files[path] = _playbook_file(path, id_plays, stamp)
        entries.append({"name": f"{step_id} {title}", "ansible.builtin.import_playbook": path})
    files[name] = dump(entries, stamp).encode()


def _playbook_file(name: str, plays: list[dict[str, Any]], stamp: str) -> bytes:
    return dump(plays, stamp).encode()


def render(plan: Plan, version: str) -> dict[str, bytes]:
    """Every file of the Ansible project, by path relative to the output folder."""
    bp: Blueprint = plan.blueprint
    stamp = header(version, bp.name)
    files: dict[str, bytes] = {}
    files["ansible.cfg"] = _ansible_cfg(stamp, plan.default_env.name).encode()
    files[".yamllint"] = (stamp + "---\n" + _YAMLLINT).encode()
    # sigen's own state (caches, manifest) is not Ansible content.
    files[".ansible-lint"] = (stamp + "---\nexclude_paths:\n  - .sigen/\n").encode()

    files.update(_inventories(plan, version))
    inventories = {env.name: inventory_file(env.name) for env in bp.environments}

    # site.yml, backup.yml, restore.yml, drill.yml, patch.yml: one imported playbook per ID,
    # in plan order.
    preflight = preflight_play(plan)
    _entry_playbook(files, "site.yml", stamp, preflight, [
        (step.id, step.title, [_install_play(plan, step)]) for step in plan.install])
    _entry_playbook(files, "backup.yml", stamp, preflight, [
        (b.id, f"Back up {b.policy.name} now", [recovery.backup_play(b)])
        for b in plan.backups])
    _entry_playbook(files, "restore.yml", stamp, preflight, [
        (p.id, f"Restore {p.title}", [recovery.restore_play(p)]) for p in plan.restores])
    _entry_playbook(files, "drill.yml", stamp, preflight, [
        (d.id, f"Drill {d.drill.name}", recovery.drill_plays(d)) for d in plan.drills])
    if plan.patching is not None and plan.patch_batches:
        _entry_playbook(files, "patch.yml", stamp, preflight, [
            (b.id, patch_title(b), [patch_play(b, plan.patching)]) for b in plan.patch_batches])
    files[PREFLIGHT] = render_preflight(plan, stamp)
    files["verify.yml"] = render_verify(plan, stamp, preflight)
    files["inventory.yml"] = render_inventory(plan, stamp, preflight)
    files.update(render_molecule(plan, stamp))
    files.update(render_awx(plan, stamp, inventories))

    role_files = dict(plan.role_files)
    files.update(role_files)
    requirements = {"collections": [
        {"name": c, "version": COLLECTION_VERSIONS[c]} if c in COLLECTION_VERSIONS
        else {"name": c}
        for c in collections_used(role_files)
    ]}
    files["collections/requirements.yml"] = dump(requirements, stamp).encode()
    return files
