"""The Word output read back: effective fonts through the style chain, page, outline, footer, bytes."""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from docx import Document
from docx.oxml.ns import qn
from docx.shared import Mm

from speechgen import api
from speechgen.cli import main
from speechgen.compose.plan import Options
from speechgen.event.load import load_event
from speechgen.export import export
from speechgen.export.layout import load_layout

from .conftest import TYPES, example


def render_docx(meeting_type: str = "village_stay", **kw) -> Document:
    draft = api.draft(load_event(example(meeting_type)), options=Options(seed=kw.pop("seed", 1)))
    return Document(io.BytesIO(export(draft, "docx", kw.pop("layout", None), **kw)))


def effective(doc: Document, paragraph, attr: str) -> str | None:
    """The value Word uses for a run property, walking run → style chain → docDefaults.

    A theme attribute at a level wins over the explicit name at that level, so it is returned as THEME.
    """
    levels = []
    for run in paragraph.runs[:1]:
        if run._r.rPr is not None:
            levels.append(run._r.rPr)
    style = paragraph.style
    while style is not None:
        rpr = style.element.rPr
        if rpr is not None:
            levels.append(rpr)
        style = style.base_style
    defaults = doc.styles.element.find(qn("w:docDefaults"))
    rpr_default = defaults.find(qn("w:rPrDefault")) if defaults is not None else None
    if rpr_default is not None and rpr_default.find(qn("w:rPr")) is not None:
        levels.append(rpr_default.find(qn("w:rPr")))
    for rpr in levels:
        if attr == "size":
            sz = rpr.find(qn("w:sz"))
            if sz is not None:
                return str(int(sz.get(qn("w:val"))) / 2)
            continue
        fonts = rpr.find(qn("w:rFonts"))
        if fonts is None:
            continue
        if fonts.get(qn(f"w:{attr}Theme")) is not None or (attr == "cs" and fonts.get(qn("w:cstheme"))):
            return "THEME"
        if fonts.get(qn(f"w:{attr}")) is not None:
            return fonts.get(qn(f"w:{attr}"))
    return None


def by_style(doc: Document, name: str):
    return [p for p in doc.paragraphs if p.style.name == name]


EXPECTED = {
    "Title": ("方正小标宋简体", "22.0"),
    "Speaker Line": ("楷体_GB2312", "16.0"),
    "Date Line": ("楷体_GB2312", "16.0"),
    "Salutation": ("仿宋_GB2312", "16.0"),
    "Normal": ("仿宋_GB2312", "16.0"),
    "Heading 1": ("黑体", "16.0"),
    "Heading 2": ("楷体_GB2312", "16.0"),
}


@pytest.mark.parametrize("meeting_type", TYPES)
def test_effective_east_asian_font_and_size_of_every_paragraph_kind(meeting_type: str) -> None:
    doc = render_docx(meeting_type)
    for style, (font, size) in EXPECTED.items():
        paragraphs = by_style(doc, style)
        assert paragraphs, style
        for p in paragraphs:
            assert effective(doc, p, "eastAsia") == font, (style, p.text[:20])
            assert effective(doc, p, "ascii") == font, (style, p.text[:20])
            assert effective(doc, p, "size") == size, (style, p.text[:20])


def test_kinds_of_paragraph_in_order() -> None:
    doc = render_docx("summary_mobilisation")
    styles = [p.style.name for p in doc.paragraphs]
    assert styles[:4] == ["Title", "Speaker Line", "Date Line", "Salutation"]
    assert doc.paragraphs[2].text == "（2026年3月2日）"
    assert doc.paragraphs[3].text == "尊敬的李部长，同志们："  # the salutation names the leader as addressed
    assert styles.count("Heading 1") == 4
    assert all(p.text[0] in "一二三四五" for p in by_style(doc, "Heading 1"))
    assert all(p.text.startswith("（") for p in by_style(doc, "Heading 2"))


def test_no_theme_font_and_chinese_language_defaults() -> None:
    doc = render_docx()
    styles_xml = doc.styles.element.xml
    for attr in ("asciiTheme", "hAnsiTheme", "eastAsiaTheme"):
        for name in ("Normal", "Title", "Heading 1", "Heading 2"):
            assert attr not in doc.styles[name].element.xml, (attr, name)
    assert 'w:eastAsia="zh-CN"' in styles_xml
    lang = doc.settings.element.find(qn("w:themeFontLang"))
    assert lang.get(qn("w:eastAsia")) == "zh-CN"


