"""When the hosts patch themselves: the security updates and the reboots they need, an
automatic action with impact that the plans state and that must fall inside the
maintenance window."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["PatchWindow"]


@dataclass(frozen=True)
class PatchWindow:
    """``day`` (mon..sun) from ``start`` (HH:MM) for ``minutes``: updates start at a random
    moment within the first ``spread_minutes`` and a host that needs it reboots as soon as
    its updates are in (``reboot`` when-required) or never. ``window_day`` is the day of the
    maintenance window the whole patch window falls in ("" when it falls in none)."""

    day: str
    start: str
    minutes: int
    spread_minutes: int
    ends: str  # HH:MM, start + minutes (the next day when it passes midnight)
    ends_next_day: bool
    reboot: str  # when-required | never
    timezone: str
    window_day: str = ""

    @property
    def in_window(self) -> bool:
        return bool(self.window_day)
