"""Spreadsheets as batch input (issue 18): the header checked first, every cell validated like a key, problems
named by sheet and cell, dates and lists as offices type them, formulas, --sheet, --zip, the report."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import zipfile
from pathlib import Path

import pytest

from speechgen.cli import main
from speechgen.errors import Problem
from speechgen.event import sheet as sheet_module
from speechgen.event.sheet import read_rows

from .sheets import GOOD, book, patch, table, write

VILLAGE, SUMMARY = GOOD["village"], GOOD["summary"]


def second(name: str = "全县第二批驻村干部选派部署会", **extra: object) -> dict[str, object]:
    return {**VILLAGE, "会议.名称": name, **extra}


def run(runner, *args: str):
    return runner.invoke(main, list(args))


def rows_of(path: Path, sheet: str | None = None):
    return list(read_rows(path, path.name, sheet))


# -- the case: a misspelt header, a bad number in one row, an empty row --------------------------


def misspelt(workdir: Path, header: str = "会议.日其") -> Path:
    rows = table(VILLAGE, second(**{"工作.人数": "很多"}), second("全县第三批驻村干部选派部署会"))
    rows[0][2] = header
    rows.insert(2, [None] * len(rows[0]))  # row 3 is empty
    return write(workdir / "plan.xlsx", book(rows))


def test_validate_names_the_misspelt_header_with_a_did_you_mean_and_the_bad_cell(runner, workdir: Path) -> None:
    misspelt(workdir)
    assert table(VILLAGE)[0][:6] == ["类型", "会议.名称", "会议.日期", "讲话人.职务", "工作.人数", "工作.任务"]
    result = run(runner, "validate", "plan.xlsx")
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        'plan.xlsx:工作表1!C1: unknown column "会议.日其" — did you mean "会议.日期"?',
        "plan.xlsx:工作表1!1: nothing is drafted from this sheet until its header row is corrected",
        'plan.xlsx:工作表1!E4: 工作.人数 (cadres): expected a whole number, found "很多"',
    ]


def test_batch_drafts_nothing_while_a_header_is_wrong(runner, workdir: Path) -> None:
    misspelt(workdir)
    result = run(runner, "batch", "plan.xlsx", "-o", "out")
    assert result.exit_code == 1
    assert list((workdir / "out").iterdir()) == []
    assert result.stderr.splitlines()[0] == "drafted 0, skipped 0, failed 2"


def test_batch_drafts_the_good_rows_and_reports_the_bad_one_by_sheet_and_cell(runner, workdir: Path) -> None:
    misspelt(workdir, header="会议.日期")
    checked = run(runner, "validate", "plan.xlsx")
    assert checked.exit_code == 1
    assert checked.stdout.splitlines() == [
        "plan.xlsx:工作表1!2: ok (village_stay)",
        "plan.xlsx:工作表1!5: ok (village_stay)",
    ]
    result = run(runner, "batch", "plan.xlsx", "-o", "out", "--report", "out/report.json", "-j", "1", "-q")
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [  # -q: the drafted rows' warnings are left to the report
        "drafted 2, skipped 0, failed 1",
        'plan.xlsx:工作表1!E4: 工作.人数 (cadres): expected a whole number, found "很多"',
    ]
    assert sorted(p.name for p in (workdir / "out").iterdir()) == [
        "2026-03-16-全县第三批驻村干部选派部署会.docx",
        "2026-03-16-全县驻村干部选派部署会.docx",
        "report.json",
    ]
    report = json.loads((workdir / "out" / "report.json").read_text(encoding="utf-8"))
    assert [(r["input"], r["status"]) for r in report] == [
        ("plan.xlsx:工作表1!2", "drafted"),
        ("plan.xlsx:工作表1!4", "failed"),
        ("plan.xlsx:工作表1!5", "drafted"),
    ]
    assert report[1]["problems"] == [
        {
            "file": "plan.xlsx",
            "line": None,
            "col": None,
            "key": "工作.人数 (cadres)",
            "context": "工作表1!E4",
            "message": 'expected a whole number, found "很多"',
        }
    ]


def test_a_draft_is_named_from_its_rows_output_cell_else_date_and_name_and_the_report_keeps_warnings(
    runner, workdir: Path
) -> None:
    rows = table({**VILLAGE, "输出": "一号讲话", "回顾.人数": 3}, SUMMARY, {**VILLAGE, "输出": "../外面"})
    write(workdir / "p.xlsx", book(rows))
    result = run(runner, "batch", "p.xlsx", "-o", "out", "--report", "out/report.csv", "-j", "1", "-q")
    assert result.exit_code == 1
    assert sorted(p.name for p in (workdir / "out").iterdir()) == [
        "2026-01-20-全县党外干部挂职锻炼工作总结会.docx",
        "report.csv",
        "一号讲话.docx",
    ]
    report = (workdir / "out" / "report.csv").read_text(encoding="utf-8-sig").splitlines()
    assert report[1].startswith("p.xlsx:工作表1!2,一号讲话.docx,village_stay,")
    # the warnings column: the row's own warning first, then what the draft left out and the checker's findings
    assert ",review (回顾) is not used in a village_stay speech and is ignored" in report[1]
    assert report[1].endswith(",drafted,")
    assert report[2].startswith("p.xlsx:工作表1!3,2026-01-20-全县党外干部挂职锻炼工作总结会.docx,summary,")
    assert report[3].endswith(
        ',failed,"p.xlsx:工作表1!G4: 输出 (output): expected a file name, not a path, found ""../外面"""'
    )


