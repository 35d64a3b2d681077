"""The host evaluation (O2.1.1): the blueprint's workload priced on physical hosts, on virtual
machines, in the cloud and, for a blueprint that mixes them, as designed; every amount exact
(``Decimal``, in TWD) and computed once by ``sigen.compile.evaluation``.

Each amount the report prints is a field here: a line's ``one_time`` and ``monthly`` are
whole TWD, its ``quantity`` is what the unit price multiplies, so the report's arithmetic
(quantity times unit price is the amount; monthly times months the total) holds to the dollar.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal

__all__ = ["BreakEven", "CostLine", "EvaluationSettings", "HostEvaluation", "HostSizing",
           "Placement", "Price", "PriceOverride"]


@dataclass(frozen=True)
class PriceOverride:
    """A price the blueprint gives instead of the catalog's (``evaluation.prices``)."""

    key: str
    amount: Decimal
    source: str
    currency: str = ""  # "" keeps the catalog entry's currency
    date: str = ""
    # An instance type the catalog does not list: its size.
    vcpus: int = 0
    memory_gb: Decimal | None = None


@dataclass(frozen=True, eq=False)
class EvaluationSettings:
    """The blueprint's ``evaluation`` section: the period and the workload assumptions it
    states, and its own prices."""

    period_years: int = 5
    egress_gb_per_month: Decimal | None = None  # None: the catalog's assumption
    overrides: tuple[PriceOverride, ...] = ()


@dataclass(frozen=True)
class Price:
    """One entry of the price catalog as the evaluation used it: ``amount`` in ``currency``
    ("" for a plain number: a ratio, hours, watts), ``twd`` the same in TWD."""

    key: str
    amount: Decimal
    currency: str
    unit: str  # a unit code; each language's template words it
    twd: Decimal
    source: Mapping[str, str]  # language -> where the figure comes from ("*": any language)
    date: str
    estimate: bool
    overridden: bool  # given by the blueprint (evaluation.prices)
    kind: str = "price"  # price | assumption


@dataclass(frozen=True)
class HostSizing:
    """How one host of the workload is counted in each placement."""

    host: str
    kind: str  # as designed: physical | vm | cloud
    vcpus: int
    memory_gb: Decimal
    disk_gb: Decimal  # every disk, raw
    backup_store: bool  # runs a backup server: its disks are backup storage
    server_cores: int  # the physical server of the physical placement
    server_memory_gb: Decimal
    server_price: Decimal  # chassis, cores and memory (disks are storage)
    server_watts: int
    watts_assumed: bool  # no power draw in the blueprint: the catalog's estimate
    rack_units: int
    instance: str  # the cloud placement's instance type ("": none fits or no price)
    instance_monthly: Decimal


@dataclass(frozen=True)
class CostLine:
    """One category of cost of a placement: ``one_time`` paid at each month of
    ``purchases``, ``monthly`` paid in the months of ``months`` ([start, end) ranges)."""

    category: str  # hardware | storage | backup-storage | hardware-support | hypervisor-licence |
    #                os-licence | rack | power | instances | traffic | vpn | staff-install |
    #                staff-operation
    quantity: Decimal
    unit: str  # unit code of the quantity
    prices: tuple[str, ...]  # the catalog keys the line uses
    unit_price: Decimal | None  # TWD per unit; None: a sum of several (see the sizing)
    one_time: Decimal = Decimal(0)
    purchases: tuple[int, ...] = ()
    monthly: Decimal = Decimal(0)
    months: tuple[tuple[int, int], ...] = ()
    total: Decimal = Decimal(0)  # over the period
    detail: str = ""  # the disk type (ssd, nvme, hdd), the cloud region

    @property
    def recurring_months(self) -> int:
        return sum(end - start for start, end in self.months)


@dataclass(frozen=True, eq=False)
class Placement:
    kind: str  # physical | virtual | cloud | hybrid
    as_designed: bool
    lines: tuple[CostLine, ...]
    build: Decimal  # paid at the start (month 0): 建置成本
    operation: Decimal  # everything after: 管理成本 over the period
    total: Decimal
    per_year: Decimal  # operation / years, rounded
    cumulative: tuple[Decimal, ...]  # at the start and the end of each year
    servers: int  # physical servers (hypervisors included)
    hypervisors: int
    vms: int
    instances: int
    unpriced: tuple[str, ...]  # hosts no price could be found for: the total leaves them out
    total_thousands: int  # for the chart
    bar: int  # blocks of the table's bar (0..20), proportional to the total

    @property
    def complete(self) -> bool:
        return not self.unpriced


@dataclass(frozen=True)
class BreakEven:
    """``placement`` costs less than ``cheapest`` until ``month``, which is cheaper from
    then on (None: ``placement`` is dearer from the start)."""

    placement: str
    cheapest: str
    month: int | None


@dataclass(frozen=True, eq=False)
class HostEvaluation:
    period_years: int
    catalog_version: str
    catalog_date: str
    cloud_provider: str
    cloud_region: str
    hosts: tuple[HostSizing, ...]
    placements: tuple[Placement, ...]
    prices: tuple[Price, ...]  # every entry the evaluation used, in catalog order
    cheapest: str  # "" when a placement is incomplete: no comparison is stated
    break_even: tuple[BreakEven, ...]
    workload_vcpus: int
    workload_memory_gb: Decimal
    workload_disk_gb: Decimal
    install_hours: Decimal  # the installation plan's estimate (plan.install_minutes)
    egress_gb_per_month: Decimal
    chart_max: int  # the chart's y axis, in thousands
    rates: Mapping[str, Decimal] = field(default_factory=dict)  # currency -> TWD

    def placement(self, kind: str) -> Placement:
        return next(p for p in self.placements if p.kind == kind)
