"""The Word writer through python-docx: the styled base document, comments, an office's reference document.

python-docx builds the lean, styled base of each layout (``build_base``, kept between runs by
``basecache``), over which ``wordml`` writes every plain draft without python-docx. ``with_python_docx``
writes a draft through python-docx's API: it serves --explain (Word comments) and --reference-docx, and
defines the bytes the lean writer must reproduce. Output bytes depend only on the draft and the layout.
"""

from __future__ import annotations

import copy
import datetime as dt
import functools
import io
import math
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path

from docx import Document
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.opc.constants import CONTENT_TYPE as CT
from docx.opc.coreprops import CoreProperties
from docx.opc.oxml import serialize_part_xml
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

from ..draft import Draft, DraftInfo, Paragraph, Point, Section, Sentence
from ..errors import InputError, Problem
from ..event.files import checked_zip
from ..i18n import _
from . import compat, ooxml, wordml
from .layout import FALLBACKS, Layout

STYLE_FOR = {
    "title": "Title",
    "speaker": "Speaker Line",
    "date": "Date Line",
    "salutation": "Salutation",
    "body": "Normal",
    "heading1": "Heading 1",
    "heading2": "Heading 2",
}
KEEP_STYLES = {
    "Normal",
    "Title",
    "Heading 1",
    "Heading 2",
    "Heading 3",
    "Footer",
    "Header",
    "Default Paragraph Font",
    "Normal Table",
    "No List",
    "Speaker Line",
    "Date Line",
    "Salutation",
}
_MARK_TIME = dt.datetime(1901, 2, 3, 4, 5, 6)  # stands for the draft's times while the core template is made


def with_python_docx(draft: Draft, layout: Layout, explain: bool = False, reference: Path | None = None) -> bytes:
    """The straightforward writer, through python-docx's API: comments and reference documents need it,
    and it defines the bytes the lean writer (wordml) must reproduce."""
    if reference is not None:
        doc = _reference_document(reference, layout)
    else:
        doc = Document(io.BytesIO(_base_document(layout)))
    when = wordml.meeting_time(draft)
    comments: list[tuple[object, Sentence]] = []
    for kind, sentences in draft.printed():
        p = doc.add_paragraph(style=STYLE_FOR[kind])
        for sentence, text in zip(sentences, wordml.run_texts(kind, sentences, layout), strict=True):
            run = p.add_run(text)
            if wordml.needs_hint(text):
                ooxml.hint_east_asia(run._r)
            if explain and (sentence.slot or sentence.source):
                comments.append((run, sentence))
    for run, sentence in comments:
        origin = f"{sentence.slot}\n{sentence.source}" if sentence.slot else sentence.source or "template"
        comment = doc.add_comment(run, text=origin, author="speechgen", initials="SG")
        comment._comment_elm.date = when
    _properties(doc.core_properties, wordml.core_texts(draft), when.replace(tzinfo=None))
    out = io.BytesIO()
    doc.save(out)
    return ooxml.fixed_zip(out.getvalue())


def _properties(cp: CoreProperties, texts: Mapping[str, str], when: dt.datetime) -> None:
    cp.title = texts["title"]
    cp.author = texts["author"]
    cp.subject = texts["subject"]
    cp.keywords = "讲话稿"
    cp.comments = "speechgen draft"
    cp.last_modified_by = "speechgen"
    cp.revision = 1
    cp.created = when
    cp.modified = when
    cp.last_printed = when


def build_base(layout: Layout) -> wordml.Base | None:
    """The lean writer's base for a layout: the package with_python_docx starts from, as text and zip
    records. None when the lean writer, tried on a sample draft, would not write what with_python_docx
    writes (a python-docx, lxml or zipfile it does not know): then every draft goes through python-docx."""
    layout = replace(layout, title_breaks=())
    doc = Document(io.BytesIO(_base_document(layout)))
    core = doc.core_properties  # created here when the base has none, as in with_python_docx
    openings = {
        kind: wordml.paragraph_opening(doc.part.get_style_id(name, WD_STYLE_TYPE.PARAGRAPH))
        for kind, name in STYLE_FOR.items()
    }
    document_name = doc.part.partname.membername
    core_name = next(
        p.partname.membername for p in doc.part.package.iter_parts() if p.content_type == CT.OPC_CORE_PROPERTIES
    )
    out = io.BytesIO()
    doc.save(out)
    entries = [
        (name, None if name in (document_name, core_name) else wordml.zip_records(name, blob))
        for name, blob in ooxml.package_entries(out.getvalue())
    ]
    doc.add_paragraph()  # <w:p/>, where a draft's paragraphs go
    head, mark, tail = serialize_part_xml(doc.element).decode("utf-8").partition("<w:p/>")
    template = copy.deepcopy(core._element)
    fields = {name: mark for name, mark in wordml.FIELDS.items() if name != "when"}
    _properties(CoreProperties(template), fields, _MARK_TIME)
    core_xml = serialize_part_xml(template).decode("utf-8")
    core_xml = core_xml.replace(f">{wordml.w3cdtf(_MARK_TIME)}<", f">{wordml.FIELDS['when']}<")
    if not mark or "<w:p/>" in tail:
        return None
    base = wordml.Base(document_name, core_name, head, tail, openings, core_xml, tuple(entries))
    sample = sample_draft()
    return base if base.render(sample, layout) == with_python_docx(sample, layout) else None


