"""The patch window (``sigen.plan.patching``) from the blueprint's security.patching and
where it falls in the maintenance window, and the batches patch.yml patches the hosts in.
The hardening role is wired from the window; patch.yml and the installation plan's patch
section are made from the batches."""

from __future__ import annotations

from collections.abc import Sequence

from sigen.plan import Blueprint, Host, Plan, Service, parse_duration
from sigen.plan.patching import Drain, PatchBatch, PatchHost, PatchWindow

__all__ = ["PATCH_MINUTES", "SPREAD_MINUTES", "patch_batches", "patch_window", "window_day"]

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
            sec.patch_day, sec.patch_at) if bp.change else "",
        updates=sec.patch_updates, method=sec.patch_method)


def _standby(service: Service) -> bool:
    return service.settings.get("replication_role") == "standby"


def _drains(bp: Blueprint) -> dict[str, list[Drain]]:
    """Per host, its places in the load balancers: a haproxy service balances each of its
    dependencies over that dependency's hosts (as ``sigen.compile.wiring.services``
    wires it; tests/test_patch.py compares the two)."""
    found: dict[str, list[Drain]] = {}
    for balancer in (s for s in bp.services if s.component == "haproxy"):
        for dep in balancer.depends_on:
            for host in dep.hosts:
                found.setdefault(host.name, []).extend(
                    Drain(lb, dep.name, host.name) for lb in balancer.hosts)
    return found


def _guests(bp: Blueprint, host: Host) -> list[Host]:
    """The virtual machines placed on ``host``: a hypervisor's reboot is theirs too."""
    return [g for g in bp.hosts if g.vm is not None and g.vm.hypervisor == host.name]


def _rank(host: Host, services: list[Service]) -> int:
    """Patched first: hosts whose every service goes on elsewhere (another host of it, or a
    standby's primary); then the rest; then the load balancers, which everything passes;
    the hypervisors last, one at a time, as each takes its virtual machines with it."""
    if host.hypervisor is not None:
        return 3
    if any(s.component == "haproxy" for s in services):
        return 2
    return 0 if all(len(s.hosts) > 1 or _standby(s) for s in services) else 1


def _apart(a: list[Service], b: list[Service]) -> bool:
    """Two hosts may be patched together: they share no service, and neither holds a
    standby of a service the other holds (replication would stop on both ends)."""
    if {s.name for s in a} & {s.name for s in b}:
        return False
    return not any(_standby(s) and {d.name for d in s.depends_on} & {t.name for t in other}
                   for mine, other in ((a, b), (b, a)) for s in mine)


def patch_batches(plan: Plan) -> tuple[PatchBatch, ...]:
    """patch.yml's batches, in order: within a rank (``_rank``), each host joins the first
    batch whose hosts it may be patched with (``_apart``; a hypervisor with none), else
    starts one. A hypervisor stands for its virtual machines: their services and their
    places in the load balancers are its own while it is patched."""
    bp = plan.blueprint
    if plan.patching is None:
        return ()
    drains = _drains(bp)
    own = {h.name: [s for s in bp.services if h in s.hosts] for h in bp.hosts}
    guests = {h.name: _guests(bp, h) for h in bp.hosts}
    on = {name: list(dict.fromkeys([*mine, *(s for g in guests[name] for s in own[g.name])]))
          for name, mine in own.items()}
    planned = {h.host: h for h in plan.inventory.hosts} if plan.inventory else {}
    ranked: list[list[list[Host]]] = [[], [], [], []]
    for host in bp.hosts:
        rank = _rank(host, on[host.name])
        batches = ranked[rank]
        spot = None if rank == 3 else next(
            (b for b in batches if all(_apart(on[host.name], on[o.name]) for o in b)), None)
        if spot is None:
            batches.append([host])
        else:
            spot.append(host)
    out: list[PatchBatch] = []
    for batch in (b for rank in ranked for b in rank):
        hosts = []
        for host in batch:
            services = on[host.name]
            leaves = [*drains.get(host.name, ()),
                      *(d for g in guests[host.name] for d in drains.get(g.name, ()))]
            # A service is kept if a host of it is neither this one nor one of its guests.
            gone = {host.name, *(g.name for g in guests[host.name])}
            want = planned.get(host.name)
            hosts.append(PatchHost(
                host=host, drains=tuple(leaves), guests=tuple(guests[host.name]),
                kept=tuple(s for s in services if any(h.name not in gone for h in s.hosts)),
                interrupted=tuple(s for s in services
                                  if all(h.name in gone for h in s.hosts)),
                units=tuple(u.unit for u in want.units) if want else (),
                ports=tuple(p.port for p in want.ports if p.protocol == "tcp"
                            and any(r.kind == "service" for r in p.reasons)) if want else ()))
        out.append(PatchBatch(f"PAT-{len(out) + 1:03d}", tuple(hosts)))
    return tuple(out)
