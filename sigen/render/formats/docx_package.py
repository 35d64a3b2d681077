"""DOCX with python-docx: the body written into the organisation's reference document.

The reference document's body goes; its styles, numbering, section (page size, margins,
the letterhead's headers and footers), theme and settings stay. A style sigen uses that
the reference lacks is copied from sigen's default (sigen/data/formats/reference.docx),
so an organisation's file needs to define only what it wants to look different.
"""

from __future__ import annotations

import copy
import functools
import io
import zipfile
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any
from xml.sax.saxutils import quoteattr

import docx
from docx.document import Document as WordDocument
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.packuri import PackURI
from docx.opc.part import Part
from docx.oxml import parse_xml
from docx.oxml.ns import qn

from sigen.render.formats.common import DATA, Language
from sigen.render.formats.docx_writer import NAMESPACES, BodyWriter, bookmarks
from sigen.render.formats.model import Diagram, Document, FormatError

__all__ = ["DEFAULT_REFERENCE", "USED_STYLES", "drop_thumbnail", "normalize_zip", "write_docx"]

DEFAULT_REFERENCE = DATA / "reference.docx"
USED_STYLES = (*(f"Heading {n}" for n in range(1, 7)), "Body Text", "Compact", "Source Code",
               "Verbatim Char", "Hyperlink", "Table", "List Number", "List Bullet",
               "List Continue", "Figure")
ZIP_DATE = (1980, 1, 1, 0, 0, 0)  # the earliest a zip entry can be dated
_A4_TEXT_TWIPS = 11906 - 2 * 1134
_W = NAMESPACES["w"]


def _open(template: Path | None) -> WordDocument:
    if template is None:
        return docx.Document(io.BytesIO(_default_bytes()))
    try:
        return docx.Document(str(template))
    except Exception as exc:  # python-docx raises whatever the zip or XML reader raised
        raise FormatError(f"the Word template {template} is not a .docx document "
                          f"({type(exc).__name__}: {exc})") from None


@functools.lru_cache(maxsize=1)
def _default_bytes() -> bytes:
    return DEFAULT_REFERENCE.read_bytes()


@functools.lru_cache(maxsize=1)
def _default_styles() -> dict[str, Any]:
    """sigen's own definition of each style it uses, by name."""
    d = docx.Document(io.BytesIO(_default_bytes()))
    return {s.name: s.element for s in d.styles if s.name in USED_STYLES}


def _complete_styles(d: WordDocument) -> dict[str, str]:
    """The reference's style ids by name, after adding the styles it lacks."""
    ids = {s.name: s.style_id for s in d.styles if s.name}
    taken = set(ids.values())
    root = d.styles.element
    for name, element in _default_styles().items():
        if name in ids:
            continue
        style = copy.deepcopy(element)
        for tag in ("w:link", "w:rsid", "w:pPr/w:numPr"):  # they point into sigen's file
            for child in style.findall(qn(tag) if "/" not in tag else
                                       "/".join(qn(t) for t in tag.split("/"))):
                child.getparent().remove(child)
        based = style.find(qn("w:basedOn"))
        if based is not None and based.get(qn("w:val")) not in taken:
            style.remove(based)
        sid = style.get(qn("w:styleId"))
        while sid in taken:  # the same id under another name (a localised Word)
            sid = "Sigen" + sid
        style.set(qn("w:styleId"), sid)
        root.append(style)
        ids[name] = sid
        taken.add(sid)
    return ids


def _set_language(d: WordDocument, lang: Language) -> None:
    """The document's language: Word's spelling, hyphenation and East Asian line breaking."""
    defaults = d.styles.element.find(qn("w:docDefaults"))
    if defaults is None:
        defaults = d.styles.element.makeelement(qn("w:docDefaults"), {})
        d.styles.element.insert(0, defaults)
    node = defaults
    for tag in ("w:rPrDefault", "w:rPr", "w:lang"):
        child = node.find(qn(tag))
        if child is None:
            child = node.makeelement(qn(tag), {})
            node.insert(0, child) if tag == "w:rPrDefault" else node.append(child)
        node = child
    node.set(qn("w:val"), lang.word)
    node.set(qn("w:eastAsia"), "zh-TW")  # Han characters in an English document too


