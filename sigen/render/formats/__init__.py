"""sigen's documents as HTML, DOCX and PDF: Markdown, as the templates render it, parsed
once into a small block model (``model``, ``parse``) and written by one writer a format:
HTML by our own (``html_writer``), DOCX with python-docx into a reference document
(``docx_writer``, ``docx_package``), PDF with the typst compiler (``typst_writer``, ``pdf``).
The same arguments give the same bytes, in any process and on any machine with the same
fonts: every date is ``date``. Why these libraries, and how an organisation supplies its
own look: docs/formats.md.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path

from sigen.render.formats.common import DATA, svg_size_pt, timestamp
from sigen.render.formats.common import language as language_info
from sigen.render.formats.model import Diagram, Document, FormatError, walk
from sigen.render.formats.parse import parse

__all__ = ["FORMATS", "TEMPLATE_SUFFIXES", "Document", "FormatError", "convert",
           "convert_all", "parse"]

FORMATS = ("md", "html", "docx", "pdf")
# What an organisation's template is, a format: a reference document, a typst template.
TEMPLATE_SUFFIXES = {"docx": ".docx", "pdf": ".typ"}
# The SVG of a diagram's Mermaid source, or None to show that diagram as its source.
DiagramHook = Callable[[str], bytes | None]


def convert(markdown: str, fmt: str, *, language: str, title: str, date: str,
            fonts: Sequence[Path] = (), template: Path | None = None,
            stylesheet: Path | None = None, diagram: DiagramHook | None = None) -> bytes:
    """``markdown`` as a document in ``fmt`` (one of FORMATS).

    language: "en" or "zh-TW"; title: the document's title (metadata); date: YYYY-MM-DD,
    every date the file holds; fonts: the font folders for the PDF (Debian's Noto folder
    when empty); template: a reference .docx for "docx", a .typ template for "pdf";
    stylesheet: CSS appended to sigen's for "html"; diagram: the SVG of a Mermaid source
    (without it, or where it gives None, a diagram is shown as its source). Raises
    FormatError."""
    templates = {fmt: template} if template is not None else {}
    return convert_all(markdown, (fmt,), language=language, title=title, date=date,
                       fonts=fonts, templates=templates, stylesheet=stylesheet,
                       diagram=diagram)[fmt]


def convert_all(markdown: str, fmts: Iterable[str], *, language: str, title: str, date: str,
                fonts: Sequence[Path] = (), templates: Mapping[str, Path] | None = None,
                stylesheet: Path | None = None,
                diagram: DiagramHook | None = None) -> dict[str, bytes]:
    """``markdown`` in each of ``fmts``, parsed (and its diagrams drawn) once for all.
    ``templates``: by format, as ``template`` of convert."""
    fmts = list(dict.fromkeys(fmts))
    unknown = [f for f in fmts if f not in FORMATS]
    if unknown:
        raise FormatError(f"unknown document format {unknown[0]!r}: one of {', '.join(FORMATS)}")
    templates = dict(templates or {})
    for fmt, path in templates.items():
        suffix = TEMPLATE_SUFFIXES.get(fmt)
        if suffix is None:
            raise FormatError(f"only DOCX and PDF take a template, not {fmt.upper()} "
                              "(HTML takes a stylesheet)")
        if path.suffix.lower() != suffix:
            raise FormatError(f"the {fmt.upper()} template must be a {suffix} file: {path}")
        if not path.is_file():
            raise FormatError(f"the {fmt.upper()} template {path} does not exist")
    lang = language_info(language)
    when = timestamp(date)
    out: dict[str, bytes] = {}
    if "md" in fmts:
        out["md"] = markdown.encode("utf-8")
    rest = [f for f in fmts if f != "md"]
    if not rest:
        return out
    doc = parse(markdown, title=title, language=language)
    if diagram is not None:
        _draw(doc, diagram)
    # The writers are imported when used: python-docx and the typst extension (80 MB) would
    # add a third of a second to every sigen command that makes no such document.
    for fmt in rest:
        if fmt == "html":
            from sigen.render.formats.html_writer import write_html
            out[fmt] = write_html(doc, lang, _css(stylesheet), date)
        elif fmt == "docx":
            from sigen.render.formats.docx_package import write_docx
            out[fmt] = write_docx(doc, lang, date=when, template=templates.get("docx"),
                                  png=lambda b: _png(b, fonts))
        else:
            from sigen.render.formats.pdf import compile_pdf
            out[fmt] = compile_pdf(doc, lang, date=when, fonts=fonts,
                                   template=templates.get("pdf"))
    return {f: out[f] for f in fmts}



def _draw(doc: Document, diagram: DiagramHook) -> None:
    for b in walk(doc.blocks):
        if isinstance(b, Diagram) and b.svg is None:
            svg = diagram(b.source)
            if svg is None:
                continue
            if not svg.lstrip().startswith((b"<svg", b"<?xml", b"<!DOCTYPE", b"<!--")):
                raise FormatError("the diagram hook must give SVG")
            b.svg = svg
            b.width_pt, b.height_pt = svg_size_pt(svg)


def _png(b: Diagram, fonts: Sequence[Path]) -> bytes:
    """The diagram's PNG fallback, drawn once even when several DOCX are made."""
    if b.png is None:
        from sigen.render.formats.pdf import rasterize
        b.png = rasterize(b.svg or b"", b.width_pt, b.height_pt, fonts)
    return b.png


def _css(stylesheet: Path | None) -> str:
    css = (DATA / "default.css").read_text(encoding="utf-8")
    if stylesheet is None:
        return css
    try:
        own = stylesheet.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise FormatError(f"cannot read the stylesheet {stylesheet}: {exc}") from None
    return f"{css}\n/* the organisation's stylesheet: {stylesheet.name} */\n{own}"
