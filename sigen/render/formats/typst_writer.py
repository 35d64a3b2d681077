"""The model to typst markup, for the PDF (sigen.render.formats.pdf compiles it).

Every piece of the document's text is a typst string literal (``#"..."``), so no
character a blueprint holds can be read as markup. The look is the template's: the source
only calls its three functions (``sigen-doc``, ``sigen-table``, ``sigen-diagram``, see
docs/formats.md); diagrams reach it as ``sys.inputs``, not as megabytes of literals.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sigen.render.formats.common import relink
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
    walk,
)

__all__ = ["diagram_input", "label", "string", "write_typst"]

_ESCAPES = str.maketrans({"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "", "\t": "\\t"})
_ALIGN = {"": "auto", "left": "left", "center": "center", "right": "right"}


def string(text: str) -> str:
    """A typst string literal of ``text``."""
    return '"' + text.translate(_ESCAPES) + '"'


def label(anchor: str) -> str:
    """A heading's typst label: the anchor with only the characters a label may hold."""
    return "h-" + "".join(c if c.isalnum() or c in "-_" else "-" for c in anchor)


def diagram_input(n: int) -> str:
    """The ``sys.inputs`` key holding the SVG of the document's n-th diagram."""
    return f"sigen-diagram-{n}"


def _array(items: Sequence[str]) -> str:
    return "(" + "".join(f"{x}, " for x in items) + ")"


def write_typst(doc: Document, *, template: str, region: str | None, lang: str,
                date: datetime, fonts: Sequence[str], mono_fonts: Sequence[str]) -> str:
    """The typst source of ``doc``; ``template`` is the template's path from the root."""
    day = f"datetime(year: {date.year}, month: {date.month}, day: {date.day}, " \
          "hour: 0, minute: 0, second: 0)"
    head = [f"#import {string(template)}: sigen-doc, sigen-table, sigen-diagram\n"]
    if doc.comments:  # the generator stamp: the PDF's subject, never its text
        head.append(f"#set document(description: {string(' '.join(doc.comments))})\n")
    head.append(
        f"#show: sigen-doc.with(title: {string(doc.title)}, lang: {string(lang)}, "
        f"region: {string(region) if region else 'none'}, date: {day}, "
        f"fonts: {_array([string(f) for f in fonts])}, "
        f"mono-fonts: {_array([string(f) for f in mono_fonts])})\n\n")
    anchors = {b.anchor for b in walk(doc.blocks) if isinstance(b, Heading)}
    w = _Writer(anchors)
    return "".join(head) + "".join(w.block(b) for b in doc.blocks)


class _Writer:
    def __init__(self, anchors: set[str]) -> None:
        self.anchors = anchors
        self.first_table = True
        self.diagrams = 0

    def block(self, b: Block) -> str:
        if isinstance(b, Heading):
            return f"#heading(level: {b.level})[{self.inl(b.text)}] <{label(b.anchor)}>\n\n"
        if isinstance(b, Paragraph):
            return self.inl(b.text) + "\n\n"
        if isinstance(b, Table):
            return self.table(b)
        if isinstance(b, ListBlock):
            items = ", ".join("[" + "".join(self.block(x) for x in item).strip() + "]"
                              for item in b.items)
            tight = "true" if b.tight else "false"
            if b.ordered:
                return f"#enum(start: {b.start}, tight: {tight}, {items})\n\n"
            return f"#list(tight: {tight}, {items})\n\n"
        if isinstance(b, CodeBlock):
            lang = f", lang: {string(b.lang)}" if b.lang else ""
            return f"#raw(block: true{lang}, {string(b.text.rstrip(chr(10)))})\n\n"
        if isinstance(b, Diagram):
            if b.svg is None:
                return (f"#raw(block: true, lang: {string(b.lang)}, "
                        f"{string(b.source.rstrip(chr(10)))})\n\n")
            self.diagrams += 1
            key = string(diagram_input(self.diagrams))
            return f"#sigen-diagram(bytes(sys.inputs.at({key})))\n\n"
        if isinstance(b, Quote):
            return "#quote(block: true)[" + "".join(self.block(x) for x in b.blocks) + "]\n\n"
        if isinstance(b, Rule):
            return "#line(length: 100%, stroke: 0.5pt)\n\n"
        if isinstance(b, Comment):
            return ""
        raise TypeError(b)

    def table(self, t: Table) -> str:
        kind = ("cover" if self.first_table else "kv") if t.headless else "data"
        self.first_table = False
        cols = _array([f"{w * 100:.2f}fr" for w in column_weights(t)])
        aligns = _array([_ALIGN.get(a, "auto") for a in t.aligns])
        header = _array([f"[{self.inl(c)}]" for c in t.header]) if not t.headless else "()"
        rows = "".join("  " + _array([f"[{self.inl(c)}]" for c in r]) + ",\n" for r in t.rows)
        return (f"#sigen-table(kind: {string(kind)}, columns: {cols}, aligns: {aligns}, "
                f"header: {header}, rows: (\n{rows}))\n\n")

    def inl(self, inlines: Sequence[Inline]) -> str:
        out = []
        for i in inlines:
            if isinstance(i, Text):
                out.append("#" + string(i.text))
            elif isinstance(i, Code):
                out.append(f"#raw({string(i.text)})")
            elif isinstance(i, Strong):
                out.append(f"#strong[{self.inl(i.children)}]")
            elif isinstance(i, Emph):
                out.append(f"#emph[{self.inl(i.children)}]")
            elif isinstance(i, Strike):
                out.append(f"#strike[{self.inl(i.children)}]")
            elif isinstance(i, Link):
                out.append(self.link(i))
            elif isinstance(i, Break):
                out.append("#linebreak()")
        return "".join(out)

    def link(self, i: Link) -> str:
        text = self.inl(i.children)
        if i.href.startswith("#"):
            # typst fails on a link to a label the document lacks: such a link is its text
            if i.href[1:] not in self.anchors:
                return text
            return f"#link(label({string(label(i.href[1:]))}))[{text}]"
        return f"#link({string(relink(i.href, '.pdf'))})[{text}]"
