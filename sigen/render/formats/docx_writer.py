"""The model to WordprocessingML: the body of the DOCX (sigen.render.formats.docx_package
opens the reference document, puts this body in and saves it).

The body is written as XML text and parsed once: building a table of thousands of rows
element by element in Python costs several times as much. Style names are pandoc's
(Heading N, Body Text, Compact, Source Code, Verbatim Char, Hyperlink, Table), so a
reference.docx made for pandoc serves unchanged. Tables are Word tables with fixed column
widths and a header row Word repeats on every page; every list has a numbering of its own,
so each starts at its own number; headings carry bookmarks, the targets of ``#`` links.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from xml.sax.saxutils import escape, quoteattr

from sigen.render.formats.common import relink
from sigen.render.formats.layout import column_weights
from sigen.render.formats.model import (
    Block,
    Break,
    Code,
    CodeBlock,
    Comment,
    Diagram,
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

__all__ = ["NAMESPACES", "BodyWriter", "bookmarks"]

NAMESPACES = {
    "w": "http://schemas.openxmlformats.org/wordprocessingml/2006/main",
    "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
    "wp": "http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing",
    "a": "http://schemas.openxmlformats.org/drawingml/2006/main",
    "pic": "http://schemas.openxmlformats.org/drawingml/2006/picture",
    "asvg": "http://schemas.microsoft.com/office/drawing/2016/SVG/main",
}
# Characters XML 1.0 cannot hold at all: dropped rather than making Word refuse the file.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_SVG_BLIP = "{96DAC541-7B7A-43D3-8B79-37D633B846F1}"  # Office's extension URI for SVG
EMU_PER_TWIP = 635
EMU_PER_PT = 12700
# Word's table text is 9 pt with 3.5 pt cell margins, and Latin faces are wider than in the
# PDF: fewer half-ems fit a line than in the HTML and PDF layouts.
_WORD_PAGE_UNITS = 80
_BOLD, _ITALIC, _STRIKE = 1, 2, 4
_MARKS = [("<w:b/>" if m & _BOLD else "") + ("<w:i/>" if m & _ITALIC else "")
          + ("<w:strike/>" if m & _STRIKE else "") for m in range(8)]
# Drawing ids above those a letterhead's own pictures are likely to use.
_FIRST_DRAWING_ID = 1000


def _t(text: str) -> str:
    return escape(_NOT_XML.sub("", text))


def bookmarks(blocks: Sequence[Block]) -> dict[str, str]:
    """A Word bookmark name for every heading's anchor: at most 40 characters (Word drops
    longer ones) and unique."""
    names: dict[str, str] = {}
    used: set[str] = set()
    for b in walk(blocks):
        if isinstance(b, Heading):
            name = "h-" + b.anchor[:38]
            n = 1
            while name in used:
                n += 1
                name = f"h-{b.anchor[:38 - len(str(n)) - 1]}-{n}"
            used.add(name)
            names[b.anchor] = name
    return names


class BodyWriter:
    """Writes blocks as the XML of a document body. ``style`` maps pandoc's style names to
    the reference document's style ids; ``relate`` adds an external link and gives its
    relationship id; ``numbering`` gives a new numbering id for a list; ``picture`` adds a
    diagram's images and gives their relationship ids (PNG, SVG), or None without a PNG."""

    def __init__(self, *, style: Callable[[str], str | None], text_width_twips: int,
                 relate: Callable[[str], str], numbering: Callable[[bool, int, int], str],
                 picture: Callable[[Diagram], tuple[str, str] | None],
                 anchors: dict[str, str]) -> None:
        self.style = style
        self.text_width = text_width_twips
        self.relate = relate
        self.numbering = numbering
        self.picture = picture
        self.anchors = anchors
        self.out: list[str] = []
        self.bookmark_id = 0
        self.pictures = 0
        self.code_char = style("Verbatim Char")
        self.link_char = style("Hyperlink")
        self.cell_style = style("Compact")

    def xml(self) -> str:
        """The body's content, its prefixes those of NAMESPACES."""
        return "".join(self.out)

    # paragraphs and runs ----------------------------------------------------------------
    def para(self, style: str | None, runs: str, ppr: str = "") -> str:
        pstyle = f'<w:pStyle w:val="{style}"/>' if style else ""
        props = f"<w:pPr>{pstyle}{ppr}</w:pPr>" if pstyle or ppr else ""
        return f"<w:p>{props}{runs}</w:p>"

    def runs(self, inlines: Sequence[Inline], marks: int = 0, char: str | None = None) -> str:
        """Runs of ``inlines``; ``marks`` is a set of _BOLD, _ITALIC, _STRIKE (written in the
        schema's order, which Word insists on, whatever the nesting was)."""
        out = []
        for i in inlines:
            if isinstance(i, Text | Code):
                style = self.code_char if isinstance(i, Code) else char
                props = (f'<w:rStyle w:val="{style}"/>' if style else "") + _MARKS[marks]
                props = f"<w:rPr>{props}</w:rPr>" if props else ""
                out.append(f'<w:r>{props}<w:t xml:space="preserve">{_t(i.text)}</w:t></w:r>')
            elif isinstance(i, Strong):
                out.append(self.runs(i.children, marks | _BOLD, char))
            elif isinstance(i, Emph):
                out.append(self.runs(i.children, marks | _ITALIC, char))
            elif isinstance(i, Strike):
                out.append(self.runs(i.children, marks | _STRIKE, char))
            elif isinstance(i, Break):
                out.append("<w:r><w:br/></w:r>")
            elif isinstance(i, Link):
                out.append(self.link(i, marks))
        return "".join(out)

    def link(self, i: Link, marks: int) -> str:
        inner = self.runs(i.children, marks, self.link_char)
        if i.href.startswith("#"):
            name = self.anchors.get(i.href[1:])
            return f"<w:hyperlink w:anchor={quoteattr(name)}>{inner}</w:hyperlink>" \
                if name else inner
        rid = self.relate(relink(i.href, ".docx"))
        return f'<w:hyperlink r:id="{rid}">{inner}</w:hyperlink>'

    # blocks -----------------------------------------------------------------------------
    def blocks(self, blocks: Sequence[Block], depth: int = 0) -> None:
        for b in blocks:
            self.block(b, depth)

    def block(self, b: Block, depth: int = 0) -> None:
        if isinstance(b, Heading):
            self.bookmark_id += 1
            n = self.bookmark_id
            name = quoteattr(self.anchors[b.anchor])
            self.out.append(self.para(
                self.style(f"Heading {b.level}"),
                f'<w:bookmarkStart w:id="{n}" w:name={name}/>{self.runs(b.text)}'
                f'<w:bookmarkEnd w:id="{n}"/>'))
        elif isinstance(b, Paragraph):
            self.out.append(self.para(self.style("Body Text"), self.runs(b.text)))
        elif isinstance(b, Table):
            self.table(b)
        elif isinstance(b, ListBlock):
            self.list(b, depth)
        elif isinstance(b, CodeBlock):
            self.code(b.text)
        elif isinstance(b, Diagram):
            self.diagram(b)
        elif isinstance(b, Quote):
            for x in b.blocks:
                if isinstance(x, Paragraph):
                    self.out.append(self.para(self.style("Block Text"), self.runs(x.text)))
                else:
                    self.block(x, depth)
        elif isinstance(b, Rule):
            self.out.append(self.para(None, "", '<w:pBdr><w:bottom w:val="single" w:sz="6" '
                                      'w:space="1" w:color="auto"/></w:pBdr>'))
        elif not isinstance(b, Comment):  # the stamp goes into the core properties
            raise TypeError(b)

    def code(self, text: str) -> None:
        lines = [f'<w:r><w:t xml:space="preserve">{_t(line)}</w:t></w:r>'
                 for line in text.rstrip("\n").split("\n")]
        self.out.append(self.para(self.style("Source Code"), "<w:r><w:br/></w:r>".join(lines)))

    def list(self, b: ListBlock, depth: int) -> None:
        suffix = f" {min(depth + 1, 3)}" if depth else ""
        kind = "List Number" if b.ordered else "List Bullet"
        style = self.style(kind + suffix) or self.style(kind) or self.style("List Paragraph")
        cont = self.style("List Continue" + suffix) or self.style("Body Text")
        num = self.numbering(b.ordered, b.start, depth)
        numpr = f'<w:numPr><w:ilvl w:val="0"/><w:numId w:val="{num}"/></w:numPr>'
        for item in b.items:
            for k, x in enumerate(item):
                if isinstance(x, Paragraph):
                    first = k == 0
                    self.out.append(self.para(style if first else cont, self.runs(x.text),
                                              numpr if first else ""))
                else:
                    self.block(x, depth + 1)

    def table(self, t: Table) -> None:
        headless = t.headless
        weights = column_weights(t, page_units=_WORD_PAGE_UNITS)
        widths = [int(self.text_width * w) for w in weights]
        style = self.style("Table")
        look = ('w:firstRow="0" w:firstColumn="1" w:val="0080"' if headless
                else 'w:firstRow="1" w:firstColumn="0" w:val="0020"')
        out = [
            "<w:tbl><w:tblPr>",
            f'<w:tblStyle w:val="{style}"/>' if style else "",
            '<w:tblW w:w="5000" w:type="pct"/><w:tblLayout w:type="fixed"/>',
            f'<w:tblLook {look} w:lastRow="0" w:lastColumn="0" w:noHBand="1" w:noVBand="1"/>',
            "</w:tblPr><w:tblGrid>",
            *(f'<w:gridCol w:w="{w}"/>' for w in widths),
            "</w:tblGrid>",
        ]
        cell_style = f'<w:pStyle w:val="{self.cell_style}"/>' if self.cell_style else ""
        starts = []
        for w, a in zip(widths, t.aligns, strict=True):
            jc = f'<w:jc w:val="{a}"/>' if a in ("center", "right") else ""
            ppr = f"<w:pPr>{cell_style}{jc}</w:pPr>" if cell_style or jc else ""
            starts.append(f'<w:tc><w:tcPr><w:tcW w:w="{w}" w:type="dxa"/></w:tcPr><w:p>{ppr}')
        end = "</w:p></w:tc>"
        if not headless:
            out.append("<w:tr><w:trPr><w:cantSplit/><w:tblHeader/></w:trPr>")
            out.extend(s + self.runs(c, _BOLD) + end
                       for s, c in zip(starts, t.header, strict=True))
            out.append("</w:tr>")
        for row in t.rows:
            out.append("<w:tr><w:trPr><w:cantSplit/></w:trPr>")
            for i, (s, c) in enumerate(zip(starts, row, strict=True)):
                out.append(s + self.runs(c, _BOLD if headless and i == 0 else 0) + end)
            out.append("</w:tr>")
        out.append("</w:tbl>")
        self.out.append("".join(out))
        # Word joins two tables that touch: a paragraph after each keeps them apart.
        self.out.append(self.para(self.cell_style, ""))

    def diagram(self, b: Diagram) -> None:
        rids = self.picture(b) if b.svg is not None else None
        if rids is None:
            self.code(b.source)
            return
        png, svg = rids
        self.pictures += 1
        n = _FIRST_DRAWING_ID + self.pictures
        max_cx = self.text_width * EMU_PER_TWIP
        cx, cy = int(b.width_pt * EMU_PER_PT), int(b.height_pt * EMU_PER_PT)
        if cx > max_cx:
            cx, cy = max_cx, int(cy * max_cx / cx)
        name = f"diagram{self.pictures}.svg"
        drawing = (
            f'<w:r><w:drawing><wp:inline distT="0" distB="0" distL="0" distR="0">'
            f'<wp:extent cx="{cx}" cy="{cy}"/><wp:docPr id="{n}" name="{name}"/>'
            '<wp:cNvGraphicFramePr><a:graphicFrameLocks noChangeAspect="1"/>'
            '</wp:cNvGraphicFramePr><a:graphic>'
            '<a:graphicData uri="http://schemas.openxmlformats.org/drawingml/2006/picture">'
            f'<pic:pic><pic:nvPicPr><pic:cNvPr id="{n}" name="{name}"/><pic:cNvPicPr/>'
            f'</pic:nvPicPr><pic:blipFill><a:blip r:embed="{png}"><a:extLst>'
            f'<a:ext uri="{_SVG_BLIP}"><asvg:svgBlip r:embed="{svg}"/></a:ext></a:extLst>'
            '</a:blip><a:stretch><a:fillRect/></a:stretch></pic:blipFill><pic:spPr>'
            f'<a:xfrm><a:off x="0" y="0"/><a:ext cx="{cx}" cy="{cy}"/></a:xfrm>'
            '<a:prstGeom prst="rect"><a:avLst/></a:prstGeom></pic:spPr></pic:pic>'
            "</a:graphicData></a:graphic></wp:inline></w:drawing></w:r>")
        self.out.append(self.para(self.style("Figure"), drawing, '<w:jc w:val="center"/>'))
