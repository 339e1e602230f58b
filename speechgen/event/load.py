"""Load, validate and normalise an event file into an ``Event``.

Every problem in a file is collected before anything is raised, and each names
``file:line:col`` and the key as the user wrote it. The Event itself does no
I/O and writes no text: it holds facts, normalised (Chinese numerals read,
dates parsed, the jurisdiction level settled once).
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from speechgen.errors import InputError, Problem
from speechgen.event import schema as S
from speechgen.event.numerals import parse_int
from speechgen.event.yamlsafe import MAX_NUMBER_TEXT, Entry, Node, parse_single, read_text


@dataclass(frozen=True)
class Event:
    """A validated meeting description. ``facts`` holds canonical dotted keys."""

    type: str
    facts: dict[str, Any]
    source: str = "<event>"
    warnings: tuple[str, ...] = ()
    marks: dict[str, tuple[int, int, str]] = field(default_factory=dict)  # path → (line, col, key as written)

    def get(self, path: str, default: Any = None) -> Any:
        return self.facts.get(path, default)

    @property
    def level(self) -> str:
        return self.facts["meeting.level"]

    @property
    def date(self) -> dt.date:
        return self.facts["meeting.date"]

    def identity(self) -> str:
        """What makes two meetings different, for deriving a default seed."""
        return "|".join([self.type, self.facts["meeting.name"], self.date.isoformat(), self.facts["speaker.title"]])


def load_event(path: str | Path, display: str | None = None) -> Event:
    """Read and validate one event file."""
    p = Path(path)
    name = display or str(path)
    root = parse_single(read_text(p, name), name)
    return validate(root, name)


def validate(root: Node, name: str, overrides: dict[str, Any] | None = None) -> Event:
    """Check a parsed mapping against the schema; raise InputError with every problem."""
    v = _Validator(name)
    facts = v.walk_group(root, S.SCHEMA, ())
    if overrides:
        facts.update(overrides)
    etype = facts.get("type")
    v.check_whole(root, facts)
    if v.problems:
        raise InputError(v.problems)
    assert isinstance(etype, str)
    marks = {".".join(path): (node.line, node.col, shown) for path, (shown, node) in v.written.items()}
    return Event(etype, facts, name, tuple(v.warnings), marks)


def located(event: Event, path: str, message: str) -> InputError:
    """An error about a field of the event, at the place the user wrote it."""
    line, col, shown = event.marks.get(path, (None, None, path))
    alias = S.alias_of(tuple(path.split(".")))
    other = path.split(".")[-1] if not shown.split(".")[-1].isascii() else alias
    return InputError([Problem(event.source, message, line, col, f"{shown} ({other})")])


class _Validator:
    def __init__(self, name: str) -> None:
        self.name = name
        self.problems: list[Problem] = []
        self.warnings: list[str] = []
        self.written: dict[tuple[str, ...], tuple[str, Node]] = {}  # canonical path → (path as written, node)

    def error(self, line: int, col: int, key: str | None, message: str) -> None:
        self.problems.append(Problem(self.name, message, line, col, key))

    def walk_group(self, node: Node, group: S.Group, path: tuple[str, ...], shown: str = "") -> dict[str, Any]:
        facts: dict[str, Any] = {}
        if node.kind != "map":
            label = self._label(path, shown)
            self.error(node.line, node.col, label, f"expected a mapping of keys, found {_found(node)}")
            return facts
        lookup = {k: k for k in group.fields} | {f.alias: k for k, f in group.fields.items()}
        seen: dict[str, Entry] = {}
        for key, entry in node.value.items():
            canon = lookup.get(key.strip())
            where = f"{shown}.{key}" if shown else key
            if canon is None:
                self.error(entry.key_line, entry.key_col, None, _unknown_key(key, where, lookup))
                continue
            if canon in seen:
                other = seen[canon].key
                self.error(entry.key_line, entry.key_col, where, f"given twice (also as {other!r})")
                continue
            seen[canon] = entry
            child = group.fields[canon]
            cpath = path + (canon,)
            if isinstance(child, S.Group):
                if entry.node.kind == "scalar" and entry.node.value is None:
                    continue
                facts.update(self.walk_group(entry.node, child, cpath, where))
            else:
                self.written[cpath] = (where, entry.node)
                value = self.leaf(entry.node, child, cpath, where)
                if value is not None:
                    facts[".".join(cpath)] = value
        return facts

    def _label(self, path: tuple[str, ...], shown: str) -> str:
        other = S.alias_of(path) if path else ""
        last = shown.split(".")[-1] if shown else ""
        alt = path[-1] if path and last == other else other
        return f"{shown} ({alt})" if shown and alt else shown

    def leaf(self, node: Node, f: S.Field, path: tuple[str, ...], shown: str) -> Any:
        label = self._label(path, shown)
        if node.kind == "scalar" and node.value is None:
            return None
        try:
            return _CONVERT[f.kind](node)
        except _Bad as bad:
            self.error(node.line, node.col, label, str(bad))
            return None

    def check_whole(self, root: Node, facts: dict[str, Any]) -> None:
        for path, f in S.leaves():
            if not f.required or ".".join(path) in facts or self.given(path):
                continue
            if path in self.written:  # `date:` with nothing after it
                where, node = self.written[path]
                self.error(node.line, node.col, self._label(path, where), "required, but left empty")
            else:
                self._missing(root, path)
        etype = facts.get("type")
        review = (("review", "achievements"), ("review", "cadres"))
        given = [p for p in review if facts.get(".".join(p)) not in (None, ())]  # `achievements: []` is none
        reported = [p for p in review if self.given(p) and ".".join(p) not in facts]  # a wrong value, reported
        if etype in S.REVIEW_TYPES and not given and not reported:
            self.error(
                root.line,
                root.col,
                "review (回顾)",
                f"a {etype} meeting needs review.achievements (成效) or review.cadres (人数)",
            )
        if etype and etype not in S.REVIEW_TYPES and any(k.startswith("review.") for k in facts):
            self.warnings.append(f"{self.name}: review (回顾) is not used in a {etype} speech and is ignored")
        if "options.length" in facts and "options.minutes" in facts:
            where, node = self.written[("options", "minutes")]
            self.error(
                node.line,
                node.col,
                self._label(("options", "minutes"), where),
                "give options.length (字数) or options.minutes (时长), not both",
            )
        if "meeting.name" in facts and "meeting.level" not in facts:
            level = infer_level(facts["meeting.name"])
            if level:
                facts["meeting.level"] = level
            elif not self.given(("meeting", "level")):
                where, node = self.written[("meeting", "name")]
                self.error(
                    node.line,
                    node.col,
                    "meeting.level (层级)",
                    "required: the meeting name does not show whether this is a 省/市/县/区/乡/镇 meeting",
                )

    def given(self, path: tuple[str, ...]) -> bool:
        """Was a value, not an empty one, written at path? (A wrong one has been reported already.)"""
        written = self.written.get(path)
        return written is not None and not (written[1].kind == "scalar" and written[1].value is None)

    def _missing(self, root: Node, path: tuple[str, ...]) -> None:
        """Report a missing required key at the mapping that should hold it (its key, where written)."""
        node, shown, line, col = root, [], root.line, root.col
        for part in path[:-1]:
            entry = _find(node, part)
            if entry is None or entry.node.kind != "map":
                dotted = ".".join(path)
                self.error(line, col, f"{dotted} ({S.alias_of(path)})", "required, but not given")
                return
            node, shown, line, col = entry.node, shown + [entry.key], entry.key_line, entry.key_col
        chinese = bool(shown) and not shown[-1].isascii()
        shown.append(S.alias_of(path) if chinese else path[-1])
        alt = path[-1] if chinese else S.alias_of(path)
        self.error(line, col, f"{'.'.join(shown)} ({alt})", "required, but not given")


def _find(node: Node, canon: str) -> Entry | None:
    for key, entry in node.value.items():
        if key == canon or key == _alias_for(canon):
            return entry
    return None


def _alias_for(canon: str) -> str | None:
    for _, child in S.SCHEMA.fields.items():
        if isinstance(child, S.Group) and canon in child.fields:
            return child.fields[canon].alias
    return S.SCHEMA.fields[canon].alias if canon in S.SCHEMA.fields else None


def _unknown_key(key: str, where: str, lookup: dict[str, str]) -> str:
    close = difflib.get_close_matches(key, list(lookup), n=1, cutoff=0.6)
    choices = ", ".join(dict.fromkeys(lookup.values()))
    hint = f' — did you mean "{close[0]}"?' if close else f" — expected one of: {choices}"
    return f'unknown key "{where}"{hint}'


def infer_level(name: str) -> str | None:
    """县 from 全县选派干部……会议, 市 from XX市……; None when the name shows no level."""
    m = re.search(r"全([省市县区乡镇])", name)
    if m:
        return m.group(1)
    m = re.search(r"[省市县区乡镇]", name)
    return m.group(0) if m else None


class _Bad(Exception):
    pass


def _found(node: Node) -> str:
    if node.kind == "map":
        return "a mapping"
    if node.kind == "seq":
        return "a list"
    v = node.value
    if isinstance(v, bool):
        return f"{'true' if v else 'false'}"
    if isinstance(v, int) and abs(v) >= 10**MAX_NUMBER_TEXT:
        return f"a number with more than {MAX_NUMBER_TEXT} digits"
    if isinstance(v, (int, float)):
        return str(v)
    text = str(v)
    return f'"{text[:40]}…"' if len(text) > 40 else f'"{text}"'


def clean_text(text: str) -> str:
    """Event text as a single line of data: controls and private-use marks removed."""
    out = []
    for ch in text:
        cat = unicodedata.category(ch)
        if ch in "\t\r\n\u2028\u2029":
            out.append(" ")
        elif (cat in ("Cc", "Co", "Cs", "Cf") and ch != "\u200d") or ch in "\ufffe\uffff":  # U+FFFE/F: not XML
            continue
        else:
            out.append(ch)
    return re.sub(r"\s+", " ", "".join(out)).strip()


def _text(node: Node) -> str:
    v = node.value
    if node.kind != "scalar" or isinstance(v, bool) or v is None:
        raise _Bad(f"expected text, found {_found(node)}")
    if isinstance(v, (dt.date, dt.datetime)):
        v = _cn_date(v if isinstance(v, dt.date) else v.date())
    text = clean_text(str(v))
    if not text:
        raise _Bad("expected text, found an empty value")
    if len(text) > S.MAX_TEXT:
        raise _Bad(f"text is {len(text)} characters; at most {S.MAX_TEXT} are accepted")
    return text


def _texts(node: Node) -> tuple[str, ...]:
    if node.kind == "scalar":
        return (_text(node),)
    if node.kind != "seq":
        raise _Bad(f"expected a list of short phrases, found {_found(node)}")
    if len(node.value) > S.MAX_ITEMS:
        raise _Bad(f"list has {len(node.value)} items; at most {S.MAX_ITEMS} are accepted")
    items = []
    for i, item in enumerate(node.value, 1):
        try:
            items.append(_text(item))
        except _Bad as bad:
            raise _Bad(f"item {i}: {bad}") from None
    if not items:
        return ()
    return tuple(items)


def _int(node: Node, lo: int = 0, hi: int = 1_000_000, what: str = "a whole number") -> int:
    v = node.value
    if node.kind != "scalar" or isinstance(v, bool):
        raise _Bad(f"expected {what}, found {_found(node)}")
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    if isinstance(v, int):
        n: int | None = v
    else:  # a long digit string would overflow Python's int/str conversion limit: no count needs 40 digits
        n = parse_int(str(v)) if len(str(v)) <= MAX_NUMBER_TEXT else None
    if n is None:
        raise _Bad(f"expected {what}, found {_found(node)}")
    if not lo <= n <= hi:
        raise _Bad(f"expected {what} from {lo} to {hi}, found {_found(node)}")  # as written: 一千万, 1e+308
    return n


_CN_DATE = re.compile(r"^\s*(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日?\s*$")
_ISO_DATE = re.compile(r"^\s*(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})\s*$")


def _date(node: Node) -> dt.date:
    v = node.value
    if isinstance(v, dt.datetime):
        return v.date()
    if isinstance(v, dt.date):
        return v
    if node.kind == "scalar" and isinstance(v, str):
        m = _CN_DATE.match(v.translate(str.maketrans("０１２３４５６７８９", "0123456789"))) or _ISO_DATE.match(v)
        if m:
            try:
                return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
            except ValueError:
                raise _Bad(f'no such date: "{v}"') from None
    raise _Bad(f"expected a date as YYYY-MM-DD or 2026年3月16日, found {_found(node)}")


def _cn_date(d: dt.date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


def _choice(node: Node, table: dict[str, str], allowed: tuple[str, ...], what: str) -> str:
    v = node.value
    if node.kind == "scalar" and isinstance(v, str):
        key = v.strip()
        if key in allowed:
            return key
        if key in table:
            return table[key]
    shown = " | ".join(allowed)
    raise _Bad(f"expected {what}: {shown}, found {_found(node)}")


def _type(node: Node) -> str:
    return _choice(node, S.TYPE_ALIASES, S.MEETING_TYPES, "one of")


def _level(node: Node) -> str:
    v = node.value
    if node.kind == "scalar" and isinstance(v, str):
        s = v.strip().removesuffix("级")
        if s in S.LEVELS:
            return s
    raise _Bad(f"expected one of: {' | '.join(S.LEVELS)}, found {_found(node)}")


def _style(node: Node) -> str:
    v = node.value
    if node.kind != "scalar" or not isinstance(v, str) or not re.fullmatch(r"[\w\-]{1,40}", v.strip()):
        raise _Bad(f"expected a style name such as formal, warm or concise, found {_found(node)}")
    return v.strip()


def _filename(node: Node) -> str:
    text = _text(node)
    if "/" in text or "\\" in text or text in (".", "..") or text.startswith("."):
        raise _Bad(f'expected a file name, not a path, found "{text}"')
    return text


_CONVERT: dict[str, Any] = {
    "text": _text,
    "texts": _texts,
    "int": _int,
    "date": _date,
    "level": _level,
    "type": _type,
    "style": _style,
    "filename": _filename,
    "points": lambda n: _int(n, *S.POINTS_RANGE, what="a number of main points"),
    "length": lambda n: _int(n, *S.LENGTH_RANGE, what="a number of characters"),
    "minutes": lambda n: _int(n, *S.MINUTES_RANGE, what="a number of minutes"),
    "seed": lambda n: _int(n, 0, 2**32 - 1, what="a whole-number seed"),
}

__all__ = ["Event", "load_event", "validate", "infer_level", "clean_text", "located"]
