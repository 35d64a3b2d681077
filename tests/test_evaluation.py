"""The host evaluation report (O2.1.1): the arithmetic holds exactly, the documents print the
plan's figures, the blueprint's prices override the catalog's, and what cannot be priced is
said, not guessed."""

# The Chinese documents' full-width punctuation is what some assertions look for.
# ruff: noqa: RUF001

from __future__ import annotations

import json
import re
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
import yaml

from sigen.build import render_loaded
from sigen.compile.evaluation.costing import cumulative
from sigen.compile.evaluation.prices import catalog
from sigen.compile.loader import load_text
from sigen.compile.validate import validate_blueprint
from sigen.plan import HostEvaluation, Placement
from tests.conftest import REPO, ROLES

BLUEPRINTS = {p.stem: p for p in sorted((REPO / "blueprints").glob("*.yml"))}
HYBRID = BLUEPRINTS["hybrid-cloud"]


def _render(text: str, name: str = "eval.yml") -> tuple[HostEvaluation, dict[str, str]]:
    rendered = render_loaded(load_text(Path(name), text.encode()), ROLES, date="2026-12-06")
    docs = {p: b.decode() for p, b in rendered.files.items()
            if p.endswith("host-evaluation.md")}
    assert rendered.plan.evaluation is not None
    return rendered.plan.evaluation, docs


@pytest.fixture(scope="module", params=sorted(BLUEPRINTS))
def evaluated(request: pytest.FixtureRequest) -> tuple[HostEvaluation, dict[str, str]]:
    return _render(BLUEPRINTS[request.param].read_text("utf-8"), f"{request.param}.yml")


def _money(value: Decimal) -> str:
    return f"{value:,.0f}"


def test_every_placement_adds_up_to_the_dollar(
        evaluated: tuple[HostEvaluation, dict[str, str]]) -> None:
    ev, _ = evaluated
    months = ev.period_years * 12
    kinds = [p.kind for p in ev.placements]
    assert kinds[:3] == ["physical", "virtual", "cloud"]
    assert sum(p.as_designed for p in ev.placements) == 1
    for p in ev.placements:
        for line in p.lines:
            assert line.one_time == line.one_time.to_integral_value(), line
            assert line.monthly == line.monthly.to_integral_value(), line
            assert line.total == line.one_time * len(line.purchases) + line.monthly * sum(
                end - start for start, end in line.months), line
            assert all(0 <= s < e <= months for s, e in line.months), line
        assert p.total == sum(line.total for line in p.lines)
        assert p.build == cumulative(p.lines, 0)
        assert p.build + p.operation == p.total
        assert p.cumulative[0] == p.build and p.cumulative[-1] == p.total
        assert len(p.cumulative) == ev.period_years + 1
        assert list(p.cumulative) == sorted(p.cumulative)


def test_the_cheapest_and_the_break_even_are_right(
        evaluated: tuple[HostEvaluation, dict[str, str]]) -> None:
    ev, _ = evaluated
    best = min(ev.placements, key=lambda p: p.total)
    assert ev.cheapest == best.kind
    assert {b.placement for b in ev.break_even} == {p.kind for p in ev.placements} - {best.kind}
    for b in ev.break_even:
        other = ev.placement(b.placement)
        if b.month is None:
            assert other.build >= best.build
            continue
        # Cheaper before the month, never again from it on.
        assert cumulative(best.lines, b.month - 1) > cumulative(other.lines, b.month - 1)
        for t in range(b.month, ev.period_years * 12 + 1):
            assert cumulative(best.lines, t) <= cumulative(other.lines, t)


def _summary_rows(doc: str, heading: str) -> dict[str, list[str]]:
    table = doc.split(heading, 1)[1].split("\n\n", 2)[1]
    rows = {}
    for line in table.splitlines()[2:]:
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        rows[cells[0]] = cells[1:]
    return rows


@pytest.mark.parametrize(("language", "heading", "names"), [
    ("en", "## 2. Summary", {"physical": "Physical hosts", "virtual": "Virtual machines",
                              "cloud": "Cloud", "hybrid": "Hybrid (as designed)"}),
    ("zh-TW", "## 二、比較摘要", {"physical": "實體主機", "virtual": "虛擬主機",
                                 "cloud": "雲端主機", "hybrid": "混合架構（依藍圖設計）"}),
])
def test_the_report_prints_the_plans_figures(
        evaluated: tuple[HostEvaluation, dict[str, str]], language: str, heading: str,
        names: dict[str, str]) -> None:
    ev, docs = evaluated
    doc = docs[f"docs/{language}/host-evaluation.md"]
    rows = _summary_rows(doc, heading)
    for p in ev.placements:
        label = next(k for k in rows if k.startswith(names[p.kind]))
        build, per_year, total, bar = rows[label]
        assert build == _money(p.build) and per_year == _money(p.per_year)
        assert total.strip("*") == _money(p.total)
        assert bar == "█" * p.bar
    # The chart's bars are the plan's thousands, the cumulative table its year ends.
    assert f"bar [{', '.join(str(p.total_thousands) for p in ev.placements)}]" in doc
    for p in ev.placements:
        assert all(_money(v) in doc for v in p.cumulative)
        for line in p.lines:
            assert f"| {_money(line.total)} |" in doc


