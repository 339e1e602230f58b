"""A filled bank workbook to the files of a bank folder, every problem named by sheet and cell.

The rows are grouped into files, slots and units (in the order they stand), read by the very code that
reads a bank file (``compose/bankfile.py``: ``read_bank_root``) from a tree whose marks are the cells, so a
workbook is refused for exactly what a YAML file would be, and each problem points at its cell
(``banks.xlsx:变体!J7: …``). Then each file is written as YAML, one variant a line, and every line
remembers its cell, so that what ``banks check`` finds in the written files is said of the workbook too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from speechgen.compose.bankfile import META_KEYS, read_bank_root
from speechgen.compose.banks import NOT_BANKS, shared_environment
from speechgen.compose.variant import FACT_LISTS, TAG_KEYS, USES, Tags
from speechgen.errors import InputError, Problem
from speechgen.event.yamlsafe import Entry, Node
from speechgen.review.bankbook import Sheet
from speechgen.review.bankcheck import BankFinding
from speechgen.review.bankrows import FILES, MODES, UNIT_ROLES, UNITS, VARIANTS
from speechgen.review.bankstyle import STYLE_NAME
from speechgen.review.bankyaml import Text, scalar, variant_item, words

SHEET_NO = {VARIANTS: 1, UNITS: 2, FILES: 3}
MARK = 1_000_000  # a node's line is SHEET_NO * MARK + row: its cell, once the column is known
SLOT = re.compile(r"[\w.\-]{1,120}")
FILE = re.compile(r"(?:styles/(?P<style>[^/\\]+)/)?(?P<name>[^/\\]+\.ya?ml)")
SPLIT = re.compile(r"[,，、;；\s]+")
HEADER = "# 由 speechgen banks import 从 {book} 生成。可以直接修改本文件，也可以改工作簿后重新导入。\n"


@dataclass
class Group:
    """A slot of a file, or a role of a unit: its rows in order."""

    slot: str
    rows: list[int] = field(default_factory=list)  # indexes into the variants sheet's rows
    replace: bool = False


@dataclass
class FileModel:
    rel: str
    meta: tuple[int, dict[str, Any]] | None = None  # (row number on the files sheet, values)
    slots: dict[str, Group] = field(default_factory=dict)
    units: dict[str, tuple[int, dict[str, Any]]] = field(default_factory=dict)  # id → (row, values)
    roles: dict[tuple[str, str], Group] = field(default_factory=dict)  # (unit id, role) → rows


@dataclass
class Imported:
    """The files of a bank folder made from a workbook, and where each of their lines came from."""

    book: str  # the workbook's name, for messages
    files: dict[str, Text]  # relative name → its YAML
    sheets: dict[str, Sheet]

    def locate(self, findings: list[BankFinding], staged: dict[str, str]) -> list[BankFinding]:
        """The findings in the written files (display name → relative name in `staged`), each said of its
        cell, in sheet and row order; findings elsewhere (the built-in banks) are left out."""
        out: list[tuple[tuple[int, int, int], BankFinding]] = []
        for f in findings:
            m = re.fullmatch(r"(.*?):(\d+)(?::\d+)?", f.where)
            if not m or m.group(1) not in staged:
                continue
            origin = self.files[staged[m.group(1)]].origins.get(int(m.group(2)))
            if origin is None:
                where, order = f"{self.book}:{staged[m.group(1)]}", (9, 0, 0)
            else:
                sheet, row, key = origin
                where = f"{self.book}:{self.sheets[sheet].cell(row, key)}"
                order = (SHEET_NO[sheet], row, self.sheets[sheet].columns.get(key, 0))
            out.append((order, BankFinding(f.severity, where, f.slot, f.message)))
        return [f for _, f in sorted(out, key=lambda o: o[0])]


def build(sheets: dict[str, Sheet], book: str, default_file: str) -> Imported:
    """The folder's files; InputError lists every problem, by sheet and cell, in sheet and row order."""
    found: list[tuple[tuple[int, int, int], Problem]] = []

    def bad(sheet: str, row: int, key: str, message: str, slot: str | None = None) -> None:
        order = (SHEET_NO[sheet], row, sheets[sheet].columns.get(key, 0))
        found.append((order, Problem(f"{book}:{sheets[sheet].cell(row, key)}", message, key=slot)))

    files: dict[str, FileModel] = {}

    def file_of(sheet: str, row: int, values: dict[str, Any]) -> FileModel | None:
        rel = str(values.get("file") or default_file)
        if not _file_ok(rel):
            bad(
                sheet,
                row,
                "file",
                f'"{rel}" is not a bank file of a folder; write name.yaml or styles/<style>/name.yaml',
            )
            return None
        return files.setdefault(rel, FileModel(rel))

    for row, values in sheets[FILES].rows if FILES in sheets else ():
        model = file_of(FILES, row, values)
        if model is None:
            continue
        if model.meta is not None:
            bad(FILES, row, "file", f"file {model.rel} is also on row {model.meta[0]}")
            continue
        lf = values.get("length_factor")
        if lf is not None and not (isinstance(lf, (int, float)) and not isinstance(lf, bool) and 0.3 <= lf <= 2.0):
            bad(FILES, row, "length_factor", "length_factor must be a number from 0.3 to 2.0")
        model.meta = (row, values)
    for row, values in sheets[UNITS].rows if UNITS in sheets else ():
        model = file_of(UNITS, row, values)
        uid = str(values.get("id") or "")
        if model is None:
            continue
        if uid in model.units:
            bad(UNITS, row, "id", f"unit {uid} is also on row {model.units[uid][0]} for file {model.rel}")
            continue
        for key, allowed in (("facts", FACT_LISTS), ("use", USES)):
            if values.get(key) is not None and values[key] not in allowed:
                bad(UNITS, row, key, f"{key} must be one of {', '.join(allowed)}", f"unit {uid}")
        model.units[uid] = (row, values)
    for index, (row, values) in enumerate(sheets[VARIANTS].rows):
        model = file_of(VARIANTS, row, values)
        if model is not None:
            _place(model, index, row, values, bad)
    if not found:  # the rows are in place: now what the bank reader itself says of them
        env = shared_environment()
        for model in files.values():
            read: list[Problem] = []
            read_bank_root(_tree(model, sheets), model.rel, env, read)
            for p in read:
                sheet, row = _unmark(p.line)
                key = next((k for k, c in sheets[sheet].columns.items() if c == p.col), "file")
                found.append(
                    (
                        (SHEET_NO[sheet], row, p.col or 0),
                        Problem(f"{book}:{sheets[sheet].cell(row, key)}", p.message, key=p.key),
                    )
                )
    if found:
        raise InputError([p for _, p in sorted(found, key=lambda f: f[0])])
    return Imported(book, {rel: _yaml(m, sheets, book) for rel, m in sorted(files.items())}, sheets)


