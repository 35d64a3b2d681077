"""Markdown text from plan values: escaped so user text stays text, on one line."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from sigen.plan import parse_duration

__all__ = ["Md", "code", "duration", "md_escape", "minutes"]

# Only what Markdown (GitHub's) would read as markup: a backslash, code, emphasis, links,
# HTML, a table's cell separator, a heading mark, strikethrough. Braces and "!" mean nothing
# in Markdown (escaped, a reader of the raw file saw \{\{); an underscore inside a word is
# never emphasis, so snake_case names stay as written.
_SPECIAL = re.compile(r"([\\`*\[\]<>|#~])|(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])")
_NEEDS_WORK = re.compile(r"[\\`*_\[\]<>|#~\n\r\t\f\v]|  |^ | $")


class Md(str):
    """Markdown the templates built themselves: printed as is."""

    __slots__ = ()

    def __repr__(self) -> str:
        # Distinct from a plain string's: sigen.render.memo keys sections by the repr of their
        # data, and Markdown is printed differently from the same text as a value.
        return f"Md({str.__repr__(self)})"


# The plans print the same few thousand strings (kinds, sites, zones, services) again and
# again: escaping each once made the plans of 10,000 hosts a quarter quicker.
_escaped: dict[str, str] = {}


def md_escape(value: Any) -> str:
    """Any value as inert Markdown text on one line."""
    kind = type(value)
    if kind is str:
        text = _escaped.get(value)
        if text is None:
            text = _escaped[value] = _escape(value)
        return text
    if kind is int:  # digits and a sign: nothing to escape
        return str(value)
    if isinstance(value, Md):
        return value
    if value is None:
        return ""
    return _escape(str(value))


def _escape(text: str) -> str:
    if _NEEDS_WORK.search(text) is None:
        return text
    text = " ".join(text.split())
    return _SPECIAL.sub(lambda m: "\\" + m.group(0), text)


def code(value: Any) -> Md:
    """Inline code; a ``|`` is escaped so it cannot end a table cell (GitHub tables)."""
    text = " ".join(str(value).split()).replace("`", "'").replace("|", "\\|")
    return Md(f"`{text}`")


def duration(value: str | timedelta) -> str:
    """``24h`` -> ``24 hours``; timedeltas in the largest whole unit."""
    if isinstance(value, timedelta):
        seconds = int(value.total_seconds())
    else:
        seconds = int(parse_duration(value).total_seconds())
    for unit, size in (("week", 604800), ("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds % size == 0 and seconds >= size:
            n = seconds // size
            return f"{n} {unit}{'s' if n != 1 else ''}"
    return f"{seconds} second{'s' if seconds != 1 else ''}"


def minutes(total: int) -> str:
    hours, minutes = divmod(total, 60)
    if hours and minutes:
        return f"{hours} h {minutes} min"
    return f"{hours} h" if hours else f"{minutes} min"
