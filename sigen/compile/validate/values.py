"""Parsing of the small value languages in a blueprint: names, durations, times, secrets.

Shared by the schema checks and usable by later stages (the model parses durations the
same way, so a duration that validates is a duration that builds).
"""

from __future__ import annotations

import re
from typing import Any

__all__ = [
    "COMPONENT_RE",
    "FORMAT",
    "NAME_RE",
    "REQUIRED_ENVIRONMENTS",
    "USER_RE",
    "format_duration",
    "is_secret_reference",
    "parse_duration",
    "parse_time_of_day",
]

# Names become file and group names in the output: no dots, slashes or upper case, so
# nothing can escape the output folder or collide on a case-insensitive file system.
NAME_RE = re.compile(r"[a-z0-9][a-z0-9-]{0,62}")
COMPONENT_RE = re.compile(r"[a-z][a-z0-9_]{0,62}")
USER_RE = re.compile(r"[a-z_][a-z0-9_-]{0,31}")
SETTING_RE = re.compile(r"[a-z][a-z0-9_]{0,127}")

# The blueprint format this sigen reads (`sigen: 2`); older ones: sigen migrate
# (sigen.compile.migrations).
FORMAT = 2

# Every blueprint deploys to sigen's podman lab and to production (SG112).
REQUIRED_ENVIRONMENTS = ("lab", "production")

_DURATION_RE = re.compile(r"([1-9][0-9]{0,5})([smhdw])")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_TIME_RE = re.compile(r"([01][0-9]|2[0-3]):([0-5][0-9])")


def parse_duration(text: str, *, seconds: bool = False) -> int | None:
    """Seconds in a duration such as ``15m``, ``4h``, ``1d``, ``2w`` (and ``90s`` with
    ``seconds``: recovery targets); None if malformed."""
    match = _DURATION_RE.fullmatch(text) if isinstance(text, str) else None
    if match is None or (match.group(2) == "s" and not seconds):
        return None
    return int(match.group(1)) * _UNIT_SECONDS[match.group(2)]


def format_duration(seconds: int) -> str:
    """The shortest exact duration text for a number of seconds (``86400`` -> ``1d``)."""
    for unit in ("w", "d", "h", "m"):
        size = _UNIT_SECONDS[unit]
        if seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


def parse_time_of_day(text: str) -> tuple[int, int] | None:
    """(hour, minute) of ``HH:MM`` (24-hour clock); None if malformed."""
    match = _TIME_RE.fullmatch(text) if isinstance(text, str) else None
    return (int(match.group(1)), int(match.group(2))) if match else None


def is_secret_reference(value: Any) -> bool:
    """Whether value is ``{vault: <variable>}`` or ``{env: <VARIABLE>}`` and nothing else."""
    if not isinstance(value, dict) or len(value) != 1:
        return False
    ((kind, name),) = value.items()
    if kind == "vault":
        return isinstance(name, str) and re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name) is not None
    if kind == "env":
        return isinstance(name, str) and re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name) is not None
    return False
