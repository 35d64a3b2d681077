"""Make only what changed: the incremental build's cache of emitted text.

Rendering the Ansible project is mostly emitting YAML (10,000 host_vars files, thousands of
playbooks), and the reports are mostly one section per host (160,000 checks at 10,000
hosts). ``sigen.memo`` keys each YAML document and each such section by a hash of its
data's repr; this cache keeps the texts of the last build in ``<out>/.sigen/cache/yaml.json``
(keyed by sigen's own code and templates too, since a changed emitter or template makes
other text), so a rebuild after a change to one host makes that host's files and sections
and what refers to them, and recalls the rest.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from pathlib import Path

from sigen.manifest import CACHE, read_json
from sigen.memo import remembering

__all__ = ["EmitCache"]

_FILE = f"{CACHE}/yaml.json"
# The cache file is rewritten once more than 1 in this many texts are new.
_REWRITE_SHARE = 50


class EmitCache:
    """``sigen.memo.Memo`` over the texts of the last build; ``save`` keeps those used by the
    build that ran (call it once that build is written)."""

    def __init__(self, out: Path, salt: str) -> None:
        self._out = out
        self._salt = salt
        data = read_json(out / _FILE)
        texts = data.get("texts") if isinstance(data, dict) and data.get("salt") == salt \
            else None
        self._known: dict[str, str] = texts if isinstance(texts, dict) else {}
        self._used: dict[str, str] = {}

    def recall(self, key: str) -> str | None:
        text = self._known.get(key)
        return text if isinstance(text, str) else None

    def keep(self, key: str, text: str) -> None:
        self._used[key] = text

    @contextlib.contextmanager
    def active(self) -> Iterator[None]:
        """While inside, sigen's YAML emitter recalls and records through this cache."""
        with remembering(self):
            yield

    def save(self) -> None:
        """Keep the texts the last render used, unless only a few of them are new:
        emitting those again next time costs less than rewriting the whole cache now."""
        new = sum(1 for key in self._used if key not in self._known)
        if not self._used or new * _REWRITE_SHARE < len(self._used):
            return
        from sigen.writer import atomic_write

        payload = {"salt": self._salt, "texts": self._used}
        atomic_write(self._out / _FILE, json.dumps(payload).encode())
