"""The incremental build's one cache: what the last build parsed, validated and made.

Three files under ``<out>/.sigen/cache/``, one store each, all keyed the same way (``key``: a
128-bit BLAKE2b of a kind and a payload, the payload being text or the ``repr`` of data) and
salted with sigen's own code (and, for validation, the role library), so a changed sigen
starts them afresh:

- ``load.json``: the parsed parts of the blueprint's text (``sigen.compile.parts``), so a
  rebuild after a change to one host parses that host's lines only;
- ``entries.json``: the list entries that passed the checks of single entries
  (``sigen.compile.validate.unseen``);
- ``yaml.json``: the texts made from data (``sigen.render.memo``): YAML documents and the
  per-host sections of the reports.

A store keeps what the last build used and is rewritten only when more than 1 in 50 of its
values are new: making those few again next time costs less than rewriting the file now.
A cache never fails a build: one that cannot be read is empty, one that cannot be written
is left as it was.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from sigen.sync.manifest import CACHE

__all__ = ["Store", "key"]

# A store is rewritten once more than 1 in this many of the values used are new.
_REWRITE_SHARE = 50


def key(kind: str, payload: str) -> str:
    """The key of ``payload`` (text, or the repr of data) made into something of ``kind``."""
    return hashlib.blake2b(f"{kind}\0{payload}".encode("utf-8", "surrogatepass"),
                           digest_size=16).hexdigest()


def _chunks(salt: str, items: dict[str, Any],
            encode: Callable[[Any], Any] | None) -> Iterator[bytes]:
    """The store's file, ``{"salt": ..., "items": {...}}``, an item at a time: the texts
    store is 100 MB of JSON at 10,000 hosts, which made whole (text, then bytes) beside the
    rendered files was the build's peak of memory."""
    value = json.JSONEncoder(default=encode, ensure_ascii=False).encode
    yield f'{{"salt": {value(salt)}, "items": {{'.encode()
    batch: list[str] = []
    separator = ""
    for k, v in items.items():
        batch.append(f"{value(k)}: {value(v)}")
        if len(batch) == 1000:
            yield (separator + ", ".join(batch)).encode()
            batch, separator = [], ", "
    yield (separator + ", ".join(batch) + "}}").encode() if batch else b"}}"


class Store:
    """One cache file: values by key, from the last build; ``save`` keeps those this build
    used (call it once the build is written)."""

    def __init__(self, out: Path, name: str, salt: str,
                 decode: Callable[[dict[str, Any]], Any] | None = None) -> None:
        self._path = out / CACHE / f"{name}.json"
        self._salt = salt
        try:
            data = json.loads(self._path.read_bytes(), object_hook=decode)
        except (OSError, ValueError):
            data = None
        items = data.get("items") if isinstance(data, dict) and data.get("salt") == salt \
            else None
        self._known: dict[str, Any] = items if isinstance(items, dict) else {}
        self._used: dict[str, Any] = {}

    key = staticmethod(key)

    def __contains__(self, k: str) -> bool:
        return k in self._known

    def get(self, k: str) -> Any:
        """The value kept under ``k`` by the last build (None when there is none)."""
        return self._known.get(k)

    def put(self, k: str, value: Any) -> None:
        """Keep ``value`` under ``k`` for the next build."""
        self._used[k] = value

    def forget_use(self) -> None:
        """Drop what this build put (a part loaded in vain, say)."""
        self._used = {}

    def unchanged(self) -> bool:
        """Whether this build used exactly what the last one kept."""
        return self._used.keys() == self._known.keys()

    # The text memo of sigen.render.memo.
    def recall(self, k: str) -> str | None:
        text = self._known.get(k)
        return text if isinstance(text, str) else None

    keep = put

    def save(self, encode: Callable[[Any], Any] | None = None, *, always: bool = False) -> None:
        """Write the values this build used, when enough of them are new (or ``always``
        when any differ); a failure to write leaves the cache as it was."""
        new = sum(1 for k in self._used if k not in self._known)
        if not self._used or (not always and new * _REWRITE_SHARE < len(self._used)):
            return
        if always and self.unchanged():
            return
        from sigen.sync.writer import atomic_write

        with contextlib.suppress(OSError):  # a cache is only ever an optimisation
            atomic_write(self._path, _chunks(self._salt, self._used, encode))