def _file_ok(rel: str) -> bool:
    m = FILE.fullmatch(rel)
    if not m or m.group("name") in NOT_BANKS or rel.startswith("."):
        return False
    return not m.group("style") or bool(STYLE_NAME.fullmatch(m.group("style")))


def _place(model: FileModel, index: int, row: int, values: dict[str, Any], bad: Any) -> None:
    """Put a variants row in its slot, or in its unit's role."""
    slot, uid, role = (str(values.get(k) or "") for k in ("slot", "unit", "role"))
    mode = str(values.get("mode") or "").lower()
    if mode not in MODES:
        bad(VARIANTS, row, "mode", f'mode must be extend or replace, found "{mode}"', slot or None)
        return
    if values.get("text") is None and any(values.get(k) is not None for k in (*TAG_KEYS, "weight")):
        bad(VARIANTS, row, "text", "this row has tags but no text", slot or None)
        return
    if uid:
        if uid not in model.units:
            message = (
                f"unit {uid} is not on the {UNITS} sheet for file {model.rel}; to add to a unit of another file,"
                f" leave {VARIANTS}'s unit column empty and write the slot u.{uid}.<role>"
            )
            bad(VARIANTS, row, "unit", message, slot or None)
        elif role not in UNIT_ROLES:
            bad(VARIANTS, row, "role", f"role must be one of {', '.join(UNIT_ROLES)}", f"unit {uid}")
        elif slot and slot != f"u.{uid}.{role}":
            bad(VARIANTS, row, "slot", f"the slot of unit {uid}'s {role} is u.{uid}.{role}, not {slot}", slot)
        elif MODES[mode]:
            bad(VARIANTS, row, "mode", f"a unit's role adds its variants; to replace, write the slot u.{uid}.{role}")
        elif values.get("topic") and values["topic"] != model.units[uid][1].get("topic"):
            bad(
                VARIANTS, row, "topic", f"unit {uid}'s topic is {model.units[uid][1].get('topic')} on the {UNITS} sheet"
            )
        else:
            model.roles.setdefault((uid, role), Group(f"u.{uid}.{role}")).rows.append(index)
        return
    if role or values.get("topic"):
        bad(VARIANTS, row, "unit", "a row with a role or a topic belongs to a unit: give its id", slot or None)
    elif not SLOT.fullmatch(slot) or slot in ("meta", "units"):
        if slot:
            bad(VARIANTS, row, "slot", f'"{slot}" is not a slot name (letters, digits, . - and _)')
        else:
            bad(VARIANTS, row, "slot", "a row needs a slot, or a unit and a role")
    else:
        group = model.slots.setdefault(slot, Group(slot))
        group.rows.append(index)
        group.replace = group.replace or bool(MODES[mode])


