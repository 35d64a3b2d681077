"""Checks that need the plan's derived facts: what a drill's failure takes down, and whether
the drill brings each of those services back (or the blueprint says why not); and whether
every step of the plans has someone responsible for it (SG804)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from sigen.compile.loader import LoadedBlueprint
from sigen.diagnostics import Diagnostic
from sigen.plan import (
    Assignment,
    BackupJob,
    DrillStep,
    Host,
    InstallStep,
    Plan,
    RestoreProcedure,
)

__all__ = ["check_plan"]


def _names(hosts: Sequence[Host]) -> str:
    return ", ".join(h.name for h in hosts)


def check_plan(plan: Plan, loaded: LoadedBlueprint, *,
               warnings: bool = True) -> list[Diagnostic]:
    """Every diagnostic of the plan's facts; only the errors without ``warnings`` (a build
    shows none, and placing one composes the whole text again: 1 s and 180 MB at 10,000
    hosts)."""
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
    diags += _nobody_responsible(plan, loaded, warnings)
    return sorted(diags)


def _where(task: Assignment) -> tuple[str | int, ...]:
    """The blueprint entry a task comes from: its service, backup policy or drill."""
    subject = task.subject
    if isinstance(subject, InstallStep):
        if subject.service is not None:
            return ("services", subject.service.position)
        if subject.policy is not None:
            return ("backups", subject.policy.position)
    if isinstance(subject, BackupJob):
        return ("backups", subject.policy.position)
    if isinstance(subject, RestoreProcedure) and subject.policies:
        return ("backups", subject.policies[0].position)
    if isinstance(subject, DrillStep):
        return ("drills", subject.drill.position)
    return ("system", "stakeholders")


def _nobody_responsible(plan: Plan, loaded: LoadedBlueprint,
                        warnings: bool) -> list[Diagnostic]:
    """A step nobody is responsible for: an error once the blueprint assigns tasks at all
    (responsible_for or owns), so that none is forgotten; while it assigns none, one
    warning (the task list says so plainly) so that blueprints without a team still build."""
    missing = plan.team.unassigned
    if not missing:
        return []
    if not plan.team.assigned:
        if not warnings:
            return []
        ids = [t.id for t in missing]
        shown = ", ".join(ids[:6]) + (f" and {len(ids) - 6} more" if len(ids) > 6 else "")
        where: tuple[str, ...] = (("system", "stakeholders")
                                  if plan.blueprint.stakeholders else ("system",))
        return [replace(loaded.diagnostic(where, "SG804",
                        f"nobody is responsible for {shown}: give stakeholders "
                        "responsible_for (install, backups, drills) or the services they own "
                        "(owns); the task list shows these tasks unassigned"),
                        severity="warning")]
    return [loaded.diagnostic(
        _where(task), "SG804",
        f"nobody is responsible for {task.id}: {_what(task)}; add it to a stakeholder's "
        "owns or responsible_for") for task in missing]


def _what(task: Assignment) -> str:
    subject = task.subject
    if isinstance(subject, InstallStep) and subject.service is not None:
        return f"service {subject.service.name!r} has no owner and nobody holds the install duty"
    if isinstance(subject, InstallStep) and subject.policy is not None:
        return (f"backup policy {subject.policy.name!r}: nobody holds the backups or install "
                "duty, nor owns the service")
    if isinstance(subject, InstallStep):
        return f"{subject.kind} step: nobody holds the install duty"
    if isinstance(subject, BackupJob | RestoreProcedure):
        return "nobody holds the backups duty, nor owns the protected service"
    return "the drill names no participants and nobody holds the drills duty"
