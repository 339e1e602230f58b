"""The parts of the package that Word, WPS and LibreOffice must read alike: theme, font table, comment styles.

python-docx's default template was made by Word for Mac in English: its theme names Calibri, Cambria and
a Japanese face (ＭＳ 明朝) for East Asian text, its font table lists Japanese fonts, and it has no styles
for comments. WPS reads the theme whenever a run falls back to it and reports every theme face it lacks
as 缺失字体; a comment whose style is missing is laid out in the body style (3号, fixed 28.95 pt). Here the
theme names the layout's own faces (with the Simplified Chinese script entry WPS consults when the East
Asian slot is empty), the font table lists exactly the faces the document uses with their fallbacks,
and the two comment styles are defined. docs/docx-layout.md lists the quirks and where each is guarded.
"""

from __future__ import annotations

from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_LINE_SPACING
from docx.oxml.ns import qn
from docx.shared import Pt
from lxml import etree

from . import ooxml
from .layout import FALLBACKS, Layout

A_NS = "http://schemas.openxmlformats.org/drawingml/2006/main"
W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
COMMENT_TEXT = ("CommentText", "annotation text")  # (style id, name) python-docx's comments refer to
COMMENT_REFERENCE = ("CommentReference", "annotation reference")
COMMENT_SIZE = 10.5  # 五号


def _part(doc, suffix: str):
    return next((p for p in doc.part.package.iter_parts() if p.partname.endswith(suffix)), None)


def used_fonts(layout: Layout) -> list[str]:
    """Every face the document names, in a fixed order, once each."""
    f = layout.fonts
    names = [f.title, f.speaker, f.body, f.heading1, f.heading2, f.heading3, f.page_number, f.latin]
    return list(dict.fromkeys(names))


def theme_fonts(doc, layout: Layout) -> None:
    """Major and minor theme fonts: the layout's Latin face and its heading and body faces for East Asian
    text, with one script entry (Hans); every other script face (Jpan ＭＳ 明朝, Hang, Thai …) removed."""
    part = _part(doc, "theme1.xml")
    if part is None:
        return
    root = etree.fromstring(part.blob)
    for which, east_asian in (("majorFont", layout.fonts.heading1), ("minorFont", layout.fonts.body)):
        for font in root.iter(f"{{{A_NS}}}{which}"):
            for child in list(font):
                if child.tag == f"{{{A_NS}}}font":
                    font.remove(child)
                elif child.tag == f"{{{A_NS}}}latin":
                    child.attrib.clear()
                    child.set("typeface", layout.fonts.latin)
                elif child.tag == f"{{{A_NS}}}ea":
                    child.set("typeface", east_asian)
            etree.SubElement(font, f"{{{A_NS}}}font", {"script": "Hans", "typeface": east_asian})
    part._blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def font_table(doc, layout: Layout) -> None:
    """fontTable.xml with exactly the faces the document uses, each Chinese face with charset 86 (GB2312)
    and its fallback as altName, so Word and WPS substitute the nearest face where one is missing."""
    part = _part(doc, "fontTable.xml")
    if part is None:
        return
    root = etree.fromstring(part.blob)
    for font in list(root):
        root.remove(font)
    w = f"{{{W_NS}}}"
    for name in used_fonts(layout):
        chinese = not name.isascii()
        font = etree.SubElement(root, f"{w}font", {f"{w}name": name})
        if name in FALLBACKS:
            etree.SubElement(font, f"{w}altName", {f"{w}val": FALLBACKS[name]})
        etree.SubElement(font, f"{w}charset", {f"{w}val": "86" if chinese else "00"})
        family = "modern" if chinese and ("仿宋" in name or "楷" in name) else "roman" if not chinese else "auto"
        etree.SubElement(font, f"{w}family", {f"{w}val": family})
        etree.SubElement(font, f"{w}pitch", {f"{w}val": "variable"})
    part._blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def comment_styles(doc, layout: Layout) -> None:
    """The paragraph and character styles python-docx's comments refer to (五号 in the page-number face,
    single spaced, no indent), when the document lacks them."""
    styles = doc.styles
    have = {s.style_id for s in styles}
    if COMMENT_TEXT[0] not in have:
        s = styles.add_style(COMMENT_TEXT[1], WD_STYLE_TYPE.PARAGRAPH)
        s.element.set(qn("w:styleId"), COMMENT_TEXT[0])
        s.base_style = styles["Normal"]
        ooxml.set_fonts(s.element, layout.fonts.page_number)
        ooxml.set_char_spacing(s.element, 0)
        s.font.size = Pt(COMMENT_SIZE)
        pf = s.paragraph_format
        pf.first_line_indent = Pt(0)
        pf.line_spacing_rule = WD_LINE_SPACING.SINGLE
        ooxml.set_ppr_flag(s.element.get_or_add_pPr(), "snapToGrid", False)
    if COMMENT_REFERENCE[0] not in have:
        s = styles.add_style(COMMENT_REFERENCE[1], WD_STYLE_TYPE.CHARACTER)
        s.element.set(qn("w:styleId"), COMMENT_REFERENCE[0])
        s.font.size = Pt(8)


def drop_dangling_links(doc) -> None:
    """Remove w:link, w:next and w:basedOn references to styles the document does not define (the template's
    linked character styles «Heading1Char» … were dropped with the other unused styles)."""
    root = doc.styles.element
    ids = {s.get(qn("w:styleId")) for s in root.findall(qn("w:style"))}
    for style in root.findall(qn("w:style")):
        for tag in ("w:link", "w:next", "w:basedOn"):
            for ref in style.findall(qn(tag)):
                if ref.get(qn("w:val")) not in ids:
                    style.remove(ref)
