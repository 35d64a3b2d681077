"""Checks that need the plan's derived facts: what a drill's failure takes down, and whether
the drill brings each of those services back (or the blueprint says why not)."""

from __future__ import annotations

from collections.abc import Sequence

from sigen.compile.loader import LoadedBlueprint
from sigen.diagnostics import Diagnostic
from sigen.plan import Host, Plan

__all__ = ["check_plan"]


def _names(hosts: Sequence[Host]) -> str:
    return ", ".join(h.name for h in hosts)


def check_plan(plan: Plan, loaded: LoadedBlueprint) -> list[Diagnostic]:
    diags = []
    for step in plan.drills:
        drill = step.drill
        for affected in step.affected:
            if affected.recovery == "not recovered" and not affected.how:
                diags.append(loaded.diagnostic(
                    ("drills", drill.position, "fails"), "SG606",
                    f"drill {drill.name!r} takes service {affected.service.name!r} down "
                    f"(every host of it is lost: {_names(affected.service.hosts)}) "
                    "and nothing brings it back: restore one of its backup policies in the "
                    "drill, give it a host outside the failure, or list it under "
                    "not_recovered with the reason"))
        known = {a.service.name for a in step.affected}
        for pos, name in enumerate(drill.not_recovered):
            if name not in known:
                diags.append(loaded.diagnostic(
                    ("drills", drill.position, "not_recovered", pos, "service"), "SG606",
                    f"drill {drill.name!r} lists {name!r} as not recovered, but its failure "
                    f"does not take it down (it hits: {', '.join(sorted(known)) or 'nothing'})"
                    "; remove the entry"))
    return sorted(diags)
