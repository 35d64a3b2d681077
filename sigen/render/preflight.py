"""The preflight play every playbook runs first: the secrets the project reads are set.

A secret that is not set would otherwise fail deep inside a role, after the first hosts are
half configured. The play names each one that is missing and where to put it; it reads only
whether a value is there, never prints one.
"""

from __future__ import annotations

from typing import Any

from sigen.plan import Jinja, Plan
from sigen.render.yamlout import dump

__all__ = ["PLAYBOOK", "preflight_play", "render_preflight"]

PLAYBOOK = "playbooks/preflight.yml"
_MISSING = Jinja(
    "(item.kind == 'vault' and lookup('ansible.builtin.vars', item.name, default='')\n"
    " | string | length == 0)\n"
    "or (item.kind == 'env' and lookup('ansible.builtin.env', item.name) | length == 0)")
_WHERE = {
    "vault": Jinja("add it to {{ inventory_dir }}/group_vars/all/vault.yml (ansible-vault "
                   "encrypt; run with --ask-vault-pass)"),
    "env": "export it in the environment of the run",
}


def preflight_play(plan: Plan) -> dict[str, Any]:
    secrets = [{"name": use.secret.name, "kind": use.secret.kind, "for": use.users}
               for use in plan.secrets]
    play: dict[str, Any] = {
        "name": "Preflight: every secret the project reads is set",
        "hosts": "all",
        "gather_facts": False,
        "tags": ["always", "preflight"],
        "tasks": [],
    }
    if secrets:
        play["vars"] = {"sigen_secrets": secrets, "sigen_secret_where": _WHERE}
        play["tasks"] = [{
            "name": "Name each secret that is not set, and where it goes",
            "ansible.builtin.fail": {"msg": Jinja(
                "{{ item.name }} is not set ({{ item.for }}): "
                "{{ sigen_secret_where[item.kind] }}")},
            "loop": Jinja("{{ sigen_secrets }}"),
            "loop_control": {"label": Jinja("{{ item.name }}")},
            "when": _MISSING,
            "run_once": True,
        }]
    else:
        play["tasks"] = [{
            "name": "No secret to check",
            "ansible.builtin.debug": {"msg": "The project reads no secret."},
            "run_once": True,
        }]
    return play


def render_preflight(plan: Plan, stamp: str) -> bytes:
    return dump([preflight_play(plan)], stamp).encode()
