"""The evaluation section: every price the blueprint gives names an entry of sigen's price
catalog, or a cloud region's entry the catalog lacks, given in full."""

from __future__ import annotations

import difflib

from sigen.compile.evaluation.prices import catalog, regional_unit
from sigen.compile.validate.index import Index

__all__ = ["check_evaluation"]


def check_evaluation(index: Index) -> None:
    section = index.loaded.data.get("evaluation")
    prices = section.get("prices") if isinstance(section, dict) else None
    if not isinstance(prices, dict):
        return
    known = catalog().entries
    for key, value in prices.items():
        if not isinstance(key, str) or key in known:
            continue
        path = ("evaluation", "prices", key)
        unit = regional_unit(key)
        if not unit:
            close = difflib.get_close_matches(key, list(known), n=1, cutoff=0.6)
            hint = (f"; did you mean {close[0]!r}?" if close else
                    "; the keys are those of sigen/data/prices/catalog.yml, or a cloud "
                    "region's instance.<provider>.<region>.<type>, storage.<provider>."
                    "<region>.ssd_gb_month (or hdd_), traffic.<provider>.<region>.egress_gb, "
                    "vpn.<provider>.<region>.connection_hour")
            index.error_at_key(path, "SG805",
                               f"unknown price catalog entry {key!r} in evaluation.prices{hint}")
            continue
        if not isinstance(value, dict):
            continue
        missing = [] if value.get("currency") else ["currency"]
        if key.startswith("instance.") and not (value.get("vcpus") and value.get("memory_gb")):
            missing += [k for k in ("vcpus", "memory_gb") if not value.get(k)]
        if missing:
            index.error_at_key(
                path, "SG805",
                f"evaluation.prices {key!r} is not in sigen's catalog: give its "
                f"{' and '.join(missing)} (a new entry has no catalog figures to fall back on)")
