"""The package as Word, WPS and LibreOffice read it: language tags, no theme fonts, hints, spacing, parts."""

from __future__ import annotations

import io
import zipfile

import pytest
from lxml import etree

from speechgen import api
from speechgen.compose.plan import Options
from speechgen.draft import Paragraph, Sentence
from speechgen.event.load import load_event
from speechgen.export import export
from speechgen.export.docx import to_docx, with_python_docx
from speechgen.export.layout import Layout
from speechgen.export.ooxml import PPR_ORDER, RPR_ORDER

from .conftest import TYPES, example

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
A = "{http://schemas.openxmlformats.org/drawingml/2006/main}"
QUOTED = "他说：“挂职不是‘镀金’——是锻炼……”"


def draft(meeting_type: str = "summary"):
    d = api.draft(load_event(example(meeting_type)), options=Options(seed=1))
    d.opening.insert(0, Paragraph([Sentence(QUOTED), Sentence("2026年1月20日")]))
    return d


def parts(data: bytes) -> dict[str, etree._Element]:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return {n: etree.fromstring(z.read(n)) for n in z.namelist() if n.endswith((".xml", ".rels"))}


def style(styles: etree._Element, style_id: str) -> etree._Element:
    return styles.find(f"{W}style[@{W}styleId='{style_id}']")


@pytest.fixture(scope="module")
def package() -> dict[str, etree._Element]:
    return parts(export(draft(), "docx"))


@pytest.fixture(scope="module")
def explained() -> dict[str, etree._Element]:
    return parts(export(draft(), "docx", explain=True))


def test_east_asian_language_is_simplified_chinese(package) -> None:
    styles = package["word/styles.xml"]
    default = styles.find(f"{W}docDefaults/{W}rPrDefault/{W}rPr/{W}lang")
    assert default.get(f"{W}eastAsia") == "zh-CN"
    assert style(styles, "Normal").find(f"{W}rPr/{W}lang").get(f"{W}eastAsia") == "zh-CN"
    assert package["word/settings.xml"].find(f"{W}themeFontLang").get(f"{W}eastAsia") == "zh-CN"


@pytest.mark.parametrize("part", ["word/styles.xml", "word/document.xml", "word/footer1.xml", "word/comments.xml"])
def test_no_theme_font_anywhere(explained, part: str) -> None:
    xml = etree.tostring(explained[part]).decode("utf-8")
    for attr in ("asciiTheme", "hAnsiTheme", "eastAsiaTheme", "cstheme"):
        assert attr not in xml, (part, attr)


def test_every_style_and_the_defaults_name_the_east_asian_face(package) -> None:
    styles = package["word/styles.xml"]
    assert styles.find(f"{W}docDefaults/{W}rPrDefault/{W}rPr/{W}rFonts").get(f"{W}eastAsia") == "仿宋_GB2312"
    expected = {"Normal": "仿宋_GB2312", "Title": "方正小标宋简体", "Heading1": "黑体", "Heading2": "楷体_GB2312"}
    expected |= {"SpeakerLine": "楷体_GB2312", "Footer": "宋体", "CommentText": "宋体"}
    for style_id, face in expected.items():
        fonts = style(styles, style_id).find(f"{W}rPr/{W}rFonts")
        assert fonts.get(f"{W}eastAsia") == face == fonts.get(f"{W}ascii"), style_id


def test_theme_names_the_layout_faces_and_no_japanese_one(package) -> None:
    theme = package["word/theme/theme1.xml"]
    scheme = theme.find(f".//{A}fontScheme")
    assert scheme.find(f"{A}minorFont/{A}ea").get("typeface") == "仿宋_GB2312"
    assert scheme.find(f"{A}majorFont/{A}ea").get("typeface") == "黑体"
    scripts = {f.get("script"): f.get("typeface") for f in scheme.iter(f"{A}font")}
    assert scripts == {"Hans": "黑体"} or set(scripts) == {"Hans"}
    text = etree.tostring(theme).decode("utf-8")
    for face in ("ＭＳ", "明朝", "Calibri", "Cambria", "맑은"):
        assert face not in text


def test_font_table_lists_exactly_the_faces_used_with_fallbacks(package) -> None:
    fonts = package["word/fontTable.xml"].findall(f"{W}font")
    names = [f.get(f"{W}name") for f in fonts]
    assert names == ["方正小标宋简体", "楷体_GB2312", "仿宋_GB2312", "黑体", "宋体", "Times New Roman"]
    alt = {f.get(f"{W}name"): f.find(f"{W}altName").get(f"{W}val") for f in fonts if f.find(f"{W}altName") is not None}
    assert alt["仿宋_GB2312"] == "仿宋" and alt["楷体_GB2312"] == "楷体"
    assert all(f.find(f"{W}charset").get(f"{W}val") == "86" for f in fonts[:5])


