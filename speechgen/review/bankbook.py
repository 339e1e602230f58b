"""The bank workbook on disk: rows to an .xlsx (Excel and WPS open it), and a filled .xlsx back to rows.

openpyxl is imported only here and only when a workbook is written or read. A workbook from outside is
read read-only, values only (a formula counts as the value Excel saved with it), through defusedxml when
installed (openpyxl uses it by itself), and bounded: a file too large, a zip that would expand too far,
or too many rows is refused with a message rather than read; and before openpyxl opens it, the batch's own
guard (``event/sheetguard.py``) refuses zip bombs, XML entities and parts larger than Excel writes.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass, field
from typing import Any

from speechgen.errors import InputError, Problem
from speechgen.event.sheetguard import check_workbook
from speechgen.i18n import _
from speechgen.review.bankrows import COLUMNS, FILES, GUIDE, NOTES, SHEET_NAMES, UNITS, VARIANTS, Book, Column

MAX_BYTES = 20_000_000  # the workbook file
MAX_EXPANDED = 200_000_000  # all its parts, uncompressed
MAX_ROWS = 50_000  # a sheet
MAX_CELL = 5_000  # characters of one cell
LISTS = {
    "mode": "extend,replace",
    "role": "heading,lead,fact,reason,example,comment,demand,close",
    "front": "united,general",
}
NOT_XLSX = "is not an Excel workbook (.xlsx); save it from Excel or WPS as .xlsx"
GUIDE_TEXT = (
    "本工作簿是 speechgen 的讲话文库。改好后用 speechgen banks import 本文件.xlsx -o 文件夹 导入，"
    "起草时加 --banks 文件夹。",
    "“变体”表：一行一条说法。槽位是讲话中的一句话（如 closing.wishes 结尾的祝福）；文字是这句话的一种说法。",
    "  方式：空或 extend 表示在内置说法之外增加；replace 表示这个槽位只用本文件里的说法"
    "（同一槽位有一行写 replace 即可）。",
    "  要点、角色：属于某个要点（“要点”表里的一行）的句子，填要点编号和角色（heading 标题、lead 主旨句、reason 道理、"
    "example 例子、demand 要求、close 收束句等）；这时槽位可以不填。",
    "  会议类型、工作类别、去向、时点、讲话人等：这句话只用在哪些场合，多个值用逗号隔开，空着表示都可以。",
    "  权重：1 到 10，越大越常被选中，空着为 1。来源：导出时这句话所在的文件和行，导入时不读。",
    "“要点”表：一行一个要点（讲话的一个小标题及其展开），编号不重复，主题决定它放在哪一部分。",
    "“文件”表：每个文件的名称、说明、篇幅系数（风格文件用）。文件一栏写 名称.yaml，风格写 styles/风格名/风格名.yaml。",
    "不要写具体数字、人名、地名；不要写“我县”“全县”，写 {{ jur.our }} {{ jur.whole }}；引号用“”，不用「」。",
    "详见 phrasebanks/编写指南.md。",
)


@dataclass
class Sheet:
    """One sheet of a filled workbook: its title as written, where each column is, and its rows."""

    title: str
    columns: dict[str, int] = field(default_factory=dict)  # column key → 1-based column number
    rows: list[tuple[int, dict[str, Any]]] = field(default_factory=list)  # (row number, key → value)

    def cell(self, row: int, key: str) -> str:
        from openpyxl.utils import get_column_letter

        return f"{self.title}!{get_column_letter(self.columns.get(key, 1))}{row}"


def write_book(book: Book) -> bytes:
    """The workbook of these rows, as .xlsx bytes."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter
    from openpyxl.utils.exceptions import IllegalCharacterError
    from openpyxl.worksheet.datavalidation import DataValidation

    wb = Workbook()
    wb.remove(wb.active)
    for title in (VARIANTS, UNITS, FILES):
        ws = wb.create_sheet(title)
        columns: tuple[Column, ...] = COLUMNS[title]
        ws.append([c.header for c in columns])
        for i, c in enumerate(columns, 1):
            ws.cell(1, i).font = Font(bold=True)
            ws.column_dimensions[get_column_letter(i)].width = c.width
        wrap = Alignment(wrap_text=True, vertical="top")
        for r, row in enumerate(book.rows[title], 2):
            for i, c in enumerate(columns, 1):
                value = row.get(c.key)
                if value is None:
                    continue
                try:
                    cell = ws.cell(r, i, value)
                except IllegalCharacterError:
                    where = row.get("source") or row.get("file") or title
                    message = "holds a control character that a workbook cannot store"
                    raise InputError([Problem(str(where), message)]) from None
                if isinstance(value, str) and value.startswith("="):
                    cell.data_type = "s"  # text, never a formula
                if c.key == "text":
                    cell.alignment = wrap
        ws.freeze_panes = "A2"
        last = len(book.rows[title]) + 1000
        for i, c in enumerate(columns, 1):
            if c.key in LISTS and title != FILES:
                dv = DataValidation(type="list", formula1=f'"{LISTS[c.key]}"', allow_blank=True)
                ws.add_data_validation(dv)
                letter = get_column_letter(i)
                dv.add(f"{letter}2:{letter}{last}")
    guide = wb.create_sheet(GUIDE)
    guide.column_dimensions["A"].width = 120
    for line in GUIDE_TEXT:
        guide.append([line])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def read_book(data: bytes, name: str) -> dict[str, Sheet]:
    """The sheets 变体, 要点 and 文件 of a filled workbook (English titles variants, units, files work too)."""
    _bounded(data, name)
    from openpyxl import load_workbook

    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError) as exc:
        raise InputError([Problem(name, f"{NOT_XLSX} ({type(exc).__name__})")]) from None
    problems: list[Problem] = []
    sheets: dict[str, Sheet] = {}
    try:
        for ws in wb.worksheets:
            title = _canonical(ws.title)
            if title is None or title in sheets:
                continue
            sheets[title] = _read_sheet(ws, title, name, problems)
    finally:
        wb.close()
    if VARIANTS not in sheets:
        problems.append(
            Problem(
                name,
                _("has no sheet {VARIANTS} (variants); export one with speechgen banks export").format(
                    VARIANTS=VARIANTS
                ),
            )
        )
    if problems:
        raise InputError(problems)
    return sheets