def test_a_problem_in_a_cell_prints_like_a_line_and_yaml_problems_print_as_before() -> None:
    cell = Problem("plan.xlsx", 'expected a whole number, found "很多"', key="工作.人数 (cadres)", context="工作表1!E7")
    assert str(cell) == 'plan.xlsx:工作表1!E7: 工作.人数 (cadres): expected a whole number, found "很多"'
    assert str(Problem("a.yaml", "m", 3, 5, "k", "document 2")) == "a.yaml:3:5: document 2: k: m"
    assert str(Problem("a.yaml", "m", context="events[2]")) == "a.yaml: events[2]: m"


# -- headers ----------------------------------------------------------------------------------------------


def test_headers_in_english_or_mixed_with_marks_and_notes_columns(workdir: Path) -> None:
    header = [
        "序号",
        "type*",
        "会议.名称（必填）",
        "meeting . date (required)",
        "讲话人。职务",
        "# 联系人",
        "备注",
        "program.人数",
    ]
    path = write(
        workdir / "p.xlsx", book([header, [1, "驻村蹲点", "全县驻村会议", "2026-03-16", "县委书记", "张三", "x", 9]])
    )
    (row,) = rows_of(path)
    assert row.problems == [] and row.event is not None
    assert row.event.facts["program.cadres"] == 9 and row.event.facts["speaker.title"] == "县委书记"


