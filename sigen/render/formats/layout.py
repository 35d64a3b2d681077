"""Column widths shared by the HTML, DOCX and typst writers: a table has the same
proportions in every format, and no layout engine has to measure thousands of rows to
size its columns (fixed table layout is what keeps long tables fast)."""

from __future__ import annotations

import re
import unicodedata

from sigen.render.formats.model import Table, plain

__all__ = ["PAGE_UNITS", "column_weights", "text_width"]

# The text block's width in half-em units of table text (A4, 16-20 mm margins, 8.5-9 pt).
PAGE_UNITS = 112
_WORD = re.compile(r"[^\s\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef\u3000-\u303f]+")
_SAMPLE = 400  # rows looked at: enough to see a column's kind of text


def text_width(s: str) -> int:
    """Width in half-em units: CJK and full-width characters count 2."""
    if s.isascii():
        return len(s)
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in s)


def _longest_word(s: str) -> int:
    return max((len(w) for w in _WORD.findall(s)), default=0)


def column_weights(t: Table, page_units: float = PAGE_UNITS) -> list[float]:
    """Column widths as fractions of the table's width (summing to 1). Each column gets room
    for its longest unbreakable (non-CJK) word, up to a cap, and for four CJK characters
    where the page allows; the rest of the width goes by the text the columns hold (the
    header, the mean and the longest cell)."""
    rows = t.rows[:_SAMPLE]
    want: list[float] = []
    need: list[float] = []
    for i, head_cell in enumerate(t.header):
        texts = [plain(r[i]) for r in rows]
        head = plain(head_cell)
        widths = [text_width(x) for x in texts]
        longest = max(widths, default=0)
        word = max(_longest_word(x) for x in [*texts, head])
        if not longest:  # an empty column is one to fill in by hand (a signature)
            need.append(min(word, 26) + 1.5)
            want.append(max(text_width(head), 16))
            continue
        mean = sum(widths) / len(widths)
        wa = max(0.5 * mean + 0.5 * min(longest, 90), min(text_width(head), 20), 3)
        need.append(max(min(word, 26), min(wa, 8)) + 1.5)
        want.append(wa)
    if t.headless and len(want) == 2:  # a key-value table: narrow keys, wide values
        want = [min(want[0], 22), max(want[1], 60)]
    total_need = sum(need)
    if total_need >= page_units:
        w = need
    else:
        spare = page_units - total_need
        extra = [max(wa - ne, 0) for wa, ne in zip(want, need, strict=True)]
        if sum(extra) <= spare:
            w = [max(wa, ne) for wa, ne in zip(want, need, strict=True)]
        else:
            se = sum(extra)
            w = [ne + spare * ex / se for ne, ex in zip(need, extra, strict=True)]
    s = sum(w) or 1
    return [x / s for x in w]
