"""The installation plan as a change request (ITIL change enablement): what the change
touches, when each step runs inside the window, and until when it can still be backed out."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["ChangeRequest", "Impact", "TimedStep"]


@dataclass(frozen=True, eq=False)
class Impact:
    """A service in production that a step takes down while it runs."""

    service: str
    step: str  # the INS- step that touches it
    minutes: int  # how long (the step's estimate)
    criticality: str
    dependants: tuple[str, ...]  # services that lose it meanwhile


@dataclass(frozen=True, eq=False)
class TimedStep:
    """An install step on the window's clock: minutes from the window's start."""

    step: str
    starts: int
    ends: int
    # The latest moment (minutes from the window's start) a backout of every step up to
    # and including this one can begin and still end inside the window; negative: never.
    backout_by: int


@dataclass(frozen=True, eq=False)
class ChangeRequest:
    number: str
    type: str  # standard | normal | emergency
    reason: str
    risk: str  # low | medium | high
    window_start: str  # HH:MM, in the window's time zone ("" when no window)
    window_minutes: int
    impacts: tuple[Impact, ...]
    # BAK- plays to run just before the change: the policies of the services in service.
    pre_change_backups: tuple[str, ...]
    in_service_unprotected: tuple[str, ...]  # services in service without a backup policy
    go_no_go_before: str  # the first step with impact (INS-001 when none)
    schedule: tuple[TimedStep, ...]
    fits_window: bool