def test_exact_decimals_reach_the_plan_json() -> None:
    out = subprocess.run([sys.executable, "-m", "sigen", "plan", str(HYBRID), "--format",
                          "json", "--roles", str(ROLES)], capture_output=True, text=True,
                         check=True).stdout
    data = json.loads(out)["evaluation"]
    for p in data["placements"]:
        assert isinstance(p["total"], str) and re.fullmatch(r"\d+", p["total"])
    rate = next(x for x in data["prices"] if x["key"] == "rate.USD")
    gp3 = next(x for x in data["prices"] if x["key"].endswith("ssd_gb_month"))
    # 0.096 USD at 30.0: exactly 2.88, never 2.8800000000000003.
    assert Decimal(gp3["twd"]) == Decimal(gp3["amount"]) * Decimal(rate["amount"])
    assert "e" not in gp3["twd"].lower()


def test_the_blueprints_own_prices_override_the_catalog() -> None:
    ev, docs = _render(HYBRID.read_text("utf-8"))
    tariff = next(x for x in ev.prices if x.key == "power.tariff_kwh")
    assert tariff.overridden and tariff.amount == Decimal("4.35") and not tariff.estimate
    assert catalog().entries["power.tariff_kwh"]["amount"] != 4.35
    physical = ev.placement("physical")
    power = next(line for line in physical.lines if line.category == "power")
    assert power.unit_price == Decimal("4.35")
    assert power.monthly == (power.quantity * Decimal("4.35")).quantize(Decimal(1))
    assert "Taipower bill of the Hsinchu server room" in docs["docs/zh-TW/host-evaluation.md"]
    assert "| blueprint |" in docs["docs/en/host-evaluation.md"]
    # The hybrid blueprint is priced as designed, with its VPN to the cloud region.
    hybrid = ev.placement("hybrid")
    assert hybrid.as_designed and hybrid.instances == 2
    assert any(line.category == "vpn" for line in hybrid.lines)


def test_power_is_the_hosts_draw_or_a_marked_estimate() -> None:
    text = HYBRID.read_text("utf-8").replace("      power_watts: 250\n", "", 1)
    ev, docs = _render(text)
    mon = next(h for h in ev.hosts if h.host == "mon01")
    per_core = catalog().entries["power.core_watts"]["amount"]
    assert mon.watts_assumed and mon.server_watts == 150 + 8 * per_core
    assert "| mon01 | physical | 16 |" in docs["docs/en/host-evaluation.md"]
    assert f"| {mon.server_watts} (estimate) |" in docs["docs/en/host-evaluation.md"]
    lb = next(h for h in ev.hosts if h.host == "lb01")
    assert lb.server_watts == 350 and not lb.watts_assumed


def test_hardware_is_bought_again_after_its_lifetime() -> None:
    text = HYBRID.read_text("utf-8").replace("  period_years: 5\n", "  period_years: 7\n")
    ev, _ = _render(text)
    hardware = next(line for line in ev.placement("physical").lines
                    if line.category == "hardware")
    assert hardware.purchases == (0, 60)
    support = next(line for line in ev.placement("physical").lines
                   if line.category == "hardware-support")
    assert support.months == ((36, 60),)  # the second purchase is under warranty to the end


def _cloud_blueprint(prices: str = "") -> str:
    """A small blueprint with a cloud host of a region the catalog does not price."""
    text = (REPO / "tests" / "invalid" / "rpo-not-met.yml").read_text("utf-8")
    return text.replace("    rpo: 4h\n", "    rpo: 24h\n") + prices


def test_a_host_no_price_is_known_for_is_said_not_guessed() -> None:
    # t3.large is priced in Tokyo, not in Hong Kong: the cloud placement counts it in the
    # catalog's region, but the blueprint as designed cannot be priced.
    ev, docs = _render(_cloud_blueprint())
    assert (ev.cloud_provider, ev.cloud_region) == catalog().default_cloud
    assert [p.unpriced for p in ev.placements] == [(), (), (), ("bk01",)]
    assert ev.cheapest == "" and ev.break_even == ()
    assert "No placement is named the cheapest" in docs["docs/en/host-evaluation.md"]
    assert "本報告不指出成本最低的方案" in docs["docs/zh-TW/host-evaluation.md"]
    assert "(without bk01)" in docs["docs/en/host-evaluation.md"]
    # An instance type the catalog knows nowhere: not sized, so in no placement.
    ev, _ = _render(_cloud_blueprint().replace("instance_type: t3.large",
                                               "instance_type: x9.huge"))
    assert all(p.unpriced == ("bk01",) for p in ev.placements)
    assert "bk01" not in {h.host for h in ev.hosts}


