"""Events from a spreadsheet: one row per meeting, the header row naming the fields.

The header row holds field names as in an event file, dotted: the Chinese aliases or the English keys
(``会议.名称``, ``meeting.name``), mixed as the user likes; every header is checked before any row is read
(unknown ones with a did-you-mean). Each row then becomes the same ``Node`` tree a YAML event file gives,
with the row and column as its marks, and goes through the same validation, so a cell gets the message
a key would; its place is reported as ``plan.xlsx:工作表1!E7``. List fields are split on ；; and new lines
within a cell, or on 、 when a cell has none of those. Dates may be Excel dates, text (2026年3月16日) or
numbers (20260316, or a date's serial number). A formula counts as the value Excel or WPS saved with it.
Empty rows are skipped, and so is the template's example row while it is left as written. A .csv file
(``sheetcsv``) is read as a sheet of text cells named after the file.

The workbook is checked first (``sheetguard``) and then read by openpyxl, read-only, with the declared
dimensions reset (WPS and some exporters write wrong ones). openpyxl is imported only here, and only when
a workbook is read.
"""

from __future__ import annotations

import datetime as dt
import io
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from speechgen.errors import InputError, Problem
from speechgen.event.load import check, validate
from speechgen.event.model import Event
from speechgen.event.sheetcsv import CsvSheet
from speechgen.event.sheetguard import MAX_FILE_BYTES, check_workbook
from speechgen.event.sheethead import Column, Header, column_letter, example_rows, split_list
from speechgen.event.yamlsafe import Entry, Node
from speechgen.i18n import _

SUFFIXES = (".xlsx", ".xlsm", ".csv")
REFUSED = (".xls", ".et", ".ett", ".ods", ".xlsb", ".numbers")
MAX_MEETINGS = 10_000  # rows drafted from one sheet
MAX_COLUMNS = 64  # columns read (the contract has 34 fields); anything further right is not looked at


def is_spreadsheet(path: Path) -> bool:
    return path.suffix.lower() in SUFFIXES + REFUSED


@dataclass
class Row:
    """One row of a sheet as the batch sees it: an Event, or the problems that keep it from being drafted.

    The header row comes as a Row too when it has problems; the workbook as a whole (not an .xlsx, no such
    sheet) as a Row without a context.
    """

    context: str | None  # "工作表1!7"
    sheet: str | None = None
    event: Event | None = None
    problems: list[Problem] = field(default_factory=list)


def at_cell(problem: Problem, sheet: str) -> Problem:
    """A problem marked with a row (line) and column, placed instead at its cell: 工作表1!E7, or 工作表1!7."""
    if problem.line is None:
        return problem
    ref = f"{column_letter(problem.col)}{problem.line}" if problem.col else str(problem.line)
    return Problem(problem.file, problem.message, None, None, problem.key, f"{sheet}!{ref}")


def read_rows(path: Path, name: str, sheet: str | None = None) -> Iterator[Row]:
    """The rows of one sheet of a workbook (the first, or the one named), in order, one at a time."""
    suffix = path.suffix.lower()
    if suffix in REFUSED:
        message = _("a {kind} file cannot be read; open it in Excel or WPS and save it as .xlsx (Excel workbook)")
        yield Row(None, problems=[Problem(name, message.format(kind=suffix))])
        return
    text: CsvSheet | None = None
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            message = _("the workbook is {size:,} bytes; the limit is {limit:,} bytes")
            raise InputError([Problem(name, message.format(size=size, limit=MAX_FILE_BYTES))])
        data = path.read_bytes()
        if suffix == ".csv":
            text = CsvSheet(data, path, name)
        else:
            check_workbook(data, name)
    except InputError as exc:
        yield Row(None, problems=list(exc.problems))
        return
    except FileNotFoundError:
        yield Row(None, problems=[Problem(name, _("no such file"))])
        return
    except IsADirectoryError:
        yield Row(None, problems=[Problem(name, _("is a folder, not a file"))])
        return
    except OSError as exc:
        yield Row(None, problems=[Problem(name, _("cannot read: {error}").format(error=exc.strerror or exc))])
        return
    book = _Book(data, name)
    yield from (book.text_rows(text) if text is not None else book.rows(sheet))


