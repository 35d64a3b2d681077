"""``sigen inventory``: run inventory.yml, keep what the hosts showed as a record.

A record (``records/inventory/<env>-<UTC time>.json``) is measured evidence: per host its OS
release and kernel, processors, memory, disks, addresses, the versions of the packages the
roles install, its enabled or running services and the ports it listens on, when, and
against which blueprint, with the drift ``sigen.compile.inventory`` finds in it. Builds
render the system inventory (O1.3.1) from these records.
"""

from __future__ import annotations

import datetime
import json
import os
import tempfile
from collections.abc import Mapping
from dataclasses import asdict
from pathlib import Path
from typing import Any

from sigen.compile.inventory import LAB_ENV, drift, listening, planned
from sigen.operate.playbook import RunResult, ansible_playbook
from sigen.operate.records import write_record
from sigen.plan import Plan
from sigen.plan.evidence import INVENTORY_FORMAT, INVENTORY_RUNS
from sigen.plan.inventory import Drift

__all__ = ["host_facts", "run_inventory"]


def _versions(found: Any) -> list[str]:
    return [str(v) for v in found] if isinstance(found, list) else []


def host_facts(raw: Any) -> dict[str, Any]:
    """One host's facts as the play wrote them, as the record keeps them: packages by
    version, services by name, the ports parsed, link-local addresses left out (every
    interface has one; the blueprint plans none)."""
    if not isinstance(raw, Mapping) or not raw.get("answered"):
        return {"answered": False}
    facts = dict(raw)
    facts["addresses"] = sorted(str(a) for a in raw.get("addresses") or ()
                                if not str(a).lower().startswith("fe80:"))
    facts["packages"] = {str(name): _versions(versions)
                         for name, versions in sorted((raw.get("packages") or {}).items())}
    facts["services"] = sorted(
        ({"name": str(s.get("name")), "state": str(s.get("state")),
          "status": str(s.get("status"))}
         for s in raw.get("services") or () if isinstance(s, Mapping)),
        key=lambda s: s["name"])
    facts["listening"] = listening(str(line) for line in raw.get("listening") or ())
    return facts


def _record(plan: Plan, env_name: str, observed: Mapping[str, Any],
            started: datetime.datetime, run: RunResult) -> tuple[dict[str, Any], list[Drift]]:
    env = next(e for e in plan.blueprint.environments if e.name == env_name)
    hosts = {h.name: host_facts(observed.get(h.name)) for h in plan.blueprint.hosts}
    record: dict[str, Any] = {
        "format": INVENTORY_FORMAT,
        "system": plan.blueprint.name,
        "blueprint": plan.blueprint.sha256,
        "environment": env.name,
        "started": started.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "seconds": round(run.seconds, 1),
        "ansible_exit": run.returncode,
        "hosts": hosts,
    }
    found = list(drift(planned(plan, env), record, env.name == LAB_ENV))
    record["drift"] = [asdict(d) for d in found]
    return record, found


def run_inventory(plan: Plan, out: Path, env_name: str
                  ) -> tuple[dict[str, Any], list[Drift], Path]:
    """Run inventory.yml against ``env_name``; the record written, its drift and its path."""
    started = datetime.datetime.now(datetime.UTC).replace(microsecond=0)
    fd, tmp = tempfile.mkstemp(prefix="sigen-inventory-", suffix=".json")
    os.close(fd)
    os.unlink(tmp)  # written by the play; absent when the play never got that far
    try:
        run = ansible_playbook(out, env_name, "inventory.yml",
                               extra_vars=[json.dumps({"sigen_inventory_output": tmp})])
        try:
            observed = json.loads(Path(tmp).read_text())
        except (OSError, ValueError):
            observed = {}
    finally:
        Path(tmp).unlink(missing_ok=True)
    record, found = _record(plan, env_name, observed if isinstance(observed, dict) else {},
                            started, run)
    path = write_record(out, INVENTORY_RUNS,
                        f"{env_name}-{started.strftime('%Y%m%dT%H%M%SZ')}", record)
    return record, found, path
