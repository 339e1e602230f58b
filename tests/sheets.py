"""Helpers for the spreadsheet tests: workbooks written through openpyxl, and parts of them patched."""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

from openpyxl import Workbook, load_workbook

from speechgen.event.sheethead import resolve

GOOD = {  # three meetings that draft with the banks as they stand; dotted path → cell value
    "village": {
        "类型": "驻村蹲点",
        "会议.名称": "全县驻村干部选派部署会",
        "会议.日期": "2026-03-16",
        "讲话人.职务": "县委常委、组织部部长",
        "工作.人数": 120,
        "工作.任务": "建强村级班子；发展村集体经济",
    },
    "summary": {
        "类型": "总结会",
        "会议.名称": "全县党外干部挂职锻炼工作总结会",
        "会议.日期": "2026年1月20日",
        "讲话人.职务": "县委常委、统战部部长",
        "工作.类别": "挂职锻炼",
        "回顾.人数": 26,
        "回顾.成效": "协调落实项目资金1800万元、帮助接收单位完善制度21项",
    },
}


def book(rows: Iterable[Iterable[Any]], title: str = "工作表1", more: Mapping[str, list[list[Any]]] = {}) -> bytes:
    """A workbook whose first sheet holds rows (the first being the header row)."""
    wb = Workbook()
    ws = wb.active
    ws.title = title
    for row in rows:
        ws.append(list(row))
    for name, sheet_rows in more.items():
        other = wb.create_sheet(name)
        for row in sheet_rows:
            other.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def table(*events: Mapping[str, Any]) -> list[list[Any]]:
    """Header row and one row per event (dotted → value), the columns those the events use."""
    header: list[str] = []
    for ev in events:
        header += [k for k in ev if k not in header]
    return [header, *[[ev.get(k) for k in header] for ev in events]]


def write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def patch(data: bytes, part: str, change: Callable[[bytes], bytes]) -> bytes:
    """The workbook with one part's bytes changed (the others copied as they are)."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info)
            dst.writestr(info.filename, change(body) if info.filename == part else body)
    return out.getvalue()


def fill_template(path: Path, events: list[Mapping[str, Any]]) -> None:
    """Write events into a template from `new --xlsx`, from row 2 on (over its example row)."""
    wb = load_workbook(path)
    ws = wb.worksheets[0]
    columns = {}
    for cell in ws[1]:
        header = re.sub(r"（必填）$", "", str(cell.value))
        found = resolve(header)
        assert not isinstance(found, str), header
        columns[found[0]] = cell.column
    for r, ev in enumerate(events, 2):
        for c in range(1, ws.max_column + 1):
            ws.cell(r, c).value = None
        for key, value in ev.items():
            found = resolve(key)
            assert not isinstance(found, str), key
            ws.cell(r, columns[found[0]]).value = value
    wb.save(path)