def test_page_size_margins_and_grid() -> None:
    doc = render_docx()
    s = doc.sections[0]
    assert (round(s.page_width.mm), round(s.page_height.mm)) == (210, 297)
    margins = (s.top_margin, s.bottom_margin, s.left_margin, s.right_margin)
    assert tuple(round(m.mm, 1) for m in margins) == (37, 35, 28, 26)
    grid = s._sectPr.find(qn("w:docGrid"))
    assert grid.get(qn("w:type")) == "lines"
    assert grid.get(qn("w:linePitch")) == "579"
    body = doc.styles["Normal"].paragraph_format
    assert round(body.line_spacing.pt, 2) == 28.95
    assert body.first_line_indent.pt == 32.0


def test_headings_carry_outline_levels() -> None:
    doc = render_docx()
    for name, level in (("Heading 1", "0"), ("Heading 2", "1")):
        lvl = doc.styles[name].element.pPr.find(qn("w:outlineLvl"))
        assert lvl is not None and lvl.get(qn("w:val")) == level
    assert doc.styles["Title"].element.pPr is None or doc.styles["Title"].element.pPr.find(qn("w:pBdr")) is None


def test_footer_has_page_field_with_dashes_odd_right_even_left() -> None:
    doc = render_docx()
    assert doc.settings.odd_and_even_pages_header_footer
    s = doc.sections[0]
    for footer, align in ((s.footer, "right"), (s.even_page_footer, "left")):
        p = footer.paragraphs[0]
        xml = p._p.xml
        assert "PAGE" in xml and 'w:fldCharType="begin"' in xml and 'w:fldCharType="end"' in xml
        assert p.text.startswith("— ") and p.text.endswith(" —")
        assert p.alignment is not None and align in str(p.alignment).lower()
        assert effective(doc, p, "eastAsia") == "宋体"


def test_centred_page_numbers_by_layout(tmp_path: Path) -> None:
    (tmp_path / "l.yaml").write_text("page_numbers: centre\nsizes: {body: 小三}\n", encoding="utf-8")
    layout = load_layout(tmp_path / "l.yaml")
    assert layout.sizes.body == 15
    doc = render_docx(layout=layout)
    assert not doc.settings.odd_and_even_pages_header_footer
    assert "center" in str(doc.sections[0].footer.paragraphs[0].alignment).lower()
    assert effective(doc, by_style(doc, "Normal")[0], "size") == "15.0"


def test_core_properties_from_the_event() -> None:
    doc = render_docx("summary")
    cp = doc.core_properties
    assert cp.title == "在全县党外干部挂职锻炼工作总结会上的讲话"
    assert cp.author == "刘文华"
    assert cp.subject == "全县党外干部挂职锻炼工作总结会"
    assert cp.created.date().isoformat() == "2026-01-20"


def test_two_renders_are_byte_identical(runner, workdir: Path) -> None:
    for name in ("a.docx", "b.docx"):
        assert runner.invoke(main, ["render", str(example("summary")), "-o", name]).exit_code == 0
    a, b = (workdir / "a.docx").read_bytes(), (workdir / "b.docx").read_bytes()
    assert a == b
    times = {i.date_time for i in zipfile.ZipFile(io.BytesIO(a)).infolist()}
    assert times == {(2000, 1, 1, 0, 0, 0)}


def test_fallback_fonts_recorded_in_font_table() -> None:
    doc = render_docx()
    part = next(p for p in doc.part.package.iter_parts() if p.partname.endswith("fontTable.xml"))
    xml = part.blob.decode("utf-8")
    assert 'w:name="仿宋_GB2312"' in xml and 'w:val="仿宋"' in xml
    assert 'w:name="楷体_GB2312"' in xml and 'w:val="楷体"' in xml


def test_layout_file_overrides_fonts_and_margins(tmp_path: Path, runner, workdir: Path) -> None:
    (workdir / "l.yaml").write_text("fonts: {body: 仿宋}\nmargins: {left: 30}\n", encoding="utf-8")
    result = runner.invoke(main, ["render", str(example("summary")), "-o", "x.docx", "--layout", "l.yaml"])
    assert result.exit_code == 0, result.output
    doc = Document(str(workdir / "x.docx"))
    assert effective(doc, by_style(doc, "Normal")[0], "eastAsia") == "仿宋"
    assert round(doc.sections[0].left_margin.mm, 1) == 30


