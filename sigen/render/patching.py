"""patch.yml: the rolling patch of the installation plan's patch section, one imported
playbook per batch (``PAT-`` tag), in the plan's order.

Each batch is one play over its hosts, all at once, that stops the whole run at the first
failure (``any_errors_fatal``: the later batches do not start). Per host: its places in the
load balancers are drained and disabled (haproxy's ``server_state``), the host is updated,
rebooted when an update requires it and its services checked (hardening's ``patch``), and
its places are enabled again once haproxy's health check passes.
"""

from __future__ import annotations

from typing import Any

from sigen.plan import Jinja
from sigen.plan.patching import PatchBatch, PatchWindow

__all__ = ["patch_play", "patch_title"]


def patch_title(batch: PatchBatch) -> str:
    return "Patch " + ", ".join(h.host.name for h in batch.hosts)


def _places(state: str, batch_id: str, what: str) -> dict[str, Any]:
    return {
        "name": f"{batch_id} {what}",
        "ansible.builtin.include_role": {"name": "haproxy", "tasks_from": "server_state"},
        "vars": {"haproxy_server_state": state,
                 "haproxy_server_places": Jinja("{{ sigen_patch_places[inventory_hostname] }}")},
        "when": Jinja("inventory_hostname in sigen_patch_places"),
    }


def patch_play(batch: PatchBatch, window: PatchWindow) -> dict[str, Any]:
    places = {h.host.name: [{"balancer": d.balancer.name, "pool": d.pool, "server": d.server}
                            for d in h.drains] for h in batch.hosts if h.drains}
    checks = {h.host.name: {"units": list(h.units), "ports": list(h.ports)}
              for h in batch.hosts}
    tasks: list[dict[str, Any]] = []
    if places:
        tasks.append(_places("disabled", batch.id, "Take the host out of its load balancers"))
    tasks.append({
        "name": f"{batch.id} Update the host, reboot it when required, check its services",
        "ansible.builtin.include_role": {"name": "hardening", "tasks_from": "patch"},
        "vars": {"hardening_patch_updates": window.updates,
                 "hardening_patch_reboot": window.reboot,
                 "hardening_patch_units": Jinja(
                     "{{ sigen_patch_checks[inventory_hostname].units }}"),
                 "hardening_patch_ports": Jinja(
                     "{{ sigen_patch_checks[inventory_hostname].ports }}")},
    })
    if places:
        tasks.append(_places("enabled", batch.id, "Put the host back into its load balancers"))
    play: dict[str, Any] = {
        "name": f"{batch.id} {patch_title(batch)}",
        "hosts": ":".join(h.host.name for h in batch.hosts),
        "gather_facts": False,
        # The first failure ends the run: no later batch starts on a system already short.
        "any_errors_fatal": True,
        "max_fail_percentage": 0,
        "tags": [batch.id],
        "tasks": tasks,
        "vars": {},
    }
    if places:
        play["vars"]["sigen_patch_places"] = places
    play["vars"]["sigen_patch_checks"] = checks
    return play
