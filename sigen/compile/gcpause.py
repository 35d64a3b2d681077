"""Pause Python's cyclic garbage collector around allocation-heavy stages."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["collector_paused"]


@contextmanager
def collector_paused() -> Iterator[None]:
    """Loading and rendering allocate millions of objects that all live until the end: the
    cyclic collector scanning them again and again costs more than the work itself
    (measured in PERFORMANCE.md: CSafeLoader 7.8 s -> 2.7 s at 10,000 hosts)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