class _Book:
    """One workbook being read: the formulas pass, and (opened only when a formula is met) the values pass."""

    def __init__(self, data: bytes, name: str) -> None:
        self.data, self.name = data, name
        self.title = ""
        self.epoch: Any = None  # the workbook's date system (1900, or 1904 from old Macs)
        self.header: Header | None = None
        self.values: Iterator[tuple[Any, ...]] | None = None  # the sheet as Excel last calculated it
        self.values_at = 0
        self.values_row: tuple[Any, ...] = ()
        self.books: list[Any] = []

    def open(self, data_only: bool) -> Any:
        from openpyxl import load_workbook

        with warnings.catch_warnings():  # openpyxl warns about what it leaves out; the user cannot act on it
            warnings.simplefilter("ignore")
            book = load_workbook(io.BytesIO(self.data), read_only=True, data_only=data_only, keep_links=False)
        self.books.append(book)
        return book

    def rows(self, wanted: str | None) -> Iterator[Row]:
        try:
            try:
                book = self.open(data_only=False)
            except Exception as exc:  # noqa: BLE001 - a damaged file fails in many ways inside openpyxl
                message = _("cannot be read as an .xlsx workbook ({error}); open it in Excel or WPS and save it again")
                yield Row(None, problems=[Problem(self.name, message.format(error=type(exc).__name__))])
                return
            ws = self.sheet(book, wanted)
            if isinstance(ws, Row):
                yield ws
                return
            self.title, self.epoch = ws.title, book.epoch
            yield from self.read(ws)
        finally:
            for book in self.books:
                book.close()

    def text_rows(self, ws: CsvSheet) -> Iterator[Row]:
        """The rows of a .csv file (one sheet, every cell text)."""
        from openpyxl.utils.datetime import CALENDAR_WINDOWS_1900

        self.title, self.epoch = ws.title, CALENDAR_WINDOWS_1900
        yield from self.read(ws)

    def sheet(self, book: Any, wanted: str | None) -> Any:
        names = book.sheetnames
        if wanted is None:
            sheets = book.worksheets
            if not sheets:
                return Row(None, problems=[Problem(self.name, _("the workbook has no sheet of rows"))])
            ws = sheets[0]
        else:
            match = [n for n in names if n == wanted] or [
                n for n in names if n.strip().lower() == wanted.strip().lower()
            ]
            if not match:
                message = _('the workbook has no sheet "{sheet}"; its sheets are: {names}')
                return Row(None, problems=[Problem(self.name, message.format(sheet=wanted, names=", ".join(names)))])
            ws = book[match[0]]
            if not hasattr(ws, "iter_rows"):
                message = _('sheet "{sheet}" is a chart, not a sheet of rows')
                return Row(None, problems=[Problem(self.name, message.format(sheet=ws.title))])
        ws.reset_dimensions()  # the declared size may be wrong (WPS); read what is there
        return ws

    def read(self, ws: Any) -> Iterator[Row]:
        meetings, number, example_skipped = 0, 0, False
        try:
            for number, cells in enumerate(_quietly(ws.iter_rows(min_row=1, max_col=MAX_COLUMNS)), 1):
                if self.header is None:
                    values = [self.plain(c) for c in cells]
                    if any(v is not None for v in values):
                        self.header = Header(values, number, self.name)
                        if self.header.problems:
                            yield self.placed(Row(f"{self.title}!{number}"), self.header.problems)
                    continue
                row = self.row(number, cells)
                if row is None:
                    continue
                if row is _EXAMPLE:
                    example_skipped = True
                    continue
                meetings += 1
                if meetings > MAX_MEETINGS:
                    message = _(
                        "more than {n:,} meetings in one sheet; rows from {row} on are not read; split the sheet"
                    )
                    yield self.placed(
                        Row(f"{self.title}!{number}"),
                        [Problem(self.name, message.format(n=MAX_MEETINGS, row=number), number)],
                    )
                    return
                yield row
        except Exception as exc:  # noqa: BLE001 - a damaged sheet fails in many ways inside openpyxl
            message = _("the sheet cannot be read after row {row} ({error}); open it in Excel or WPS and save it again")
            problem = Problem(self.name, message.format(row=number, error=type(exc).__name__), number + 1)
            yield self.placed(Row(f"{self.title}!{number + 1}"), [problem])
            return
        if self.header is None:
            yield Row(None, problems=[Problem(self.name, _('sheet "{sheet}" is empty').format(sheet=self.title))])
        elif meetings == 0 and not self.header.problems:
            message = _("no meetings below the header row")
            if example_skipped:
                message = _(
                    "no meetings below the header row (the template's example row is not read); "
                    "add a row for each meeting"
                )
            yield self.placed(Row(f"{self.title}!{self.header.row}"), [Problem(self.name, message, self.header.row)])

    def placed(self, row: Row, problems: list[Problem]) -> Row:
        row.sheet = self.title
        row.problems = [at_cell(p, self.title) for p in problems]
        return row

    def plain(self, cell: Any) -> Any:
        value = cell.value
        if isinstance(value, str):
            return value.strip() or None
        return value

    def row(self, number: int, cells: tuple[Any, ...]) -> Row | object | None:
        """One row: None when empty, _EXAMPLE for the template's untouched example, else its Row."""
        header = self.header
        assert header is not None
        values: dict[int, Any] = {}
        problems: list[Problem] = []
        bad: set[str] = set()
        raw = [c.value for c in cells]
        if raw.count(None) == len(raw):  # an empty row: the common case past the data, made quick
            return None
        for col, cell in enumerate(cells, 1):
            if raw[col - 1] is None or col in header.notes or col in header.unknown:
                continue
            value, problem = self.value(cell, number, col, header.columns.get(col))
            if problem is not None:
                if col in header.columns:
                    problems.append(Problem(self.name, problem, number, col, header.columns[col].label))
                    bad.add(header.columns[col].dotted)
                else:
                    problems.append(Problem(self.name, problem, number, col))
                continue
            if value is None:
                continue
            if col not in header.columns:
                message = _(
                    "this cell has a value, but its column has no field name in the header row (row {row}); "
                    "name the field, or call the column 备注 for notes of your own"
                )
                problems.append(Problem(self.name, message.format(row=header.row), number, col))
                continue
            values[col] = value
        if not values and not problems:
            return None
        if not problems and self.is_example(values):
            return _EXAMPLE
        root = self.tree(values, number)
        context = f"{self.title}!{number}"
        if problems or header.problems:
            problems += check(root, self.name, assume_given=frozenset(header.missing | bad))
            if not problems:
                return None  # good, but not drafted while the header row is wrong
            problems.sort(key=lambda p: p.col or 0)
            return self.placed(Row(context), problems)
        try:
            return Row(context, self.title, event=validate(root, self.name))
        except InputError as exc:
            return self.placed(Row(context), sorted(exc.problems, key=lambda p: p.col or 0))

    def value(self, cell: Any, number: int, col: int, column: Column | None) -> tuple[Any, str | None]:
        """A cell's value (a formula's saved one), or the reason it has none that can be used."""
        kind = getattr(cell, "data_type", "n")
        if kind == "f":
            cached = self.cached(number, col)
            if cached is None or (cached.value is None and cached.data_type != "str"):
                return None, _(
                    "this formula's result was never saved in the file; open the workbook in Excel or WPS, "
                    "let it calculate, and save it again (or type the value instead of the formula)"
                )
            cell, kind = cached, cached.data_type
        if kind == "e":
            if column is not None and column.field.kind == "date" and cell.value == "#VALUE!":
                return None, _(
                    "the cell shows #VALUE!: an error, or a number too large for a date in a cell formatted as a "
                    "date (such as 20260316); type the date as 2026-03-16 or 2026年3月16日"
                )
            return None, _("the cell shows the error {error}; correct it or type the value").format(error=cell.value)
        return self.plain(cell), None

    def cached(self, number: int, col: int) -> Any:
        """The cell as last calculated, from a second, values-only reading of the sheet kept in step."""
        if self.values is None:
            ws = self.open(data_only=True)[self.title]
            ws.reset_dimensions()
            self.values = _quietly(ws.iter_rows(min_row=1, max_col=MAX_COLUMNS))
        while self.values_at < number:
            self.values_row = next(self.values, ())
            self.values_at += 1
        return self.values_row[col - 1] if col <= len(self.values_row) else None

    def is_example(self, values: dict[int, Any]) -> bool:
        header = self.header
        assert header is not None
        given = {header.columns[c].dotted: _same(v) for c, v in values.items()}
        return any(given == example for example in example_rows().values())

    def tree(self, values: dict[int, Any], number: int) -> Node:
        """The row as the Node tree an event file would give, each value marked with its row and column."""
        header = self.header
        assert header is not None
        root: dict[str, Entry] = {}
        groups: dict[str, dict[str, Entry]] = {}
        for col, column in header.columns.items():
            value = values.get(col)
            if value is None and not column.field.required:
                continue
            node = self.node(value, column.field.kind, number, col)
            if len(column.path) == 1:
                root[column.written[0]] = Entry(column.written[0], number, col, node)
                continue
            group = groups.get(column.path[0])
            if group is None:
                group = groups[column.path[0]] = {}
                root[column.written[0]] = Entry(column.written[0], number, col, Node(group, number, col, "map"))
            group[column.written[1]] = Entry(column.written[1], number, col, node)
        return Node(root, number, None, "map")

    def node(self, value: Any, kind: str, number: int, col: int) -> Node:
        if kind == "texts" and isinstance(value, str):
            return Node([Node(item, number, col, "scalar") for item in split_list(value)], number, col, "seq")
        if kind == "date":
            value = _date(value, self.epoch)
        elif isinstance(value, float) and value.is_integer():
            value = int(value)
        return Node(value, number, col, "scalar")


_EXAMPLE = object()


def _quietly(rows: Iterator[tuple[Any, ...]]) -> Iterator[tuple[Any, ...]]:
    """The rows, read with openpyxl's warnings silenced (an out-of-range date becomes #VALUE!, said below)."""
    while True:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            row = next(rows, None)
        if row is None:
            return
        yield row


def _same(value: Any) -> Any:
    """A cell's value as the template's example row is compared: the date of a datetime, 3 for 3.0."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _date(value: Any, epoch: dt.datetime) -> Any:
    """Dates given as numbers: 20260316, or the serial number Excel keeps a date as (46097)."""
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) == 8:
        value = int(value)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return value
    if isinstance(value, int) and 19_000_101 <= value <= 29_991_231:
        try:
            return dt.date(value // 10_000, value // 100 % 100, value % 100)
        except ValueError:
            return value
    if 1 <= value < 2_958_466:
        from openpyxl.utils.datetime import from_excel

        try:
            return from_excel(value, epoch).date()
        except (ValueError, OverflowError, AttributeError):
            return value
    return value
