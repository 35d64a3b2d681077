"""The price catalog (``sigen/data/prices/catalog.yml``) and the blueprint's prices over it.

Amounts are read as ``Decimal`` from their written digits, converted to TWD exactly with the
catalog's (or the blueprint's) ``rate.<CODE>``; the evaluation asks for each figure by key,
and the report lists the entries it asked for, nothing else.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from importlib import resources
from typing import Any

import yaml  # type: ignore[import-untyped,unused-ignore]

from sigen.plan import Price, PriceOverride

__all__ = ["CATALOG", "Catalog", "PriceBook", "catalog", "decimal", "regional_unit"]

CATALOG = "data/prices/catalog.yml"
# Entries of a cloud region the catalog may not price: a blueprint adds them by key
# (instance types also give their size). Pattern -> unit.
_REGIONAL = (
    (re.compile(r"instance\.[a-z0-9-]+\.[a-z0-9-]+\.[A-Za-z0-9.-]+"), "per_hour"),
    (re.compile(r"storage\.[a-z0-9-]+\.[a-z0-9-]+\.(?:ssd|hdd)_gb_month"), "per_gb_month"),
    (re.compile(r"traffic\.[a-z0-9-]+\.[a-z0-9-]+\.egress_gb"), "per_gb"),
    (re.compile(r"vpn\.[a-z0-9-]+\.[a-z0-9-]+\.connection_hour"), "per_hour"),
)


def regional_unit(key: str) -> str:
    """The unit of a cloud region's entry ``key`` ("" when it is not one)."""
    for pattern, unit in _REGIONAL:
        if pattern.fullmatch(key):
            return unit
    return ""


def decimal(value: Any) -> Decimal:
    """A number as written (YAML floats keep their shortest digits: 0.1302, not
    0.13019999...)."""
    return value if isinstance(value, Decimal) else Decimal(str(value))


@dataclass(frozen=True)
class Catalog:
    version: str
    date: str
    default_cloud: tuple[str, str]  # provider, region
    entries: Mapping[str, Mapping[str, Any]]


@functools.cache
def catalog() -> Catalog:
    """sigen's own catalog (package data, read once)."""
    text = resources.files("sigen").joinpath(CATALOG).read_text("utf-8")
    data = yaml.safe_load(text)
    cloud = data["default_cloud"]
    return Catalog(str(data["version"]), str(data["date"]),
                   (str(cloud["provider"]), str(cloud["region"])), data["entries"])


@dataclass
class PriceBook:
    """The catalog with the blueprint's overrides; records every key it is asked for.
    Validation has checked that an override's key is the catalog's or a region's entry
    (``regional_unit``) with its currency and, for an instance type, its size."""

    overrides: Mapping[str, PriceOverride]
    source: Catalog = field(default_factory=catalog)
    used: dict[str, None] = field(default_factory=dict)
    entries: dict[str, Mapping[str, Any]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.entries = dict(self.source.entries)
        for key, over in self.overrides.items():
            if key not in self.entries:  # a region's entry the catalog lacks
                added: dict[str, Any] = {"amount": over.amount, "currency": over.currency,
                                         "unit": regional_unit(key), "source": {}}
                if over.vcpus:
                    added.update(vcpus=over.vcpus, memory_gb=over.memory_gb)
                self.entries[key] = added

    def has(self, key: str) -> bool:
        return key in self.entries

    def entry(self, key: str) -> Mapping[str, Any]:
        return self.entries[key]

    def _currency(self, key: str) -> str:
        over = self.overrides.get(key)
        if over is not None and over.currency:
            return over.currency
        return str(self.entry(key).get("currency", ""))

    def amount(self, key: str) -> Decimal:
        """The figure as written (in its own currency), the blueprint's when it gives one."""
        self.used.setdefault(key, None)
        over = self.overrides.get(key)
        return over.amount if over is not None else decimal(self.entry(key)["amount"])

    def twd(self, key: str) -> Decimal:
        """The figure in TWD (a plain number as it is)."""
        value = self.amount(key)
        currency = self._currency(key)
        if currency in ("", "TWD"):
            return value
        return value * self.amount(f"rate.{currency}")

    def rates(self) -> dict[str, Decimal]:
        return {key.removeprefix("rate."): self.amount(key) for key in self.used
                if key.startswith("rate.")}

    def prices(self) -> tuple[Price, ...]:
        """The entries used, in the catalog's order."""
        out = []
        for key in self.entries:
            if key not in self.used:
                continue
            entry = self.entry(key)
            over = self.overrides.get(key)
            source: Mapping[str, str] = ({"*": over.source} if over is not None
                                         else dict(entry["source"]))
            out.append(Price(
                key=key, amount=self.amount(key), currency=self._currency(key),
                unit=str(entry["unit"]), twd=self.twd(key), source=source,
                date=over.date if over is not None else str(entry.get("date", "")),
                estimate=bool(entry.get("estimate")) if over is None else False,
                overridden=over is not None, kind=str(entry.get("kind", "price"))))
        return tuple(out)
