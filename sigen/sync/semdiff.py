"""The system view of a change: what a reviewer needs to know, not which bytes moved.

``summarize`` reduces a plan to the facts the plans are about (hosts, networks, services and
where they run, ports, dependencies, backup schedules, retention, RPO/RTO, drills), as plain
JSON data; a build keeps it in ``.sigen/system.json`` so the next build can compare without
the old blueprint. ``compare`` lists the differences as ``Change`` records; the words for
them live in the templates (``<language>/changes.txt.j2``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from sigen.plan import Plan
from sigen.plan.evidence import Change
from sigen.sync.manifest import STATE, content_hash

__all__ = ["SYSTEM", "Change", "compare", "summarize", "summary_bytes", "summary_hash"]

SYSTEM = f"{STATE}/system.json"
# Sections in the order a reviewer reads them; fields of each entry in the order they appear.
_SECTIONS = ("sites", "networks", "hosts", "services", "backups", "drills")


def summarize(plan: Plan) -> dict[str, Any]:
    """The system's reviewable facts as JSON data (sorted keys when dumped)."""
    bp = plan.blueprint
    return {
        "system": bp.name,
        "sites": {s.name: {"kind": s.kind} for s in bp.sites},
        "networks": {n.name: {"site": n.site.name, "zone": n.zone, "cidr": n.cidr,
                              "vlan": n.vlan} for n in bp.networks},
        "hosts": {h.name: {
            "site": h.site.name, "kind": h.kind, "os": h.os,
            "addresses": [i.address for i in h.interfaces],
            "cpu": h.cpu or None, "memory_gb": h.memory_gb or None,
        } for h in bp.hosts},
        "services": {s.name: {
            "component": s.component, "hosts": [h.name for h in s.hosts],
            "ports": list(s.ports), "depends_on": [d.name for d in s.depends_on],
            "criticality": s.criticality, "settings": _flat(s.settings),
        } for s in bp.services},
        "backups": {p.name: {
            "protects": p.service.name if p.service else [h.name for h in p.hosts],
            "method": p.method, "every": p.every, "at": p.at,
            "retention": dict(sorted(p.retention.items())),
            "destination": p.destination.name, "rpo": p.rpo, "rto": p.rto,
        } for p in bp.backups},
        "drills": {d.name: {
            "scenario": d.scenario, "target": d.target.name, "recover_on": d.recover_on.name,
            "restore": [p.name for p in d.restore], "frequency": d.frequency,
            "rto": d.success_rto, "rpo": d.success_rpo,
        } for d in bp.drills},
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


# Encoders built once: json.dumps with options builds a new encoder per call, which was
# most of writing the summary of 10,000 hosts (one call per entry).
_ENTRY = json.JSONEncoder(sort_keys=True, ensure_ascii=False).encode
_NAME = json.JSONEncoder(ensure_ascii=False).encode


def summary_bytes(summary: Mapping[str, Any]) -> bytes:
    """The summary as deterministic JSON (one entry per line keeps diffs readable)."""
    lines = ["{"]
    keys = sorted(summary)
    for i, key in enumerate(keys):
        value = summary[key]
        comma = "," if i < len(keys) - 1 else ""
        if isinstance(value, dict) and value:
            lines.append(f" {json.dumps(key)}: {{")
            names = sorted(value)
            for j, name in enumerate(names):
                lines.append(f"  {_NAME(name)}: {_ENTRY(value[name])}"
                             + ("," if j < len(names) - 1 else ""))
            lines.append(f" }}{comma}")
        else:
            lines.append(f" {json.dumps(key)}: {json.dumps(value, sort_keys=True)}{comma}")
    return ("\n".join(lines) + "\n}\n").encode()


def summary_hash(summary: Mapping[str, Any]) -> str:
    return content_hash(summary_bytes(summary))


def compare(old: Mapping[str, Any] | None, new: Mapping[str, Any]) -> list[Change]:
    """Differences from ``old`` to ``new`` (empty when the system did not change); with no
    ``old`` there is nothing to compare and the list is empty."""
    if old is None:
        return []
    changes: list[Change] = []
    for section in _SECTIONS:
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
