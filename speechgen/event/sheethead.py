"""A spreadsheet's header row: which field each column holds, checked before any row is read.

A header is a field's dotted name, in Chinese or English (``工作.人数``, ``program.cadres``); a mark of a
required field (``（必填）``, ``*``) and spaces are ignored, and 。 or ． count as the dot. A column headed
``备注``, ``序号`` or starting with ``#`` holds the user's own notes and is not read. Also here: the
template's example row (written by ``speechgen new --xlsx``, skipped while left as written) and the way a
list cell is split.
"""

from __future__ import annotations

import datetime as dt
import difflib
import functools
import re
from dataclasses import dataclass, field
from typing import Any

from speechgen.errors import Problem
from speechgen.event import schema as S
from speechgen.event.new import sample_values
from speechgen.i18n import _

NOTES = frozenset({"备注", "序号", "说明", "note", "notes", "comment", "comments", "no", "no."})
LIST_SEPARATORS = re.compile(r"[；;\r\n\u2028\u2029]+")
_MARK = re.compile(r"(?:[（(]\s*(?:必填|required)\s*[）)]|[*＊])\s*$", re.I)
_DOTS = str.maketrans({"．": ".", "。": "."})
EXAMPLE_DATE = dt.date(2026, 3, 16)


def column_letter(n: int) -> str:
    """1 → A, 27 → AA."""
    letters = ""
    while n > 0:
        n, rest = divmod(n - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def split_list(text: str) -> list[str]:
    """A list cell's items: split on ；; and new lines, or on 、 when the cell has none of those."""
    parts = LIST_SEPARATORS.split(text) if LIST_SEPARATORS.search(text) else text.split("、")
    return [p.strip() for p in parts if p.strip()]


def sheet_fields() -> list[tuple[tuple[str, ...], S.Field]]:
    """Every field a sheet may have a column for, in the contract's order (fixed choices are not one)."""
    return [(path, f) for path, f in S.leaves() if f.kind != "choices"]


def dotted_alias(path: tuple[str, ...]) -> str:
    return ".".join(S.alias_of(path[: i + 1]) for i in range(len(path)))


def example_row(meeting_type: str) -> dict[str, Any]:
    """The template's example row for a meeting type: dotted path → the value its cell holds."""
    row: dict[str, Any] = {"type": S.TYPE_LABELS[meeting_type]}
    for path, value in sample_values(meeting_type).items():
        if path == "meeting.date":
            value = EXAMPLE_DATE
        row[path] = "；".join(value) if isinstance(value, list) else value
    return row


@functools.cache
def example_rows() -> dict[str, dict[str, Any]]:
    return {t: example_row(t) for t in S.MEETING_TYPES}


@dataclass
class Column:
    """A column of the sheet that holds a field."""

    col: int
    written: tuple[str, ...]  # the header's parts as written: 会议, 名称
    path: tuple[str, ...]  # canonical: meeting, name
    field: S.Field

    @property
    def dotted(self) -> str:
        return ".".join(self.path)

    @property
    def label(self) -> str:
        """The key as the validator names it: 工作.人数 (cadres), program.cadres (人数)."""
        chinese = not self.written[-1].isascii()
        return f"{'.'.join(self.written)} ({self.path[-1] if chinese else self.field.alias})"


@dataclass
class Header:
    """The header row read: its columns, and every problem with it (each at its cell)."""

    values: list[Any]
    row: int
    name: str
    columns: dict[int, Column] = field(default_factory=dict)
    notes: set[int] = field(default_factory=set)
    unknown: set[int] = field(default_factory=set)
    missing: set[str] = field(default_factory=set)  # required fields without a column
    problems: list[Problem] = field(default_factory=list)

    def __post_init__(self) -> None:
        pointed: set[tuple[str, ...]] = set()  # fields a did-you-mean already points at
        seen: dict[tuple[str, ...], Column] = {}
        for col, value in enumerate(self.values, 1):
            if value is None:
                continue
            if not isinstance(value, str):
                self.unknown.add(col)
                self.fail(
                    col, _("a column's name must be a field name such as 会议.名称, found {value}").format(value=value)
                )
                continue
            text = _MARK.sub("", value.strip()).translate(_DOTS)
            text = re.sub(r"\s+", "", text)
            if text.startswith("#") or text.lower() in NOTES:
                self.notes.add(col)
                continue
            found = resolve(text)
            if isinstance(found, str):
                self.unknown.add(col)
                message, near = unknown_header(value.strip(), text, found)
                pointed |= near
                self.fail(col, message)
                continue
            path, f = found
            if path in seen:
                self.unknown.add(col)
                first = seen[path]
                message = _('column "{header}" holds the same field as column {first} ("{other}")')
                self.fail(
                    col,
                    message.format(header=value.strip(), first=column_letter(first.col), other=".".join(first.written)),
                )
                continue
            seen[path] = self.columns[col] = Column(col, tuple(text.split(".")), path, f)
        chinese = any(not c.written[-1].isascii() for c in self.columns.values()) or not self.columns
        for path, f in sheet_fields():
            if f.required and path not in seen:
                self.missing.add(".".join(path))
                if path not in pointed:
                    named = (
                        f"{dotted_alias(path)} ({'.'.join(path)})"
                        if chinese
                        else f"{'.'.join(path)} ({dotted_alias(path)})"
                    )
                    self.problems.append(
                        Problem(
                            self.name,
                            _("no column for {field}, which every meeting needs").format(field=named),
                            self.row,
                        )
                    )
        if self.problems:
            message = _("nothing is drafted from this sheet until its header row is corrected")
            self.problems.append(Problem(self.name, message, self.row))

    def fail(self, col: int, message: str) -> None:
        self.problems.append(Problem(self.name, message, self.row, col))


def _lookup(group: S.Group, part: str) -> str | None:
    for key, child in group.fields.items():
        if part in (key, child.alias) or (part.isascii() and part.lower() == key):
            return key
    return None


def resolve(text: str) -> tuple[tuple[str, ...], S.Field] | str:
    """The field a header names, or why it names none: "unknown", "group", "choices"."""
    node: S.Field | S.Group = S.SCHEMA
    path: list[str] = []
    for part in text.split("."):
        if not isinstance(node, S.Group):
            return "unknown"
        key = _lookup(node, part)
        if key is None:
            return "unknown"
        path.append(key)
        node = node.fields[key]
    if isinstance(node, S.Group):
        return "group"
    if node.kind == "choices":
        return "choices"
    return tuple(path), node


def unknown_header(shown: str, text: str, why: str) -> tuple[str, set[tuple[str, ...]]]:
    """The message for a header that names no field, and the fields it suggests."""
    chinese = not text.isascii()
    fields = sheet_fields()
    name = {path: dotted_alias(path) if chinese else ".".join(path) for path, _f in fields}
    if why == "choices":
        return _('fixed choices ("{header}") cannot be given in a spreadsheet; keep them in an event file').format(
            header=shown
        ), set()
    if why == "group":
        group = tuple(_lookup(S.SCHEMA, p) or p for p in text.split("."))
        inside = [name[p] for p in name if p[: len(group)] == group]
        message = _('"{header}" names a group of fields; name one of them: {fields}')
        return message.format(header=shown, fields=", ".join(inside)), set()
    last = text.split(".")[-1]
    near = {p for p, f in fields if last in (p[-1], f.alias) or last.lower() == p[-1]}
    if not near:
        by_name = (
            {n: p for p, n in name.items()}
            | {dotted_alias(p): p for p, _f in fields}
            | {".".join(p): p for p, _f in fields}
        )
        close = difflib.get_close_matches(text, list(by_name), n=1, cutoff=0.6)
        near = {by_name[close[0]]} if close else set()
    if near:
        choices = " / ".join(f'"{name[p]}"' for p in name if p in near)
        return _('unknown column "{header}" — did you mean {choices}?').format(header=shown, choices=choices), near
    message = _(
        'unknown column "{header}" — a header names a field, such as 会议.名称 or meeting.name (every field is '
        "in docs/event-format.md); begin a column of your own notes with # or call it 备注"
    )
    return message.format(header=shown), set()
