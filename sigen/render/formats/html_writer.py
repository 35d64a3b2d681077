"""The model to one self-contained HTML file: the stylesheet inline (screen and print),
diagrams as inline SVG, nothing fetched from anywhere."""

from __future__ import annotations

import re
from collections.abc import Sequence
from html import escape

from sigen.render.formats.common import Language, relink
from sigen.render.formats.layout import column_weights
from sigen.render.formats.model import (
    Block,
    Break,
    Code,
    CodeBlock,
    Comment,
    Diagram,
    Document,
    Emph,
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
)

__all__ = ["write_html"]

_XML_PROLOGUE = re.compile(rb"^\s*<\?xml[^>]*>\s*(<!DOCTYPE[^>]*>\s*)?", re.S)


def write_html(doc: Document, lang: Language, css: str, date: str) -> bytes:
    w = _Writer()
    body = "".join(w.block(b) for b in doc.blocks)
    # A "</style>" in an organisation's stylesheet must not end the style element early.
    css = css.replace("</", "<\\/")
    return (
        f'<!DOCTYPE html>\n<html lang="{lang.html}">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        '<meta name="generator" content="sigen">\n'
        f'<meta name="dcterms.date" content="{escape(date)}">\n'
        f"<title>{escape(doc.title)}</title>\n<style>\n{css}</style>\n</head>\n"
        f"<body>\n<main>\n{body}</main>\n</body>\n</html>\n"
    ).encode()


class _Writer:
    def __init__(self) -> None:
        self.first_table = True

    def block(self, b: Block) -> str:
        if isinstance(b, Heading):
            return f'<h{b.level} id="{escape(b.anchor)}">{self.inl(b.text)}</h{b.level}>\n'
        if isinstance(b, Paragraph):
            return f"<p>{self.inl(b.text)}</p>\n"
        if isinstance(b, Table):
            return self.table(b)
        if isinstance(b, ListBlock):
            return self.list(b)
        if isinstance(b, CodeBlock):
            lang = f' class="language-{escape(b.lang)}"' if b.lang else ""
            return f"<pre><code{lang}>{escape(b.text, quote=False)}</code></pre>\n"
        if isinstance(b, Diagram):
            if b.svg is None:
                return (f'<pre class="diagram-source"><code class="language-{escape(b.lang)}">'
                        f"{escape(b.source, quote=False)}</code></pre>\n")
            svg = _XML_PROLOGUE.sub(b"", b.svg).decode("utf-8")
            return f'<figure class="diagram">{svg}</figure>\n'
        if isinstance(b, Quote):
            return "<blockquote>\n" + "".join(self.block(x) for x in b.blocks) + "</blockquote>\n"
        if isinstance(b, Rule):
            return "<hr>\n"
        if isinstance(b, Comment):  # the generator stamp stays what it is: a comment
            return f"<!-- {b.text.replace('--', '- -')} -->\n"
        raise TypeError(b)

    def list(self, b: ListBlock) -> str:
        tag = "ol" if b.ordered else "ul"
        start = f' start="{b.start}"' if b.ordered and b.start != 1 else ""
        items = []
        for item in b.items:
            if b.tight and item and isinstance(item[0], Paragraph):
                inner = self.inl(item[0].text) + "".join(self.block(x) for x in item[1:])
            else:
                inner = "".join(self.block(x) for x in item)
            items.append(f"<li>{inner}</li>\n")
        return f"<{tag}{start}>\n{''.join(items)}</{tag}>\n"

    def table(self, t: Table) -> str:
        kind = ("cover" if self.first_table else "kv") if t.headless else "data"
        self.first_table = False
        cols = "".join(f'<col style="width:{w * 100:.1f}%">' for w in column_weights(t))
        aligns = [f' style="text-align:{a}"' if a else "" for a in t.aligns]
        out = [f'<table class="{kind}">\n<colgroup>{cols}</colgroup>\n']
        if not t.headless:
            out.append("<thead><tr>" + "".join(
                f"<th{a}>{self.inl(c)}</th>" for a, c in zip(aligns, t.header, strict=True))
                + "</tr></thead>\n")
        out.append("<tbody>\n")
        for row in t.rows:
            cells = [f"<td{a}>{self.inl(c)}</td>" for a, c in zip(aligns, row, strict=True)]
            if t.headless and cells:  # the key of a key-value row is its header cell
                cells[0] = f'<th scope="row">{self.inl(row[0])}</th>'
            out.append("<tr>" + "".join(cells) + "</tr>\n")
        out.append("</tbody>\n</table>\n")
        return "".join(out)

    def inl(self, inlines: Sequence[Inline]) -> str:
        out = []
        for i in inlines:
            if isinstance(i, Text):
                out.append(escape(i.text, quote=False))
            elif isinstance(i, Code):
                out.append(f"<code>{escape(i.text, quote=False)}</code>")
            elif isinstance(i, Strong):
                out.append(f"<strong>{self.inl(i.children)}</strong>")
            elif isinstance(i, Emph):
                out.append(f"<em>{self.inl(i.children)}</em>")
            elif isinstance(i, Strike):
                out.append(f"<del>{self.inl(i.children)}</del>")
            elif isinstance(i, Link):
                out.append(f'<a href="{escape(relink(i.href, ".html"))}">'
                           f"{self.inl(i.children)}</a>")
            elif isinstance(i, Break):
                out.append("<br>")
        return "".join(out)
