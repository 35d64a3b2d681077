"""firewall: management networks for every host, allowed flows per host from the plan."""

from __future__ import annotations

from typing import Any

from sigen.plan import Host, Plan


def defaults(plan: Plan) -> dict[str, Any]:
    sec = plan.blueprint.security
    networks = sec.management_networks or tuple(
        n for n in plan.blueprint.networks if n.zone == "management")
    # Inbound is always default-deny in the firewall role; "reject" is not offered by it.
    return {
        "firewall_management_networks": [n.cidr for n in networks],
        "firewall_ssh_port": sec.ssh_port,
        "firewall_log_denied": sec.log_denied,
    }


def host(plan: Plan, host: Host) -> dict[str, Any]:
    return {
        "firewall_allowed_flows": [
            {"name": f.name, "source": f.source, "port": f.port, "protocol": f.protocol}
            for f in plan.flows.get(host.name, ())
        ],
    }
