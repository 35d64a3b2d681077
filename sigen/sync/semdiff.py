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
from sigen.plan.facts import compare, system_facts
from sigen.sync.manifest import STATE, content_hash

__all__ = ["SYSTEM", "Change", "compare", "summarize", "summary_bytes", "summary_hash"]

SYSTEM = f"{STATE}/system.json"


def summarize(plan: Plan) -> dict[str, Any]:
    """The system's reviewable facts as JSON data (sorted keys when dumped)."""
    return system_facts(plan.blueprint)


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