class _Numbering:
    """A numbering (w:num) a list, each restarting at the list's own start."""

    def __init__(self, d: WordDocument) -> None:
        self.root = d.part.numbering_part.element
        nums = [int(n.get(qn("w:numId"))) for n in self.root.findall(qn("w:num"))]
        abstracts = [int(a.get(qn("w:abstractNumId")))
                     for a in self.root.findall(qn("w:abstractNum"))]
        self.next_num = max(nums, default=0) + 1
        self.next_abstract = max(abstracts, default=0) + 1
        self.abstracts: dict[tuple[bool, int], int] = {}

    def abstract(self, ordered: bool, depth: int) -> int:
        key = (ordered, depth)
        if key not in self.abstracts:
            aid = self.abstracts[key] = self.next_abstract
            self.next_abstract += 1
            fmt, text = ("decimal", "%1.") if ordered else ("bullet", "\u2022")
            left = 360 * (depth + 1)
            a = parse_xml(
                f'<w:abstractNum xmlns:w="{_W}" w:abstractNumId="{aid}">'
                '<w:multiLevelType w:val="singleLevel"/><w:lvl w:ilvl="0">'
                f'<w:start w:val="1"/><w:numFmt w:val="{fmt}"/><w:lvlText w:val="{text}"/>'
                f'<w:lvlJc w:val="left"/><w:pPr><w:ind w:left="{left}" w:hanging="360"/>'
                "</w:pPr></w:lvl></w:abstractNum>")
            first = self.root.find(qn("w:num"))  # the schema: every abstractNum first
            if first is not None:
                first.addprevious(a)
            else:
                self.root.append(a)
        return self.abstracts[key]

    def __call__(self, ordered: bool, start: int, depth: int) -> str:
        num = self.next_num
        self.next_num += 1
        # Without a start override Word would continue the last list of the same kind.
        override = (f'<w:lvlOverride w:ilvl="0"><w:startOverride w:val="{start}"/>'
                    "</w:lvlOverride>" if ordered else "")
        self.root.append(parse_xml(
            f'<w:num xmlns:w="{_W}" w:numId="{num}"><w:abstractNumId '
            f'w:val="{self.abstract(ordered, depth)}"/>{override}</w:num>'))
        return str(num)


def write_docx(doc: Document, lang: Language, *, date: datetime, template: Path | None,
               png: Callable[[Diagram], bytes]) -> bytes:
    d = _open(template)
    ids = _complete_styles(d)
    _set_language(d, lang)
    sect = d.element.body.find(qn("w:sectPr"))
    section = d.sections[-1] if sect is not None else None
    width = _A4_TEXT_TWIPS
    if section is not None and section.page_width and section.left_margin is not None \
            and section.right_margin is not None:
        width = int((section.page_width - section.left_margin - section.right_margin) / 635)
    part = d.part
    package = part.package

    def picture(b: Diagram) -> tuple[str, str]:
        svg = Part(package.next_partname("/word/media/sigen-diagram%d.svg"), "image/svg+xml",
                   b.svg or b"", package)
        svg_rid = part.relate_to(svg, RT.IMAGE)
        fallback = Part(PackURI(svg.partname.replace(".svg", ".png")), "image/png", png(b),
                        package)
        return part.relate_to(fallback, RT.IMAGE), svg_rid

    writer = BodyWriter(
        style=ids.get, text_width_twips=width,
        relate=lambda url: part.relate_to(url, RT.HYPERLINK, is_external=True),
        numbering=_Numbering(d), picture=picture, anchors=bookmarks(doc.blocks))
    writer.blocks(doc.blocks)
    _replace_body(d, writer.xml())
    _drop_unused_relationships(d)
    _core_properties(d, doc, lang, date)
    out = io.BytesIO()
    d.save(out)
    return normalize_zip(out.getvalue())


