"""The block model every writer reads: one parse of a Markdown document, many formats.

Plain slotted dataclasses without behaviour, so a writer is a function over these and
nothing else, and the parse (the costly part for tables of thousands of rows) is done once
for all formats. A block's text is a list of inlines.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

__all__ = [
    "Block", "Break", "Code", "CodeBlock", "Comment", "Diagram", "Document", "Emph",
    "FormatError", "Heading", "Inline", "Link", "ListBlock", "Paragraph", "Quote", "Rule",
    "Strike", "Strong", "Table", "Text", "plain", "walk",
]


class FormatError(ValueError):
    """A document cannot be converted: a missing font, an unusable template, an unknown
    format or language. The message says what to install or change."""


@dataclass(slots=True)
class Text:
    text: str


@dataclass(slots=True)
class Code:
    text: str


@dataclass(slots=True)
class Strong:
    children: list[Inline]


@dataclass(slots=True)
class Emph:
    children: list[Inline]


@dataclass(slots=True)
class Strike:
    children: list[Inline]


@dataclass(slots=True)
class Link:
    href: str
    children: list[Inline]


@dataclass(slots=True)
class Break:
    """A hard line break."""


Inline = Text | Code | Strong | Emph | Strike | Link | Break


@dataclass(slots=True)
class Heading:
    level: int
    text: list[Inline]
    anchor: str = ""


@dataclass(slots=True)
class Paragraph:
    text: list[Inline]


@dataclass(slots=True)
class Table:
    """A GFM table; every row has one cell a column. A table whose header cells are all
    empty (``| | |``) is a key-value table: sigen's cover block and its like."""

    header: list[list[Inline]]
    rows: list[list[list[Inline]]]
    aligns: list[str]  # a column each: "", "left", "center" or "right"

    @property
    def headless(self) -> bool:
        return not any(self.header)


@dataclass(slots=True)
class ListBlock:
    ordered: bool
    items: list[list[Block]]
    start: int = 1  # a list continued after a table starts at its own number
    tight: bool = True


@dataclass(slots=True)
class CodeBlock:
    lang: str
    text: str


@dataclass(slots=True)
class Diagram:
    """A diagram's source (Mermaid) and, once laid out by the caller's hook, its SVG; the
    PNG is the fallback a DOCX needs for readers that do not show SVG (LibreOffice)."""

    lang: str
    source: str
    svg: bytes | None = None
    png: bytes | None = None
    width_pt: float = 0.0
    height_pt: float = 0.0


@dataclass(slots=True)
class Quote:
    blocks: list[Block]


@dataclass(slots=True)
class Rule:
    pass


@dataclass(slots=True)
class Comment:
    """An HTML comment of the source (sigen's generator stamp): metadata, never text."""

    text: str


Block = Heading | Paragraph | Table | ListBlock | CodeBlock | Diagram | Quote | Rule | Comment


@dataclass(slots=True)
class Document:
    title: str
    language: str
    blocks: list[Block] = field(default_factory=list)

    @property
    def comments(self) -> list[str]:
        return [b.text for b in self.blocks if isinstance(b, Comment)]


def plain(inlines: Sequence[Inline]) -> str:
    """The text of inlines without their markup."""
    out: list[str] = []
    for i in inlines:
        if isinstance(i, Text | Code):
            out.append(i.text)
        elif isinstance(i, Break):
            out.append(" ")
        else:
            out.append(plain(i.children))
    return "".join(out)


def walk(blocks: Sequence[Block]) -> Iterator[Block]:
    """Every block, depth first, those inside list items and quotes too."""
    for b in blocks:
        yield b
        if isinstance(b, ListBlock):
            for item in b.items:
                yield from walk(item)
        elif isinstance(b, Quote):
            yield from walk(b.blocks)
