"""Semantic checks of the equipment in racks: what occupies which units, power feeds and the
switch ports interfaces are cabled to (the equipment layout, O1.1.2, draws them)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sigen.compile.validate.index import Entry, Index, suggest
from sigen.plan.system import DEFAULT_RACK_UNITS

__all__ = ["check_racks", "free_runs"]


@dataclass(frozen=True)
class _Occupant:
    """A host or a piece of equipment in a rack: the units ``unit``..``top``."""

    what: str  # "host 'db01'" / "switch 'A03-SW1'"
    unit: int
    height: int
    path: tuple[Any, ...]  # of its ``unit`` field

    @property
    def top(self) -> int:
        return self.unit + self.height - 1


def _int(value: Any, default: int) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else default


def free_runs(height: int, taken: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The runs of free units (first, last) of a rack of ``height`` units of which the
    (first, last) runs ``taken`` are occupied, bottom up."""
    used = [False] * (height + 2)
    for first, last in taken:
        for u in range(max(first, 1), min(last, height) + 1):
            used[u] = True
    runs: list[tuple[int, int]] = []
    start = None
    for u in range(1, height + 2):
        if u <= height and not used[u]:
            start = u if start is None else start
        elif start is not None:
            runs.append((start, u - 1))
            start = None
    return runs


def _units(first: int, last: int) -> str:
    return f"U{first}" if first == last else f"U{first}-U{last}"


def _free_text(height: int, counts: list[int], item: _Occupant) -> str:
    """The free units of a rack apart from ``item`` (``counts``: occupants per unit)."""
    taken = [(u, u) for u in range(1, height + 1)
             if counts[u] - (item.unit <= u <= item.top) > 0]
    runs = free_runs(height, taken)
    if not runs:
        return "the rack has no free unit"
    shown = ", ".join(_units(a, b) for a, b in runs[:6]) + (", ..." if len(runs) > 6 else "")
    return f"free: {shown}"


def check_racks(index: Index) -> None:
    """Racks and their sites, what occupies their units (overlaps, beyond the top), the
    power feeds hosts are plugged into, and the switch ports interfaces are cabled to."""
    racks = index.names("racks")
    switches = _check_declared(index)
    occupants: dict[str, list[_Occupant]] = {}
    for rack in index.entries("racks"):
        if racks.get(rack.name) is not rack:
            continue  # a duplicate name (reported): its equipment is not placed twice
        for pos, item in enumerate(_equipment(rack)):
            occupants.setdefault(rack.name, []).append(_Occupant(
                f"{item.get('kind', 'equipment')} {item['name']!r}",
                _int(item.get("unit"), 0), _int(item.get("height_u"), 1),
                (*rack.path, "equipment", pos, "unit")))
    sites: dict[str, tuple[str, Entry]] = {}  # undeclared rack -> first host's site
    for host in index.entries("hosts"):
        placed = host.get_dict("hardware").get("rack")
        if host.get_str("kind") != "physical" or not isinstance(placed, dict) \
                or not isinstance(placed.get("name"), str):
            continue
        name = placed["name"]
        path = (*host.path, "hardware", "rack")
        site = host.get_str("site")
        declared = racks.get(name)
        if declared is not None:
            rack_site = declared.get_str("site")
            if site is not None and rack_site is not None and site != rack_site:
                index.error((*path, "name"), "SG312",
                            f"host {host.name!r} is at site {site!r} but rack {name!r} is at "
                            f"site {rack_site!r}; mount it in a rack of {site!r} or correct "
                            "the rack's site")
            _check_power(index, host, placed, declared)
        elif site is not None:
            first = sites.setdefault(name, (site, host))
            if first[0] != site:
                index.error((*path, "name"), "SG312",
                            f"host {host.name!r} at site {site!r} is in rack {name!r}, which "
                            f"host {first[1].name!r} puts at site {first[0]!r}; a rack is at "
                            "one site: rename one of them, or declare the rack in racks:")
        unit = placed.get("unit")
        if isinstance(unit, int) and not isinstance(unit, bool):
            occupants.setdefault(name, []).append(_Occupant(
                f"host {host.name!r}", unit, _int(placed.get("height_u"), 1),
                (*path, "unit")))
    for name, items in occupants.items():
        declared = racks.get(name)
        height = _int(declared.body.get("height_u"), DEFAULT_RACK_UNITS) if declared \
            else DEFAULT_RACK_UNITS
        _check_units(index, name, height, declared is not None, items)
    _check_cabling(index, switches)


def _equipment(rack: Entry) -> list[dict[str, Any]]:
    items = rack.body.get("equipment")
    return [e for e in (items if isinstance(items, list) else [])
            if isinstance(e, dict) and isinstance(e.get("name"), str)]


def _check_declared(index: Index) -> dict[str, tuple[Entry, dict[str, Any]]]:
    """Rack sites, unique equipment names; the switches by name (with their rack)."""
    found: dict[str, tuple[Entry, dict[str, Any], int]] = {}
    for rack in index.entries("racks"):
        site_name = rack.get_str("site")
        if site_name is not None:
            site = index.reference((*rack.path, "site"), site_name, "sites", "site",
                                   f"racks[{rack.pos}] ({rack.name})")
            if site is not None and site.get_str("kind") == "cloud":
                index.error((*rack.path, "site"), "SG204",
                            f"rack {rack.name!r} is at cloud site {site_name!r}; racks are at "
                            "on-premises or colocation sites")
        for pos, item in enumerate(_equipment(rack)):
            first = found.setdefault(item["name"], (rack, item, pos))
            if first[1] is not item:
                index.error((*rack.path, "equipment", pos, "name"), "SG201",
                            f"equipment name {item['name']!r} is already used in rack "
                            f"{first[0].name!r}; interfaces name a switch by it, so it must "
                            "be unique across racks")
    return {name: (rack, item) for name, (rack, item, _pos) in found.items()
            if item.get("kind") is not None}


