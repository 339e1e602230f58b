"""Title lines: balanced, at word boundaries, never a stub of fewer than four characters; read back from the
line breaks the Word writer places."""

from __future__ import annotations

import io
from dataclasses import replace

import pytest
from docx import Document
from docx.oxml.ns import qn

from speechgen import api
from speechgen.cli import main
from speechgen.compose.plan import Options
from speechgen.errors import ConfigError
from speechgen.event.load import load_event
from speechgen.export import export
from speechgen.export.docx import to_docx, with_python_docx
from speechgen.export.layout import Layout
from speechgen.export.titlebreak import allowed_breaks, strip_marks, title_lines, width

from .conftest import EXAMPLES, TYPES, example

# 30 meeting names of the kind offices hold (the title is 在 + name + 上的讲话)
MEETINGS = (
    "全县党外干部挂职锻炼工作总结会",
    "全市年轻干部赴县乡挂职锻炼动员会",
    "全县机关干部到村（社区）挂职锻炼动员会",
    "全县双向挂职干部总结暨动员会",
    "全县驻村干部选派部署会",
    "全市第五批优秀年轻干部到乡镇（街道）挂职锻炼工作总结表彰会",
    "全省选派驻村第一书记和驻村工作队培训班开班式",
    "2026年全县乡村振兴驻村帮扶干部轮换交接工作会议",
    "全区机关干部下基层蹲点调研工作动员部署会",
    "全市党外干部挂职锻炼期满考核暨新一批选派工作部署会",
    "青山县驻村工作队员岗前培训会",
    "全州援藏干部人才轮换交接座谈会",
    "市直机关年轻干部到信访窗口挂职锻炼工作推进会",
    "全省第三批科技特派员服务乡村振兴工作总结会",
    "全市选派优秀年轻干部到重点项目一线挂职锻炼动员大会",
    "全县新一轮驻村第一书记和工作队选派工作部署会议",
    "全市东西部协作挂职干部座谈会",
    "全县国有企业与乡镇双向挂职交流工作推进会",
    "全市年轻干部基层实践锻炼工作经验交流会",
    "全县驻村工作队员期满轮换暨新任队员见面会",
    "全区优秀年轻干部到信访维稳一线实践锻炼总结会",
    "全市高校毕业生选调生到村任职工作座谈会",
    "全县脱贫村驻村帮扶工作队轮换交接工作会议",
    "全省对口支援干部人才选派工作电视电话会议",
    "全市机关干部挂职锻炼工作总结表彰大会",
    "全县党外干部到乡镇挂职锻炼动员会",
    "全市专业技术人才服务基层挂职锻炼工作推进会",
    "全县第二批选派干部驻村蹲点工作总结会",
    "全区年轻干部到社区挂职锻炼工作座谈会",
    "全市选派干部到乡村振兴一线挂职锻炼出征仪式",
)
NEVER_SPLIT = (
    "挂职",
    "锻炼",
    "动员会",
    "讲话",
    "总结会",
    "干部",
    "驻村",
    "第一书记",
    "工作队",
    "社区",
    "（社区）",
    "（街道）",
    "座谈会",
    "部署会",
    "推进会",
    "乡村振兴",
    "培训班",
    "开班式",
    "电视电话会议",
    "2026年",
    "青山县",
)


def writer_lines(title: str, layout: Layout | None = None) -> list[str]:
    """The title's lines as the Word writer places them: the texts between the w:br of the Title paragraph."""
    draft = api.draft(load_event(example("summary")), options=Options(seed=1))
    draft.title = title
    doc = Document(io.BytesIO(to_docx(draft, layout or Layout())))
    title_p = doc.paragraphs[0]
    assert title_p.style.name == "Title"
    lines, current = [], ""
    for el in title_p._p.iter(qn("w:t"), qn("w:br")):
        if el.tag == qn("w:br"):
            lines.append(current)
            current = ""
        else:
            current += el.text
    return [*lines, current]


def assert_well_broken(title: str, lines: list[str], capacity: float) -> None:
    assert "".join(lines) == title
    if width(title) <= capacity:
        assert lines == [title]
        return
    assert len(lines) >= 2, title
    for line in lines:
        assert len(line) >= 4, (title, lines)
        assert width(line) <= capacity, (title, lines)
    at = 0
    for line in lines[:-1]:
        at += len(line)
        for word in NEVER_SPLIT:
            start = title.find(word)
            while start >= 0:
                assert not start < at < start + len(word), (title, lines, word)
                start = title.find(word, start + 1)
        assert title[at - 1] not in "在赴到和与暨第" and title[at] not in "的上）", (title, lines)


