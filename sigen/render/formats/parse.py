"""Markdown (CommonMark with GFM tables and strikethrough) to the block model, with
markdown-it-py: one linear pass over its token stream (its SyntaxTreeNode costs as much
again as the parse itself, which matters for tables of thousands of rows)."""

from __future__ import annotations

import gc
import re
import unicodedata
from collections.abc import Sequence
from urllib.parse import unquote

from markdown_it import MarkdownIt
from markdown_it.token import Token

from sigen.render.formats.model import (
    Block,
    Break,
    Code,
    CodeBlock,
    Comment,
    Diagram,
    Document,
    Emph,
    FormatError,
    Heading,
    Inline,
    Link,
    ListBlock,
    Paragraph,
    Quote,
    Rule,
    Strike,
    Strong,
    Table,
    Text,
    plain,
    walk,
)

__all__ = ["parse", "slug"]

DIAGRAM_LANGUAGES = frozenset({"mermaid"})
_ALIGN = re.compile(r"text-align:(\w+)")
_md = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])


def parse(markdown: str, *, title: str, language: str) -> Document:
    """The document of ``markdown``; every heading gets a unique anchor."""
    # The tokens and blocks of a big document are a million objects with no cycles among
    # them; the cycle collector, run again and again over them as they pile up, took two
    # thirds of the time (20,744 lines: 11.6 s with it, 3.8 s without).
    collecting = gc.isenabled()
    gc.disable()
    try:
        blocks, _ = _blocks(_md.parse(markdown), 0, None)
    finally:
        if collecting:
            gc.enable()
    seen: dict[str, int] = {}
    for b in walk(blocks):
        if isinstance(b, Heading):
            s = slug(plain(b.text))
            n = seen.get(s, 0)
            seen[s] = n + 1
            b.anchor = s if n == 0 else f"{s}-{n}"
    return Document(title=title, language=language, blocks=blocks)


def _blocks(toks: Sequence[Token], i: int, close: str | None) -> tuple[list[Block], int]:
    """The blocks from ``toks[i]`` up to the token of type ``close``, and the index after it."""
    out: list[Block] = []
    n = len(toks)
    while i < n:
        t = toks[i]
        ty = t.type
        if ty == close:
            return out, i + 1
        if ty == "heading_open":
            out.append(Heading(int(t.tag[1]), _inlines(toks[i + 1])))
            i += 3
        elif ty == "paragraph_open":
            out.append(Paragraph(_inlines(toks[i + 1])))
            i += 3
        elif ty == "table_open":
            table, i = _table(toks, i + 1)
            out.append(table)
        elif ty in ("bullet_list_open", "ordered_list_open"):
            block, i = _list(toks, i)
            out.append(block)
        elif ty in ("fence", "code_block"):
            lang = t.info.strip().split(" ")[0] if ty == "fence" else ""
            if lang in DIAGRAM_LANGUAGES:
                out.append(Diagram(lang, t.content))
            else:
                out.append(CodeBlock(lang, t.content))
            i += 1
        elif ty == "blockquote_open":
            inner, i = _blocks(toks, i + 1, "blockquote_close")
            out.append(Quote(inner))
        elif ty == "hr":
            out.append(Rule())
            i += 1
        elif ty == "html_block":
            out.extend(_html_block(t.content))
            i += 1
        else:
            raise FormatError(f"unsupported Markdown element: {ty}")
    return out, i


def _html_block(content: str) -> list[Block]:
    """Comments are kept as metadata; other raw HTML is shown as the text it is (sigen's
    templates escape ``<`` in every value, so none comes from a blueprint)."""
    text = content.strip()
    if text.startswith("<!--") and text.endswith("-->"):
        return [Comment(text[4:-3].strip())]
    return [Paragraph([Text(text)])]