def _check_power(index: Index, host: Entry, placed: dict[str, Any], rack: Entry) -> None:
    feeds = [f for f in (rack.body.get("power_feeds") or []) if isinstance(f, str)] \
        if isinstance(rack.body.get("power_feeds"), list) else []
    if not feeds:
        return  # the rack does not say which feeds it has: nothing to hold them to
    power = placed.get("power")
    for pos, feed in enumerate(power if isinstance(power, list) else []):
        if isinstance(feed, str) and feed not in feeds:
            index.error((*host.path, "hardware", "rack", "power", pos), "SG202",
                        f"host {host.name!r} is plugged into {feed!r}, which is not a power "
                        f"feed of rack {rack.name!r}{suggest(feed, feeds, 'power feed')}")


def _check_units(index: Index, rack: str, height: int, declared: bool,
                 items: list[_Occupant]) -> None:
    """Each occupant inside the rack's height and apart from the ones before it (in
    blueprint order: the later one is reported, naming the earlier). Units are few (at most
    80 with the tallest server at the highest unit), so a table of them keeps this linear
    however many hosts name one rack."""
    how_high = f"{height} units" + ("" if declared else
                                    " (not declared in racks:, so taken as 42U)")
    items = [i for i in items if i.unit >= 1 and i.height >= 1]  # else the schema reported
    size = max([height, *(i.top for i in items)]) + 2
    counts = [0] * size
    owner: list[_Occupant | None] = [None] * size
    for item in items:
        for u in range(item.unit, item.top + 1):
            counts[u] += 1
    for item in items:
        if item.top > height:
            index.error(item.path, "SG311",
                        f"{item.what} needs {_units(item.unit, item.top)} but rack {rack!r} "
                        f"has {how_high}; {_free_text(height, counts, item)}: move it down, "
                        "or give the rack its real height_u in racks:")
        clash = next((o for u in range(item.unit, item.top + 1) if (o := owner[u])), None)
        if clash is not None:
            index.error(item.path, "SG310",
                        f"{item.what} ({_units(item.unit, item.top)}) overlaps {clash.what} "
                        f"({_units(clash.unit, clash.top)}) in rack {rack!r}; "
                        f"{_free_text(height, counts, item)}")
        for u in range(item.unit, item.top + 1):
            owner[u] = owner[u] or item


def _check_cabling(index: Index, switches: dict[str, tuple[Entry, dict[str, Any]]]) -> None:
    """Each switch an interface names is a switch of a rack at the host's site, and no
    switch port is cabled twice."""
    cabled: dict[tuple[str, str], str] = {}
    for host in index.entries("hosts"):
        found_interfaces = host.body.get("interfaces")
        interfaces = found_interfaces if isinstance(found_interfaces, list) else []
        for pos, iface in enumerate(interfaces):
            if not isinstance(iface, dict):
                continue
            path = (*host.path, "interfaces", pos)
            switch, port = iface.get("switch"), iface.get("switch_port")
            if port is not None and switch is None:
                index.error_at_key((*path, "switch_port"), "SG113",
                                   f"interface {pos} of host {host.name!r} has a switch_port "
                                   "but no switch; name the switch it is cabled to")
            if not isinstance(switch, str):
                continue
            found = switches.get(switch)
            if found is None:
                index.error((*path, "switch"), "SG202",
                            f"interface {pos} of host {host.name!r} is cabled to switch "
                            f"{switch!r}, which no rack lists in its equipment"
                            f"{suggest(switch, _switch_names(switches), 'switch')}")
                continue
            rack, item = found
            if item.get("kind") != "switch":
                index.error((*path, "switch"), "SG204",
                            f"interface {pos} of host {host.name!r} is cabled to {switch!r}, "
                            f"a {item.get('kind')} in rack {rack.name!r}, not a switch")
            site, rack_site = host.get_str("site"), rack.get_str("site")
            if site is not None and rack_site is not None and site != rack_site:
                index.error((*path, "switch"), "SG312",
                            f"host {host.name!r} at site {site!r} is cabled to switch "
                            f"{switch!r} in rack {rack.name!r} at site {rack_site!r}; cable "
                            "it to a switch of its own site")
            if isinstance(port, str):
                owner = cabled.setdefault((switch, port), f"host {host.name!r}")
                if owner != f"host {host.name!r}" or _twice_on_host(interfaces, pos):
                    index.error((*path, "switch_port"), "SG313",
                                f"port {port} of switch {switch!r} is already cabled to "
                                f"{owner}; one port takes one cable: correct the port")


def _switch_names(found: dict[str, tuple[Entry, dict[str, Any]]]) -> list[str]:
    return [name for name, (_rack, item) in found.items() if item.get("kind") == "switch"]


def _twice_on_host(interfaces: list[Any], pos: int) -> bool:
    mine = interfaces[pos]
    return any(isinstance(o, dict) and o.get("switch") == mine.get("switch")
               and o.get("switch_port") == mine.get("switch_port") for o in interfaces[:pos])
