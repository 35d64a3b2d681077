"""Wiring: the variables each role gets, derived from the blueprint.

One small module per component. ``service_vars`` gives the role variables of a service's play:
what the blueprint implies (upstreams from dependencies, a standby's primary, scrape jobs...)
overlaid with the service's own ``settings`` (the role's options without the ``<role>_``
prefix; explicit settings win, and a mapping setting is merged key by key over the
derived one). ``inventory_vars`` gives what every host of an environment
shares and ``host_vars`` what is specific to one host (its firewall flows, for example).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from sigen.model import Blueprint, Environment, Host, Secret, Service
from sigen.plan import Plan
from sigen.wiring import backup, base, firewall, monitoring, services
from sigen.yamlout import Jinja

__all__ = [
    "backup",
    "host_connection",
    "host_vars",
    "inventory_vars",
    "management_address",
    "secret_ref",
    "service_vars",
    "settings_vars",
]

_DERIVED: dict[str, Callable[[Plan, Service], dict[str, Any]]] = {
    "haproxy": services.haproxy,
    "nginx": services.nginx,
    "postgresql": services.postgresql,
    "redis": services.redis,
    "app_service": services.app_service,
    "monitoring": monitoring.server,
    "backup_server": backup.server,
}


def secret_ref(secret: Secret) -> Jinja:
    """The Ansible expression that reads a secret reference at run time."""
    if secret.kind == "vault":
        return Jinja("{{ " + secret.name + " }}")
    return Jinja("{{ lookup('ansible.builtin.env', '" + secret.name + "') }}")


def _resolve_secrets(value: Any) -> Any:
    if isinstance(value, Mapping):
        if len(value) == 1 and ("vault" in value or "env" in value):
            kind = "vault" if "vault" in value else "env"
            return secret_ref(Secret(kind, str(value[kind])))
        return {k: _resolve_secrets(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_resolve_secrets(v) for v in value]
    return value


def settings_vars(service: Service) -> dict[str, Any]:
    """A service's settings as role variables (``stats_enabled`` -> ``haproxy_stats_enabled``)."""
    prefix = service.component + "_"
    return {prefix + k: _resolve_secrets(v) for k, v in service.settings.items()}


def service_vars(plan: Plan, service: Service) -> dict[str, Any]:
    """Role variables of a service's play: derived ones, then the explicit settings over them."""
    derive = _DERIVED.get(service.component)
    merged = derive(plan, service) if derive else {}
    for key, value in settings_vars(service).items():
        derived = merged.get(key)
        if isinstance(derived, dict) and isinstance(value, dict):
            merged[key] = {**derived, **value}  # mappings merge, the setting's keys win
        else:
            merged[key] = value
    return merged


def inventory_vars(plan: Plan, env: Environment) -> dict[str, Any]:
    """group_vars/all of an environment: connection, base configuration, hardening, firewall."""
    out: dict[str, Any] = {}
    if env.user:
        out["ansible_user"] = env.user
    if env.port:
        out["ansible_port"] = env.port
    if env.become is not None:
        out["ansible_become"] = env.become
    elif env.user and env.user != "root":
        out["ansible_become"] = True
    out.update(base.common(plan))
    out.update(base.hardening(plan, env))
    out.update(firewall.defaults(plan))
    return out


def host_connection(plan: Plan, host: Host, env: Environment) -> dict[str, Any]:
    """How Ansible reaches a host in an environment (the part of host_vars that differs)."""
    out: dict[str, Any] = {}
    override = env.host_overrides.get(host.name) or {}
    out["ansible_host"] = override.get("address") or management_address(plan.blueprint, host)
    if override.get("port"):
        out["ansible_port"] = override["port"]
    if override.get("user"):
        out["ansible_user"] = override["user"]
    return out


def host_vars(plan: Plan, host: Host) -> dict[str, Any]:
    """host_vars/<host> shared by every environment: identity, firewall flows, accounts."""
    out: dict[str, Any] = {}
    out["sigen_site"] = host.site.name
    out["sigen_kind"] = host.kind
    out["sigen_services"] = [s.name for s in host.services]
    if host.labels:
        out["sigen_labels"] = dict(sorted(host.labels.items()))
    for service in host.services:
        out.update(services.host_level(plan, service, host))
    out.update(firewall.host(plan, host))
    out.update(backup.server_host(plan, host))
    return out


def management_address(bp: Blueprint, host: Host) -> str:
    """Where Ansible (and the lab) reach a host: its management address, else its first."""
    mgmt = {n.name for n in bp.security.management_networks}
    return host.address_on(mgmt) or host.interfaces[0].address
