"""molecule/default/: the compiled system as a molecule scenario, for the user's own CI.

``molecule test`` in the project brings up the blueprint's hosts as podman containers with
the blueprint's networks and addresses (the same lab as ``sigen lab up``, made by plain
Ansible so the project needs no sigen), converges ``site.yml``, checks idempotence, runs
``verify.yml`` and destroys the lab. The hosts come from the project's own
``inventories/lab`` (molecule's native-inventory mode), so the scenario tests exactly what
an operator deploys. The SSH key and the generated lab secrets live in molecule's
ephemeral folder, never in the project.
"""

from __future__ import annotations

import json
from typing import Any

from sigen.plan import Jinja, LabHost, Plan, Topology
from sigen.plan.lab import HOST_OPTIONS, SSH_ARGS
from sigen.render.yamlout import dump, not_a_playbook

__all__ = ["render_molecule"]

_DIR = "molecule/default"
_EPHEMERAL = "{{ lookup('ansible.builtin.env', 'MOLECULE_EPHEMERAL_DIRECTORY') }}"


def _molecule_yml(topo: Topology) -> dict[str, Any]:
    return {
        "ansible": {
            # molecule writes its own ansible.cfg: repeat what the project's says.
            "cfg": {"defaults": {"forks": 20, "gathering": "smart",
                                 "interpreter_python": "/usr/bin/python3"},
                    "ssh_connection": {"pipelining": True}},
            "executor": {"args": {"ansible_playbook": [
                "--inventory=${MOLECULE_SCENARIO_DIRECTORY}/../../inventories/lab",
                "--inventory=${MOLECULE_SCENARIO_DIRECTORY}/inventory/lab.yml",
                # JSON keeps the values' types (key=value would make them strings).
                "--extra-vars=" + json.dumps(dict(topo.overrides), sort_keys=True),
            ]}},
            "env": {"ANSIBLE_ROLES_PATH": "${MOLECULE_SCENARIO_DIRECTORY}/../../roles"},
        },
        "dependency": {"name": "galaxy", "enabled": False},
        "driver": {"name": "default", "options": {"managed": True}},
        "scenario": {"test_sequence": ["destroy", "create", "converge", "idempotence",
                                       "verify", "destroy"]},
    }


def _run_args(host: LabHost, system: str) -> list[str | Jinja]:
    args: list[str | Jinja] = ["podman", "run", "-d", "--name", host.name, "--label",
                               f"sigen.molecule={system}"]
    for network, address in host.addresses:
        args += ["--network", f"{network}:ip={address}"]
    if host.kind == "timeserver":
        return [*args, "--stop-timeout=1", host.image]
    return [*args, "--hostname", host.hostname, *HOST_OPTIONS, "-v",
            Jinja(_EPHEMERAL + "/authorized_keys:/root/.ssh/authorized_keys:ro"),
            host.image, "/sbin/init"]


