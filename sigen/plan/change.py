"""The installation plan as a change request (ITIL change enablement): what the change
touches, when each step runs inside the window, and until when it can still be backed out."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["ChangeRequest", "Clock", "Impact", "TimedStep", "Unprotected"]


@dataclass(frozen=True)
class Clock:
    """A time on the window's clock: ``time`` (HH:MM in the window's time zone) on the
    window's first day plus ``day`` days. Empty ``time``: the plan has no window."""

    time: str
    day: int = 0


@dataclass(frozen=True, eq=False)
class Impact:
    """A service in production that a step takes down while it runs."""

    service: str
    step: str  # the INS- step that touches it
    minutes: int  # how long (the step's estimate)
    criticality: str
    dependants: tuple[str, ...]  # services that lose it meanwhile


@dataclass(frozen=True)
class Unprotected:
    """A service in service holding data that the change cannot back up first, and why:
    it has no backup policy (``store`` empty), or its backup store is itself installed by the change
    (``store``: that host), so no backup of sigen's exists yet."""

    service: str
    store: str = ""


@dataclass(frozen=True, eq=False)
class TimedStep:
    """An install step on the window's clock: minutes from the window's start."""

    step: str
    starts: int
    ends: int
    # The latest moment (minutes from the window's start) a backout of every step up to
    # and including this one can begin and still end inside the window; negative: never.
    backout_by: int
    # The same moments on the window's clock; ``backout_at`` is empty when the backout no
    # longer fits (``backout_by < ends``: past the point of no return).
    starts_at: Clock = Clock("")
    ends_at: Clock = Clock("")
    backout_at: Clock = Clock("")

    @property
    def can_back_out(self) -> bool:
        return self.backout_by >= self.ends


@dataclass(frozen=True, eq=False)
class ChangeRequest:
    number: str
    type: str  # standard | normal | emergency
    reason: str
    risk: str  # low | medium | high
    # Why: ("window", "") the steps take longer than the window; ("critical", service) a
    # critical service is interrupted; ("interrupted", service) a service in use is;
    # ("unprotected", service) a service in use cannot be backed up before the change.
    # High with any window or critical factor, medium with any other, low with none.
    risk_factors: tuple[tuple[str, str], ...]
    window_start: str  # HH:MM, in the window's time zone ("" when no window)
    window_minutes: int
    impacts: tuple[Impact, ...]
    # BAK- plays to run just before the change: the policies of the services in service.
    pre_change_backups: tuple[str, ...]
    in_service_unprotected: tuple[Unprotected, ...]
    go_no_go_before: str  # the first step: the decision precedes every change
    schedule: tuple[TimedStep, ...]
    fits_window: bool
    # The last step after which a complete backout still ends inside the window ("" when
    # even the first does not fit, or there is no window).
    last_safe_step: str = ""
    go_no_go_at: Clock = Clock("")
