"""`speechgen new --xlsx` (issue 18): the template workbook, in LibreOffice Calc too, and drafts from its rows
that are the very drafts of the same events given as YAML."""

from __future__ import annotations

import datetime as dt
import os
import re
import subprocess
import zipfile
from pathlib import Path
from typing import Any

import pytest
import yaml
from openpyxl import load_workbook

from speechgen.cli import main
from speechgen.event import schema as S
from speechgen.event.sheethead import dotted_alias, sheet_fields
from speechgen.export.pdf import soffice

from .conftest import ROOT, example
from .sheets import fill_template

DRAFTABLE = ("village_stay", "summary", "summary_mobilisation")  # the types the banks draft as they stand


def template(runner, folder: Path, *args: str) -> Path:
    path = folder / "plan.xlsx"
    result = runner.invoke(main, ["new", "--xlsx", str(path), *args])
    assert result.exit_code == 0, result.output
    assert (
        result.stderr == f"{path}: written; fill in one row per meeting, then run: speechgen batch {path} -o drafts\n"
    )
    return path


def test_the_template_has_every_field_marked_commented_and_dropdowns(runner, tmp_path: Path) -> None:
    wb = load_workbook(template(runner, tmp_path, "summary"))
    assert wb.sheetnames == ["会议清单", "说明"]
    ws = wb["会议清单"]
    fields = sheet_fields()
    headers = [c.value for c in ws[1]]
    assert headers == [dotted_alias(p) + ("（必填）" if f.required else "") for p, f in fields]
    assert [h for h in headers if h.endswith("（必填）")] == [
        "类型（必填）",
        "会议.名称（必填）",
        "会议.日期（必填）",
        "讲话人.职务（必填）",
    ]
    for cell, (path, f) in zip(ws[1], fields, strict=True):
        assert cell.comment is not None and cell.comment.text.startswith(f"{dotted_alias(path)}（{'.'.join(path)}）")
        assert (f.help or "") in cell.comment.text
    lists = {str(dv.sqref): dv.formula1 for dv in ws.data_validations.dataValidation}
    column = {".".join(p): headers.index(h) + 1 for (p, _f), h in zip(fields, headers, strict=True)}

    def letter(path: str) -> str:
        return ws.cell(1, column[path]).column_letter

    assert lists[f"{letter('type')}2:{letter('type')}10001"] == '"动员会,总结会,总结暨动员会,驻村蹲点工作会议"'
    assert lists[f"{letter('options.style')}2:{letter('options.style')}10001"] == '"正式,温情,简明"'
    assert lists[f"{letter('meeting.level')}2:{letter('meeting.level')}10001"] == '"省,市,县,区,乡,镇"'
    example_row = {".".join(p): c.value for (p, _f), c in zip(fields, ws[2], strict=True) if c.value is not None}
    assert example_row["type"] == "总结会" and example_row["meeting.date"] == dt.datetime(2026, 3, 16)
    assert all(c.font.italic for c in ws[2]) and ws["A2"].comment.text.startswith("示例行（总结会）")
    guide = [r[0] for r in wb["说明"].iter_rows(values_only=True)]
    assert guide[0] == "填写说明" and any("第2行是示例" in (line or "") for line in guide)
    assert len([r for r in wb["说明"].iter_rows(values_only=True) if r[1] in {".".join(p) for p, _f in fields}]) == len(
        fields
    )


def test_english_headers_and_the_untouched_template_has_no_meeting(runner, tmp_path: Path) -> None:
    path = template(runner, tmp_path, "--lang", "en")
    headers = [c.value for c in load_workbook(path).worksheets[0][1]]
    assert headers[:3] == ["type (required)", "meeting.name (required)", "meeting.date (required)"]
    result = runner.invoke(main, ["validate", str(path)])
    assert result.exit_code == 1
    assert result.stderr == (
        f"{path}:meetings!1: no meetings below the header row (the template's example row is not read); "
        "add a row for each meeting\n"
    )


def test_new_xlsx_refuses_to_overwrite_and_bad_combinations(runner, tmp_path: Path) -> None:
    path = template(runner, tmp_path)
    before = path.read_bytes()
    again = runner.invoke(main, ["new", "--xlsx", str(path)])
    assert again.exit_code == 1 and again.stderr == f"{path}: exists; use --force to overwrite\n"
    assert path.read_bytes() == before
    assert runner.invoke(main, ["new", "--xlsx", str(path), "--force"]).exit_code == 0
    wrong = runner.invoke(main, ["new", "--xlsx", str(tmp_path / "plan.xls")])
    assert (wrong.exit_code, wrong.stderr) == (1, f"--xlsx {tmp_path / 'plan.xls'}: give a file name ending in .xlsx\n")
    assert runner.invoke(main, ["new", "--xlsx", str(path), "-o", "x.yaml"]).exit_code == 2
    assert runner.invoke(main, ["new"]).exit_code == 2


