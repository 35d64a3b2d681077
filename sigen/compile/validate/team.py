"""The team of the task list: services a stakeholder owns exist, reporting lines name
stakeholders and do not go round in a circle."""

from __future__ import annotations

from typing import Any

from sigen.compile.validate.index import Index

__all__ = ["check_team"]


def _stakeholders(index: Index) -> list[tuple[int, dict[str, Any]]]:
    system = index.loaded.data.get("system")
    people = system.get("stakeholders") if isinstance(system, dict) else None
    if not isinstance(people, list):
        return []
    return [(i, p) for i, p in enumerate(people)
            if isinstance(p, dict) and isinstance(p.get("name"), str)]


def check_team(index: Index) -> None:
    people = _stakeholders(index)
    names = {p["name"] for _, p in people}
    boss: dict[str, str] = {}
    for pos, person in people:
        path = ("system", "stakeholders", pos)
        owns = person.get("owns")
        for i, service in enumerate(owns if isinstance(owns, list) else ()):
            if isinstance(service, str):
                index.reference((*path, "owns", i), service, "services", "service",
                                f"the services {person['name']!r} owns")
        chief = person.get("reports_to")
        if not isinstance(chief, str):
            continue
        if chief not in names:
            shown = ", ".join(sorted(names)[:8])
            index.error((*path, "reports_to"), "SG202",
                        f"unknown person {chief!r} in reports_to of {person['name']!r}: "
                        f"name one of system.stakeholders ({shown})")
        else:
            boss.setdefault(person["name"], chief)
    at = {p["name"]: pos for pos, p in reversed(people)}
    reported: set[str] = set()
    for start in boss:
        seen: list[str] = []
        name = start
        while name in boss and name not in seen:
            seen.append(name)
            name = boss[name]
        if name in seen:
            circle = seen[seen.index(name):]
            key = frozenset(circle)
            if any(n in reported for n in circle):
                continue
            reported |= key
            first = min(circle, key=lambda n: at[n])
            index.error(("system", "stakeholders", at[first], "reports_to"), "SG806",
                        "reporting lines go round in a circle: "
                        + " -> ".join([*circle, circle[0]])
                        + "; the person at the top reports to nobody (leave out reports_to)")