# -- the tree the bank reader reads, marked with cells ----------------------------------------------------------


def _mark(sheet: str, row: int) -> int:
    return SHEET_NO[sheet] * MARK + row


def _unmark(line: int | None) -> tuple[str, int]:
    number, row = divmod(line or 0, MARK)
    return next((s for s, n in SHEET_NO.items() if n == number), VARIANTS), row


def _node(value: Any, sheet: Sheet, sheet_key: str, row: int, key: str) -> Node:
    line, col = _mark(sheet_key, row), sheet.columns.get(key, 1)
    if key in (*TAG_KEYS, "keys", "match") and key != "front" and isinstance(value, str):
        return Node([Node(w, line, col, "scalar") for w in SPLIT.split(value) if w], line, col, "seq")
    return Node(value, line, col, "scalar")


def _map(items: dict[str, Node], line: int, col: int) -> Node:
    return Node({k: Entry(k, n.line, n.col, n) for k, n in items.items()}, line, col, "map")


def _variants(group: Group, sheets: dict[str, Sheet]) -> Node:
    sheet = sheets[VARIANTS]
    seq: list[Node] = []
    first = sheet.rows[group.rows[0]][0]
    for index in group.rows:
        row, values = sheet.rows[index]
        if values.get("text") is None:
            continue  # the slot named, with no variant of its own
        fields = {k: _node(values[k], sheet, VARIANTS, row, k) for k in ("text", *TAG_KEYS, "weight") if k in values}
        seq.append(_map(fields, _mark(VARIANTS, row), sheet.columns.get("text", 1)))
    return Node(seq, _mark(VARIANTS, first), sheet.columns.get("slot", 1), "seq")


