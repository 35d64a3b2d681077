"""Each host of the workload as each placement counts it: a physical server of its size, a
VM of its vCPUs and memory, the cheapest cloud instance type it fits in.

The workload is every host but the hypervisors (they carry VMs; they are the virtual
placement's own servers). A physical core counts as ``sizing.vcpus_per_core`` vCPUs both
ways, so each placement runs the same capacity the blueprint gives (like for like; a
smaller instance may do: measure, then override).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal

from sigen.compile.evaluation.prices import PriceBook, decimal
from sigen.plan import Host, HostSizing

__all__ = ["Demand", "Instance", "Server", "cloud_region", "demands", "instances_in",
           "server_for", "sized", "whole"]

ONE = Decimal(1)


def whole(value: Decimal) -> Decimal:
    """Whole TWD, half up: the unit of every amount the report prints."""
    return value.quantize(ONE, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Instance:
    key: str  # instance.<provider>.<region>.<type>
    type: str
    vcpus: int
    memory_gb: Decimal


@dataclass(frozen=True)
class Demand:
    """What one host of the workload needs."""

    host: Host
    vcpus: int  # 0: unknown (a cloud instance type without a catalog entry)
    memory_gb: Decimal
    disks: tuple[tuple[Decimal, str], ...]  # (GB, ssd | nvme | hdd)
    backup_store: bool

    @property
    def disk_gb(self) -> Decimal:
        return sum((gb for gb, _ in self.disks), Decimal(0))


@dataclass(frozen=True)
class Server:
    """A physical server a placement buys: a host's own (physical, as designed), one sized
    for a host, or a hypervisor."""

    name: str
    cores: int
    memory_gb: Decimal
    disks: tuple[tuple[Decimal, str], ...]
    watts: int
    watts_assumed: bool
    units: int
    price: Decimal  # chassis, cores and memory; the disks are priced as storage
    backup_store: bool


def instances_in(book: PriceBook, provider: str, region: str) -> list[Instance]:
    """The instance types the catalog prices in a region, in catalog order."""
    prefix = f"instance.{provider}.{region}."
    return [Instance(key, key.removeprefix(prefix), int(entry["vcpus"]),
                     decimal(entry["memory_gb"]))
            for key, entry in book.entries.items() if key.startswith(prefix)]


def cloud_region(book: PriceBook, hosts: tuple[Host, ...]) -> tuple[str, str]:
    """The cloud placement's region: the blueprint's first cloud region the catalog prices,
    else the catalog's default."""
    for host in hosts:
        if host.cloud is not None and instances_in(book, host.cloud.provider,
                                                   host.cloud.region):
            return host.cloud.provider, host.cloud.region
    return book.source.default_cloud


def _instance_size(book: PriceBook, host: Host) -> Instance | None:
    """The size of a cloud host's instance type: from its own region's entry, else any
    region's (sizes do not vary by region)."""
    assert host.cloud is not None
    cloud = host.cloud
    suffix = f".{cloud.instance_type}"
    for key, entry in book.entries.items():
        if key.startswith(f"instance.{cloud.provider}.") and key.endswith(suffix) and \
                key.count(".") - cloud.instance_type.count(".") == 3:
            return Instance(key, cloud.instance_type, int(entry["vcpus"]),
                            decimal(entry["memory_gb"]))
    return None


def _usable(size_gb: Decimal, count: int, raid: int | None) -> Decimal:
    """The capacity a set of disks gives once RAID has kept its copies or parity."""
    raw = size_gb * count
    if raid in (1, 10) and count > 1:
        return raw / 2
    if raid in (5, 50) and count > 2:
        return size_gb * (count - 1)
    if raid in (6, 60) and count > 3:
        return size_gb * (count - 2)
    return raw


def raw_disks(host: Host) -> tuple[tuple[Decimal, str], ...]:
    """The disks a physical host's owner buys: every one, raw."""
    assert host.hardware is not None
    return tuple((decimal(d.size_gb) * d.count, d.type or "ssd") for d in host.hardware.disks)


def _disks(host: Host, book: PriceBook) -> tuple[tuple[Decimal, str], ...]:
    """The capacity the host's data needs (a cloud volume or a VM disk is kept redundant
    by the platform)."""
    if host.hardware is not None:
        return tuple((_usable(decimal(d.size_gb), d.count, d.raid), d.type or "ssd")
                     for d in host.hardware.disks)
    if host.vm is not None:
        return tuple((decimal(d.size_gb) * d.count, d.type or "ssd") for d in host.vm.disks)
    if host.cloud is not None and host.cloud.disks:
        return tuple((decimal(d.size_gb) * d.count, d.type or "ssd")
                     for d in host.cloud.disks)
    return ((book.amount("sizing.cloud_disk_gb"), "ssd"),)


