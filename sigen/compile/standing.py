"""Whether the recorded runs still prove the system: the standing of each drill and of each
environment's verification.

A run proves the system as it was. Each drill run records the facts it depended on (the
drill step's ``facts``); the plan compares them with the facts now, per drill, and says
what changed (orchestrated-recovery products mark a recovery plan "not verified" when it
changes after its last test; this does the same, per drill and with the reason). A
verification run checks every host, so any change of the blueprint makes it stale.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sigen.compile.findings import next_due
from sigen.plan import DrillStep
from sigen.plan.evidence import Evidence, Standing
from sigen.plan.facts import backup_facts, compare, drill_facts, host_facts, service_facts

__all__ = ["BASIS_SECTIONS", "drill_basis", "drill_standings", "verify_standings"]

BASIS_SECTIONS = ("hosts", "services", "backups", "drills")


def drill_basis(step: DrillStep) -> dict[str, Any]:
    """The facts a run of ``step`` depends on: the hosts it loses, restores from and
    recovers on; the services its failure hits, those that depend on them and the standbys
    it promotes; the backup policies it restores; its scenario and targets (not its
    frequency: how often a drill runs does not change what a run proved)."""
    hosts = dict.fromkeys([*step.lost_hosts, *step.sources, *step.recovery_hosts])
    services = dict.fromkeys([*(a.service for a in step.affected), *step.dependants,
                              *step.standbys])
    drill = drill_facts(step.drill)
    del drill["frequency"]
    return {
        "hosts": {h.name: host_facts(h) for h in hosts},
        "services": {s.name: service_facts(s) for s in services},
        "backups": {p.name: backup_facts(p) for p in step.policies},
        "drills": {step.drill.name: drill},
    }


def drill_standings(drills: Sequence[DrillStep], runs: Sequence[Mapping[str, Any]],
                    blueprint: str) -> dict[str, Standing]:
    """The standing of each drill by name, from its latest run (``runs`` oldest first);
    ``blueprint`` is the blueprint's sha256, for runs that recorded no facts."""
    latest = {str((r.get("drill") or {}).get("name")): r for r in runs}
    out = {}
    for step in drills:
        name = step.drill.name
        run = latest.get(name)
        if run is None:
            out[name] = Standing(name, "unverified")
            continue
        date = str(run.get("started") or "")[:10]
        recorded = run.get("facts")
        if isinstance(recorded, Mapping):
            changes = tuple(compare(recorded, step.facts, BASIS_SECTIONS))
            status = "stale" if changes else "current"
        else:  # recorded by an older sigen: only the same blueprint is known to agree
            changes = ()
            status = "current" if run.get("blueprint") == blueprint else "stale"
        out[name] = Standing(name, status, str(run.get("name") or ""), date,
                             run.get("passed") is True, changes,
                             next_due(date, step.drill.frequency))
    return out


def verify_standings(evidence: Evidence, blueprint: str) -> dict[str, Standing]:
    """The standing of each environment's latest verification run, by environment."""
    latest = {str(r.get("environment")): r for r in evidence.verify_runs}
    out = {}
    for env, run in sorted(latest.items()):
        summary = run.get("summary") or {}
        out[env] = Standing(
            env, "current" if run.get("blueprint") == blueprint else "stale",
            str(run.get("started") or ""), str(run.get("started") or "")[:10],
            bool(summary.get("total")) and not summary.get("failed")
            and not summary.get("unrun"))
    return out