def _tree(model: FileModel, sheets: dict[str, Sheet]) -> Node:
    top: dict[str, Node] = {}
    if model.meta is not None and _meta(model.meta[1]):
        row, values = model.meta
        meta = {k: _node(v, sheets[FILES], FILES, row, k) for k, v in _meta(values).items()}
        top["meta"] = _map(meta, _mark(FILES, row), 1)
    for slot, group in model.slots.items():
        items = _variants(group, sheets)
        if group.replace:
            mode = Node("replace", items.line, items.col, "scalar")
            items = _map({"mode": mode, "variants": items}, items.line, items.col)
        top[slot] = items
    units = []
    for uid, (row, values) in model.units.items():
        sheet = sheets[UNITS]
        body = {k: _node(v, sheet, UNITS, row, k) for k, v in values.items() if k not in ("file", "source")}
        for role in UNIT_ROLES:
            if (uid, role) in model.roles:
                body[role] = _variants(model.roles[uid, role], sheets)
        units.append(_map(body, _mark(UNITS, row), sheet.columns.get("id", 1)))
    if units:
        top["units"] = Node(units, units[0].line, units[0].col, "seq")
    return _map(top, 1, 1)


# -- the YAML written, each line remembering its cell --------------------------------------------------------


def _yaml(model: FileModel, sheets: dict[str, Sheet], book: str) -> Text:
    out = Text()
    out.extend(HEADER.format(book=book).splitlines())
    if model.meta is not None and _meta(model.meta[1]):
        row, values = model.meta
        out.add("meta:", (FILES, row, "file"))
        for key in ("name", "description", "style", "length_factor"):
            if values.get(key) is not None:
                value = values[key] if key == "length_factor" else scalar(str(values[key]))
                out.add(f"  {key}: {value}", (FILES, row, key))
    for slot, group in model.slots.items():
        first = sheets[VARIANTS].rows[group.rows[0]][0]
        out.add(f"{scalar(slot)}:", (VARIANTS, first, "slot"))
        indent = "  "
        if group.replace:
            out.add("  mode: replace", (VARIANTS, first, "mode"))
            out.add("  variants:", (VARIANTS, first, "slot"))
            indent = "    "
        _items(out, group, sheets, indent)
    if model.units:
        out.add("units:")
    for uid, (row, values) in model.units.items():
        out.add(f"  - id: {scalar(uid)}", (UNITS, row, "id"))
        for key in ("topic", "facts", "use", "weight"):
            if values.get(key) is not None:
                out.add(f"    {key}: {scalar(str(values[key])) if key != 'weight' else values[key]}", (UNITS, row, key))
        for key in ("keys", "match", *TAG_KEYS):
            if values.get(key) is not None:
                text = scalar(str(values[key]), flow=True) if key == "front" else words(_split(values[key]))
                out.add(f"    {key}: {text}", (UNITS, row, key))
        for role in UNIT_ROLES:
            if (uid, role) in model.roles:
                group = model.roles[uid, role]
                out.add(f"    {role}:", (VARIANTS, sheets[VARIANTS].rows[group.rows[0]][0], "role"))
                _items(out, group, sheets, "      ")
    if len(out.lines) == 1:
        out.add("{}")
    return out


def _items(out: Text, group: Group, sheets: dict[str, Sheet], indent: str) -> None:
    rows = [sheets[VARIANTS].rows[i] for i in group.rows]
    texts = [(row, values) for row, values in rows if values.get("text") is not None]
    if not texts:
        out.lines[-1] += " []"
        return
    for row, values in texts:
        tags = Tags(
            **{
                k: (str(values[k]) if k == "front" else tuple(_split(values[k])))
                for k in TAG_KEYS
                if values.get(k) is not None
            }
        )
        out.add(
            indent + variant_item(str(values["text"]), tags, int(values.get("weight") or 1)), (VARIANTS, row, "text")
        )


def _meta(values: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in values.items() if k in META_KEYS and v is not None}


def _split(value: Any) -> list[str]:
    return [w for w in SPLIT.split(str(value)) if w]


def file_name(book: Path) -> str:
    """The file that rows without a file go to: the workbook's name, as a .yaml."""
    stem = re.sub(r"[^\w\-]", "_", book.stem) or "banks"
    return f"{stem}.yaml"
