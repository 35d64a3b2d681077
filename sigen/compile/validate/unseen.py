"""Check single entries only when they changed: what the last valid build already checked.

The structural check (the cerberus schema), the search for literal secrets and the check of
a service's settings against its role look at each entry of a top-level list (a host, a
service, a backup policy ...) on its own: no rule of theirs looks at its siblings (those
checks are semantic, and run in full every time). So an entry whose key passed them in the
last valid build passes them now, and only the others need checking.
``validate_blueprint`` checks that reduced blueprint and, if it shows any problem, the whole
one, so diagnostics and positions are exactly those of a full validation. The keys live in a
store (``sigen.sync.cache``, ``entries.json``) salted with sigen's own code and the role
library (a changed schema or role invalidates them).
"""

from __future__ import annotations

from typing import Any, Protocol

from sigen.compile.loader import LoadedBlueprint
from sigen.compile.validate import Partial

__all__ = ["EntryStore", "SeenEntries"]


class EntryStore(Protocol):
    """Where the keys of checked entries are kept (``sigen.sync.cache.Store``)."""

    def key(self, kind: str, payload: str) -> str: ...

    def __contains__(self, key: str) -> bool: ...

    def put(self, key: str, value: Any) -> None: ...


class SeenEntries:
    """``unseen`` is the ``unseen`` argument of ``validate_blueprint``; it puts the key of
    every entry it sees into the store (save the store once that blueprint proved valid)."""

    def __init__(self, store: EntryStore) -> None:
        self._store = store

    def unseen(self, loaded: LoadedBlueprint) -> LoadedBlueprint | None:
        """``loaded`` without the entries known to pass, or None when none is known."""
        reduced: dict[str, Any] = {}
        placeholders: set[int] = set()
        skipped = False
        for section, value in loaded.data.items():
            if not (isinstance(value, list) and value):
                reduced[section] = value
                continue
            kept = []
            for item in value:
                # The repr of the loader's values (dicts, lists, strings, numbers, dates) is
                # exact and keeps their types apart (a date and the string of a date do not
                # validate alike); it is written in C: half the time of a sorted JSON dump.
                k = self._store.key(section, repr(item))
                self._store.put(k, 1)
                if k in self._store:
                    skipped = True
                else:
                    kept.append(item)
            # One entry stays, so that rules on the list itself (required, minlength 1) hold.
            if not kept:
                kept = value[:1]
                placeholders.add(id(kept[0]))
            reduced[section] = kept
        if not skipped:
            return None
        return Partial(loaded.path, reduced, loaded.sha256, loaded.text, loaded.yaml11_plain,
                       frozenset(placeholders))
