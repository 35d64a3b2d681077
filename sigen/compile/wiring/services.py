"""Service components: what a service's role needs from its dependencies and clients."""

from __future__ import annotations

from typing import Any

from sigen.compile.wiring.refs import secret_in, secret_ref
from sigen.plan import Host, Plan, Secret, Service

_HTTP_COMPONENTS = frozenset({"nginx", "app_service", "haproxy"})


def _port(service: Service, default: int) -> int:
    return service.ports[0] if service.ports else default


def _dependents(plan: Plan, service: Service) -> tuple[Service, ...]:
    return plan.dependents[service.name]


def haproxy(plan: Plan, service: Service) -> dict[str, Any]:
    """One load-balanced service per dependency, on the service's ports in order.

    Application servers are balanced as HTTP with their health check; anything else
    (nginx serving static files has no health URL) as TCP, checked by connecting.
    """
    front = list(service.ports) or [80]
    pools = []
    for i, dep in enumerate(service.depends_on):
        port = front[i] if i < len(front) else front[-1] + i
        pool: dict[str, Any] = {"name": dep.name}
        if dep.component == "app_service":
            pool["mode"] = "http"
            pool["health_check_path"] = str(dep.settings.get("health_path", "/health"))
        else:
            pool["mode"] = "tcp"
        pool["port"] = port
        pool["servers"] = [
            {"name": h.name, "address": h.address_towards(service.hosts[0]),
             "port": _port(dep, 80)}
            for h in dep.hosts
        ]
        pools.append(pool)
    return {"haproxy_services": pools}


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


def replication_password(primary: Service) -> Secret:
    """The replication role's password: the primary's setting, else a vault variable named
    after the primary service (the installation plan lists it as a prerequisite)."""
    given = secret_in(primary.settings.get("replication_password"))
    if given is not None:
        return given
    return Secret("vault", "vault_" + primary.name.replace("-", "_") + "_replication_password")


def slot_name(host: Host) -> str:
    """The physical replication slot a standby host streams from."""
    return host.name.replace("-", "_")


def standbys_of(plan: Plan, service: Service) -> list[Service]:
    """PostgreSQL standby services that stream from ``service``."""
    return [s for s in plan.dependents[service.name] if s.component == "postgresql"
            and s.settings.get("replication_role") == "standby"]


def primary_of(service: Service) -> Service | None:
    if service.settings.get("replication_role") != "standby":
        return None
    return next((d for d in service.depends_on if d.component == "postgresql"), None)


def postgresql(plan: Plan, service: Service) -> dict[str, Any]:
    out: dict[str, Any] = {"postgresql_port": _port(service, 5432)}
    primary = primary_of(service)
    if primary is not None:
        out["postgresql_replication_role"] = "standby"
        out["postgresql_primary_host"] = primary.hosts[0].address_towards(service.hosts[0])
        out["postgresql_replication_password"] = secret_ref(replication_password(primary))
    standbys = standbys_of(plan, service)
    if standbys:
        standby_hosts = [h for s in standbys for h in s.hosts]
        mine = service.hosts[0]
        out["postgresql_replication_role"] = "primary"
        out["postgresql_replication_password"] = secret_ref(replication_password(service))
        out["postgresql_replication_standbys"] = list(dict.fromkeys(
            h.address_towards(mine) + "/32" for h in standby_hosts))
        out["postgresql_replication_slots"] = [slot_name(h) for h in standby_hosts]
    entries = []
    for dep in _dependents(plan, service):
        if dep in standbys:
            continue
        for h in dep.hosts:
            for mine in service.hosts:
                if h is not mine:
                    entries.append({"type": "host", "database": "all", "user": "all",
                                    "address": h.address_towards(mine) + "/32",
                                    "method": "scram-sha-256"})
    out["postgresql_hba_entries"] = list({e["address"]: e for e in entries}.values())
    return out


def redis(plan: Plan, service: Service) -> dict[str, Any]:
    return {"redis_port": _port(service, 6379)}


def app_service(plan: Plan, service: Service) -> dict[str, Any]:
    """Name, port and data paths, and where each dependency is: ``<DEP>_HOST``/``_PORT``."""
    env: dict[str, str] = {}
    mine = service.hosts[0]
    for dep in service.depends_on:
        key = dep.name.upper().replace("-", "_")
        env[f"{key}_HOST"] = dep.hosts[0].address_towards(mine)
        if dep.ports:
            env[f"{key}_PORT"] = str(dep.ports[0])
    return {"app_service_name": service.name, "app_service_port": _port(service, 8080),
            "app_service_data_paths": list(service.data), "app_service_environment": env}


def host_level(plan: Plan, service: Service, host: Host) -> dict[str, Any]:
    """Per-host role variables of a service (addresses its clients reach it on)."""
    if service.component == "redis":
        addresses = dict.fromkeys(
            host.address_towards(h) for d in _dependents(plan, service) for h in d.hosts
            if h is not host
        )
        return {"redis_bind": ["127.0.0.1", *addresses]}
    if service.component == "postgresql":
        peers = [h for d in _dependents(plan, service) for h in d.hosts]
        primary = primary_of(service)
        if primary is not None:
            peers += primary.hosts  # a promoted standby serves the primary's clients
        addresses = dict.fromkeys(host.address_towards(h) for h in peers if h is not host)
        out: dict[str, Any] = {"postgresql_listen_addresses": ["localhost", *addresses]}
        if primary_of(service) is not None:
            out["postgresql_replication_slot"] = slot_name(host)
        return out
    return {}
