"""Service components: what a service's role needs from its dependencies and clients."""

from __future__ import annotations

from typing import Any

from sigen.model import Host, Service
from sigen.plan import Plan

_HTTP_COMPONENTS = frozenset({"nginx", "app_service", "haproxy"})


def _port(service: Service, default: int) -> int:
    return service.ports[0] if service.ports else default


def _dependents(plan: Plan, service: Service) -> list[Service]:
    return [s for s in plan.blueprint.services if service in s.depends_on]


def haproxy(plan: Plan, service: Service) -> dict[str, Any]:
    backends = []
    for dep in service.depends_on:
        backends.append({
            "name": dep.name,
            "port": _port(dep, 80),
            "servers": [
                {"name": h.name, "address": h.address_towards(service.hosts[0]),
                 "port": _port(dep, 80)}
                for h in dep.hosts
            ],
        })
    return {"haproxy_frontend_port": _port(service, 80), "haproxy_backends": backends}


def nginx(plan: Plan, service: Service) -> dict[str, Any]:
    upstreams = [
        {"name": dep.name,
         "servers": [f"{h.address_towards(service.hosts[0])}:{_port(dep, 8080)}"
                     for h in dep.hosts]}
        for dep in service.depends_on if dep.component in _HTTP_COMPONENTS
    ]
    vhost: dict[str, Any] = {"name": service.name, "server_names": [plan.blueprint.name],
                             "listen_port": _port(service, 80)}
    if upstreams:
        vhost["proxy_pass"] = upstreams[0]["name"]
    elif service.data:
        vhost["root"] = service.data[0]
    return {"nginx_vhosts": [vhost], "nginx_upstreams": upstreams}


def postgresql(plan: Plan, service: Service) -> dict[str, Any]:
    out: dict[str, Any] = {"postgresql_port": _port(service, 5432)}
    if service.settings.get("replication_role") == "standby":
        primary = next((d for d in service.depends_on if d.component == "postgresql"), None)
        if primary is not None:
            out["postgresql_primary_host"] = primary.hosts[0].address_towards(service.hosts[0])
            out["postgresql_primary_port"] = _port(primary, 5432)
    clients = []
    for dep in _dependents(plan, service):
        kind = "replication" if dep.component == "postgresql" else "client"
        for h in dep.hosts:
            for mine in service.hosts:
                clients.append({"name": f"{dep.name}-{h.name}", "address":
                                h.address_towards(mine) + "/32", "kind": kind})
    out["postgresql_allowed_clients"] = list({c["address"] + c["kind"]: c
                                              for c in clients}.values())
    return out


def redis(plan: Plan, service: Service) -> dict[str, Any]:
    return {"redis_port": _port(service, 6379)}


def app_service(plan: Plan, service: Service) -> dict[str, Any]:
    return {"app_service_name": service.name, "app_service_port": _port(service, 8080),
            "app_service_data_paths": list(service.data)}


def host_level(plan: Plan, service: Service, host: Host) -> dict[str, Any]:
    """Per-host role variables of a service (addresses its clients reach it on)."""
    if service.component == "redis":
        addresses = dict.fromkeys(
            host.address_towards(h) for d in _dependents(plan, service) for h in d.hosts if h is not host
        )
        return {"redis_bind": ["127.0.0.1", *addresses]}
    if service.component == "postgresql":
        addresses = dict.fromkeys(
            host.address_towards(h) for d in _dependents(plan, service) for h in d.hosts
            if h is not host
        )
        return {"postgresql_listen_addresses": ["127.0.0.1", *addresses]}
    return {}