def test_every_kind_of_bad_header_is_named_at_its_cell(workdir: Path) -> None:
    header = ["类型", "会议", "会议.名称", "meeting.name", "选项.固定", "人数", 2026, "邮编"]
    path = write(workdir / "p.xlsx", book([header, ["驻村蹲点", None, "全县驻村会议"]]))
    (row,) = rows_of(path)
    assert row.event is None and row.context == "工作表1!1"
    assert [str(p) for p in row.problems] == [
        'p.xlsx:工作表1!B1: "会议" names a group of fields; name one of them: 会议.名称, 会议.日期, 会议.地点, '
        "会议.层级, 会议.主办, 会议.会前议程, 会议.出席领导, 会议.会后议程",
        'p.xlsx:工作表1!D1: column "meeting.name" holds the same field as column C ("会议.名称")',
        'p.xlsx:工作表1!E1: fixed choices ("选项.固定") cannot be given in a spreadsheet; keep them in an event file',
        'p.xlsx:工作表1!F1: unknown column "人数" — did you mean "工作.人数" / "回顾.人数"?',
        "p.xlsx:工作表1!G1: a column's name must be a field name such as 会议.名称, found 2026",
        'p.xlsx:工作表1!H1: unknown column "邮编" — a header names a field, such as 会议.名称 or meeting.name (every '
        "field is in docs/event-format.md); begin a column of your own notes with # or call it 备注",
        "p.xlsx:工作表1!1: no column for 会议.日期 (meeting.date), which every meeting needs",
        "p.xlsx:工作表1!1: no column for 讲话人.职务 (speaker.title), which every meeting needs",
        "p.xlsx:工作表1!1: nothing is drafted from this sheet until its header row is corrected",
    ]


def test_a_value_under_no_header_and_a_required_cell_left_empty(workdir: Path) -> None:
    rows = table(VILLAGE)
    rows[1][1] = None  # 会议.名称
    rows[1].append("多余")
    path = write(workdir / "p.xlsx", book(rows))
    (row,) = rows_of(path)
    assert [str(p) for p in row.problems] == [
        "p.xlsx:工作表1!B2: 会议.名称 (name): required, but left empty",
        "p.xlsx:工作表1!G2: this cell has a value, but its column has no field name in the header row (row 1); "
        "name the field, or call the column 备注 for notes of your own",
    ]


# -- values ----------------------------------------------------------------------------------------------


def test_dates_as_excel_dates_text_and_numbers(workdir: Path) -> None:
    serial = (dt.date(2026, 3, 16) - dt.date(1899, 12, 30)).days
    forms = [dt.date(2026, 3, 16), dt.datetime(2026, 3, 16, 9, 30), "2026年3月16日", "2026-3-16", "2026/03/16"]
    forms += ["２０２６年３月１６日", 20260316, "20260316", serial]
    path = write(
        workdir / "p.xlsx",
        book(table(*[second(f"全县第{i}场驻村会议", **{"会议.日期": f}) for i, f in enumerate(forms)])),
    )
    rows = rows_of(path)
    assert [r.problems for r in rows] == [[]] * len(forms)
    assert {r.event.date for r in rows} == {dt.date(2026, 3, 16)}
    bad = write(workdir / "b.xlsx", book(table(second(**{"会议.日期": "下周一"}), second(**{"会议.日期": 20261341}))))
    assert [str(p) for r in rows_of(bad) for p in r.problems] == [
        'b.xlsx:工作表1!C2: 会议.日期 (date): expected a date as YYYY-MM-DD or 2026年3月16日, found "下周一"',
        "b.xlsx:工作表1!C3: 会议.日期 (date): expected a date as YYYY-MM-DD or 2026年3月16日, found 20261341",
    ]


@pytest.mark.parametrize(
    ("cell", "items"),
    [
        ("建强村级班子；发展村集体经济\n办好民生实事", ("建强村级班子", "发展村集体经济", "办好民生实事")),
        ("建强村级班子、发展村集体经济", ("建强村级班子", "发展村集体经济")),
        ("帮助解决就业、医疗问题；完善制度21项;", ("帮助解决就业、医疗问题", "完善制度21项")),
        ("建强村级班子", ("建强村级班子",)),
    ],
)
def test_list_cells_split_on_semicolons_and_new_lines_else_on_the_enumeration_comma(
    workdir: Path, cell: str, items: tuple[str, ...]
) -> None:
    (row,) = rows_of(write(workdir / "p.xlsx", book(table(second(**{"工作.任务": cell})))))
    assert row.event is not None and row.event.facts["program.tasks"] == items