@pytest.mark.parametrize("meeting", MEETINGS)
def test_thirty_meeting_titles_break_balanced_at_word_boundaries(meeting: str) -> None:
    title = f"在{meeting}上的讲话"
    layout = Layout()
    lines = writer_lines(title, layout)
    assert_well_broken(title, lines, layout.title_chars)
    if len(lines) == 2:  # balanced: no better-shaped pair of lines was allowed
        gap = abs(width(lines[0]) - width(lines[1]))
        allowed = [p for p, tier in allowed_breaks(title).items() if tier == 0]
        best = min(abs(width(title[:p]) - width(title[p:])) for p in allowed if 4 <= p <= len(title) - 4)
        assert gap <= best + 2, (lines, best)


@pytest.mark.parametrize("meeting_type", TYPES)
def test_example_titles_are_well_broken(meeting_type: str) -> None:
    draft = api.draft(load_event(example(meeting_type)), options=Options(seed=1))
    layout = Layout()
    assert_well_broken(draft.title, writer_lines(draft.title, layout), layout.title_chars)


def test_known_breaks_of_the_examples_and_the_issue() -> None:
    lines = writer_lines("在全市年轻干部赴县乡挂职锻炼动员会上的讲话")
    assert lines == ["在全市年轻干部赴县乡", "挂职锻炼动员会上的讲话"]
    assert writer_lines("在全县机关干部到村（社区）挂职锻炼动员会上的讲话") == [
        "在全县机关干部到村（社区）",
        "挂职锻炼动员会上的讲话",
    ]
    # 20 characters of 22 pt fit the 156 mm line: one line, no stub 「话」
    assert writer_lines("在全县党外干部挂职锻炼工作总结会上的讲话") == ["在全县党外干部挂职锻炼工作总结会上的讲话"]


def test_capacity_follows_the_layout() -> None:
    assert int(Layout().title_chars) == 20
    narrow = replace(Layout(), margins=replace(Layout().margins, left=40, right=40))
    assert int(narrow.title_chars) == 16
    title = "在全县党外干部挂职锻炼工作总结会上的讲话"
    assert writer_lines(title, narrow) == ["在全县党外干部挂职锻炼", "工作总结会上的讲话"]


def test_a_mark_in_the_name_forces_the_break_and_is_printed_nowhere() -> None:
    for mark in "|｜":
        assert writer_lines(f"在全县驻村干部{mark}选派部署会上的讲话") == ["在全县驻村干部", "选派部署会上的讲话"]
    assert strip_marks("全县驻村干部｜选派部署会") == "全县驻村干部选派部署会"
    draft = api.draft(load_event(example("village_stay")), options=Options(seed=1))
    draft.title = "在全县驻村干部|选派部署会上的讲话"
    draft.info = replace(draft.info, meeting="全县驻村干部|选派部署会")
    doc = Document(io.BytesIO(export(draft, "docx")))
    assert doc.core_properties.title == "在全县驻村干部选派部署会上的讲话"
    assert doc.core_properties.subject == "全县驻村干部选派部署会"
    for fmt in ("md", "txt", "json"):
        assert "|" not in export(draft, fmt).decode("utf-8").split("\n")[0]


def test_title_break_option_breaks_after_the_text(runner, workdir) -> None:
    result = runner.invoke(main, ["render", str(example("village_stay")), "-o", "x.docx", "--title-break", "驻村干部"])
    assert result.exit_code == 0, result.output
    title = Document(str(workdir / "x.docx")).paragraphs[0]
    assert title.text == "在全县驻村干部\n选派部署会上的讲话"
    bad = runner.invoke(main, ["render", str(example("village_stay")), "-o", "y.docx", "--title-break", "动员大会"])
    assert bad.exit_code == 1
    assert "--title-break 动员大会: not in the title 「在全县驻村干部选派部署会上的讲话」" in bad.output
    assert not (workdir / "y.docx").exists()
    with pytest.raises(ConfigError):
        title_lines("在全县驻村干部选派部署会上的讲话", 20, ["不存在"])


def test_both_writers_place_the_same_breaks() -> None:
    layout = replace(Layout(), title_breaks=("党外干部",))
    draft = api.draft(load_event(EXAMPLES / "summary.yaml"), options=Options(seed=2))
    for title in ("在全县党外干部挂职锻炼工作总结表彰会上的讲话", "在全县党外干部“挂职锻炼”｜工作总结会上的讲话"):
        draft.title = title
        for lay in (Layout(), layout):
            assert to_docx(draft, lay) == with_python_docx(draft, lay)


def test_shapes_prefer_a_shorter_upper_line_and_avoid_the_hourglass() -> None:
    from speechgen.export.titlebreak import shape_cost

    assert shape_cost([9, 11]) < shape_cost([11, 9])
    assert shape_cost([10, 12, 10]) < shape_cost([12, 8, 12])
    # a title with no word boundary in reach still breaks, never leaving a stub
    lines = title_lines("在" + "甲乙丙丁戊己庚辛壬癸" * 3 + "上的讲话", 20)
    assert len(lines) == 2 and min(len(line) for line in lines) >= 4
