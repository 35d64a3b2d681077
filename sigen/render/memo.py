"""Text made before, recalled by a key of the data it was made from.

An incremental build keeps the texts of the last build (``sigen.sync.cache``, ``yaml.json``)
and, while ``remembering``, ``recalled`` returns the text made from equal data instead of
making it again: YAML documents (``sigen.render.yamlout``) and the per-host sections of the
reports (``sigen.render.documents``). The key is made by the memo from the data's ``repr``
and a stamp that names what makes the text, so the same data made into two kinds of text is
two entries.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import Any, Protocol

__all__ = ["Memo", "recalled", "remembering"]


class Memo(Protocol):
    """Text made before, by a key of the data (``sigen.sync.cache.Store``)."""

    def key(self, kind: str, payload: str) -> str: ...

    def recall(self, key: str) -> str | None: ...

    def keep(self, key: str, text: str) -> None: ...


_memo: Memo | None = None
# Data whose repr is shorter is made into text at about the cost of looking it up.
_WORTH_REMEMBERING = 160


@contextlib.contextmanager
def remembering(memo: Memo) -> Iterator[None]:
    """While inside, ``recalled`` reuses the text ``memo`` has for the same data: an
    incremental build makes only what changed."""
    global _memo
    previous, _memo = _memo, memo
    try:
        yield
    finally:
        _memo = previous


def recalled(data: Any, stamp: str, make: Callable[[], str]) -> str:
    """``make()``, or the text it gave before for data with the same repr and ``stamp``."""
    memo = _memo
    if memo is None:
        return make()
    # repr of built-in containers and scalars is exact and written in C: two values with
    # the same repr make the same text (sigen's own string kinds, Jinja and Md, have their
    # own repr). An object whose repr shows only its address says nothing of its content:
    # never remembered.
    shown = repr(data)
    if len(shown) < _WORTH_REMEMBERING or " at 0x" in shown:
        return make()
    key = memo.key(stamp, shown)
    text = memo.recall(key)
    if text is None:
        text = make()
    memo.keep(key, text)
    return text
