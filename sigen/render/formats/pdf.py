"""PDF with the typst compiler (the PyPI package ``typst``: the compiler as an extension
module, no other program, no system library), and PNG fallbacks of diagrams for DOCX.

Fonts come only from the folders given (system fonts are ignored), so the same font files
give the same PDF on every machine. Reading the fonts is the costly part (Noto Sans CJK is
90 MB), so there is one compiler a process for the same folders.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Literal

import typst

from sigen.render.formats.common import DATA, Language
from sigen.render.formats.model import Diagram, Document, FormatError, walk
from sigen.render.formats.typst_writer import diagram_input, string, write_typst

__all__ = ["DEFAULT_FONT_DIRS", "REQUIRED_FONTS", "compile_pdf", "rasterize", "typesetter"]

# Where Debian's fonts-noto-cjk puts Noto Sans CJK (NotoSansCJK-Regular.ttc and -Bold.ttc).
DEFAULT_FONT_DIRS = (Path("/usr/share/fonts/opentype/noto"),)
# Every PDF falls back on these: they hold the Han, kana, hangul and Latin glyphs.
REQUIRED_FONTS = ("Noto Sans CJK TC", "Noto Sans Mono CJK TC")
DEFAULT_TEMPLATE = DATA / "default.typ"
PNG_PPI = 144


@dataclass(frozen=True, slots=True)
class Typesetter:
    compiler: typst.Compiler
    families: frozenset[str]
    lock: threading.Lock  # one compile at a time: the compiler keeps state between them


_typesetters: dict[tuple[str, ...], Typesetter] = {}
_typesetters_lock = threading.Lock()


def typesetter(fonts: Sequence[Path]) -> Typesetter:
    """The compiler for these font folders (the Debian folder when none are given); a
    FormatError if they lack Noto Sans CJK, saying what to install."""
    dirs = tuple(str(p) for p in (fonts or DEFAULT_FONT_DIRS))
    with _typesetters_lock:
        found = _typesetters.get(dirs)
        if found is None:
            existing = [d for d in dirs if Path(d).is_dir()]
            book = typst.Fonts(include_system_fonts=False, include_embedded_fonts=True,
                               font_paths=existing)
            families = frozenset(book.families())
            missing = [f for f in REQUIRED_FONTS if f not in families]
            if missing:
                raise FormatError(
                    f"the PDF needs the font {' and '.join(missing)}, which is not in "
                    f"{', '.join(dirs)}: install Debian's package fonts-noto-cjk "
                    "(apt-get install --no-install-recommends fonts-noto-cjk), or pass the "
                    "folder that holds NotoSansCJK-Regular.ttc")
            compiler = typst.Compiler(font_paths=book, ignore_system_fonts=True)
            found = _typesetters[dirs] = Typesetter(compiler, families, threading.Lock())
    return found


def _svg_input(svg: bytes) -> str:
    try:
        return svg.decode("utf-8")
    except UnicodeDecodeError:
        raise FormatError("a diagram's SVG is not UTF-8") from None


def _compile(ts: Typesetter, source: str, *, root: Path, fmt: Literal["pdf", "png"],
             date: datetime | None, inputs: Mapping[str, str]) -> bytes:
    try:
        with ts.lock:
            out = ts.compiler.compile(input=source.encode("utf-8"), root=str(root), format=fmt,
                                      ppi=PNG_PPI if fmt == "png" else None,
                                      sys_inputs=dict(inputs),
                                      timestamp=int(date.timestamp()) if date else 0)
    except typst.TypstError as exc:
        detail = exc.diagnostic.strip() or exc.message
        raise FormatError(f"typst could not make the {fmt.upper()}: {detail}") from None
    if not isinstance(out, bytes):  # a PNG of several pages: the diagram page overflowed
        raise FormatError(f"typst made {len(out or [])} pages of a diagram, not one")
    return out


def compile_pdf(doc: Document, lang: Language, *, date: datetime, fonts: Sequence[Path],
                template: Path | None) -> bytes:
    """The PDF of ``doc``: the template's folder is typst's root, so a template may read
    its own files (a logo) beside it; the document's source itself is never on disk."""
    ts = typesetter(fonts)
    template = (template or DEFAULT_TEMPLATE).resolve()
    if not template.is_file():
        raise FormatError(f"the PDF template {template} does not exist")
    source = write_typst(doc, template="/" + template.name, lang=lang.typst_lang,
                         region=lang.typst_region, date=date,
                         fonts=[f for f in lang.fonts if f in ts.families],
                         mono_fonts=[f for f in lang.mono_fonts if f in ts.families])
    diagrams = [b for b in walk(doc.blocks) if isinstance(b, Diagram) and b.svg is not None]
    inputs = {diagram_input(n): _svg_input(b.svg or b"") for n, b in enumerate(diagrams, 1)}
    return _compile(ts, source, root=template.parent, fmt="pdf", date=date, inputs=inputs)


def rasterize(svg: bytes, width_pt: float, height_pt: float, fonts: Sequence[Path]) -> bytes:
    """A PNG of an SVG at 144 ppi, drawn by typst (so with the same fonts as the PDF)."""
    source = (f"#set page(width: {width_pt:.2f}pt, height: {height_pt:.2f}pt, margin: 0pt)\n"
              f"#image(bytes(sys.inputs.at({string('svg')})), format: \"svg\", "
              "width: 100%, height: 100%)\n")
    return _compile(typesetter(fonts), source, root=DATA, fmt="png", date=None,
                    inputs={"svg": _svg_input(svg)})