def _create(topo: Topology, vault: list[str]) -> list[dict[str, Any]]:
    tasks: list[dict[str, Any]] = [
        {"name": "Make the lab SSH key",
         "ansible.builtin.command": {"argv": ["ssh-keygen", "-q", "-t", "ed25519", "-N", "",
                                              "-C", "sigen-molecule", "-f",
                                              Jinja(_EPHEMERAL + "/id_ed25519")],
                                     "creates": Jinja(_EPHEMERAL + "/id_ed25519")}},
        {"name": "Authorise the lab key on the lab hosts",
         "ansible.builtin.copy": {"src": Jinja(_EPHEMERAL + "/id_ed25519.pub"),
                                  "dest": Jinja(_EPHEMERAL + "/authorized_keys"),
                                  "mode": "0644"}},
    ]
    if vault:
        # Made once here, so every host and both converges read the same values.
        tasks.append({
            "name": "Generate the lab secrets",
            "ansible.builtin.set_fact": {"sigen_lab_secret": Jinja(
                "{{ lookup('ansible.builtin.password', sigen_lab_secrets ~ '/' ~ item,\n"
                "          length=24, chars=['ascii_letters', 'digits']) }}")},
            "vars": {"sigen_lab_secrets": Jinja(_EPHEMERAL + "/secrets")},
            "loop": vault,
            "no_log": True,
        })
    for net in topo.networks:
        tasks.append({
            "name": f"Create the lab network {net.blueprint_name}",
            "ansible.builtin.command": {"argv": [
                "podman", "network", "create", "--subnet", net.subnet, "--gateway",
                net.gateway, "--label", f"sigen.molecule={topo.system}", net.name]},
            "changed_when": True,
        })
    for host in (*topo.hosts, topo.timeserver):
        tasks.append({
            "name": f"Start the lab host {host.hostname}",
            "ansible.builtin.command": {"argv": _run_args(host, topo.system)},
            "changed_when": True,
        })
    for host in topo.hosts:
        tasks.append({
            "name": f"Wait for SSH on {host.hostname}",
            "ansible.builtin.wait_for": {"host": host.management, "port": 22,
                                         "search_regex": "OpenSSH", "timeout": 90},
        })
    return [{"name": f"Create the lab of {topo.system}", "hosts": "localhost",
             "gather_facts": False, "tasks": tasks}]


def _destroy(topo: Topology) -> list[dict[str, Any]]:
    names = [h.name for h in (*topo.hosts, topo.timeserver)]
    return [{"name": f"Destroy the lab of {topo.system}", "hosts": "localhost",
             "gather_facts": False, "tasks": [
                 # podman 4.3 can fail a forced rm of a container that stops meanwhile
                 # ("container state improper"); the next try finds it stopped.
                 {"name": "Remove the lab hosts",
                  "ansible.builtin.command": {"argv": ["podman", "rm", "-f", "-t", "3",
                                                       "--ignore", *names]},
                  "register": "sigen_host_rm",
                  "until": Jinja("sigen_host_rm.rc == 0"),
                  "retries": 3,
                  "delay": 2,
                  "changed_when": True},
                 {"name": "Remove the lab networks",
                  "ansible.builtin.command": {"argv": ["podman", "network", "rm", "-f",
                                                       *[n.name for n in topo.networks]]},
                  "register": "sigen_network_rm",
                  "changed_when": True,
                  "failed_when": Jinja("sigen_network_rm.rc != 0 and 'unknown network' not in"
                                       " sigen_network_rm.stderr")},
             ]}]


def _inventory(topo: Topology, vault: list[str]) -> dict[str, Any]:
    variables: dict[str, Any] = {
        "ansible_ssh_private_key_file": Jinja(_EPHEMERAL + "/id_ed25519"),
        "ansible_ssh_common_args": SSH_ARGS,
    }
    if vault:
        variables["sigen_lab_secrets"] = Jinja(_EPHEMERAL + "/secrets")
    for name in vault:  # read back what create.yml generated
        variables[name] = Jinja("{{ lookup('ansible.builtin.file', sigen_lab_secrets ~ '/"
                                + name + "') }}")
    return {"all": {
        "vars": variables,
        "hosts": {h.hostname: {"common_ntp_servers": [topo.ntp_server[h.hostname]]}
                  for h in topo.hosts},
    }}


def render_molecule(plan: Plan, stamp: str) -> dict[str, bytes]:
    """The scenario's files by path. Their playbook keys are quoted, so AWX offers none of
    them as a playbook of the project (molecule runs them, not an operator)."""
    topo = plan.lab
    vault = plan.vault_variables
    files = {
        "molecule.yml": _molecule_yml(topo),
        "create.yml": _create(topo, vault),
        "destroy.yml": _destroy(topo),
        "converge.yml": [{"name": "Converge the system",
                          "ansible.builtin.import_playbook": "../../site.yml"}],
        "verify.yml": [{"name": "Verify the system",
                        "ansible.builtin.import_playbook": "../../verify.yml"}],
        "inventory/lab.yml": _inventory(topo, vault),
    }
    return {f"{_DIR}/{name}": dump(not_a_playbook(data), stamp).encode()
            for name, data in files.items()}