def _list(toks: Sequence[Token], i: int) -> tuple[ListBlock, int]:
    t = toks[i]
    ordered = t.type == "ordered_list_open"
    start = int(t.attrs.get("start", 1)) if ordered else 1
    end = t.type.replace("_open", "_close")
    items: list[list[Block]] = []
    tight = True
    i += 1
    while toks[i].type != end:  # list_item_open
        j = i + 1
        if toks[j].type == "paragraph_open" and not toks[j].hidden:
            tight = False
        item, i = _blocks(toks, j, "list_item_close")
        items.append(item)
    return ListBlock(ordered, items, start, tight), i + 1


def _table(toks: Sequence[Token], i: int) -> tuple[Table, int]:
    header: list[list[Inline]] = []
    rows: list[list[list[Inline]]] = []
    aligns: list[str] = []
    in_head = False
    row: list[list[Inline]] = []
    while True:
        t = toks[i]
        ty = t.type
        if ty == "table_close":
            width = len(header)
            # GFM: a row has as many cells as the header (extra ones dropped, missing empty)
            for r in rows:
                if len(r) != width:
                    del r[width:]
                    r.extend([] for _ in range(width - len(r)))
            return Table(header, rows, aligns), i + 1
        if ty == "thead_open":
            in_head = True
        elif ty == "tbody_open":
            in_head = False
        elif ty == "tr_open":
            row = []
        elif ty == "tr_close":
            if in_head:
                header = row
            else:
                rows.append(row)
        elif ty in ("th_open", "td_open"):
            if in_head:
                m = _ALIGN.search(str(t.attrs.get("style", "")))
                aligns.append(m.group(1) if m else "")
            nxt = toks[i + 1]
            if nxt.type == "inline":
                row.append(_inlines(nxt))
                i += 1
            else:
                row.append([])
        i += 1


_OPEN = {"strong_open": "strong", "em_open": "em", "s_open": "s", "link_open": "link"}
_CLOSE = frozenset({"strong_close", "em_close", "s_close", "link_close"})


def _inlines(tok: Token) -> list[Inline]:
    out: list[Inline] = []
    # Text not yet made a Text: markdown-it splits text at every escape and entity, and
    # joining the pieces once is linear where adding them one by one is not.
    pieces: list[str] = []
    stack: list[tuple[str, str, list[Inline]]] = []
    for c in tok.children or ():
        t = c.type
        if t == "text":
            pieces.append(c.content)
            continue
        if t == "softbreak":
            pieces.append(" ")
            continue
        if t == "html_inline":
            if not c.content.startswith("<!--"):  # an inline comment is dropped
                pieces.append(c.content)
            continue
        if t == "image":
            pieces.append(c.content or str(c.attrs.get("alt", "")))
            continue
        if t not in _OPEN and t not in _CLOSE and t not in ("code_inline", "hardbreak"):
            pieces.append(c.content)
            continue
        if pieces:
            out.append(Text("".join(pieces)))
            pieces = []
        if t in _OPEN:
            stack.append((_OPEN[t], str(c.attrs.get("href", "")), out))
            out = []
        elif t in _CLOSE:
            kind, href, parent = stack.pop()
            inner, out = out, parent
            if kind == "link":
                # markdown-it percent-encodes a link; an anchor is compared with the
                # headings' anchors, which keep their CJK letters
                out.append(Link("#" + unquote(href[1:]) if href.startswith("#") else href,
                                inner))
            elif kind == "strong":
                out.append(Strong(inner))
            elif kind == "em":
                out.append(Emph(inner))
            else:
                out.append(Strike(inner))
        elif t == "code_inline":
            out.append(Code(c.content))
        else:
            out.append(Break())
    if pieces:
        out.append(Text("".join(pieces)))
    return out


def slug(text: str) -> str:
    """A heading's anchor: lower case, words joined by ``-``; CJK letters are kept."""
    text = unicodedata.normalize("NFKC", text).lower()
    text = re.sub(r"[^\w\s-]", "", text)
    return re.sub(r"[\s_]+", "-", text).strip("-") or "section"