def demands(book: PriceBook, hosts: tuple[Host, ...]) -> list[Demand]:
    per_core = int(book.amount("sizing.vcpus_per_core"))
    out = []
    for host in hosts:
        if host.hypervisor is not None:
            continue
        backup = any(s.component == "backup_server" for s in host.services)
        if host.hardware is not None:
            vcpus, memory = host.hardware.cpu_cores * per_core, decimal(host.hardware.memory_gb)
        elif host.vm is not None:
            vcpus, memory = host.vm.vcpus, decimal(host.vm.memory_gb)
        else:
            size = _instance_size(book, host)
            vcpus, memory = (size.vcpus, size.memory_gb) if size else (0, Decimal(0))
        out.append(Demand(host, vcpus, memory, _disks(host, book), backup))
    return out


def _watts(book: PriceBook, cores: int, given: int | None) -> tuple[int, bool]:
    if given is not None:
        return given, False
    estimate = book.amount("power.server_watts") + cores * book.amount("power.core_watts")
    return int(whole(estimate)), True


def _units(book: PriceBook, cores: int) -> int:
    return 1 if cores <= int(book.amount("sizing.two_unit_cores")) else 2


def server_price(book: PriceBook, cores: int, memory_gb: Decimal) -> Decimal:
    return whole(book.twd("server.base") + cores * book.twd("server.core")
                 + memory_gb * book.twd("server.memory_gb"))


def server_for(book: PriceBook, demand: Demand) -> Server:
    """The physical server of a host in the physical placement: its own hardware, else the
    smallest server of at least its size."""
    hw = demand.host.hardware
    if hw is not None:
        cores, memory = hw.cpu_cores, decimal(hw.memory_gb)
        watts, assumed = _watts(book, cores, hw.power_watts)
        units = hw.rack.height_u if hw.rack is not None else _units(book, cores)
        disks = raw_disks(demand.host)
    else:
        per_core = int(book.amount("sizing.vcpus_per_core"))
        cores = max(int(book.amount("sizing.min_server_cores")),
                    math.ceil(demand.vcpus / per_core))
        memory = max(book.amount("sizing.min_server_memory_gb"),
                     demand.memory_gb.to_integral_value(rounding=ROUND_CEILING))
        watts, assumed = _watts(book, cores, None)
        units = _units(book, cores)
        # Mirrored, as the platform it replaces kept it.
        copies = book.amount("sizing.storage_copies")
        disks = tuple((gb * copies, kind) for gb, kind in demand.disks)
    return Server(demand.host.name, cores, memory, disks, watts, assumed, units,
                  server_price(book, cores, memory), demand.backup_store)


def hypervisor_server(book: PriceBook, host: Host) -> Server:
    """A hypervisor host of the blueprint, as the virtual placement buys it."""
    hw = host.hardware
    assert hw is not None
    cores, memory = hw.cpu_cores, decimal(hw.memory_gb)
    watts, assumed = _watts(book, cores, hw.power_watts)
    units = hw.rack.height_u if hw.rack is not None else _units(book, cores)
    return Server(host.name, cores, memory, raw_disks(host), watts, assumed, units,
                  server_price(book, cores, memory), False)


def instance_for(book: PriceBook, demand: Demand, region: tuple[str, str]
                 ) -> Instance | None:
    """The host's own instance type when it is a cloud host priced in ``region``, else the
    cheapest type there with at least its vCPUs and memory (None: none fits)."""
    provider, name = region
    cloud = demand.host.cloud
    if cloud is not None and (cloud.provider, cloud.region) == region:
        key = f"instance.{provider}.{name}.{cloud.instance_type}"
        if book.has(key):
            entry = book.entry(key)
            return Instance(key, cloud.instance_type, int(entry["vcpus"]),
                            decimal(entry["memory_gb"]))
    if demand.vcpus == 0:
        return None
    fitting = [i for i in instances_in(book, provider, name)
               if i.vcpus >= demand.vcpus and i.memory_gb >= demand.memory_gb]
    if not fitting:
        return None
    return min(fitting, key=lambda i: book.twd(i.key))


def instance_monthly(book: PriceBook, instance: Instance) -> Decimal:
    return whole(book.twd(instance.key) * book.amount("sizing.hours_per_month"))


def sized(book: PriceBook, demand: Demand, server: Server,
          instance: Instance | None) -> HostSizing:
    return HostSizing(
        host=demand.host.name, kind=demand.host.kind, vcpus=demand.vcpus,
        memory_gb=demand.memory_gb, disk_gb=demand.disk_gb, backup_store=demand.backup_store,
        server_cores=server.cores, server_memory_gb=server.memory_gb,
        server_price=server.price, server_watts=server.watts,
        watts_assumed=server.watts_assumed, rack_units=server.units,
        instance=instance.type if instance else "",
        instance_monthly=instance_monthly(book, instance) if instance else Decimal(0))
