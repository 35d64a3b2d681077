"""inventory.yml: gather what each host really runs, for the system inventory (O1.3.1).

One play on every host, after the ``preflight`` play: the distribution, kernel, hardware and
network facts, the installed packages (kept: those the roles install,
``plan.inventory.packages``), the systemd services, and the ports listening (``ss``). It
changes nothing on the hosts. The facts are written as one JSON object by host to
``sigen_inventory_output`` on the controller when that is set (``sigen inventory`` sets it
and records them); ``sigen.compile.inventory`` judges them against the plan.
"""

from __future__ import annotations

from typing import Any

from sigen.plan import Jinja, Plan
from sigen.render.yamlout import dump

__all__ = ["render_inventory"]

# The facts of one host, as sigen.compile.inventory reads them.
_FACTS = Jinja("""\
{{ {
  'answered': true,
  'os': {
    'distribution': ansible_facts['distribution'],
    'version': ansible_facts['distribution_version'],
    'major': ansible_facts['distribution_major_version'],
    'release': ansible_facts['distribution_release'],
    'kernel': ansible_facts['kernel'],
    'architecture': ansible_facts['architecture'],
  },
  'virtualization': {
    'type': ansible_facts['virtualization_type'] | default(''),
    'role': ansible_facts['virtualization_role'] | default(''),
  },
  'vcpus': ansible_facts['processor_vcpus'] | default(0),
  'cores': (ansible_facts['processor_cores'] | default(0) | int)
    * (ansible_facts['processor_count'] | default(0) | int),
  'memory_mb': ansible_facts['memtotal_mb'] | default(0),
  'disks': dict(sigen_disks | map(attribute='key')
    | zip(sigen_disks | map(attribute='value.size'))),
  'addresses': (ansible_facts['all_ipv4_addresses'] | default([]))
    + (ansible_facts['all_ipv6_addresses'] | default([])),
  'packages': dict(sigen_packages | map(attribute='key')
    | zip(sigen_packages | map(attribute='value') | map('map', attribute='version')
      | map('list'))),
  'services': (sigen_services | selectattr('state', 'eq', 'running') | list)
    + (sigen_services | rejectattr('state', 'eq', 'running')
      | selectattr('status', 'in', ['enabled', 'enabled-runtime']) | list),
  'listening': sigen_ss.stdout_lines,
} }}""")


def _tasks() -> list[dict[str, Any]]:
    return [
        {
            "name": "Gather the distribution, kernel, hardware and network facts",
            "ansible.builtin.setup": {"gather_subset": ["!all", "min", "hardware", "network",
                                                       "virtual"]},
        },
        {
            "name": "Gather the installed packages",
            "ansible.builtin.package_facts": {"manager": "auto"},
        },
        {
            "name": "Gather the systemd services",
            "ansible.builtin.service_facts": {},
        },
        {
            "name": "Read the ports listening",
            "ansible.builtin.command": {"argv": ["ss", "-Hltnu"]},
            "register": "sigen_ss",
            "changed_when": False,
        },
        {
            "name": "Collect the facts of this host",
            "ansible.builtin.set_fact": {"sigen_inventory_facts": _FACTS},
            "vars": {
                "sigen_disks": Jinja("{{ ansible_facts['devices'] | default({}) | dict2items\n"
                                     "    | rejectattr('key', 'match', '^(loop|ram|sr|zram|nbd)')"
                                     " | list }}"),
                "sigen_packages": Jinja("{{ ansible_facts['packages'] | default({})"
                                        " | dict2items\n"
                                        "    | selectattr('key', 'in',"
                                        " sigen_inventory_packages) | list }}"),
                # Each with a state and a status (a unit listed oddly may lack one).
                "sigen_services": Jinja("{{ ansible_facts['services'] | default({})"
                                        " | dict2items\n"
                                        "    | map(attribute='value') | selectattr('state',"
                                        " 'defined')\n"
                                        "    | selectattr('status', 'defined') | list }}"),
            },
        },
        {
            "name": "Write the facts for sigen inventory",
            "ansible.builtin.copy": {
                "content": Jinja("{{ dict(ansible_play_hosts_all | zip(ansible_play_hosts_all\n"
                                 "    | map('extract', hostvars, 'sigen_inventory_facts')\n"
                                 "    | map('default', {'answered': false}))) | to_nice_json"
                                 " }}"),
                "dest": Jinja("{{ sigen_inventory_output }}"),
                "mode": "0644",
            },
            "delegate_to": "localhost",
            "become": False,
            "run_once": True,
            "when": Jinja("sigen_inventory_output is defined"),
        },
    ]


def render_inventory(plan: Plan, stamp: str, preflight: dict[str, Any]) -> bytes:
    """inventory.yml of the plan, after the ``preflight`` play."""
    packages = list(plan.inventory.packages) if plan.inventory is not None else []
    play = {
        "name": f"Take the system inventory of {plan.blueprint.name}",
        "hosts": "all",
        "gather_facts": False,
        "tags": ["inventory"],
        "vars": {"sigen_inventory_packages": packages},
        "tasks": _tasks(),
    }
    return dump([preflight, play], stamp).encode()
