"""What the writers share: the languages, links between documents, dates, diagram sizes."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from sigen.render.formats.model import FormatError

__all__ = ["DATA", "LANGUAGES", "Language", "language", "relink", "svg_size_pt", "timestamp"]

# The default PDF template, stylesheet and reference.docx.
DATA = Path(__file__).resolve().parent.parent.parent / "data" / "formats"


@dataclass(frozen=True, slots=True)
class Language:
    html: str  # BCP 47 for lang="": the script subtag picks Traditional glyphs in browsers
    word: str  # Word's w:lang
    typst_lang: str
    typst_region: str | None
    fonts: tuple[str, ...]  # typst's fallback order; those not installed are left out
    mono_fonts: tuple[str, ...]


# The Noto CJK families in the order a language wants their glyph forms: Taiwan's first.
_CJK = ("Noto Sans CJK TC", "Noto Sans CJK HK", "Noto Sans CJK SC", "Noto Sans CJK JP",
        "Noto Sans CJK KR")
_MONO = tuple(f.replace("Sans CJK", "Sans Mono CJK") for f in _CJK)
LANGUAGES = {
    # English text in a Latin face when one is given; Chinese names in it still in TC forms.
    "en": Language("en", "en-US", "en", None, ("Noto Sans", *_CJK), _MONO),
    "zh-TW": Language("zh-Hant-TW", "zh-TW", "zh", "TW", _CJK, _MONO),
}


def language(name: str) -> Language:
    try:
        return LANGUAGES[name]
    except KeyError:
        raise FormatError(f"unknown document language {name!r}: one of "
                          f"{', '.join(sorted(LANGUAGES))}") from None


def timestamp(iso: str) -> datetime:
    """The one date of a document's metadata, midnight UTC: nothing else dates the bytes."""
    try:
        day = date.fromisoformat(iso)
    except (TypeError, ValueError):
        raise FormatError(f"the document date must be YYYY-MM-DD, not {iso!r}") from None
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")
_MD_LINK = re.compile(r"\.md(?=#|$)")


def relink(href: str, suffix: str) -> str:
    """A relative link to another generated Markdown document points at the same document
    in this format (the formats are written side by side); other links stay as written,
    relative ones relative."""
    if _SCHEME.match(href) or href.startswith("#"):
        return href
    return _MD_LINK.sub(suffix, href, count=1)


_LENGTH = r'="([\d.]+)(pt|px|in|mm|cm)?"'
_UNIT = {None: 0.75, "px": 0.75, "pt": 1.0, "in": 72.0, "mm": 72 / 25.4, "cm": 72 / 2.54}


def svg_size_pt(svg: bytes) -> tuple[float, float]:
    """An SVG's width and height in points (from width/height, else the viewBox)."""
    head = svg[:4000].decode("utf-8", "replace")
    root = head[head.find("<svg"):]
    root = root[:root.find(">") + 1]
    size = []
    for name in ("width", "height"):
        m = re.search(rf"\b{name}{_LENGTH}", root)
        size.append(float(m.group(1)) * _UNIT[m.group(2)] if m else 0.0)
    if not all(size):
        m = re.search(r'viewBox="\s*[-\d.]+[\s,]+[-\d.]+[\s,]+([\d.]+)[\s,]+([\d.]+)', root)
        size = [float(m.group(1)) * 0.75, float(m.group(2)) * 0.75] if m else [400.0, 300.0]
    return size[0], size[1]