def test_numbers_styles_and_choices_in_chinese(workdir: Path) -> None:
    ev = second(**{"工作.人数": "一百二十", "选项.风格": "温情", "讲话人.角色": "部门负责同志", "选项.随机种子": 7.0})
    (row,) = rows_of(write(workdir / "p.xlsx", book(table(ev))))
    facts = row.event.facts
    assert (facts["program.cadres"], facts["options.style"], facts["speaker.role"], facts["options.seed"]) == (
        120,
        "warm",
        "department",
        7,
    )


def formulas(workdir: Path) -> Path:
    """Three rows whose 工作.人数 is a formula: saved with its value, never calculated, an error."""
    rows = table(second("甲县驻村会议", **{"工作.人数": "=100+20"}), second("乙县驻村会议", **{"工作.人数": "=100+20"}))
    rows.append(list(second("丙县驻村会议", **{"工作.人数": "=1/0"}).values()))
    data = book(rows)

    def saved(xml: bytes) -> bytes:
        xml = xml.replace(b'<c r="E2"><f>100+20</f><v></v></c>', b'<c r="E2"><f>100+20</f><v>120</v></c>')
        return xml.replace(b'<c r="E4"><f>1/0</f><v></v></c>', b'<c r="E4" t="e"><f>1/0</f><v>#DIV/0!</v></c>')

    return write(workdir / "plan.xlsx", patch(data, "xl/worksheets/sheet1.xml", saved))


def test_formulas_count_as_the_values_saved_with_them(workdir: Path) -> None:
    rows = rows_of(formulas(workdir))
    assert rows[0].event is not None and rows[0].event.facts["program.cadres"] == 120
    assert [str(p) for r in rows[1:] for p in r.problems] == [
        "plan.xlsx:工作表1!E3: 工作.人数 (cadres): this formula's result was never saved in the file; open the "
        "workbook in Excel or WPS, let it calculate, and save it again (or type the value instead of the formula)",
        "plan.xlsx:工作表1!E4: 工作.人数 (cadres): the cell shows the error #DIV/0!; correct it or type the value",
    ]


def test_a_wrong_declared_size_is_ignored(workdir: Path) -> None:
    """WPS and some exporters write <dimension ref="A1"/> for a full sheet; the rows are read all the same."""
    data = book(table(VILLAGE, second()))
    path = write(
        workdir / "p.xlsx",
        patch(
            data,
            "xl/worksheets/sheet1.xml",
            lambda x: re.sub(rb'<dimension ref="[^"]*"/>', b'<dimension ref="A1"/>', x),
        ),
    )
    assert [r.event.facts["meeting.name"] for r in rows_of(path)] == [
        "全县驻村干部选派部署会",
        "全县第二批驻村干部选派部署会",
    ]


# -- sheets, files, limits ---------------------------------------------------------------------------------


def test_the_first_sheet_or_the_one_named(runner, workdir: Path) -> None:
    write(workdir / "p.xlsx", book(table(VILLAGE), more={"总结": table(SUMMARY)}))
    assert run(runner, "validate", "p.xlsx").stdout == "p.xlsx:工作表1!2: ok (village_stay)\n"
    assert run(runner, "validate", "p.xlsx", "--sheet", "总结").stdout == "p.xlsx:总结!2: ok (summary)\n"
    missing = run(runner, "validate", "p.xlsx", "--sheet", "动员")
    assert (missing.exit_code, missing.stderr) == (
        1,
        'p.xlsx: the workbook has no sheet "动员"; its sheets are: 工作表1, 总结\n',
    )


@pytest.mark.parametrize("suffix", [".xls", ".et", ".ods"])
def test_other_spreadsheet_formats_are_refused_with_what_to_do(runner, workdir: Path, suffix: str) -> None:
    (workdir / f"plan{suffix}").write_bytes(b"anything")
    result = run(runner, "validate", f"plan{suffix}")
    assert result.exit_code == 1
    what = "open it in Excel or WPS and save it as .xlsx (Excel workbook)"
    assert result.stderr == f"plan{suffix}: a {suffix} file cannot be read; {what}\n"


