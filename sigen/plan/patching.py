"""When and how the hosts are patched: the updates and the reboots they need, an action
with impact that the plans state and that must fall inside the maintenance window. Either
each host patches itself in the window (automatic), or patch.yml patches them in batches
(rolling): ``PatchBatch`` is one batch, its hosts each taken out of the load balancers
that send to it (``Drain``), updated, rebooted when required, checked and put back."""

from __future__ import annotations

from dataclasses import dataclass

from sigen.plan.system import Host, Service

__all__ = ["Drain", "PatchBatch", "PatchHost", "PatchWindow"]


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
    updates: str = "security"  # security | all
    method: str = "automatic"  # automatic | rolling

    @property
    def rolling(self) -> bool:
        return self.method == "rolling"

    @property
    def in_window(self) -> bool:
        return bool(self.window_day)


@dataclass(frozen=True, eq=False)
class Drain:
    """``server`` of pool ``pool`` on the load balancer ``balancer``: the host's place in it."""

    balancer: Host
    pool: str
    server: str


@dataclass(frozen=True, eq=False)
class PatchHost:
    """One host of a batch: the load-balancer places it leaves while it is patched, the
    services that others serve meanwhile (``kept``: their other hosts) and those that are
    unavailable until it is back (``interrupted``), and what must run again before it is
    put back: its systemd ``units`` and the TCP ``ports`` its services listen on. A
    hypervisor's ``guests`` go down with it: their services and places are counted here."""

    host: Host
    drains: tuple[Drain, ...]
    guests: tuple[Host, ...]
    kept: tuple[Service, ...]
    interrupted: tuple[Service, ...]
    units: tuple[str, ...]
    ports: tuple[int, ...]


@dataclass(frozen=True, eq=False)
class PatchBatch:
    """``PAT-nnn``: hosts patched at the same time, no two of them sharing a service (nor
    a primary and its standby); the next batch starts when every one is back."""

    id: str
    hosts: tuple[PatchHost, ...]
