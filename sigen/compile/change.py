"""The change request the installation plan is: impact, pre-change backups, go/no-go, and
each step on the window's clock with the latest time its backout can begin."""

from __future__ import annotations

from collections.abc import Mapping

from sigen.plan import BackupJob, Blueprint, InstallStep, Service
from sigen.plan.change import ChangeRequest, Clock, Impact, TimedStep, Unprotected

__all__ = ["change_request"]


def _risk_factors(impacts: tuple[Impact, ...], unprotected: tuple[Unprotected, ...],
                  fits: bool) -> tuple[tuple[str, str], ...]:
    factors = [] if fits else [("window", "")]
    factors += [("critical" if i.criticality == "critical" else "interrupted", i.service)
                for i in impacts]
    factors += [("unprotected", u.service) for u in unprotected]
    return tuple(factors)


def _risk(factors: tuple[tuple[str, str], ...]) -> str:
    if any(kind in ("window", "critical") for kind, _ in factors):
        return "high"
    return "medium" if factors else "low"


def _clock(start: str, minutes: int) -> Clock:
    """``minutes`` after the window opens at ``start`` (HH:MM)."""
    if not start:
        return Clock("")
    hours, mins = (int(x) for x in start.split(":"))
    day, minute = divmod(hours * 60 + mins + minutes, 24 * 60)
    return Clock(f"{minute // 60:02d}:{minute % 60:02d}", day)


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
    # A policy backs its service up before the change only when the store it writes to is
    # already in service; a store this change installs holds nothing yet.
    serving = {h.name for s in bp.services if s.name in in_service for h in s.hosts}
    jobs_of = {j.policy.service.name: j for j in jobs if j.policy.service is not None}
    protected = {name: j.id for name, j in jobs_of.items()
                 if j.policy.destination.name in serving}
    start = change.start if change and window_minutes else ""
    schedule = []
    elapsed = 0
    for step in install:
        starts, elapsed = elapsed, elapsed + step.minutes
        # Backing out re-runs the previous version of every step done so far, about as long.
        backout_by = window_minutes - elapsed
        schedule.append(TimedStep(
            step.id, starts, elapsed, backout_by, _clock(start, starts),
            _clock(start, elapsed),
            _clock(start, backout_by) if window_minutes and backout_by >= elapsed
            else Clock("")))
    fits = not window_minutes or elapsed <= window_minutes
    # Go/no-go before anything changes: even the base steps touch the hosts in service.
    first_impact = install[0].id if install else ""
    safe = [t.step for t in schedule if window_minutes and t.can_back_out]
    go_at = next((t.starts for t in schedule if t.step == first_impact), 0)
    # A service in use without data of its own (a load balancer) loses nothing a backup
    # would keep: its configuration is the project's.
    holds_data = {s.name for s in bp.services if s.data} | set(jobs_of)
    unprotected = tuple(
        Unprotected(s, jobs_of[s].policy.destination.name if s in jobs_of else "")
        for s in sorted(in_service & holds_data) if s not in protected)
    factors = _risk_factors(impacts, unprotected, fits)
    return ChangeRequest(
        number=change.number if change else "",
        type=change.type if change else "normal",
        reason=(change.reason if change and change.reason else ""),
        risk=_risk(factors),
        risk_factors=factors,
        window_start=change.start if change else "",
        window_minutes=window_minutes,
        impacts=impacts,
        pre_change_backups=tuple(dict.fromkeys(protected[s] for s in sorted(in_service)
                                               if s in protected)),
        in_service_unprotected=unprotected,
        go_no_go_before=first_impact,
        schedule=tuple(schedule),
        fits_window=fits,
        last_safe_step=safe[-1] if safe else "",
        go_no_go_at=_clock(start, go_at),
    )


def numbered(request: ChangeRequest, system: str, revision: str) -> str:
    """The change number: the blueprint's, else CHG-<SYSTEM>-<revision of the plans>."""
    return request.number or f"CHG-{system.upper()}-{revision}"
