"""Structural validation of what changed only: the incremental build's schema cache.

Every entry of a top-level list (a host, a service, a backup policy ...) is checked by the
schema on its own: no rule looks at its siblings (those checks are semantic, and run in full
every time). So an entry whose content hash was valid in the last build is valid now, and
cerberus only needs to see the others. If that reduced document shows any problem, the whole
document is checked again the ordinary way, so diagnostics and their positions are exactly
those of a full validation. The hashes live in ``<out>/.sigen/cache/schema.json``, keyed by
sigen's own code too (a changed schema invalidates them).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from sigen.diagnostics import Diagnostic
from sigen.loader import LoadedBlueprint
from sigen.manifest import CACHE, read_json
from sigen.validate.schema import check_schema

__all__ = ["SchemaCache"]

_FILE = f"{CACHE}/schema.json"


def _typed(value: Any) -> str:
    # Dates and other non-JSON values keep their type in the key: a date and the string
    # of a date do not validate alike.
    return f"{type(value).__name__}:{value}"


class SchemaCache:
    """Hashes of list entries known to pass the schema; ``check`` is a drop-in
    ``check_schema``; ``save`` stores the entries of the last valid document."""

    def __init__(self, out: Path, salt: str) -> None:
        self._out = out
        self._salt = salt
        data = read_json(out / _FILE)
        self._known: set[str] = (set(data["entries"]) if isinstance(data, dict)
                                 and data.get("salt") == salt else set())
        self._valid: list[str] = []

    def _key(self, section: str, item: Any) -> str:
        text = json.dumps(item, sort_keys=True, default=_typed, ensure_ascii=False)
        return hashlib.sha256(f"{section}\0{text}".encode()).hexdigest()[:32]

    def check(self, loaded: LoadedBlueprint) -> list[Diagnostic]:
        reduced: dict[str, Any] = {}
        keys: list[str] = []
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
            reduced[section] = kept or value[:1]
        if not skipped:
            diags = check_schema(loaded)
        else:
            diags = check_schema(LoadedBlueprint(loaded.path, reduced, loaded.sha256,
                                                 loaded.text, loaded.yaml11_plain))
            if diags:  # positions and messages exactly as a full check gives them
                diags = check_schema(loaded)
        self._valid = [] if diags else keys
        return diags

    def save(self) -> None:
        """Remember the entries of the last document that passed (no-op otherwise)."""
        if not self._valid:
            return
        from sigen.writer import atomic_write

        payload = {"salt": self._salt, "entries": sorted(set(self._valid))}
        atomic_write(self._out / _FILE, json.dumps(payload).encode())
