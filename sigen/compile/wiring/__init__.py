"""Wiring: the variables each role gets, derived from the plan's facts.

One small module per component. ``service_vars`` gives the role variables of a service's play:
what the blueprint implies (upstreams from dependencies, a standby's primary, scrape jobs...)
overlaid with the service's own ``settings`` (the role's options without the ``<role>_``
prefix; explicit settings win, and a mapping setting is merged key by key over the
derived one). ``inventory_vars`` gives what every host of an environment shares and
``host_vars`` what is specific to one host (its firewall flows, for example). ``wire``
makes all of them once, for the plan (``Plan.ansible``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from sigen.compile.wiring import backup, base, firewall, monitoring, services
from sigen.compile.wiring.refs import secret_in, secret_ref, secrets_in
from sigen.plan import (
    AnsibleWiring,
    Blueprint,
    Environment,
    Host,
    Plan,
    Secret,
    SecretUse,
    Service,
)

__all__ = [
    "host_connection",
    "host_vars",
    "inventory_vars",
    "management_address",
    "secrets_used",
    "service_vars",
    "settings_vars",
    "wire",
]

_DERIVED: dict[str, Callable[[Plan, Service], dict[str, Any]]] = {
    "haproxy": services.haproxy,
    "nginx": services.nginx,
    "postgresql": services.postgresql,
    "redis": services.redis,
    "app_service": services.app_service,
    "monitoring": monitoring.server,
}


def _resolve_secrets(value: Any) -> Any:
    secret = secret_in(value)
    if secret is not None:
        return secret_ref(secret)
    if isinstance(value, Mapping):
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


def host_connection(bp: Blueprint, host: Host, env: Environment) -> dict[str, Any]:
    """How Ansible reaches a host in an environment (the part of host_vars that differs)."""
    out: dict[str, Any] = {}
    override = env.host_overrides.get(host.name) or {}
    out["ansible_host"] = override.get("address") or management_address(bp, host)
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


def wire(plan: Plan) -> AnsibleWiring:
    """Every role variable of the project: per service play, per host, per environment."""
    bp = plan.blueprint
    return AnsibleWiring(
        service_vars={s.name: service_vars(plan, s) for s in bp.services},
        host_vars={h.name: host_vars(plan, h) for h in bp.hosts},
        inventory_vars={e.name: inventory_vars(plan, e) for e in bp.environments},
        connection={e.name: {h.name: host_connection(bp, h, e) for h in bp.hosts}
                    for e in bp.environments},
    )


def secrets_used(plan: Plan) -> tuple[SecretUse, ...]:
    """Every secret the project reads, with what needs it, in blueprint order, once each."""
    bp = plan.blueprint
    seen: dict[tuple[str, str], tuple[Secret, list[str]]] = {}

    def use(secret: Secret, user: str) -> None:
        seen.setdefault((secret.kind, secret.name), (secret, []))[1].append(user)

    for svc in bp.services:
        for secret in secrets_in(svc.settings):
            use(secret, f"service {svc.name}")
    for svc in bp.services:
        if services.standbys_of(plan, svc):
            use(services.replication_password(svc), f"replication of {svc.name}")
    for job in plan.backups:
        use(job.password, f"backup {job.policy.name}")
        for store in backup.backup_hosts(job.policy):
            use(job.password, f"retention of {job.policy.name} on {store.name}")
    return tuple(SecretUse(s, ", ".join(dict.fromkeys(users))) for s, users in seen.values())