def test_libreoffice_calc_opens_the_template_with_its_dropdowns(runner, tmp_path: Path) -> None:
    exe = soffice()
    if exe is None:
        if os.environ.get("SPEECHGEN_REQUIRE_SOFFICE"):
            pytest.fail("required here (SPEECHGEN_REQUIRE_SOFFICE is set) but not installed: soffice")
        pytest.skip("not installed: soffice")
    path = template(runner, tmp_path, "village_stay")
    profile = (tmp_path / "profile").as_uri()
    cmd = [exe, f"-env:UserInstallation={profile}", "--headless", "--norestore", "--convert-to", "ods"]
    subprocess.run([*cmd, "--outdir", str(tmp_path / "ods"), str(path)], capture_output=True, timeout=180, check=False)
    ods = tmp_path / "ods" / "plan.ods"
    assert ods.exists(), "LibreOffice Calc did not open the workbook (is libreoffice-calc installed?)"
    content = zipfile.ZipFile(ods).read("content.xml").decode("utf-8")
    tables = re.findall(r'<table:table table:name="([^"]+)"', content)
    assert tables == ["会议清单", "说明"]
    conditions = re.findall(r'table:condition="of:cell-content-is-in-list\(([^)]*)\)"', content)
    listed = [re.findall(r"&quot;([^&]*)&quot;", c) for c in conditions]
    assert [S.TYPE_LABELS[t] for t in S.MEETING_TYPES] in listed
    assert ["正式", "温情", "简明"] in listed
    assert content.count("<office:annotation") == len(sheet_fields()) + 1  # every header, and the example row
    assert "全县选派干部驻村蹲点工作会议" in content  # the example row


def flat(data: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """An event file's mapping as header → cell: dotted keys as written, lists joined with ；."""
    out: dict[str, Any] = {}
    for key, value in data.items():
        if isinstance(value, dict):
            out |= flat(value, f"{prefix}{key}.")
        else:
            out[f"{prefix}{key}"] = "；".join(map(str, value)) if isinstance(value, list) else value
    return out


def test_three_rows_draft_the_documents_the_same_events_draft_as_yaml(runner, tmp_path: Path) -> None:
    events = [flat(yaml.safe_load(example(t).read_text(encoding="utf-8"))) for t in DRAFTABLE]
    date_key = [next(k for k in ev if k.split(".")[-1] in ("date", "日期")) for ev in events]
    given = [ev[k] for ev, k in zip(events, date_key, strict=True)]
    assert given == [dt.date(2026, 3, 16), "2026年1月20日", dt.date(2026, 3, 2)]
    events[2][date_key[2]] = 20260302  # the first an Excel date, the second text, the third a number
    path = template(runner, tmp_path)
    fill_template(path, events)
    from_yaml = runner.invoke(
        main, ["batch", *(str(example(t)) for t in DRAFTABLE), "-o", str(tmp_path / "y"), "-j", "1"]
    )
    assert from_yaml.exit_code == 0, from_yaml.output
    from_sheet = runner.invoke(
        main, ["batch", str(path), "-o", str(tmp_path / "s"), "-j", "2", "--report", str(tmp_path / "r.json")]
    )
    assert from_sheet.exit_code == 0, from_sheet.output
    names = sorted(p.name for p in (tmp_path / "y").iterdir())
    assert len(names) == 3 and sorted(p.name for p in (tmp_path / "s").iterdir()) == names
    for name in names:
        assert (tmp_path / "s" / name).read_bytes() == (tmp_path / "y" / name).read_bytes(), name
    import json

    rows = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    assert [r["input"] for r in rows] == [f"{path}:会议清单!{n}" for n in (2, 3, 4)]


def test_a_row_left_as_the_example_is_skipped_but_a_changed_one_is_drafted(runner, tmp_path: Path) -> None:
    path = template(runner, tmp_path, "village_stay")
    wb = load_workbook(path)
    wb.worksheets[0]["B2"] = "全县第三批选派干部驻村蹲点工作会议"
    wb.save(path)
    result = runner.invoke(main, ["validate", str(path)])
    assert result.exit_code == 0, result.output
    assert result.stdout == f"{path}:会议清单!2: ok (village_stay)\n"


def test_the_readmes_template_table_and_messages_are_what_speechgen_makes(runner, workdir: Path) -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("\n## From a spreadsheet: one row per meeting\n", 1)[1].split("\n## ", 1)[0]
    assert f"({len(sheet_fields())} columns;" in section
    shown = [h.strip() for h in re.search(r"^\| (类型.*) \|$", section, re.M).group(1).split("|")]
    path = template(runner, workdir)
    headers = [c.value for c in load_workbook(path).worksheets[0][1]]
    assert [h for h in shown if h != "…"] == [h for h in headers if h in shown] and "…" in shown
    listed = re.search(r"```\n(会议清单.xlsx:.*?)```", section, re.S).group(1).splitlines()
    rows: list[list[Any]] = [["类型", "会议.名称", "会议.日其", "讲话人.职务", "工作.人数"]]
    rows += [["驻村蹲点", f"全县第{i}批驻村会议", "2026-03-16", "县委书记", 10] for i in range(2, 7)]
    rows.append(["驻村蹲点", "全县第7批驻村会议", "2026-03-16", "县委书记", "很多"])
    wb = load_workbook(path)
    ws = wb.worksheets[0]
    ws.delete_rows(1, 2)
    for r, row in enumerate(rows, 1):
        for c in range(1, len(headers) + 1):
            ws.cell(r, c).value = row[c - 1] if c <= len(row) else None
    wb.save(workdir / "会议清单.xlsx")
    result = runner.invoke(main, ["validate", "会议清单.xlsx"])
    assert result.stderr.splitlines() == listed