def _bounded(data: bytes, name: str) -> None:
    if len(data) > MAX_BYTES:
        raise InputError(
            [
                Problem(
                    name,
                    _("file is {n_data:,} bytes; the limit is {MAX_BYTES:,} bytes").format(
                        n_data=len(data), MAX_BYTES=MAX_BYTES
                    ),
                )
            ]
        )
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            expanded = sum(i.file_size for i in z.infolist())
    except zipfile.BadZipFile:
        raise InputError([Problem(name, NOT_XLSX)]) from None
    if expanded > MAX_EXPANDED:
        raise InputError(
            [
                Problem(
                    name,
                    _("expands to {expanded:,} bytes; the limit is {MAX_EXPANDED:,}; refused").format(
                        expanded=expanded, MAX_EXPANDED=MAX_EXPANDED
                    ),
                )
            ]
        )
    check_workbook(data, name)  # the batch's guard (event/sheetguard.py): zip bombs, entities, huge parts


def _canonical(title: str) -> str | None:
    t = title.strip()
    for zh, en in SHEET_NAMES.items():
        if t == zh or t.lower() == en:
            return zh
    return None


def _read_sheet(ws: Any, title: str, name: str, problems: list[Problem]) -> Sheet:
    sheet = Sheet(ws.title)
    known = {c.key: c for c in COLUMNS[title]}
    ignored: set[int] = set()
    ws.reset_dimensions()  # the declared size may be wrong (WPS); read what is there
    for number, values in enumerate(ws.iter_rows(values_only=True), 1):
        if number == 1:
            _header(sheet, values, known, ignored, name, problems)
            continue
        if number > MAX_ROWS + 1:
            problems.append(
                Problem(
                    f"{name}:{sheet.title}",
                    _("has more than {MAX_ROWS:,} rows; split the workbook").format(MAX_ROWS=MAX_ROWS),
                )
            )
            break
        row: dict[str, Any] = {}
        for col, value in enumerate(values, 1):
            value = _value(value)
            if value is None or col in ignored:
                continue
            key = next((k for k, c in sheet.columns.items() if c == col), None)
            if key is None:
                where = f"{name}:{_ref(sheet.title, col, number)}"
                problems.append(Problem(where, _("this column has no heading; name it (备注 for your own notes)")))
                continue
            if isinstance(value, str) and len(value) > MAX_CELL:
                where = f"{name}:{_ref(sheet.title, col, number)}"
                problems.append(
                    Problem(
                        where,
                        _("holds {n_value:,} characters; the limit is {MAX_CELL:,}").format(
                            n_value=len(value), MAX_CELL=MAX_CELL
                        ),
                    )
                )
                continue
            row[key] = value
        if row:
            sheet.rows.append((number, row))
    return sheet


def _header(
    sheet: Sheet,
    values: tuple[Any, ...],
    known: dict[str, Column],
    ignored: set[int],
    name: str,
    problems: list[Problem],
) -> None:
    import difflib

    for col, value in enumerate(values, 1):
        text = str(value).strip() if value is not None else ""
        if not text:
            continue
        tokens = {t.lower() for t in re.split(r"[\s()（）]+", text) if t}
        if tokens & NOTES:
            ignored.add(col)
            continue
        key = next((k for k, c in known.items() if k in tokens or c.zh.lower() in tokens), None)
        where = f"{name}:{_ref(sheet.title, col, 1)}"
        if key is None:
            names = [c.header for c in known.values()]
            close = difflib.get_close_matches(text, names, n=1, cutoff=0.5)
            if close:
                message = f'unknown column "{text}"; did you mean "{close[0]}"?'
            else:
                message = f'unknown column "{text}"; expected one of: {", ".join(names)}'
            problems.append(Problem(where, message))
        elif key in sheet.columns:
            problems.append(Problem(where, _('column "{header}" is given twice').format(header=known[key].header)))
        else:
            sheet.columns[key] = col


def _value(value: Any) -> Any:
    if isinstance(value, str):
        value = value.strip()
        return value or None
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _ref(title: str, col: int, row: int) -> str:
    from openpyxl.utils import get_column_letter

    return f"{title}!{get_column_letter(col)}{row}"
