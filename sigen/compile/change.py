"""The change request the installation plan is: impact, pre-change backups, go/no-go, and
each step on the window's clock with the latest time its backout can begin."""

from __future__ import annotations

from collections.abc import Mapping

from sigen.plan import BackupJob, Blueprint, InstallStep, Service
from sigen.plan.change import ChangeRequest, Impact, TimedStep

__all__ = ["change_request"]


def _risk(impacts: tuple[Impact, ...], fits: bool) -> str:
    if not fits or any(i.criticality == "critical" for i in impacts):
        return "high"
    return "medium" if impacts else "low"


def change_request(bp: Blueprint, install: tuple[InstallStep, ...],
                   jobs: tuple[BackupJob, ...], dependents: Mapping[str, tuple[Service, ...]],
                   window_minutes: int) -> ChangeRequest:
    """The change's number is the blueprint's, else made by the pipeline from the revision
    the plans get (``numbered``)."""
    change = bp.change
    in_service = set(change.in_service if change else ())
    impacts = tuple(
        Impact(s.service.name, s.id, s.minutes, s.service.criticality,
               tuple(d.name for d in dependents.get(s.service.name, ())))
        for s in install if s.service is not None and s.service.name in in_service)
    protected = {j.policy.service.name: j.id for j in jobs if j.policy.service is not None}
    schedule = []
    elapsed = 0
    for step in install:
        starts, elapsed = elapsed, elapsed + step.minutes
        # Backing out re-runs the previous version of every step done so far, about as long.
        schedule.append(TimedStep(step.id, starts, elapsed, window_minutes - elapsed))
    fits = not window_minutes or elapsed <= window_minutes
    first_impact = next((i.step for i in impacts), install[0].id if install else "")
    return ChangeRequest(
        number=change.number if change else "",
        type=change.type if change else "normal",
        reason=(change.reason if change and change.reason else ""),
        risk=_risk(impacts, fits),
        window_start=change.start if change else "",
        window_minutes=window_minutes,
        impacts=impacts,
        pre_change_backups=tuple(dict.fromkeys(protected[s] for s in sorted(in_service)
                                               if s in protected)),
        in_service_unprotected=tuple(s for s in sorted(in_service) if s not in protected),
        go_no_go_before=first_impact,
        schedule=tuple(schedule),
        fits_window=fits,
    )


def numbered(request: ChangeRequest, system: str, revision: str) -> str:
    """The change number: the blueprint's, else CHG-<SYSTEM>-<revision of the plans>."""
    return request.number or f"CHG-{system.upper()}-{revision}"
