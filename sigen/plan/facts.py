"""The reviewable facts of a system as plain JSON data, and the differences between two
versions of them.

One source for two uses: a build keeps the facts of the whole system (``.sigen/system.json``)
and lists what changed in each revision; a drill run records the facts it depended on (its
hosts, services, backup policies and targets), so a later plan can tell whether the run
still proves the system as it is now, and say what changed. The words for each change live
in the templates (``<language>/changes.txt.j2``).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from sigen.plan.evidence import Change
from sigen.plan.system import BackupPolicy, Blueprint, Drill, Host, Service

__all__ = ["SECTIONS", "backup_facts", "compare", "drill_facts", "host_facts",
           "service_facts", "system_facts"]

# Sections in the order a reviewer reads them; fields of each entry in the order they appear.
SECTIONS = ("sites", "networks", "hosts", "services", "backups", "drills")


def host_facts(h: Host) -> dict[str, Any]:
    return {"site": h.site.name, "kind": h.kind, "os": h.os,
            "addresses": [i.address for i in h.interfaces],
            "cpu": h.cpu or None, "memory_gb": h.memory_gb or None}


def service_facts(s: Service) -> dict[str, Any]:
    return {"component": s.component, "hosts": [h.name for h in s.hosts],
            "ports": list(s.ports), "depends_on": [d.name for d in s.depends_on],
            "criticality": s.criticality, "settings": _flat(s.settings)}


def backup_facts(p: BackupPolicy) -> dict[str, Any]:
    return {"protects": p.service.name if p.service else [h.name for h in p.hosts],
            "method": p.method, "every": p.every, "at": p.at,
            "retention": dict(sorted(p.retention.items())),
            "destination": p.destination.name, "rpo": p.rpo, "rto": p.rto}


def drill_facts(d: Drill) -> dict[str, Any]:
    return {"scenario": d.scenario, "target": d.target.name, "recover_on": d.recover_on.name,
            "restore": [p.name for p in d.restore], "frequency": d.frequency,
            "rto": d.success_rto, "rpo": d.success_rpo}


def system_facts(bp: Blueprint) -> dict[str, Any]:
    """The whole system's facts (sorted keys when dumped)."""
    return {
        "system": bp.name,
        "sites": {s.name: {"kind": s.kind} for s in bp.sites},
        "networks": {n.name: {"site": n.site.name, "zone": n.zone, "cidr": n.cidr,
                              "vlan": n.vlan} for n in bp.networks},
        "hosts": {h.name: host_facts(h) for h in bp.hosts},
        "services": {s.name: service_facts(s) for s in bp.services},
        "backups": {p.name: backup_facts(p) for p in bp.backups},
        "drills": {d.name: drill_facts(d) for d in bp.drills},
    }


def _flat(value: Any, prefix: str = "") -> dict[str, Any]:
    """A service's settings as one level of dotted keys (``users.0.name``), JSON values:
    each changed setting is one line of the revision, whatever its depth."""
    if isinstance(value, Mapping) and value and not (
            len(value) == 1 and ("vault" in value or "env" in value)):
        out: dict[str, Any] = {}
        for key, item in value.items():
            out.update(_flat(item, f"{prefix}{key}."))
        return out
    if isinstance(value, list | tuple) and value and any(
            isinstance(v, Mapping | list | tuple) for v in value):
        out = {}
        for i, item in enumerate(value):
            out.update(_flat(item, f"{prefix}{i}."))
        return out
    if not prefix:
        return {}
    plain = json.loads(json.dumps(value, default=str))  # dates as text, like the summary
    return {prefix[:-1]: plain}


def compare(old: Mapping[str, Any] | None, new: Mapping[str, Any],
            sections: Iterable[str] = SECTIONS) -> list[Change]:
    """Differences from ``old`` to ``new`` (empty when the system did not change); with no
    ``old`` there is nothing to compare and the list is empty."""
    if old is None:
        return []
    changes: list[Change] = []
    for section in sections:
        before: Mapping[str, Any] = old.get(section) or {}
        after: Mapping[str, Any] = new.get(section) or {}
        added = tuple(n for n in after if n not in before)
        removed = tuple(n for n in before if n not in after)
        if added:
            changes.append(Change(section, "added", added))
        if removed:
            changes.append(Change(section, "removed", removed))
        for name, entry in after.items():
            previous = before.get(name)
            if previous is None or previous == entry:
                continue
            fields: list[tuple[str, Any, Any]] = []
            for field, value in entry.items():
                if field not in previous:  # summarised by an older sigen: not a change
                    continue
                was = previous.get(field)
                if was == value:
                    continue
                if field == "settings" and isinstance(value, dict):
                    # One field per setting that changed, added or removed.
                    was = was if isinstance(was, dict) else {}
                    fields += [(f"settings.{key}", was.get(key), value.get(key))
                               for key in sorted(set(was) | set(value))
                               if was.get(key) != value.get(key)]
                else:
                    fields.append((field, was, value))
            if fields:
                changes.append(Change(section, "changed", (name,), tuple(fields)))
    return changes
