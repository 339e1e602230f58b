"""`speechgen new --xlsx plan.xlsx [TYPE]`: a spreadsheet to fill in, one meeting a row, for `batch`.

The first sheet has a header row with every field of the event contract (required ones marked and
coloured), a comment on each header saying what goes in it, dropdowns (data validation) for the meeting
type, the style and the other fields with fixed choices, and one example row, grey and italic, which the
reader skips while it is left as written. A second sheet, 说明, has the rules and a table of the fields.
Excel, WPS and LibreOffice open it. The text of the template is Chinese; ``--lang en`` gives English
headers.
"""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from typing import Any

from speechgen import api
from speechgen.errors import ConfigError
from speechgen.event import schema as S
from speechgen.event.sheet import MAX_MEETINGS
from speechgen.event.sheethead import column_letter, dotted_alias, example_row, sheet_fields
from speechgen.i18n import _
from speechgen.run.output import write_atomic

SHEET = {"zh": "会议清单", "en": "meetings"}
GUIDE = "说明"
REQUIRED = {"zh": "（必填）", "en": " (required)"}
LAST_ROW = MAX_MEETINGS + 1
DATE_FORMAT = 'yyyy"年"m"月"d"日"'
HINTS = {
    "texts": "可填多项：用“；”或换行（Alt+Enter）分隔；没有“；”和换行时按“、”分隔。",
    "date": "日期：Excel 日期、2026-03-16、2026年3月16日或 20260316 都可以。",
    "int": "整数：120 或 一百二十。",
    "type": "从下拉列表选择。",
    "style": "从下拉列表选择（正式、温情、简明），也可以填本单位自己的风格名。",
    "level": "从下拉列表选择；不填时从会议名称推断（全县…… → 县）。",
    "role": "从下拉列表选择；不填时从职务推断。",
    "direction": "从下拉列表选择；不填时从类别推断。",
    "points": "2 到 5。",
    "length": "800 到 12000 个汉字；与时长二选一。",
    "minutes": "5 到 60 分钟；与字数二选一。",
    "seed": "整数；同一会议、同一种子得到同一篇讲稿。",
    "filename": "只写文件名，不含文件夹；不填时为 日期-会议名称。",
}
RULES = (
    "本工作簿由 speechgen new --xlsx 生成。第一张工作表每行填写一次会议，speechgen 为每一行起草一篇讲话稿。",
    "第一行是列名（字段名），请不要改动；标“（必填）”的列每行都要填写，其余的列可以留空，也可以整列删去。",
    "把鼠标放在列名上可以看到这一列的说明。类型、风格、层级、角色、方向有下拉列表。",
    "多项内容（如 工作.任务、会议.会前议程）在一个单元格内用“；”或换行（Alt+Enter）分隔；没有“；”和换行时按“、”分隔。",
    "日期可以填 Excel 日期、2026-03-16、2026年3月16日或 20260316；人数等整数可以写 120 或 一百二十。",
    "总结会、总结暨动员会还要填写 回顾.成效 或 回顾.人数。",
    "第2行是示例（灰色斜体）：原样保留时不会起草；可以删除，也可以直接改写成第一场会议。",
    "空行会跳过。公式按 Excel、WPS 保存时算出的值读取。",
    "要在表里记自己的备注，可以加一列，列名写“备注”或以 # 开头，这一列不会被读取。",
    "输出 一列可以指定讲稿的文件名；不填时为 日期-会议名称.docx。",
    "检查：speechgen validate 本文件.xlsx —— 先检查列名，再检查每一行；问题指出工作表和单元格，如 会议清单!E7。",
    "起草：speechgen batch 本文件.xlsx -o 讲话稿 --report 讲话稿/报告.csv --zip 讲话稿.zip",
    "只读其中一张工作表：加 --sheet 工作表名称。",
)


def write_template(path: Path, meeting_type: str | None = None, *, lang: str = "zh", force: bool = False) -> None:
    """Write the template workbook to path (.xlsx), atomically, never over a file without force."""
    if path.suffix.lower() != ".xlsx":
        raise ConfigError(_("--xlsx {path}: give a file name ending in .xlsx").format(path=path))
    write_atomic(path, template_bytes(meeting_type, lang=lang), force=force)


