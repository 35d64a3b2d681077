"""Builds sigen's default reference.docx (sigen/data/formats/reference.docx) from
python-docx's own template: A4, fonts for Latin and Traditional Chinese text, and the
pandoc style names the DOCX writer uses. An organisation starts from this file (or from
pandoc's), restyles it in Word, adds its letterhead and passes it as the template.

    python -m sigen.render.formats.reference sigen/data/formats/reference.docx

The committed file is this function's output (a test says so): regenerate it after a
change here or an upgrade of python-docx.
"""

from __future__ import annotations

import io
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

import docx
from docx.enum.style import WD_STYLE_TYPE
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Cm, Pt, RGBColor

from sigen.render.formats.docx_package import drop_thumbnail, normalize_zip

__all__ = ["build"]

LATIN = "Calibri"
EAST_ASIA = "Microsoft JhengHei"  # 微軟正黑體, on every Windows since Vista
MONO = "Consolas"
ACCENT = RGBColor(0x1F, 0x4E, 0x79)
SHADE = "EEF2F6"
RULE = "9AA5B1"


def _fonts(style: Any, ascii_font: str, east_asia: str) -> None:
    rpr = style.element.get_or_add_rPr()
    for old in rpr.findall(qn("w:rFonts")):
        rpr.remove(old)
    rpr.insert(0, parse_xml(f'<w:rFonts {nsdecls("w")} w:ascii="{ascii_font}" '
                            f'w:hAnsi="{ascii_font}" w:eastAsia="{east_asia}" '
                            f'w:cs="{ascii_font}"/>'))


_TABLE_STYLE = f"""
<w:style {nsdecls("w")} w:type="table" w:customStyle="1" w:styleId="Table">
  <w:name w:val="Table"/><w:basedOn w:val="TableNormal"/><w:uiPriority w:val="59"/><w:qFormat/>
  <w:tblPr><w:tblBorders>
    <w:top w:val="single" w:sz="4" w:space="0" w:color="{RULE}"/>
    <w:left w:val="single" w:sz="4" w:space="0" w:color="{RULE}"/>
    <w:bottom w:val="single" w:sz="4" w:space="0" w:color="{RULE}"/>
    <w:right w:val="single" w:sz="4" w:space="0" w:color="{RULE}"/>
    <w:insideH w:val="single" w:sz="4" w:space="0" w:color="{RULE}"/>
    <w:insideV w:val="single" w:sz="4" w:space="0" w:color="{RULE}"/>
  </w:tblBorders><w:tblCellMar><w:left w:w="70" w:type="dxa"/><w:right w:w="70" w:type="dxa"/>
  </w:tblCellMar></w:tblPr>
  <w:tblStylePr w:type="firstRow"><w:rPr><w:b/></w:rPr><w:tblPr/><w:trPr><w:tblHeader/></w:trPr>
    <w:tcPr><w:shd w:val="clear" w:color="auto" w:fill="{SHADE}"/></w:tcPr></w:tblStylePr>
  <w:tblStylePr w:type="firstCol"><w:rPr><w:b/></w:rPr><w:tblPr/>
    <w:tcPr><w:shd w:val="clear" w:color="auto" w:fill="{SHADE}"/></w:tcPr></w:tblStylePr>
</w:style>"""


def build() -> bytes:
    """The default reference.docx, the same bytes every time."""
    d = docx.Document()
    sec = d.sections[0]
    sec.page_width, sec.page_height = Cm(21.0), Cm(29.7)
    sec.left_margin = sec.right_margin = Cm(2.0)
    sec.top_margin, sec.bottom_margin = Cm(2.0), Cm(2.2)
    defaults = d.styles.element.find(qn("w:docDefaults"))
    rpr = defaults.find(qn("w:rPrDefault")).find(qn("w:rPr"))
    fonts = rpr.find(qn("w:rFonts"))
    fonts.attrib.clear()
    for k, v in (("w:ascii", LATIN), ("w:hAnsi", LATIN), ("w:eastAsia", EAST_ASIA),
                 ("w:cs", LATIN)):
        fonts.set(qn(k), v)
    rpr.find(qn("w:sz")).set(qn("w:val"), "20")
    rpr.find(qn("w:szCs")).set(qn("w:val"), "20")
    rpr.find(qn("w:lang")).set(qn("w:eastAsia"), "zh-TW")
    defaults.find(qn("w:pPrDefault")).find(qn("w:pPr")).find(qn("w:spacing")).attrib.update(
        {qn("w:after"): "120", qn("w:line"): "264", qn("w:lineRule"): "auto"})
    styles = d.styles
    for n in range(1, 7):
        st = styles[f"Heading {n}"]
        _fonts(st, LATIN, EAST_ASIA)
        st.font.color.rgb = ACCENT
        st.font.size = Pt({1: 18, 2: 14, 3: 12, 4: 11, 5: 10, 6: 10}[n])
    compact = styles.add_style("Compact", WD_STYLE_TYPE.PARAGRAPH)
    compact.base_style = styles["Normal"]
    compact.paragraph_format.space_before = Pt(0)
    compact.paragraph_format.space_after = Pt(0)
    compact.font.size = Pt(9)
    code = styles.add_style("Source Code", WD_STYLE_TYPE.PARAGRAPH)
    code.base_style = styles["Normal"]
    _fonts(code, MONO, EAST_ASIA)
    code.font.size = Pt(9)
    code.paragraph_format.space_after = Pt(6)
    code.element.get_or_add_pPr().append(parse_xml(
        f'<w:shd {nsdecls("w")} w:val="clear" w:color="auto" w:fill="{SHADE}"/>'))
    verbatim = styles.add_style("Verbatim Char", WD_STYLE_TYPE.CHARACTER)
    _fonts(verbatim, MONO, EAST_ASIA)
    verbatim.font.size = Pt(9)
    link = styles.add_style("Hyperlink", WD_STYLE_TYPE.CHARACTER)
    link.font.color.rgb = ACCENT
    link.font.underline = True
    figure = styles.add_style("Figure", WD_STYLE_TYPE.PARAGRAPH)
    figure.base_style = styles["Normal"]
    # a grid, a shaded bold header row and a shaded bold first column (key-value tables)
    styles.element.append(parse_xml(_TABLE_STYLE))
    cp = d.core_properties
    when = datetime(2000, 1, 1)
    cp.author, cp.title, cp.created, cp.modified = "sigen", "", when, when
    cp.last_modified_by, cp.revision, cp.comments = "sigen", 1, ""
    printed = cp._element.find(qn("cp:lastPrinted"))
    if printed is not None:
        cp._element.remove(printed)
    drop_thumbnail(d)
    buf = io.BytesIO()
    d.save(buf)
    return normalize_zip(buf.getvalue())


if __name__ == "__main__":
    Path(sys.argv[1]).write_bytes(build())
