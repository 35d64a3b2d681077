"""The patch window (``sigen.plan.patching``) from the blueprint's security.patching and
where it falls in the maintenance window. The hardening role is wired from it."""

from __future__ import annotations

from collections.abc import Sequence

from sigen.plan import Blueprint, parse_duration
from sigen.plan.patching import PatchWindow

__all__ = ["PATCH_MINUTES", "SPREAD_MINUTES", "patch_window", "window_day"]

# Updates start within SPREAD_MINUTES of the window's start (systemd RandomizedDelaySec, so
# that hosts do not all fetch and reboot at once) and are in, with the reboot, within the
# hour: the span the plans state and the maintenance window must hold.
SPREAD_MINUTES = 30
PATCH_MINUTES = 60
_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def _minutes(hh_mm: str) -> int:
    hour, minute = (int(x) for x in hh_mm.split(":"))
    return hour * 60 + minute


def window_day(days: Sequence[str], opens_at: str, length_minutes: int, day: str,
               at: str) -> str:
    """The day of the maintenance window (``days`` from ``opens_at`` for ``length_minutes``)
    that holds the patch window of ``day`` at ``at``, or "" (also used by validation)."""
    begin = _DAYS.index(day) * 1440 + _minutes(at)
    week = 7 * 1440
    for window in days:
        opens = _DAYS.index(window) * 1440 + _minutes(opens_at)
        for shift in (-week, 0, week):  # a window that opens on Sunday runs into Monday
            if opens + shift <= begin and begin + PATCH_MINUTES <= opens + shift + length_minutes:
                return window
    return ""


def patch_window(bp: Blueprint) -> PatchWindow | None:
    sec = bp.security
    if not (sec.patch_day and sec.patch_at):
        return None
    start = _minutes(sec.patch_at)
    end = start + PATCH_MINUTES
    return PatchWindow(
        day=sec.patch_day, start=sec.patch_at, minutes=PATCH_MINUTES,
        spread_minutes=SPREAD_MINUTES, ends=f"{end // 60 % 24:02d}:{end % 60:02d}",
        ends_next_day=end >= 1440, reboot=sec.reboot or "when-required",
        timezone=bp.change.timezone if bp.change else "",
        window_day=window_day(
            bp.change.days, bp.change.start,
            int(parse_duration(bp.change.duration).total_seconds()) // 60,
            sec.patch_day, sec.patch_at) if bp.change else "")