def template_bytes(meeting_type: str | None = None, *, lang: str = "zh") -> bytes:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = SHEET[lang]
    fields = sheet_fields()
    example = example_row(meeting_type or S.MEETING_TYPES[0])
    for col, (path, f) in enumerate(fields, 1):
        _header_cell(ws.cell(1, col), path, f, lang)
        _example_cell(ws.cell(2, col), example.get(".".join(path)), f)
        ws.column_dimensions[column_letter(col)].width = _width(path, f)
    ws.cell(2, 1).comment = _comment(
        f"示例行（{S.TYPE_LABELS[meeting_type or S.MEETING_TYPES[0]]}）：照此每行填写一次会议。"
        "原样保留时不会起草；可以删除本行，也可以直接改写。",
        height=90,
    )
    ws.row_dimensions[1].height = 36
    ws.freeze_panes = "B2"
    _dropdowns(ws, fields)
    _guide(wb.create_sheet(GUIDE), fields)
    wb.properties.creator = "speechgen"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _header_cell(cell: Any, path: tuple[str, ...], f: S.Field, lang: str) -> None:
    from openpyxl.styles import Alignment, Font, PatternFill

    name = dotted_alias(path) if lang == "zh" else ".".join(path)
    cell.value = name + (REQUIRED[lang] if f.required else "")
    cell.font = Font(bold=True)
    cell.fill = PatternFill("solid", fgColor="F8CBAD" if f.required else "DDEBF7")
    cell.alignment = Alignment(wrap_text=True, vertical="center")
    lines = [f"{dotted_alias(path)}（{'.'.join(path)}）", f.help or ""]
    lines.append("必填。" if f.required else "可以不填。")
    if f.kind in HINTS:
        lines.append(HINTS[f.kind])
    cell.comment = _comment("\n".join(line for line in lines if line))


def _comment(text: str, height: int = 120) -> Any:
    from openpyxl.comments import Comment

    comment = Comment(text, "speechgen")
    comment.width, comment.height = 300, height
    return comment


def _example_cell(cell: Any, value: Any, f: S.Field) -> None:
    from openpyxl.styles import Font, PatternFill

    cell.font = Font(italic=True, color="808080")
    cell.fill = PatternFill("solid", fgColor="FFF2CC")
    if value is None:
        return
    cell.value = value
    if isinstance(value, dt.date):
        cell.number_format = DATE_FORMAT


def _width(path: tuple[str, ...], f: S.Field) -> float:
    if f.kind == "texts":
        return 36
    if path in (("meeting", "name"), ("speaker", "title")):
        return 30
    return {"text": 18, "date": 16, "filename": 18}.get(f.kind, 12)


def _choices() -> dict[str, tuple[tuple[str, ...], str]]:
    """Field kind → (the dropdown's items, what Excel does with another value: stop or warn)."""
    order = list(S.STYLE_LABELS)  # formal (the default) first
    ranked = sorted(api.styles(), key=lambda s: (order.index(s) if s in order else len(order), s))
    styles = [S.STYLE_LABELS.get(s, s) for s in ranked]
    return {
        "type": (tuple(S.TYPE_LABELS[t] for t in S.MEETING_TYPES), "stop"),
        "style": (tuple(styles), "warning"),
        "level": (S.LEVELS, "stop"),
        "role": (tuple(S.ROLE_LABELS.values()), "stop"),
        "direction": (tuple(S.DIRECTION_LABELS.values()), "stop"),
    }


def _dropdowns(ws: Any, fields: list[tuple[tuple[str, ...], S.Field]]) -> None:
    from openpyxl.worksheet.datavalidation import DataValidation

    choices = _choices()
    for col, (path, f) in enumerate(fields, 1):
        if f.kind not in choices:
            continue
        items, style = choices[f.kind]
        listed = ",".join(items)
        while len(listed) > 250:  # Excel's limit for a list written in the rule itself
            items = items[:-1]
            listed = ",".join(items)
        dv = DataValidation(
            type="list",
            formula1=f'"{listed}"',
            allow_blank=True,
            errorStyle=style,
            showErrorMessage=True,
            errorTitle=dotted_alias(path),
            error=f"请从下拉列表中选择：{'、'.join(items)}",
            showInputMessage=True,
            promptTitle=dotted_alias(path),
            prompt="从下拉列表选择",
        )
        letter = column_letter(col)
        dv.add(f"{letter}2:{letter}{LAST_ROW}")
        ws.add_data_validation(dv)


def _guide(ws: Any, fields: list[tuple[tuple[str, ...], S.Field]]) -> None:
    from openpyxl.styles import Alignment, Font

    ws.column_dimensions["A"].width = 22
    ws.column_dimensions["B"].width = 24
    ws.column_dimensions["C"].width = 8
    ws.column_dimensions["D"].width = 90
    ws.append(["填写说明"])
    ws.cell(1, 1).font = Font(bold=True, size=14)
    for line in RULES:
        ws.append([line])
    ws.append([])
    ws.append(["列名", "英文列名", "必填", "说明"])
    for cell in ws[ws.max_row]:
        cell.font = Font(bold=True)
    for path, f in fields:
        hint = HINTS.get(f.kind, "")
        ws.append([dotted_alias(path), ".".join(path), "是" if f.required else "", f"{f.help} {hint}".strip()])
        ws.cell(ws.max_row, 4).alignment = Alignment(wrap_text=True)
