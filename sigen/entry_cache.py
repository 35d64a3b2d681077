"""Check single entries only when they changed: the incremental build's entry cache.

The structural check (the cerberus schema), the search for literal secrets and the check of
a service's settings against its role look at each entry of a top-level list (a host, a
service, a backup policy ...) on its own: no rule of theirs looks at its siblings (those
checks are semantic, and run in full every time). So an entry whose content hash passed them
in the last valid build passes them now, and only the others need checking.
``validate_blueprint`` checks that reduced blueprint and, if it shows any problem, the whole
one, so diagnostics and positions are exactly those of a full validation. The hashes live in
``<out>/.sigen/cache/entries.json``, keyed (``salt``) by sigen's own code and the role
library too (a changed schema or role invalidates them).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from sigen.loader import LoadedBlueprint
from sigen.manifest import CACHE, read_json
from sigen.validate import Partial

__all__ = ["EntryCache"]

_FILE = f"{CACHE}/entries.json"


class EntryCache:
    """Hashes of list entries that passed the single-entry checks; ``unseen`` is the
    ``unseen`` argument of ``validate_blueprint``; ``save`` keeps the entries of the last
    blueprint it saw (call it once that blueprint proved valid)."""

    def __init__(self, out: Path, salt: str) -> None:
        self._out = out
        self._salt = salt
        data = read_json(out / _FILE)
        self._known: set[str] = (set(data["entries"]) if isinstance(data, dict)
                                 and data.get("salt") == salt else set())
        self._seen: list[str] = []

    def _key(self, section: str, item: Any) -> str:
        # The repr of the loader's values (dicts, lists, strings, numbers, dates) is exact
        # and keeps their types apart (a date and the string of a date do not validate
        # alike); it is written in C: half the time of a sorted JSON dump.
        return hashlib.sha256(f"{section}\0{item!r}".encode()).hexdigest()[:32]

    def unseen(self, loaded: LoadedBlueprint) -> LoadedBlueprint | None:
        """``loaded`` without the entries known to pass, or None when none is known."""
        reduced: dict[str, Any] = {}
        keys: list[str] = []
        placeholders: set[int] = set()
        skipped = False
        for section, value in loaded.data.items():
            if not (isinstance(value, list) and value):
                reduced[section] = value
                continue
            kept = []
            for item in value:
                key = self._key(section, item)
                keys.append(key)
                if key in self._known:
                    skipped = True
                else:
                    kept.append(item)
            # One entry stays, so that rules on the list itself (required, minlength 1) hold.
            if not kept:
                kept = value[:1]
                placeholders.add(id(kept[0]))
            reduced[section] = kept
        self._seen = keys
        if not skipped:
            return None
        return Partial(loaded.path, reduced, loaded.sha256, loaded.text, loaded.yaml11_plain,
                       frozenset(placeholders))

    def save(self) -> None:
        """Remember the entries of the blueprint seen last (no-op when unchanged)."""
        if not self._seen or set(self._seen) == self._known:
            return
        from sigen.writer import atomic_write

        payload = {"salt": self._salt, "entries": sorted(set(self._seen))}
        atomic_write(self._out / _FILE, json.dumps(payload).encode())
