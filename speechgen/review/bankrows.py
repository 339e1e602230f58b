"""Phrase banks as rows of a workbook: the columns, and the rows of a folder's bank files.

One row per variant (sheet 变体), one per unit (sheet 要点), one per file (sheet 文件, its `meta`). A row
names the file it belongs to, relative to its bank folder (`office.yaml`, `styles/warm/warm.yaml`), so a
workbook describes a whole folder and `banks import` can write it back: the same files, slots, modes,
units, tags, weights, in the same order, and so the same drafts. A variant's row holds its own tags; a
unit's tags are on the unit's row.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from speechgen.compose.bankfile import read_tags, read_variant
from speechgen.compose.banks import NOT_BANKS, all_files, shared_environment
from speechgen.compose.variant import ROLES, TAG_KEYS, Tags, Variant
from speechgen.errors import BankError, Problem
from speechgen.event.yamlsafe import Node, parse_single, read_text
from speechgen.i18n import _
from speechgen.resources import banks_dir, display_path


@dataclass(frozen=True)
class Column:
    key: str
    zh: str
    width: int = 12

    @property
    def header(self) -> str:
        return f"{self.zh} {self.key}"


VARIANTS, UNITS, FILES, GUIDE = "变体", "要点", "文件", "说明"
SHEET_NAMES = {VARIANTS: "variants", UNITS: "units", FILES: "files"}
TAG_ZH = {
    "types": "会议类型",
    "styles": "风格",
    "kinds": "工作类别",
    "direction": "去向",
    "moment": "时点",
    "speakers": "讲话人",
    "front": "统战",
    "claims": "称赞",
}
TAG_COLUMNS = tuple(Column(k, TAG_ZH[k], 14) for k in TAG_KEYS)
SOURCE = Column("source", "来源", 28)
COLUMNS: dict[str, tuple[Column, ...]] = {
    VARIANTS: (
        Column("file", "文件", 16),
        Column("slot", "槽位", 30),
        Column("unit", "要点", 22),
        Column("topic", "主题", 12),
        Column("role", "角色", 9),
        Column("mode", "方式", 9),
        Column("text", "文字", 70),
        *TAG_COLUMNS,
        Column("weight", "权重", 7),
        SOURCE,
    ),
    UNITS: (
        Column("file", "文件", 16),
        Column("id", "编号", 24),
        Column("topic", "主题", 14),
        Column("keys", "关键词", 16),
        Column("facts", "事实", 18),
        Column("match", "匹配", 16),
        Column("use", "用法", 8),
        Column("weight", "权重", 7),
        *TAG_COLUMNS,
        SOURCE,
    ),
    FILES: (
        Column("file", "文件", 24),
        Column("name", "名称", 16),
        Column("description", "说明", 40),
        Column("style", "风格名", 12),
        Column("length_factor", "篇幅系数", 10),
    ),
}
NOTES = frozenset({"备注", "note", "notes", "comment"})  # a column of the user's own remarks, never read
UNIT_ROLES = ("heading", *ROLES)
MODES = {"": "", "extend": "", "增加": "", "replace": "replace", "替换": "replace"}
LIST_SEP = ", "
WORD_SEP = "、"


@dataclass
class Book:
    """The rows of a workbook, by sheet: each row a mapping of column key → value."""

    rows: dict[str, list[dict[str, Any]]] = field(default_factory=lambda: {VARIANTS: [], UNITS: [], FILES: []})


def folder_files(roots: Iterable[Path], style: str | None = None) -> list[tuple[Path, str]]:
    """(file, its name relative to its folder) of every bank file in the folders (the built-in folder when
    none is given): the files every style reads, and those of `style` or of every style."""
    roots = list(roots)
    out = []
    for path in all_files(roots):
        root = next((r for r in roots if path.is_relative_to(r)), None)
        if roots and root is None:
            continue  # a built-in file: only the folders given are exported
        root = root or banks_dir()
        rel = path.relative_to(root).as_posix()
        if style is not None and rel.startswith("styles/") and not rel.startswith(f"styles/{style}/"):
            continue
        out.append((path, rel))
    return out


def book_of(files: Iterable[tuple[Path, str]], slot_prefix: str | None = None) -> Book:
    """The rows of these bank files (only the slots that start with `slot_prefix`, when given)."""
    book = Book()
    problems: list[Problem] = []
    for path, rel in files:
        _read_file(path, rel, book, problems, slot_prefix)
    if problems:
        raise BankError(problems)
    return book


def _wanted(slot: str, prefix: str | None) -> bool:
    return not prefix or slot.startswith(prefix)


def _read_file(path: Path, rel: str, book: Book, problems: list[Problem], prefix: str | None) -> None:
    name = display_path(path)
    if path.name in NOT_BANKS:
        return
    root = parse_single(read_text(path, name), name)
    rows_before = len(book.rows[VARIANTS])
    meta: dict[str, Any] = {}
    for key, entry in root.value.items():
        if key == "meta":
            meta = entry.node.plain() if entry.node.kind == "map" else {}
        elif key == "units" and entry.node.kind == "seq":
            for node in entry.node.value:
                _read_unit(node, rel, name, book, problems, prefix)
        else:
            _read_slot(key, entry.node, rel, name, book, problems, prefix)
    if prefix is None or len(book.rows[VARIANTS]) > rows_before:
        row = {"file": rel, **{k: meta.get(k) for k in ("name", "description", "style", "length_factor")}}
        book.rows[FILES].append(row)


def _read_slot(
    key: str, node: Node, rel: str, name: str, book: Book, problems: list[Problem], prefix: str | None
) -> None:
    if not _wanted(key, prefix):
        return
    mode, items = "", node
    if node.kind == "map":
        mode = "replace" if node.value.get("mode") and node.value["mode"].node.value == "replace" else ""
        items = node.value["variants"].node if "variants" in node.value else Node([], node.line, node.col, "seq")
    if items.kind != "seq":
        problems.append(Problem(name, _("expected a list of variants"), items.line, items.col, key))
        return
    base = {"file": rel, "slot": key, "mode": mode}
    _variant_rows(items, key, name, base, book, problems)


def _read_unit(node: Node, rel: str, name: str, book: Book, problems: list[Problem], prefix: str | None) -> None:
    if node.kind != "map" or "id" not in node.value:
        problems.append(Problem(name, _("a unit is a mapping with id, topic, heading and roles"), node.line, node.col))
        return
    body = node.value
    uid = str(body["id"].node.value)
    slots = [f"u.{uid}.{role}" for role in UNIT_ROLES if role in body]
    if not any(_wanted(s, prefix) for s in slots):
        return
    topic = str(body["topic"].node.value) if "topic" in body else ""
    tags = read_tags(body, name, f"unit {uid}", problems)
    row = {
        "file": rel,
        "id": uid,
        "topic": topic,
        "keys": _joined(body.get("keys"), WORD_SEP),
        "facts": _plain(body.get("facts")),
        "match": _joined(body.get("match"), WORD_SEP),
        "use": _plain(body.get("use")),
        "weight": _weight_cell(_plain(body.get("weight"))),
        **tag_cells(tags),
        "source": f"{name}:{node.line}",
    }
    book.rows[UNITS].append(row)
    for role in UNIT_ROLES:
        if role in body and _wanted(f"u.{uid}.{role}", prefix):
            base = {"file": rel, "slot": f"u.{uid}.{role}", "unit": uid, "topic": topic, "role": role, "mode": ""}
            _variant_rows(body[role].node, base["slot"], name, base, book, problems)


def _variant_rows(items: Node, slot: str, name: str, base: dict[str, Any], book: Book, problems: list[Problem]) -> None:
    if items.kind != "seq":
        problems.append(Problem(name, _("expected a list of variants"), items.line, items.col, slot))
        return
    if not items.value:  # a slot with no variants of its own (replace: it empties the slot)
        book.rows[VARIANTS].append({**base, "text": None, "source": f"{name}:{items.line}"})
        return
    env = shared_environment()
    for item in items.value:
        v = read_variant(item, slot, name, env, problems)  # without its unit: its own tags only
        if v is not None:
            book.rows[VARIANTS].append(variant_row(v, base))


def variant_row(v: Variant, base: dict[str, Any]) -> dict[str, Any]:
    return {**base, "text": v.text, **tag_cells(v.tags), "weight": _weight_cell(v.weight), "source": v.where}


def tag_cells(tags: Tags) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key in TAG_KEYS:
        value = getattr(tags, key)
        out[key] = (value if isinstance(value, str) else LIST_SEP.join(value)) or None
    return out


def _weight_cell(weight: Any) -> Any:
    return None if weight in (None, 1) else weight


def _plain(entry: Any) -> Any:
    return None if entry is None else entry.node.plain()


def _joined(entry: Any, sep: str) -> str | None:
    value = _plain(entry)
    if value is None:
        return None
    return sep.join(str(v) for v in value) if isinstance(value, list) else str(value)