def sample_draft() -> Draft:
    """A draft with every kind of line and awkward text: what a base is tried on before it is used."""
    awkward = (" 前后有空格 ", "a\tb", "c\nd\r\ne", "<&>\"'", "", "　全角", "他说：“挂职不是‘镀金’——是锻炼……”")
    return Draft(
        title="在全市年轻干部赴县乡挂职锻炼动员会上的讲话 & <副标题>\t",
        speaker_line="县委常委、组织部部长 王建国",
        date_line="（2026年3月16日）",
        salutation="同志们：",
        opening=[Paragraph([Sentence(t) for t in awkward])],
        sections=[
            Section(
                Sentence("提高认识"),
                [Paragraph([Sentence("正文。")]), Point(Sentence("把握要求"), [Paragraph([Sentence("“要点”")])])],
                number="一、",
            )
        ],
        closing=[Paragraph([Sentence("谢谢大家！")])],
        info=DraftInfo(date="2026-03-16", author="王建国 & <组织部>", meeting="全市|动员会\t"),
    )


def _base_document(layout: Layout) -> bytes:
    """A lean, styled, empty document for this layout (built once, reused; the title breaks do not change it)."""
    return _base_bytes(replace(layout, title_breaks=()))


@functools.lru_cache(maxsize=8)
def _base_bytes(layout: Layout) -> bytes:
    doc = Document()
    _drop_extras(doc)
    _configure(doc, layout, restyle_all=True)
    for p in list(doc.paragraphs):
        p._element.getparent().remove(p._element)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def _reference_document(path: Path, layout: Layout):
    """The office's own template: its styles and page setup win; our missing styles are added.

    Anything wrong inside it (a zip bomb, malformed XML, an entity bomb in its font table) is a problem of
    that file, refused before it is unpacked or reported once it is read, never a crash."""
    what = _("a Word .docx file that can be used as a reference")
    data = checked_zip(path, str(path), what)
    try:
        doc = Document(io.BytesIO(data))
        body = doc.element.body
        for child in list(body):
            if child.tag != qn("w:sectPr"):
                body.remove(child)
        _configure(doc, layout, restyle_all=False)
    except Exception as exc:  # noqa: BLE001 - python-docx and lxml raise many types for a bad package
        raise InputError([Problem(str(path), _("not {what}: {exc}").format(what=what, exc=exc))]) from None
    return doc


def _drop_extras(doc) -> None:
    """Parts of python-docx's default template a speech never uses (they cost time in every save)."""
    for rels in (doc.part.rels, doc.part.package.rels):
        for rid, rel in list(rels.items()):
            if rel.reltype.rsplit("/", 1)[-1] in (
                "stylesWithEffects",
                "customXml",
                "thumbnail",
                "webSettings",
                "numbering",  # lists a speech never uses, tied to list styles removed below
            ):
                del rels[rid]
    styles = doc.styles.element
    latent = styles.find(qn("w:latentStyles"))
    if latent is not None:
        styles.remove(latent)
    for style in list(doc.styles):
        if style.name not in KEEP_STYLES:
            styles.remove(style.element)


def _configure(doc, layout: Layout, restyle_all: bool) -> None:
    styles = doc.styles
    existing = {s.name for s in styles}
    f, z = layout.fonts, layout.sizes

    def style(name: str, base: str | None = "Normal"):
        if name in existing:
            return styles[name], restyle_all
        s = styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
        if base:
            s.base_style = styles[base]
        return s, True

    normal, fresh = style("Normal", None)
    if fresh:
        _para(normal, layout, f.body, z.body, indent=True)
        ooxml.set_lang(normal.element)
    defaults = styles.element.find(qn("w:docDefaults"))
    if defaults is not None and restyle_all:
        rpr_default = defaults.find(qn("w:rPrDefault"))
        if rpr_default is not None:
            ooxml.set_fonts(rpr_default, f.body)
            ooxml.set_lang(rpr_default)
        ppr_default = defaults.find(qn("w:pPrDefault"))
        ppr = None if ppr_default is None else ppr_default.find(qn("w:pPr"))
        if ppr is not None:
            ooxml.set_ppr_flag(ppr, "autoSpaceDE", False)
            ooxml.set_ppr_flag(ppr, "autoSpaceDN", False)
    ooxml.set_theme_font_lang(doc.settings.element)

    for name, font, size, align, indent, bold, level in (
        ("Title", f.title, z.title, WD_ALIGN_PARAGRAPH.CENTER, False, False, None),
        ("Speaker Line", f.speaker, z.speaker, WD_ALIGN_PARAGRAPH.CENTER, False, False, None),
        ("Date Line", f.speaker, z.speaker, WD_ALIGN_PARAGRAPH.CENTER, False, False, None),
        ("Salutation", f.body, z.body, WD_ALIGN_PARAGRAPH.LEFT, False, False, None),
        ("Heading 1", f.heading1, z.heading1, WD_ALIGN_PARAGRAPH.JUSTIFY, True, False, 0),
        ("Heading 2", f.heading2, z.heading2, WD_ALIGN_PARAGRAPH.JUSTIFY, True, False, 1),
        ("Heading 3", f.heading3, z.heading3, WD_ALIGN_PARAGRAPH.JUSTIFY, True, True, 2),
    ):
        s, fresh = style(name)
        if fresh:
            _para(s, layout, font, size, indent=indent, align=align, bold=bold)
            ooxml.drop_borders(s)
        if level is not None:
            ooxml.set_outline_level(s, level)
    if restyle_all:
        _page(doc, layout)
    compat.comment_styles(doc, layout)
    compat.drop_dangling_links(doc)
    if restyle_all:
        compat.theme_fonts(doc, layout)
        compat.font_table(doc, layout)
    else:
        ooxml.font_table_fallbacks(doc, dict(FALLBACKS))
    ooxml.sort_properties(doc.styles.element)