def csv_text(rows: list[list[object]], delimiter: str = ",") -> str:
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    return out.getvalue()


@pytest.mark.parametrize(("encoding", "delimiter"), [("utf-8-sig", ","), ("gb18030", ","), ("utf-8", "\t")])
def test_a_csv_file_as_excel_and_wps_save_it_is_read_as_a_sheet(
    runner, workdir: Path, encoding: str, delimiter: str
) -> None:
    """Excel's "CSV UTF-8" (a BOM), plain "CSV" on a Chinese Windows (GB18030), tab-separated text; every cell is
    text, dates as Excel shows them (2026/3/16); each row is the event its .xlsx row gives."""
    rows = table(
        {**VILLAGE, "会议.日期": "2026/3/16", "工作.任务": "建强村级班子\n发展村集体经济"},
        {},
        second(**{"工作.人数": "很多"}),
    )
    (workdir / "plan.csv").write_bytes(csv_text(rows, delimiter).encode(encoding))
    write(workdir / "plan.xlsx", book(table(VILLAGE)))
    from_csv, bad = rows_of(workdir / "plan.csv")
    (from_xlsx,) = rows_of(workdir / "plan.xlsx")
    assert from_csv.event is not None and from_csv.event.facts == from_xlsx.event.facts
    assert from_csv.context == "plan!2"
    assert [str(p) for p in bad.problems] == [
        'plan.csv:plan!E4: 工作.人数 (cadres): expected a whole number, found "很多"'
    ]
    result = run(runner, "batch", "plan.csv", "-o", "out", "-j", "1", "-q")
    assert result.exit_code == 1
    assert sorted(p.name for p in (workdir / "out").iterdir()) == ["2026-03-16-全县驻村干部选派部署会.docx"]


def test_a_csv_file_in_neither_utf8_nor_gb18030_one_too_large_and_a_bad_header(runner, workdir: Path) -> None:
    (workdir / "plan.csv").write_bytes("类型,会议.名称\n".encode("utf-16"))
    result = run(runner, "validate", "plan.csv")
    assert (result.exit_code, result.stderr) == (
        1,
        "plan.csv: the text of this .csv file is neither UTF-8 nor GB18030; save it from Excel or WPS as .xlsx\n",
    )
    (workdir / "big.csv").write_bytes(b"," * 10_000_001)
    result = run(runner, "validate", "big.csv")
    assert result.stderr == "big.csv: the .csv file is 10,000,001 bytes; the limit is 10,000,000 bytes; split it\n"
    rows = table(VILLAGE)
    rows[0][2] = "会议.日其"
    (workdir / "plan.csv").write_text(csv_text(rows), encoding="utf-8")
    result = run(runner, "validate", "plan.csv")
    assert result.stderr.splitlines()[0] == 'plan.csv:plan!C1: unknown column "会议.日其" — did you mean "会议.日期"?'


def test_a_renamed_old_workbook_and_a_file_that_is_no_workbook(runner, workdir: Path) -> None:
    (workdir / "old.xlsx").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600)
    (workdir / "text.xlsx").write_text("类型: 动员会\n", encoding="utf-8")
    result = run(runner, "validate", "old.xlsx", "text.xlsx")
    assert result.stderr.splitlines() == [
        "old.xlsx: this is an old-style workbook (.xls or WPS .et) or one protected with a password; open it in "
        "Excel or WPS and save it as .xlsx (Excel workbook) without a password",
        "text.xlsx: this is not an .xlsx workbook; open it in Excel or WPS and save it as .xlsx",
    ]


def test_an_empty_sheet_and_a_sheet_of_only_a_header(runner, workdir: Path) -> None:
    write(workdir / "empty.xlsx", book([]))
    write(workdir / "head.xlsx", book([[None], table(VILLAGE)[0], [None]]))
    result = run(runner, "validate", "empty.xlsx", "head.xlsx")
    assert result.stderr.splitlines() == [
        'empty.xlsx: sheet "工作表1" is empty',
        "head.xlsx:工作表1!2: no meetings below the header row",
    ]