def test_a_new_regions_prices_complete_the_comparison() -> None:
    prices = """
evaluation:
  prices:
    instance.aws.ap-east-1.t3.large:
      {amount: 0.1056, currency: USD, vcpus: 2, memory_gb: 8, source: AWS HK}
    instance.aws.ap-east-1.m7i.xlarge:
      {amount: 0.27, currency: USD, vcpus: 4, memory_gb: 16, source: AWS HK}
    storage.aws.ap-east-1.ssd_gb_month: {amount: 0.1, currency: USD, source: AWS HK}
    traffic.aws.ap-east-1.egress_gb: {amount: 0.12, currency: USD, source: AWS HK}
    vpn.aws.ap-east-1.connection_hour: {amount: 0.05, currency: USD, source: AWS HK}
"""
    ev, _ = _render(_cloud_blueprint(prices))
    assert ev.cheapest and ev.cloud_region == "ap-east-1"
    assert not any(p.unpriced for p in ev.placements)
    bk01 = next(h for h in ev.hosts if h.host == "bk01")
    assert bk01.instance == "t3.large"
    assert {h.instance for h in ev.hosts if h.host != "bk01"} == {"m7i.xlarge"}
    assert bk01.instance_monthly == (Decimal("0.1056") * 30 * 730).quantize(Decimal(1))


def _codes(text: str) -> list[str]:
    diags = validate_blueprint(load_text(Path("eval.yml"), text.encode()), ROLES)
    return [d.code for d in diags if d.severity == "error"]


@pytest.mark.parametrize(("prices", "codes"), [
    ("    power.tariff_kwh: {amount: 4.2, source: our bill}\n", []),
    ("    power.tarif_kwh: {amount: 4.2, source: our bill}\n", ["SG805"]),
    ("    instance.aws.ap-east-1.t3.large: {amount: 0.1, currency: USD, source: list}\n",
     ["SG805"]),
    ("    storage.aws.ap-east-1.hdd_gb_month: {amount: 0.05, source: list}\n", ["SG805"]),
    ("    power.tariff_kwh: {amount: 4.2}\n", ["SG101"]),
    ("    power.tariff_kwh: {amount: 4.2, currency: JPY, source: our bill}\n", ["SG104"]),
])
def test_prices_the_catalog_does_not_know_are_refused(prices: str, codes: list[str]) -> None:
    assert _codes(_cloud_blueprint("\nevaluation:\n  prices:\n" + prices)) == codes


def test_the_catalog_names_a_source_and_date_for_every_entry() -> None:
    data = yaml.safe_load((REPO / "sigen" / "data" / "prices" / "catalog.yml").read_text())
    assert re.fullmatch(r"\d{4}\.\d{2}", data["version"])
    rates = {k.removeprefix("rate.") for k in data["entries"] if k.startswith("rate.")}
    for key, entry in data["entries"].items():
        assert set(entry["source"]) == {"en", "zh-TW"}, key
        assert re.fullmatch(r"\d{4}-\d{2}(-\d{2})?", entry["date"]), key
        assert isinstance(entry.get("estimate"), bool), f"{key}: say whether it is an estimate"
        currency = entry.get("currency")
        assert currency in (None, "TWD", *rates), key
        if key.startswith("instance."):
            assert entry["vcpus"] > 0 and entry["memory_gb"] > 0, key


def _placement_kinds(ev: HostEvaluation) -> list[Placement]:
    return list(ev.placements)


def test_a_physical_blueprint_has_no_hybrid_column() -> None:
    ev, _ = _render(BLUEPRINTS["onprem-physical"].read_text("utf-8"))
    assert [p.kind for p in _placement_kinds(ev)] == ["physical", "virtual", "cloud"]
    assert ev.placement("physical").as_designed


def test_a_virtualised_blueprint_keeps_its_own_hypervisors() -> None:
    ev, _ = _render(BLUEPRINTS["virtualised"].read_text("utf-8"))
    virtual = ev.placement("virtual")
    assert virtual.as_designed and virtual.hypervisors == 2 and virtual.vms == len(ev.hosts)
    assert {h.host for h in ev.hosts}.isdisjoint({"hv01", "hv02"})