def _para(s, layout: Layout, font: str, size: float, indent: bool, align=WD_ALIGN_PARAGRAPH.JUSTIFY, bold=False):
    ooxml.set_fonts(s.element, font)
    if s.name in ("Normal", "Salutation", "Heading 1", "Heading 2", "Heading 3"):
        ooxml.set_char_spacing(s.element, math.floor((layout.type_width / layout.chars_per_line - size) * 20))
    elif s.name == "Title":
        ooxml.set_char_spacing(s.element, 0)  # the template's +0.25 pt would push a 20-character title to 2 lines
    ooxml.drop_color(s.element)
    s.font.size = Pt(size)
    s.font.bold = bold
    s.font.italic = False
    pf = s.paragraph_format
    pf.alignment = align
    pf.space_before = Pt(0)
    pf.space_after = Pt(0)
    pf.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    pf.line_spacing = Pt(layout.title_line_spacing if s.name == "Title" else layout.line_spacing)
    ppr = s.element.get_or_add_pPr()
    # no automatic gap between Han characters and digits or Latin letters: 2026年1月20日, not 2026 年 1 月 20 日
    ooxml.set_ppr_flag(ppr, "autoSpaceDE", False)
    ooxml.set_ppr_flag(ppr, "autoSpaceDN", False)
    if s.name == "Title":
        ooxml.set_ppr_flag(ppr, "snapToGrid", False)  # else LibreOffice gives each 22 pt line two grid lines
    pf.first_line_indent = Pt(size * layout.first_line_indent) if indent else Pt(0)
    pf.left_indent = Pt(0)
    pf.widow_control = True
    if s.name.startswith("Heading") or s.name in ("Title", "Speaker Line"):
        pf.keep_with_next = True
    if s.name in ("Title", "Date Line"):
        pf.space_after = Pt(layout.line_spacing)  # one blank line under the title and under the date


def _page(doc, layout: Layout) -> None:
    m = layout.margins
    for section in doc.sections:
        section.page_width, section.page_height = Mm(210), Mm(297)
        section.top_margin, section.bottom_margin = Mm(m.top), Mm(m.bottom)
        section.left_margin, section.right_margin = Mm(m.left), Mm(m.right)
        section.header_distance = Mm(15)
        section.footer_distance = Mm(max(m.bottom - 7 - 7, 5))
        ooxml.set_doc_grid(section._sectPr, round(layout.line_spacing * 20))
        _page_numbers(doc, section, layout)


def _page_numbers(doc, section, layout: Layout) -> None:
    if layout.page_numbers == "none":
        return
    footer_style, _none = (doc.styles["Footer"], None)
    ooxml.set_fonts(footer_style.element, layout.fonts.page_number)
    ppr = footer_style.element.get_or_add_pPr()
    ooxml.set_ppr_flag(ppr, "autoSpaceDE", False)
    ooxml.set_ppr_flag(ppr, "autoSpaceDN", False)
    footer_style.font.size = Pt(layout.sizes.page_number)
    one_char = Pt(layout.sizes.page_number)
    if layout.page_numbers == "centre":
        _footer(section.footer, WD_ALIGN_PARAGRAPH.CENTER, layout, None)
        return
    doc.settings.odd_and_even_pages_header_footer = True
    _footer(section.footer, WD_ALIGN_PARAGRAPH.RIGHT, layout, ("right", one_char))
    _footer(section.even_page_footer, WD_ALIGN_PARAGRAPH.LEFT, layout, ("left", one_char))


def _footer(footer, align, layout: Layout, inset) -> None:
    footer.is_linked_to_previous = False
    p = footer.paragraphs[0] if footer.paragraphs else footer.add_paragraph()
    p.style = footer.part.document.styles["Footer"] if hasattr(footer.part, "document") else p.style
    p.alignment = align
    p.paragraph_format.first_line_indent = Pt(0)
    if inset:
        side, amount = inset
        if side == "right":
            p.paragraph_format.right_indent = amount
        else:
            p.paragraph_format.left_indent = amount
    ooxml.add_page_field(p, layout.fonts.page_number)
    for run in p.runs:
        run.font.size = Pt(layout.sizes.page_number)
