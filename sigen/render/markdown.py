"""Markdown text from plan values: escaped so user text stays text, on one line."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal
from typing import Any

from sigen.plan import parse_duration

__all__ = ["Md", "ansible_doc", "code", "duration", "md_escape", "mermaid", "minutes", "money",
           "number"]

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


def money(value: Decimal | int) -> str:
    """Whole dollars with thousands separators (the plan rounded them): 1,234,567."""
    return f"{Decimal(value):,.0f}"


def number(value: Decimal | int) -> str:
    """An exact figure with thousands separators and no trailing zeros: 4,270.5, 0.1302,
    18,550 (the plan's 18550.0)."""
    return f"{Decimal(value).normalize():,f}"


_MERMAID = {"#": "#35;", '"': "#quot;", "<": "#lt;", ">": "#gt;", "`": "#96;", "\\": "#92;"}


def mermaid(value: object) -> Md:
    """Text for a quoted Mermaid label, on one line: what Mermaid reads as markup (quotes,
    tags, entity codes, Markdown strings) written as its entity codes, so user text stays
    text in the diagram."""
    text = " ".join(str(value).split())
    return Md("".join(_MERMAID.get(c, c) for c in text))


# Ansible's documentation markup in argument specs: C(code), V(value), O(option), I(italic),
# B(bold), U(url), L(text,url), M(module).
_ANSIBLE_MARKUP = re.compile(r"\b([CVOIBUM])\(([^()]*)\)|\bL\(([^(),]*),([^()]*)\)")


def ansible_doc(value: object) -> Md:
    """An argument spec's description as Markdown: its code markup as code, the rest as
    escaped text."""
    text = " ".join(str(value).split())
    out: list[str] = []
    last = 0

    def plain(piece: str) -> str:  # escaped, its spaces at either end kept
        inner = piece.strip(" ")
        if not inner:
            return piece
        start = piece.index(inner)
        return piece[:start] + md_escape(inner) + piece[start + len(inner):]

    for m in _ANSIBLE_MARKUP.finditer(text):
        out.append(plain(text[last:m.start()]))
        if m.group(1) in ("C", "V", "O", "M"):
            out.append(code(m.group(2)))
        elif m.group(1) is not None:
            out.append(plain(m.group(2)))
        else:
            out.append(plain(m.group(3)))
        last = m.end()
    out.append(plain(text[last:]))
    return Md("".join(out))
