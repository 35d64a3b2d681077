"""A defensive view of blueprint data for the semantic checks.

The semantic checks run even when the schema found errors (so every problem is reported
at once), which means they meet data of any shape. This index keeps only well-formed
entries: named mappings in lists, strings where references are expected.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from sigen.compile.loader import DocPath, LoadedBlueprint
from sigen.diagnostics import Diagnostic

__all__ = ["Entry", "Index", "suggest"]


@dataclass(frozen=True)
class Entry:
    """One named item of a section: its name, position in the list and its mapping."""

    section: str
    pos: int
    name: str
    body: dict[str, Any]

    @property
    def path(self) -> tuple[str | int, ...]:
        return (self.section, self.pos)

    def str_list(self, key: str) -> Iterator[tuple[int, str]]:
        """(position, value) of the string items of the list under key."""
        values = self.body.get(key)
        if isinstance(values, list):
            for i, value in enumerate(values):
                if isinstance(value, str):
                    yield i, value

    def get_str(self, key: str) -> str | None:
        value = self.body.get(key)
        return value if isinstance(value, str) else None

    def get_dict(self, key: str) -> dict[str, Any]:
        value = self.body.get(key)
        return value if isinstance(value, dict) else {}


def suggest(value: str, known: Any, what: str, limit: int = 8) -> str:
    """'; did you mean X?' or '; use one of: a, b, c' (or how to declare one)."""
    names = sorted(known)
    close = difflib.get_close_matches(value, names, n=1, cutoff=0.6)
    if close:
        return f"; did you mean {close[0]!r}?"
    if not names:
        return f"; no {what} is declared"
    shown = ", ".join(names[:limit]) + (", ..." if len(names) > limit else "")
    return f"; use one of: {shown}"


@dataclass
class Index:
    """Named entries of every section, first definition wins for look-ups."""

    loaded: LoadedBlueprint
    sections: dict[str, list[Entry]] = field(default_factory=dict)
    by_name: dict[str, dict[str, Entry]] = field(default_factory=dict)
    diags: list[Diagnostic] = field(default_factory=list)
    _services_on: dict[str, list[Entry]] | None = field(default=None, repr=False)

    @classmethod
    def build(cls, loaded: LoadedBlueprint) -> Index:
        index = cls(loaded)
        for section in ("sites", "networks", "racks", "clusters", "hosts", "services",
                        "backups", "drills"):
            index._add(section, loaded.data.get(section))
        return index

    def _add(self, section: str, items: Any) -> None:
        entries: list[Entry] = []
        names: dict[str, Entry] = {}
        if isinstance(items, list):
            for pos, body in enumerate(items):
                if isinstance(body, dict) and isinstance(body.get("name"), str):
                    entry = Entry(section, pos, body["name"], body)
                    entries.append(entry)
                    names.setdefault(entry.name, entry)
        self.sections[section] = entries
        self.by_name[section] = names

    def entries(self, section: str) -> list[Entry]:
        return self.sections.get(section, [])

    def get(self, section: str, name: str) -> Entry | None:
        return self.by_name.get(section, {}).get(name)

    def names(self, section: str) -> dict[str, Entry]:
        return self.by_name.get(section, {})

    def services_on(self, host: str) -> list[Entry]:
        """The services whose hosts: lists ``host`` (a table built on first use: scanning
        every service for each backup policy and drill cost 1.4 s at 10,000 hosts)."""
        if self._services_on is None:
            self._services_on = {}
            for service in self.entries("services"):
                for name in dict.fromkeys(h for _, h in service.str_list("hosts")):
                    self._services_on.setdefault(name, []).append(service)
        return self._services_on.get(host, [])

    def error(self, doc_path: DocPath, code: str, message: str) -> None:
        self.diags.append(self.loaded.diagnostic(doc_path, code, message))

    def error_at_key(self, doc_path: DocPath, code: str, message: str) -> None:
        line, col = self.loaded.locate_key(doc_path)
        self.diags.append(Diagnostic(self.loaded.display_path, line, col, code, message))

    def reference(self, doc_path: DocPath, value: str, section: str, what: str,
                  context: str) -> Entry | None:
        """Look value up in section; report SG202 (with suggestions) when it is unknown."""
        entry = self.get(section, value)
        if entry is None:
            known = sorted(self.names(section))
            close = difflib.get_close_matches(value, known, n=1, cutoff=0.6)
            if close:
                hint = f"; did you mean {close[0]!r}?"
            elif known:
                shown = ", ".join(known[:8]) + (", ..." if len(known) > 8 else "")
                hint = f"; declare it under {section}: or use one of: {shown}"
            else:
                hint = f"; declare it under {section}:"
            self.error(doc_path, "SG202", f"unknown {what} {value!r} in {context}{hint}")
        return entry
