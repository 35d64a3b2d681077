"""``sigen plan``: the whole plan as JSON (or a short summary as text).

The JSON is the plan's own structure, field by field, with sorted keys, so users and tests
see every fact a playbook or a document is made from (docs/plan.md describes it). The
blueprint's entities (sites, networks, hosts, services, backup policies, drills,
environments) appear in full once, under ``blueprint``, and the steps (install, backups,
restores, drills) in their own lists; everywhere else an entity is named (``"web01"``) and a
step given by its ID (``"RST-001"``), never repeated. Values Ansible evaluates at run time
are written as ``{"ansible_expression": "..."}`` so they are never mistaken for text;
durations are seconds; the files of the roles the project copies are shown by their sha256.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Mapping
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sigen.plan import (
    BackupJob,
    BackupPolicy,
    Drill,
    DrillStep,
    Environment,
    Host,
    InstallStep,
    Jinja,
    Network,
    Plan,
    RestoreProcedure,
    Service,
    Site,
)

__all__ = ["FORMAT", "plan_data", "plan_json", "plan_text"]

FORMAT = 1
_ENTITIES = (Site, Network, Host, Service, BackupPolicy, Drill, Environment)
# Steps appear in full in their own list and by ID inside other steps.
_STEPS = (InstallStep, BackupJob, RestoreProcedure, DrillStep)
# Fields of an entity that hold its children in full, not references.
_OWNED = {"interfaces"}


def _ref(value: Any) -> Any:
    """A value inside the plan: entities by name, everything else by its fields."""
    if isinstance(value, _ENTITIES):
        return value.name
    if isinstance(value, _STEPS):
        return value.id
    return _plain(value, _ref)


def _plain(value: Any, inner: Any) -> Any:
    if isinstance(value, Jinja):
        return {"ansible_expression": str(value)}
    if value is None or isinstance(value, str | int | float | bool):
        return value
    if isinstance(value, bytes):  # a file copied into the project (a role's)
        return {"sha256": hashlib.sha256(value).hexdigest()}
    if isinstance(value, Decimal):  # an exact amount: as its digits, never a float
        return str(value)
    if isinstance(value, timedelta):
        return int(value.total_seconds())
    if isinstance(value, date):
        return value.isoformat()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: inner(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, tuple) and hasattr(value, "_asdict"):  # named tuples
        return {k: inner(v) for k, v in value._asdict().items()}
    if isinstance(value, Mapping):
        return {str(k): inner(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [inner(v) for v in value]
    raise TypeError(f"the plan holds a {type(value).__name__}, which JSON cannot show")


def _entity(value: Any) -> Any:
    """An entity in full: its own fields, the entities it refers to by name."""
    out = {}
    for f in dataclasses.fields(value):
        field_value = getattr(value, f.name)
        if f.name in _OWNED:
            out[f.name] = [_plain(v, _ref) for v in field_value]
        else:
            out[f.name] = _ref(field_value)
    return out


def plan_data(plan: Plan) -> dict[str, Any]:
    """The plan as JSON data."""
    bp = plan.blueprint
    blueprint: dict[str, Any] = {}
    for f in dataclasses.fields(bp):
        value = getattr(bp, f.name)
        if isinstance(value, tuple) and value and isinstance(value[0], _ENTITIES):
            blueprint[f.name] = [_entity(v) for v in value]
        else:
            blueprint[f.name] = _ref(value)
    out: dict[str, Any] = {"format": FORMAT, "blueprint": blueprint}
    for f in dataclasses.fields(plan):
        value = getattr(plan, f.name)
        if f.name in ("install", "backups", "restores", "drills"):
            out[f.name] = [_entity(step) for step in value]
        elif f.name != "blueprint":
            out[f.name] = _ref(value)
    return out


def plan_json(plan: Plan) -> str:
    return json.dumps(plan_data(plan), indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def plan_text(plan: Plan) -> str:
    """What the plan holds, in a few lines (the JSON has every fact)."""
    bp = plan.blueprint
    lines = [
        f"Plan of {bp.name} ({bp.title}), blueprint sha256 {bp.sha256}",
        f"  {len(bp.hosts)} hosts, {len(bp.networks)} networks, {len(bp.services)} services "
        f"at {len(bp.sites)} site(s)",
        f"  install: {len(plan.install)} steps, about {plan.install_minutes} min",
    ]
    for step in plan.install:
        lines.append(f"    {step.id} {step.title}")
    for job in plan.backups:
        lines.append(f"  {job.id} backup {job.policy.name}: OnCalendar={job.on_calendar}")
    for proc in plan.restores:
        lines.append(f"  {proc.id} restore {proc.title}")
    for drill in plan.drills:
        lines.append(f"  {drill.id} drill {drill.drill.name} ({drill.drill.scenario})")
    flows = sum(len(f) for f in plan.flows.values())
    lines.append(f"  {flows} firewall flows, {len(plan.checks)} checks, "
                 f"{len(plan.secrets)} secrets")
    lines.append("  (sigen plan --format json shows every fact)")
    return "\n".join(lines) + "\n"
