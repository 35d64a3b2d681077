"""Documents placeholder (filled in next)."""
from __future__ import annotations

from sigen.plan import Plan


def render(plan: Plan, version: str) -> dict[str, bytes]:
    return {}
