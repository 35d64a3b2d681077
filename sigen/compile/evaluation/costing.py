"""The placements priced over the period, month by month, and where they break even.

A line pays ``one_time`` at each month of ``purchases`` (servers are bought again at the end
of their lifetime) and ``monthly`` in each month of its ranges; the cumulative cost at month
``t`` counts the purchases made by then and the months before it. Amounts are whole TWD
(each line rounded once), so the report's sums are the sums of the lines it shows.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from decimal import ROUND_HALF_UP, Decimal

from sigen.compile.evaluation.prices import PriceBook
from sigen.compile.evaluation.sizing import (
    Demand,
    Instance,
    Server,
    cloud_region,
    demands,
    hypervisor_server,
    instance_for,
    instance_monthly,
    server_for,
    server_price,
    sized,
    whole,
)
from sigen.plan import (
    Blueprint,
    BreakEven,
    CostLine,
    HostEvaluation,
    Placement,
)

__all__ = ["cumulative", "host_evaluation"]

ZERO = Decimal(0)
HUNDREDTH = Decimal("0.01")
_BAR = 20  # blocks of the longest bar in the report's table


def _hundredths(value: Decimal) -> Decimal:
    """Hours and kWh as the report prints them (2.75, 2.5, 3): the figure it multiplies."""
    rounded = value.quantize(HUNDREDTH, rounding=ROUND_HALF_UP)
    if rounded == rounded.to_integral_value():
        return rounded.quantize(Decimal(1))
    return rounded.normalize()


class _Clock:
    """The period in months, and the lifetime cycles of bought hardware."""

    def __init__(self, book: PriceBook, years: int) -> None:
        self.months = years * 12
        self.book = book

    def purchases(self) -> tuple[int, ...]:
        life = int(self.book.amount("hardware.lifetime_years")) * 12
        return tuple(range(0, self.months, life))

    def support(self) -> tuple[tuple[int, int], ...]:
        """The months after the included warranty of each purchase, within its lifetime."""
        life = int(self.book.amount("hardware.lifetime_years")) * 12
        warranty = int(self.book.amount("hardware.warranty_years")) * 12
        return tuple((p + warranty, min(p + life, self.months)) for p in self.purchases()
                     if p + warranty < min(p + life, self.months))

    def always(self) -> tuple[tuple[int, int], ...]:
        return ((0, self.months),)


def _line(category: str, quantity: Decimal, unit: str, prices: Sequence[str],
          unit_price: Decimal | None, *, one_time: Decimal = ZERO,
          purchases: tuple[int, ...] = (), monthly: Decimal = ZERO,
          months: tuple[tuple[int, int], ...] = (), detail: str = "") -> CostLine:
    one_time, monthly = whole(one_time), whole(monthly)
    total = one_time * len(purchases) + monthly * sum(e - s for s, e in months)
    return CostLine(category=category, quantity=quantity, unit=unit, prices=tuple(prices),
                    unit_price=unit_price, one_time=one_time, purchases=purchases,
                    monthly=monthly, months=months, total=total, detail=detail)


def _by_type(disks: Iterable[tuple[Decimal, str]]) -> dict[str, Decimal]:
    out: dict[str, Decimal] = {}
    for gb, kind in disks:
        out[kind] = out.get(kind, ZERO) + gb
    return {k: out[k] for k in ("ssd", "nvme", "hdd") if k in out}


def _servers(book: PriceBook, clock: _Clock, servers: Sequence[Server],
             storage_copies: int = 1) -> list[CostLine]:
    """Hardware, its disks, support after the warranty, rack space and power."""
    if not servers:
        return []
    lines = []
    purchases = clock.purchases()
    bought = sum((s.price for s in servers), ZERO)
    lines.append(_line("hardware", Decimal(len(servers)), "servers",
                       ("server.base", "server.core", "server.memory_gb"), None,
                       one_time=bought, purchases=purchases))
    disk_cost = ZERO
    for category, backup in (("storage", False), ("backup-storage", True)):
        for kind, gb in _by_type(d for s in servers if s.backup_store == backup
                                 for d in s.disks).items():
            quantity = gb * storage_copies
            price = book.twd(f"disk.{kind}_gb")
            line = _line(category, quantity, "gb", (f"disk.{kind}_gb",), price,
                         one_time=quantity * price, purchases=purchases, detail=kind)
            disk_cost += line.one_time
            lines.append(line)
    support = clock.support()
    if support:
        share = book.amount("hardware.support_share")
        lines.append(_line("hardware-support", whole(bought + disk_cost), "twd",
                           ("hardware.support_share", "hardware.warranty_years",
                            "hardware.lifetime_years"), share,
                           monthly=(bought + disk_cost) * share / 12, months=support))
    units = sum(s.units for s in servers)
    lines.append(_line("rack", Decimal(units), "rack_units", ("rack.unit_month",),
                       book.twd("rack.unit_month"),
                       monthly=units * book.twd("rack.unit_month"), months=clock.always()))
    watts = sum(s.watts for s in servers)
    kwh = _hundredths(watts * book.amount("power.pue") * book.amount("sizing.hours_per_month")
                      / 1000)
    tariff = book.twd("power.tariff_kwh")
    lines.append(_line("power", kwh, "kwh_per_month",
                       ("power.tariff_kwh", "power.pue", "sizing.hours_per_month"), tariff,
                       monthly=kwh * tariff, months=clock.always()))
    return lines


def _os(book: PriceBook, clock: _Clock, hosts: int) -> CostLine:
    price = book.twd("os.debian_host_year")
    return _line("os-licence", Decimal(hosts), "hosts", ("os.debian_host_year",), price,
                 monthly=hosts * price / 12, months=clock.always())


def _hypervisor_licence(book: PriceBook, clock: _Clock, hypervisors: int) -> CostLine:
    sockets = hypervisors * int(book.amount("sizing.hypervisor_sockets"))
    price = book.twd("hypervisor.socket_year")
    return _line("hypervisor-licence", Decimal(sockets), "sockets",
                 ("hypervisor.socket_year", "sizing.hypervisor_sockets"), price,
                 monthly=sockets * price / 12, months=clock.always())


def _cloud(book: PriceBook, clock: _Clock, region: tuple[str, str],
           placed: Sequence[tuple[Demand, Instance]], egress: Decimal) -> list[CostLine]:
    """Instances, their volumes (backup stores' as backup storage) and traffic out."""
    if not placed:
        return []
    provider, name = region
    lines = [_line("instances", Decimal(len(placed)), "instances",
                   tuple(dict.fromkeys(i.key for _, i in placed)), None,
                   monthly=sum((instance_monthly(book, i) for _, i in placed), ZERO),
                   months=clock.always(), detail=f"{provider} {name}")]
    for category, backup in (("storage", False), ("backup-storage", True)):
        volumes = _by_type(d for demand, _ in placed if demand.backup_store == backup
                           for d in demand.disks)
        merged: dict[str, Decimal] = {}
        for kind, gb in volumes.items():
            cls = "hdd" if kind == "hdd" else "ssd"
            merged[cls] = merged.get(cls, ZERO) + gb
        for cls, gb in merged.items():
            key = f"storage.{provider}.{name}.{cls}_gb_month"
            price = book.twd(key)
            lines.append(_line(category, gb, "gb_month", (key,), price, monthly=gb * price,
                               months=clock.always(), detail=f"{cls}, {provider} {name}"))
    if egress:
        key = f"traffic.{provider}.{name}.egress_gb"
        price = book.twd(key)
        lines.append(_line("traffic", egress, "gb_per_month",
                           (key, "traffic.egress_gb_month"), price, monthly=egress * price,
                           months=clock.always()))
    return lines


def _staff(book: PriceBook, clock: _Clock, install_hours: Decimal,
           counts: Sequence[tuple[str, int]], cloud_setup: bool) -> list[CostLine]:
    """Installation (the installation plan's hours and provisioning each machine) and
    operation, at the staff rate."""
    rate = book.twd("staff.hour")
    once = install_hours
    keys = ["staff.hour"]
    monthly_hours = ZERO
    for kind, count in counts:
        if not count:
            continue
        once += count * book.amount(f"staff.{kind}_install_hours")
        monthly_hours += count * book.amount(f"staff.{kind}_hours_month")
        keys.append(f"staff.{kind}_install_hours")
    if cloud_setup:
        once += book.amount("staff.cloud_setup_hours")
        keys.append("staff.cloud_setup_hours")
    once = _hundredths(once)
    monthly_hours = _hundredths(monthly_hours)
    operation_keys = ["staff.hour"] + [f"staff.{k}_hours_month" for k, c in counts if c]
    return [_line("staff-install", once, "hours", keys, rate, one_time=once * rate,
                  purchases=(0,)),
            _line("staff-operation", monthly_hours, "hours_per_month", operation_keys, rate,
                  monthly=monthly_hours * rate, months=clock.always())]


def _merge(lines: Sequence[CostLine]) -> tuple[CostLine, ...]:
    """Lines alike in all but quantity made one (the parts of a hybrid placement: the
    operating systems of its physical hosts, VMs and instances)."""
    kept: dict[tuple[object, ...], CostLine] = {}
    for line in lines:
        key = (line.category, line.detail, line.unit, line.unit_price, line.purchases,
               line.months, line.prices)
        old = kept.get(key)
        kept[key] = line if old is None else CostLine(
            category=line.category, quantity=old.quantity + line.quantity, unit=line.unit,
            prices=line.prices, unit_price=line.unit_price,
            one_time=old.one_time + line.one_time, purchases=line.purchases,
            monthly=old.monthly + line.monthly, months=line.months,
            total=old.total + line.total, detail=line.detail)
    return tuple(kept.values())


def cumulative(lines: Sequence[CostLine], month: int) -> Decimal:
    """What the lines have cost by month ``month`` (0: the purchases at the start)."""
    total = ZERO
    for line in lines:
        total += line.one_time * sum(1 for p in line.purchases if p <= month)
        total += line.monthly * sum(max(0, min(e, month) - s) for s, e in line.months)
    return total


def _placement(kind: str, as_designed: bool, lines: Sequence[CostLine], years: int, *,
               servers: int = 0, hypervisors: int = 0, vms: int = 0, instances: int = 0,
               unpriced: Sequence[str] = ()) -> Placement:
    lines = tuple(lines)
    total = sum((line.total for line in lines), ZERO)
    build = cumulative(lines, 0)
    operation = total - build
    return Placement(
        kind=kind, as_designed=as_designed, lines=lines, build=build, operation=operation,
        total=total, per_year=whole(operation / years),
        cumulative=tuple(cumulative(lines, 12 * y) for y in range(years + 1)),
        servers=servers, hypervisors=hypervisors, vms=vms, instances=instances,
        unpriced=tuple(unpriced), total_thousands=0, bar=0)


def _hypervisors(book: PriceBook, bp: Blueprint, load: Sequence[Demand]
                 ) -> tuple[list[Server], set[str]]:
    """The virtual placement's hypervisors: the blueprint's, and standard ones for what does
    not fit on them (N+1 when all are standard). Also the hosts already VMs on the
    blueprint's hypervisors (their disks are the hypervisors')."""
    own = [h for h in bp.hosts if h.hypervisor is not None and h.hardware is not None]
    servers = [hypervisor_server(book, h) for h in own]
    vcpus = sum(d.vcpus for d in load)
    memory = sum((d.memory_gb for d in load), ZERO)
    for host in own:
        assert host.hypervisor is not None and host.hardware is not None
        vcpus -= int(host.hardware.cpu_cores * Decimal(str(host.hypervisor.vcpu_ratio)))
        memory -= (Decimal(str(host.hardware.memory_gb)) *
                   Decimal(str(host.hypervisor.memory_ratio))
                   - Decimal(str(host.hypervisor.reserved_memory_gb)))
    cores = int(book.amount("sizing.hypervisor_cores"))
    size = book.amount("sizing.hypervisor_memory_gb")
    usable = size - book.amount("sizing.hypervisor_reserved_gb")
    ratio = book.amount("sizing.vcpu_ratio")
    extra = max(math.ceil(Decimal(max(vcpus, 0)) / (cores * ratio)),
                math.ceil(max(memory, ZERO) / usable))
    if not own:
        extra = max(extra, 1) + int(book.amount("sizing.hypervisor_spare"))
    price = server_price(book, cores, size)
    for n in range(extra):
        watts = int(whole(book.amount("power.server_watts")
                          + cores * book.amount("power.core_watts")))
        servers.append(Server(f"hypervisor-{n + 1}", cores, size, (), watts, True, 2, price,
                              False))
    hosted = {h.name for h in bp.hosts if h.vm is not None}
    return servers, hosted if own else set()


def _virtual_storage(book: PriceBook, clock: _Clock, load: Sequence[Demand],
                     hosted: set[str]) -> list[CostLine]:
    """The disks of VMs not on the blueprint's hypervisors, in ``sizing.storage_copies``."""
    copies = int(book.amount("sizing.storage_copies"))
    lines = []
    for category, backup in (("storage", False), ("backup-storage", True)):
        for kind, gb in _by_type(d for x in load if x.host.name not in hosted
                                 and x.backup_store == backup for d in x.disks).items():
            quantity = gb * copies
            price = book.twd(f"disk.{kind}_gb")
            lines.append(_line(category, quantity, "gb", (f"disk.{kind}_gb",
                                                          "sizing.storage_copies"), price,
                               one_time=quantity * price, purchases=clock.purchases(),
                               detail=kind))
    return lines


def _egress(book: PriceBook, bp: Blueprint) -> Decimal:
    given = bp.evaluation.egress_gb_per_month
    return given if given is not None else book.amount("traffic.egress_gb_month")


def host_evaluation(bp: Blueprint, install_minutes: int) -> HostEvaluation:
    """The host evaluation of a blueprint whose installation plan takes ``install_minutes``."""
    book = PriceBook({o.key: o for o in bp.evaluation.overrides})
    years = bp.evaluation.period_years
    clock = _Clock(book, years)
    install_hours = _hundredths(Decimal(install_minutes) / 60)
    region = cloud_region(book, bp.hosts)
    egress = _egress(book, bp)
    everything = demands(book, bp.hosts)
    unknown = [d.host.name for d in everything if d.vcpus == 0]
    load = [d for d in everything if d.vcpus > 0]
    servers = {d.host.name: server_for(book, d) for d in load}
    fitted = {d.host.name: instance_for(book, d, region) for d in load}
    no_instance = [name for name, i in fitted.items() if i is None]

    physical = _placement(
        "physical", False,
        [*_servers(book, clock, list(servers.values())), _os(book, clock, len(load)),
         *_staff(book, clock, install_hours, [("server", len(load))], False)], years,
        servers=len(load), unpriced=unknown)

    hypervisors, hosted = _hypervisors(book, bp, load)
    virtual = _placement(
        "virtual", False,
        _servers(book, clock, hypervisors) + _virtual_storage(book, clock, load, hosted)
        + [_hypervisor_licence(book, clock, len(hypervisors)), _os(book, clock, len(load))]
        + _staff(book, clock, install_hours,
                 [("hypervisor", len(hypervisors)), ("vm", len(load))], False),
        years, servers=len(hypervisors), hypervisors=len(hypervisors), vms=len(load),
        unpriced=unknown)

    in_cloud = [(d, i) for d in load if (i := fitted[d.host.name]) is not None]
    cloud = _placement(
        "cloud", False,
        [*_cloud(book, clock, region, in_cloud, egress), _os(book, clock, len(in_cloud)),
         *_staff(book, clock, install_hours, [("instance", len(in_cloud))], True)], years,
        instances=len(in_cloud), unpriced=unknown + no_instance)

    placements = [physical, virtual, cloud]
    hybrid = _hybrid(book, clock, bp, load, servers, install_hours, egress, unknown)
    designed = _designed(load, bp)
    if hybrid is not None and designed == "hybrid":
        placements.append(hybrid)
    placements = [_mark(p, p.kind == designed) for p in placements]
    placements = _scaled(placements)
    cheapest, break_even = _compare(placements)
    return HostEvaluation(
        period_years=years, catalog_version=book.source.version,
        catalog_date=book.source.date, cloud_provider=region[0], cloud_region=region[1],
        hosts=tuple(sized(book, d, servers[d.host.name], fitted[d.host.name]) for d in load),
        placements=tuple(placements), prices=book.prices(), cheapest=cheapest,
        break_even=break_even, workload_vcpus=sum(d.vcpus for d in load),
        workload_memory_gb=sum((d.memory_gb for d in load), ZERO),
        workload_disk_gb=sum((d.disk_gb for d in load), ZERO), install_hours=install_hours,
        egress_gb_per_month=egress, chart_max=max((p.total_thousands for p in placements),
                                                  default=0),
        rates=book.rates())


def _designed(load: Sequence[Demand], bp: Blueprint) -> str:
    kinds = {d.host.kind for d in load}
    if kinds == {"physical"}:
        return "physical"
    if kinds == {"vm"}:
        return "virtual"
    if kinds == {"cloud"}:
        return "cloud"
    return "hybrid"


def _hybrid(book: PriceBook, clock: _Clock, bp: Blueprint, load: Sequence[Demand],
            servers: dict[str, Server], install_hours: Decimal, egress: Decimal,
            unknown: list[str]) -> Placement | None:
    """The blueprint as designed when it mixes physical hosts, VMs and cloud instances."""
    physical = [servers[d.host.name] for d in load if d.host.kind == "physical"]
    vms = [d for d in load if d.host.kind == "vm"]
    in_cloud = [d for d in load if d.host.kind == "cloud"]
    lines = _servers(book, clock, physical)
    hypervisors: list[Server] = []
    if vms:
        hypervisors, hosted = _hypervisors(book, bp, vms)
        lines += _servers(book, clock, hypervisors)
        lines += _virtual_storage(book, clock, vms, hosted)
        lines.append(_hypervisor_licence(book, clock, len(hypervisors)))
    placed = []
    unpriced = list(unknown)
    for demand in in_cloud:
        cloud = demand.host.cloud
        assert cloud is not None
        instance = instance_for(book, demand, (cloud.provider, cloud.region))
        if instance is None or instance.type != cloud.instance_type:
            unpriced.append(demand.host.name)
        else:
            placed.append((demand, instance))
    regions = list(dict.fromkeys((d.host.cloud.provider, d.host.cloud.region)
                                 for d, _ in placed if d.host.cloud is not None))
    public = [s for s in bp.services if "any" in s.allow_from]
    for region in regions:
        mine = [(d, i) for d, i in placed if d.host.cloud is not None
                and (d.host.cloud.provider, d.host.cloud.region) == region]
        # Traffic to the internet leaves from the cloud only when a public service runs
        # there alone.
        out = egress if public and all(h.kind == "cloud" for s in public for h in s.hosts) \
            else ZERO
        lines += _cloud(book, clock, region, mine, out)
        if physical or vms:
            key = f"vpn.{region[0]}.{region[1]}.connection_hour"
            if book.has(key):
                price = book.twd(key)
                hours = book.amount("sizing.hours_per_month")
                lines.append(_line("vpn", Decimal(1), "connections",
                                   (key, "sizing.hours_per_month"), price * hours,
                                   monthly=price * hours, months=clock.always(),
                                   detail=f"{region[0]} {region[1]}"))
    lines.append(_os(book, clock, len(physical) + len(vms) + len(placed)))
    lines += _staff(book, clock, install_hours,
                    [("server", len(physical)), ("hypervisor", len(hypervisors)),
                     ("vm", len(vms)), ("instance", len(placed))], bool(placed))
    return _placement("hybrid", True, _merge(lines), clock.months // 12,
                      servers=len(physical) + len(hypervisors), hypervisors=len(hypervisors),
                      vms=len(vms), instances=len(placed), unpriced=unpriced)


def _mark(placement: Placement, as_designed: bool) -> Placement:
    from dataclasses import replace

    return replace(placement, as_designed=as_designed)


def _scaled(placements: list[Placement]) -> list[Placement]:
    """The chart's figures: totals in thousands, and bars of the longest's length."""
    from dataclasses import replace

    top = max((p.total for p in placements), default=ZERO)
    out = []
    for p in placements:
        thousands = int(whole(p.total / 1000))
        bar = int(whole(p.total * _BAR / top)) if top else 0
        out.append(replace(p, total_thousands=thousands, bar=bar))
    return out


def _compare(placements: Sequence[Placement]) -> tuple[str, tuple[BreakEven, ...]]:
    """The cheapest placement over the period, and for each other, until which month it
    was the cheaper one (its break-even with the cheapest). Nothing is compared while a
    placement leaves hosts unpriced."""
    if any(p.unpriced for p in placements):
        return "", ()
    best = min(placements, key=lambda p: (p.total, p.kind))
    months = len(best.cumulative) * 12 - 12
    out = []
    for other in placements:
        if other is best:
            continue
        month = None
        if cumulative(other.lines, 0) < cumulative(best.lines, 0):
            # The first month from which the cheapest stays at or below the other.
            month = months
            for t in range(months, -1, -1):
                if cumulative(best.lines, t) > cumulative(other.lines, t):
                    break
                month = t
        out.append(BreakEven(other.kind, best.kind, month))
    return best.kind, tuple(out)
