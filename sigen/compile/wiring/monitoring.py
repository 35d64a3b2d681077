"""monitoring: the Prometheus server scrapes every host and expects every backup policy."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sigen.compile.ports import NODE_EXPORTER_PORT
from sigen.plan import Host, Plan, Service


def target(host: Host, monitor: Host) -> str:
    """The node exporter target of ``host`` as the monitoring host reaches it."""
    return f"{host.address_towards(monitor)}:{NODE_EXPORTER_PORT}"


def server(plan: Plan, service: Service) -> dict[str, Any]:
    bp = plan.blueprint
    monitor = service.hosts[0]
    jobs = []
    for site in bp.sites:
        targets = [target(h, monitor) for h in bp.hosts if h.site is site]
        if targets:
            jobs.append({"name": f"node-{site.name}", "targets": targets,
                         "labels": {"site": site.name}})
    expected = [
        {"instance": target(h, monitor), "policy": b.policy.name,
         "max_age_seconds": int(b.alert_after.total_seconds())}
        for b in plan.backups for h in b.policy.hosts
    ]
    out: dict[str, Any] = {
        "monitoring_prometheus_server": True,
        "monitoring_scrape_jobs": jobs,
        "monitoring_backup_expected": expected,
    }
    if plan.backups:
        out["monitoring_alert_backup_for"] = _prometheus_duration(plan.backups[0].alert_for)
    return out


def _prometheus_duration(value: timedelta) -> str:
    """A duration as Prometheus writes it (whole minutes here: 15m)."""
    seconds = int(value.total_seconds())
    return f"{seconds // 60}m" if seconds % 60 == 0 else f"{seconds}s"