def test_layout_errors_name_file_and_setting(runner, workdir: Path) -> None:
    (workdir / "l.yaml").write_text("fonts: {bdy: 仿宋}\nmargins: {top: 300}\npage_numbers: middle\n", encoding="utf-8")
    result = runner.invoke(main, ["render", str(example("summary")), "-o", "x.docx", "--layout", "l.yaml"])
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        "l.yaml:1:9: fonts.bdy: unknown setting; expected one of: body, heading1, heading2, heading3, latin, "
        "page_number, speaker, title",
        "l.yaml:2:16: margins.top: expected millimetres from 5 to 60, found 300",
        "l.yaml:3:15: page_numbers: expected one of: outside, centre, none, found 'middle'",
    ]
    assert not (workdir / "x.docx").exists()


def test_reference_docx_styles_and_page_setup_win(runner, workdir: Path) -> None:
    ref = Document()
    ref.styles["Normal"].font.name = "Calibri"
    ref.sections[0].left_margin = Mm(40)
    ref.add_paragraph("这段模板正文不会留在讲话稿里")
    ref.save(str(workdir / "office.docx"))
    result = runner.invoke(main, ["render", str(example("summary")), "-o", "x.docx", "--reference-docx", "office.docx"])
    assert result.exit_code == 0, result.output
    doc = Document(str(workdir / "x.docx"))
    assert round(doc.sections[0].left_margin.mm, 1) == 40
    assert doc.styles["Normal"].font.name == "Calibri"
    assert "这段模板正文" not in "".join(p.text for p in doc.paragraphs)
    assert doc.paragraphs[0].style.name == "Title" and doc.paragraphs[1].style.name == "Speaker Line"
    missing = runner.invoke(main, ["render", str(example("summary")), "-o", "y.docx", "--reference-docx", "no.docx"])
    assert missing.exit_code == 1 and missing.output.strip() == "--reference-docx no.docx: no such file"


def test_explain_adds_a_word_comment_per_sentence(runner, workdir: Path) -> None:
    result = runner.invoke(main, ["render", str(example("village_stay")), "-o", "x.docx", "--explain"])
    assert result.exit_code == 0
    doc = Document(str(workdir / "x.docx"))
    comments = list(doc.comments)
    assert len(comments) > 40
    texts = [c.text for c in comments]
    assert any(t.startswith("opening.announce\nphrasebanks/common.yaml:") for t in texts)
    assert all(c.author == "speechgen" for c in comments)


def _soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


@pytest.mark.parametrize("meeting_type", TYPES)
def test_libreoffice_converts_every_example_to_pdf(runner, workdir: Path, meeting_type: str) -> None:
    if _soffice() is None:
        if os.environ.get("SPEECHGEN_REQUIRE_SOFFICE"):
            pytest.fail("LibreOffice is required here (SPEECHGEN_REQUIRE_SOFFICE is set) but not installed")
        pytest.skip("LibreOffice is not installed")
    result = runner.invoke(main, ["render", str(example(meeting_type)), "-o", "x.pdf"])
    assert result.exit_code == 0, result.output
    pdf = (workdir / "x.pdf").read_bytes()
    assert pdf.startswith(b"%PDF")
    han = int(result.output.split(": ")[1].split(" ")[0])
    pages = _pages(workdir / "x.pdf", pdf)
    # 22 lines × 28 characters = 616 a page at most; headings and short last lines bring it to ~450
    assert han / 616 <= pages <= han / 380 + 1, (han, pages)


def _pages(path: Path, pdf: bytes) -> int:
    """Pages by poppler's pdfinfo when installed (.ci/run installs it), else by the page objects, however
    the writer spaces "/Type/Page" (LibreOffice 7.4 writes no space; others do)."""
    if shutil.which("pdfinfo"):
        out = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
        return int(next(line for line in out.splitlines() if line.startswith("Pages:")).split()[1])
    return len(re.findall(rb"/Type\s*/Page(?![A-Za-z])", pdf))


def test_pdf_without_libreoffice_says_how_to_install(runner, workdir: Path, monkeypatch) -> None:
    monkeypatch.setattr("speechgen.export.pdf.soffice", lambda: None)
    result = runner.invoke(main, ["render", str(example("summary")), "-o", "x.pdf"])
    assert result.exit_code == 1
    assert "apt-get install libreoffice-writer fonts-noto-cjk" in result.output
    assert not (workdir / "x.pdf").exists()