def _replace_body(d: WordDocument, content: str) -> None:
    """The document part's XML anew: the reference's root (its namespaces, mc:Ignorable, a
    background) and section, with ``content`` as the body. Parsed whole, not moved into
    the reference's tree: lxml moves a subtree node by node, 1.8 s for 3,000 table rows."""
    old = d.part.element
    nsmap = dict(old.nsmap)
    for prefix, uri in NAMESPACES.items():
        if nsmap.setdefault(prefix, uri) != uri:
            raise FormatError(f"the Word template binds the XML prefix {prefix} to "
                              f"{nsmap[prefix]}, not to {uri}")
    prefix_of = {uri: prefix for prefix, uri in nsmap.items() if prefix}
    prefix_of["http://www.w3.org/XML/1998/namespace"] = "xml"
    attrs = []
    for name, value in old.attrib.items():
        uri, _, local = name[1:].partition("}") if name.startswith("{") else ("", "", name)
        attrs.append(f"{prefix_of[uri]}:{local}" if uri else local)
        attrs[-1] += "=" + quoteattr(value)
    decls = [f"xmlns:{p}={quoteattr(u)}" if p else f"xmlns={quoteattr(u)}"
             for p, u in sorted(nsmap.items(), key=lambda kv: kv[0] or "")]
    new = parse_xml(f"<w:document {' '.join(decls + attrs)}><w:body>{content}</w:body>"
                    "</w:document>")
    body = new.find(qn("w:body"))
    for child in old:  # w:background comes before the body
        if child.tag != qn("w:body"):
            body.addprevious(copy.deepcopy(child))
    sect = old.body.find(qn("w:sectPr"))
    if sect is not None:
        body.append(copy.deepcopy(sect))
    d.part._element = new


def drop_thumbnail(d: WordDocument) -> None:
    """A thumbnail is a picture of the reference's first page, not of this document."""
    rels = d.part.package.rels
    for rid in [r for r, rel in rels.items() if rel.reltype == RT.THUMBNAIL]:
        del rels[rid]


def _drop_unused_relationships(d: WordDocument) -> None:
    """The reference body's pictures and links went with it: so do their parts."""
    drop_thumbnail(d)
    used = set(d.part.element.xpath("//@r:id | //@r:embed | //@r:link"))
    rels = d.part.rels
    for rid in [r for r, rel in rels.items() if rel.reltype in (RT.IMAGE, RT.HYPERLINK)
                and r not in used]:
        del rels[rid]


def _core_properties(d: WordDocument, doc: Document, lang: Language, date: datetime) -> None:
    cp = d.core_properties
    when = date.replace(tzinfo=None)  # python-docx writes naive datetimes as UTC
    cp.title = doc.title
    cp.language = lang.word
    cp.created = when
    cp.modified = when
    cp.revision = 1
    cp.last_modified_by = "sigen"
    if not cp.author or cp.author == "python-docx":
        cp.author = "sigen"
    if doc.comments:
        cp.comments = " ".join(doc.comments)
    printed = cp._element.find(qn("cp:lastPrinted"))  # a date of the reference's past
    if printed is not None:
        cp._element.remove(printed)


def normalize_zip(data: bytes) -> bytes:
    """The same bytes for the same parts: every entry dated 1980-01-01 with fixed
    attributes, in a fixed order ([Content_Types].xml first, as OPC readers expect)."""
    src = zipfile.ZipFile(io.BytesIO(data))
    names = sorted(src.namelist(), key=lambda n: (n != "[Content_Types].xml",
                                                  not n.startswith("_rels/"), n))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for name in names:
            info = zipfile.ZipInfo(name, ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 0
            info.external_attr = 0
            z.writestr(info, src.read(name), compresslevel=6)
    return out.getvalue()
