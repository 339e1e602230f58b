"""Low-level WordprocessingML the python-docx API does not reach.

East Asian font slots, theme attributes, outline levels, the PAGE field, and
zip entries with fixed times for byte-identical files.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterable

from docx.oxml import OxmlElement
from docx.oxml.ns import qn

from .wordml import needs_hint

THEME_ATTRS = ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme")
FIXED_TIME = (2000, 1, 1, 0, 0, 0)
# Schema order of the children of w:pPr and w:rPr (ECMA-376 Part 1, CT_PPrBase and CT_RPr): Word refuses
# a styles part whose properties stand out of order, where WPS and LibreOffice read on.
_PPR_ORDER = (
    "pStyle keepNext keepLines pageBreakBefore framePr widowControl numPr suppressLineNumbers pBdr shd "
    "tabs suppressAutoHyphens kinsoku wordWrap overflowPunct topLinePunct autoSpaceDE autoSpaceDN bidi "
    "adjustRightInd snapToGrid spacing ind contextualSpacing mirrorIndents suppressOverlap jc "
    "textDirection textAlignment textboxTightWrap outlineLvl divId cnfStyle rPr sectPr pPrChange "
)
PPR_ORDER = tuple(_PPR_ORDER.split())
_RPR_ORDER = (
    "rStyle rFonts b bCs i iCs caps smallCaps strike dstrike outline shadow emboss imprint noProof "
    "snapToGrid vanish webHidden color spacing w kern position sz szCs highlight u effect bdr shd "
    "fitText vertAlign rtl cs em lang eastAsianLayout specVanish oMath rPrChange "
)
RPR_ORDER = tuple(_RPR_ORDER.split())


def _rpr(owner):
    """The w:rPr of a style, run or w:rPrDefault element, created when absent."""
    if hasattr(owner, "get_or_add_rPr"):
        return owner.get_or_add_rPr()
    rpr = owner.find(qn("w:rPr"))
    if rpr is None:
        rpr = OxmlElement("w:rPr")
        owner.insert(0, rpr)
    return rpr


def set_fonts(rpr_owner, font: str) -> None:
    """Put `font` in every slot (ascii, hAnsi, eastAsia, cs) and drop theme attributes, which would win."""
    rpr = _rpr(rpr_owner)
    rfonts = rpr.get_or_add_rFonts() if hasattr(rpr, "get_or_add_rFonts") else rpr.find(qn("w:rFonts"))
    if rfonts is None:
        rfonts = OxmlElement("w:rFonts")
        rpr.insert(0, rfonts)
    for attr in THEME_ATTRS:
        key = qn(attr)
        if key in rfonts.attrib:
            del rfonts.attrib[key]
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        rfonts.set(qn(attr), font)


def hint_east_asia(r) -> None:
    """<w:rPr><w:rFonts w:hint="eastAsia"/></w:rPr> on a w:r: its quotes and dashes take the East Asian font."""
    rpr = r.find(qn("w:rPr"))
    if rpr is None:
        rpr = OxmlElement("w:rPr")
        r.insert(0, rpr)
    rfonts = rpr.find(qn("w:rFonts"))
    if rfonts is None:
        rfonts = OxmlElement("w:rFonts")
        rpr.insert(0, rfonts)
    rfonts.set(qn("w:hint"), "eastAsia")


def set_ppr_flag(ppr, tag: str, on: bool) -> None:
    """A paragraph on/off property (w:snapToGrid, w:autoSpaceDE …) written explicitly, in schema order."""
    el = ppr.find(qn(f"w:{tag}"))
    if el is None:
        el = OxmlElement(f"w:{tag}")
        ppr.append(el)
    el.set(qn("w:val"), "1" if on else "0")
    sort_properties(ppr)


def sort_properties(element) -> None:
    """Put the children of every w:pPr and w:rPr under element (itself included) in schema order."""
    for tag, order in (("pPr", PPR_ORDER), ("rPr", RPR_ORDER)):
        rank = {qn(f"w:{name}"): i for i, name in enumerate(order)}
        found = [element] if element.tag == qn(f"w:{tag}") else []
        for props in found + element.findall(f".//{qn(f'w:{tag}')}"):
            children = list(props)
            ordered = sorted(children, key=lambda el: rank.get(el.tag, len(order)))
            if ordered != children:
                for el in children:
                    props.remove(el)
                props.extend(ordered)


def set_lang(rpr_owner, east_asia: str = "zh-CN") -> None:
    rpr = _rpr(rpr_owner)
    lang = rpr.find(qn("w:lang"))
    if lang is None:
        lang = OxmlElement("w:lang")
        rpr.append(lang)
    lang.set(qn("w:val"), "en-US")
    lang.set(qn("w:eastAsia"), east_asia)


def drop_color(rpr_owner) -> None:
    rpr = rpr_owner.rPr
    if rpr is None:
        return
    for tag in ("w:color", "w:u", "w:i", "w:iCs"):
        for el in rpr.findall(qn(tag)):
            rpr.remove(el)


def set_outline_level(style, level: int) -> None:
    """level 0 is Heading 1: what the navigation pane and a TOC read."""
    ppr = style.element.get_or_add_pPr()
    lvl = ppr.find(qn("w:outlineLvl"))
    if lvl is None:
        lvl = OxmlElement("w:outlineLvl")
        ppr.append(lvl)
    lvl.set(qn("w:val"), str(level))


def outline_level(style) -> int | None:
    ppr = style.element.pPr
    lvl = None if ppr is None else ppr.find(qn("w:outlineLvl"))
    return None if lvl is None else int(lvl.get(qn("w:val")))


def drop_borders(style) -> None:
    ppr = style.element.pPr
    if ppr is not None:
        for el in ppr.findall(qn("w:pBdr")):
            ppr.remove(el)


def add_page_field(paragraph, font: str) -> None:
    """「— N —」: a PAGE field between two dashes (python-docx has no field API)."""

    def run(text: str | None = None, fld: str | None = None, instr: str | None = None) -> None:
        r = paragraph.add_run(text or "")
        set_fonts(r._r, font)
        if text and needs_hint(text):
            hint_east_asia(r._r)
        if fld:
            el = OxmlElement("w:fldChar")
            el.set(qn("w:fldCharType"), fld)
            r._r.append(el)
        if instr:
            el = OxmlElement("w:instrText")
            el.set(qn("xml:space"), "preserve")
            el.text = instr
            r._r.append(el)

    run("— ")
    run(fld="begin")
    run(instr=" PAGE ")
    run(fld="separate")
    run("1")
    run(fld="end")
    run(" —")


def set_doc_grid(sectPr, line_pitch_twips: int) -> None:
    """A line grid (22 lines a page). Characters are not snapped to a grid: LibreOffice reads a
    character grid against the document's default size and doubles the pitch; the 28 characters a
    line come from character spacing on the styles instead (see docx._para)."""
    grid = sectPr.find(qn("w:docGrid"))
    if grid is None:
        grid = OxmlElement("w:docGrid")
        sectPr.append(grid)
    grid.set(qn("w:type"), "lines")
    grid.set(qn("w:linePitch"), str(line_pitch_twips))
    if qn("w:charSpace") in grid.attrib:
        del grid.attrib[qn("w:charSpace")]


def set_char_spacing(rpr_owner, twentieths: int) -> None:
    """w:spacing in run properties: extra space after each character, in twentieths of a point."""
    rpr = _rpr(rpr_owner)
    el = rpr.find(qn("w:spacing"))
    if el is None:
        el = OxmlElement("w:spacing")
        rpr.append(el)
    el.set(qn("w:val"), str(twentieths))


def set_theme_font_lang(settings_element, east_asia: str = "zh-CN") -> None:
    lang = settings_element.find(qn("w:themeFontLang"))
    if lang is None:
        lang = OxmlElement("w:themeFontLang")
        settings_element.append(lang)
    lang.set(qn("w:val"), "en-US")
    lang.set(qn("w:eastAsia"), east_asia)


def fixed_zip(data: bytes) -> bytes:
    """The same package with every entry dated FIXED_TIME, so equal input gives equal bytes."""
    return zip_entries(package_entries(data))


def package_entries(data: bytes) -> list[tuple[str, bytes]]:
    """(name, content) of every entry of a package, in order."""
    with zipfile.ZipFile(io.BytesIO(data)) as src:
        return [(info.filename, src.read(info.filename)) for info in src.infolist()]


def zip_entries(entries: Iterable[tuple[str, bytes]]) -> bytes:
    """A package of (name, content) in order, each entry dated FIXED_TIME and deflated."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for name, blob in entries:
            fixed = zipfile.ZipInfo(name, date_time=FIXED_TIME)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o600 << 16
            dst.writestr(fixed, blob)
    return out.getvalue()


def font_table_fallbacks(document, fallbacks: dict[str, str]) -> None:
    """Record altName fallbacks in fontTable.xml, so Word/WPS substitute well where a font is missing."""
    part = next((p for p in document.part.package.iter_parts() if p.partname.endswith("fontTable.xml")), None)
    if part is None:
        return
    from lxml import etree

    # an office's own file: no entities expanded, nothing fetched, no huge trees
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, load_dtd=False)
    root = etree.fromstring(part.blob, parser)
    w = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
    have = {f.get(f"{{{w}}}name") for f in root.findall(f"{{{w}}}font")}
    for name, alt in fallbacks.items():
        if name in have:
            continue
        font = etree.SubElement(root, f"{{{w}}}font", {f"{{{w}}}name": name})
        etree.SubElement(font, f"{{{w}}}altName", {f"{{{w}}}val": alt})
        etree.SubElement(font, f"{{{w}}}charset", {f"{{{w}}}val": "86"})
        etree.SubElement(
            font, f"{{{w}}}family", {f"{{{w}}}val": "modern" if "仿宋" in name or "楷" in name else "auto"}
        )
        etree.SubElement(font, f"{{{w}}}pitch", {f"{{{w}}}val": "variable"})
    part._blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
