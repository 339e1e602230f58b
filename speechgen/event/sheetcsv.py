"""A .csv file as a sheet of meetings: what Excel and WPS write with "Save as CSV".

The text is UTF-8 (with or without the mark Excel's "CSV UTF-8" puts first) or, failing that, GB18030 (what
Excel and WPS on a Chinese Windows write as plain "CSV"; it includes GBK and GB2312). Cells are separated
by commas, or by tabs or semicolons when the header row has no comma. Every cell is text, which the
validator reads as it reads a quoted YAML value (120, 一百二十, 2026/3/16, 2026年3月16日); its place is named
as Excel names it when it opens the file, the sheet being the file's name: ``plan.csv:plan!E7``.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from speechgen.errors import InputError, Problem
from speechgen.i18n import _

MAX_CELL = 100_000  # characters of one cell (csv's own limit is 131,072)
MAX_BYTES = 10_000_000  # the file, decoded whole: 10,000 meetings (the most a sheet may hold) take about 5 MB


@dataclass(frozen=True)
class Cell:
    value: str | None
    data_type: str = "s"


class CsvSheet:
    """The rows of a .csv file, in the shape the sheet reader takes from openpyxl: a title and iter_rows."""

    def __init__(self, data: bytes, path: Path, name: str) -> None:
        if len(data) > MAX_BYTES:
            message = _("the .csv file is {size:,} bytes; the limit is {limit:,} bytes; split it")
            raise InputError([Problem(name, message.format(size=len(data), limit=MAX_BYTES))])
        self.title = path.stem
        self.text = decode(data, name)
        first = self.text.split("\n", 1)[0]
        self.delimiter = "," if "," in first else "\t" if "\t" in first else ";" if ";" in first else ","

    def iter_rows(self, min_row: int = 1, max_col: int | None = None) -> Iterator[tuple[Cell, ...]]:
        reader = csv.reader(io.StringIO(self.text, newline=""), delimiter=self.delimiter, strict=False)
        for number, row in enumerate(reader, 1):
            if number < min_row:
                continue
            cells = row[:max_col] if max_col is not None else row
            yield tuple(Cell(value[:MAX_CELL] or None) for value in cells)


def decode(data: bytes, name: str) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    message = _("the text of this .csv file is neither UTF-8 nor GB18030; save it from Excel or WPS as .xlsx")
    raise InputError([Problem(name, message)])