def test_rows_past_the_limit_are_not_read(monkeypatch: pytest.MonkeyPatch, workdir: Path) -> None:
    monkeypatch.setattr(sheet_module, "MAX_MEETINGS", 2)
    path = write(workdir / "p.xlsx", book(table(*[second(f"全县第{i}批驻村会议") for i in range(4)])))
    rows = rows_of(path)
    assert [r.event is not None for r in rows] == [True, True, False]
    assert [str(p) for p in rows[2].problems] == [
        "p.xlsx:工作表1!4: more than 2 meetings in one sheet; rows from 4 on are not read; split the sheet"
    ]


def test_warnings_name_the_row(runner, workdir: Path) -> None:
    write(workdir / "p.xlsx", book(table(second(**{"回顾.人数": 3}))))
    result = run(runner, "validate", "p.xlsx")
    assert (
        result.stderr
        == "warning: p.xlsx:工作表1!2: review (回顾) is not used in a village_stay speech and is ignored\n"
    )


# -- --zip ---------------------------------------------------------------------------------------------------


def test_zip_holds_every_draft_and_the_report_and_is_reproducible(runner, workdir: Path) -> None:
    write(workdir / "p.xlsx", book(table(VILLAGE, SUMMARY, second(**{"工作.人数": "很多"}))))
    result = run(runner, "batch", "p.xlsx", "-o", "out", "--zip", "all.zip", "--format", "md", "-j", "1")
    assert result.exit_code == 1
    assert result.stderr.splitlines()[-1] == "all.zip: 2 draft(s) and the report"
    names = zipfile.ZipFile(workdir / "all.zip").namelist()
    assert names == [
        "2026-03-16-全县驻村干部选派部署会.md",
        "2026-01-20-全县党外干部挂职锻炼工作总结会.md",
        "report.csv",
    ]
    packed = zipfile.ZipFile(workdir / "all.zip")
    assert packed.read(names[0]) == (workdir / "out" / names[0]).read_bytes()
    assert "工作表1!E4" in packed.read("report.csv").decode("utf-8-sig")
    first = (workdir / "all.zip").read_bytes()
    again = run(runner, "batch", "p.xlsx", "-o", "out", "--zip", "all.zip", "--format", "md")
    assert (again.exit_code, again.stderr) == (1, "--zip all.zip: exists; use --force to overwrite\n")
    forced = run(runner, "batch", "p.xlsx", "-o", "out", "--zip", "all.zip", "--format", "md", "--force")
    assert forced.exit_code == 1 and (workdir / "all.zip").read_bytes() == first


def test_zip_takes_the_reports_form_and_is_not_written_for_a_batch_stopped_early(runner, workdir: Path) -> None:
    write(workdir / "p.xlsx", book(table(VILLAGE, second(**{"工作.人数": "很多"}), second("全县第三批驻村会议"))))
    result = run(runner, "batch", "p.xlsx", "-o", "out", "--zip", "a.zip", "--report", "r.json", "--format", "txt")
    assert zipfile.ZipFile(workdir / "a.zip").namelist()[-1] == "r.json"
    stopped = run(runner, "batch", "p.xlsx", "-o", "out2", "--zip", "b.zip", "--fail-fast", "--format", "txt")
    assert stopped.stderr.splitlines()[-1] == "b.zip: not written, as the batch stopped before its end"
    assert not (workdir / "b.zip").exists()
    wrong = run(runner, "batch", "p.xlsx", "-o", "out3", "--zip", "c.tar")
    assert (wrong.exit_code, wrong.stderr) == (1, "--zip c.tar: give a file name ending in .zip\n")
    assert result.exit_code == 1 and not (workdir / "out3").exists()