def test_no_gap_between_han_and_digits_in_any_style(package) -> None:
    styles = package["word/styles.xml"]
    ppr_default = styles.find(f"{W}docDefaults/{W}pPrDefault/{W}pPr")
    for ppr in [ppr_default] + [style(styles, s).find(f"{W}pPr") for s in ("Normal", "Title", "Heading1", "Footer")]:
        for tag in ("autoSpaceDE", "autoSpaceDN"):
            assert ppr.find(f"{W}{tag}").get(f"{W}val") == "0", tag


def test_title_sits_close_and_off_the_grid(package) -> None:
    ppr = style(package["word/styles.xml"], "Title").find(f"{W}pPr")
    spacing = ppr.find(f"{W}spacing")
    assert (spacing.get(f"{W}line"), spacing.get(f"{W}lineRule")) == ("600", "exact")  # 30 pt
    assert ppr.find(f"{W}snapToGrid").get(f"{W}val") == "0"
    rpr = style(package["word/styles.xml"], "Title").find(f"{W}rPr")
    assert rpr.find(f"{W}spacing").get(f"{W}val") == "0"


def test_quotes_and_dashes_carry_the_east_asian_hint() -> None:
    for data in (to_docx(draft(), Layout()), with_python_docx(draft(), Layout())):
        body = parts(data)["word/document.xml"]
        for run in body.iter(f"{W}r"):
            text = "".join(t.text or "" for t in run.iter(f"{W}t"))
            fonts = run.find(f"{W}rPr/{W}rFonts")
            hinted = fonts is not None and fonts.get(f"{W}hint") == "eastAsia"
            assert hinted == any(ch in text for ch in "“”‘’—…"), text
    footer = parts(to_docx(draft(), Layout()))["word/footer1.xml"]
    dashes = [r for r in footer.iter(f"{W}r") if "—" in "".join(t.text or "" for t in r.iter(f"{W}t"))]
    assert dashes and all(r.find(f"{W}rPr/{W}rFonts").get(f"{W}hint") == "eastAsia" for r in dashes)


def test_properties_stand_in_schema_order_and_styles_resolve(explained) -> None:
    styles = explained["word/styles.xml"]
    ids = {s.get(f"{W}styleId") for s in styles.findall(f"{W}style")}
    for tag, order in (("pPr", PPR_ORDER), ("rPr", RPR_ORDER)):
        for name in ("word/styles.xml", "word/document.xml", "word/footer1.xml", "word/footer2.xml"):
            for props in explained[name].iter(f"{W}{tag}"):
                ranks = [order.index(c.tag.replace(W, "")) for c in props if c.tag.startswith(W)]
                assert ranks == sorted(ranks), (name, [c.tag for c in props])
    for s in styles.findall(f"{W}style"):
        for tag in ("basedOn", "next", "link"):
            ref = s.find(f"{W}{tag}")
            assert ref is None or ref.get(f"{W}val") in ids, (s.get(f"{W}styleId"), tag)
    for name in ("word/document.xml", "word/comments.xml"):
        for ref in explained[name].iter(f"{W}pStyle", f"{W}rStyle"):
            assert ref.get(f"{W}val") in ids, (name, ref.get(f"{W}val"))


def test_comments_have_their_own_small_style(explained) -> None:
    styles = explained["word/styles.xml"]
    text = style(styles, "CommentText")
    assert text.find(f"{W}name").get(f"{W}val") == "annotation text"
    assert text.find(f"{W}rPr/{W}sz").get(f"{W}val") == "21"  # 五号
    assert style(styles, "CommentReference").get(f"{W}type") == "character"
    comment = explained["word/comments.xml"].find(f"{W}comment")
    assert comment.get(f"{W}date").startswith("2026-01-20") and comment.get(f"{W}initials") == "SG"


@pytest.mark.parametrize("meeting_type", TYPES)
def test_no_unused_parts_that_readers_trip_on(meeting_type: str) -> None:
    data = export(draft(meeting_type), "docx")
    names = zipfile.ZipFile(io.BytesIO(data)).namelist()
    assert not any(n.endswith(("numbering.xml", "webSettings.xml", "stylesWithEffects.xml")) for n in names)
    rels = parts(data)["word/_rels/document.xml.rels"]
    targets = {r.get("Target") for r in rels}
    assert all(f"word/{t}" in names for t in targets)
