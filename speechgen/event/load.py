"""Load and validate an event file (or a parsed mapping) into an ``Event``.

Every problem in a file is collected before anything is raised, and each names
``file:line:col`` and the key as the user wrote it.
"""

from __future__ import annotations

import dataclasses
import difflib
import re
from pathlib import Path
from typing import Any

from speechgen.errors import InputError, Problem
from speechgen.event import schema as S
from speechgen.event.model import Event
from speechgen.event.slips import typing_slips
from speechgen.event.values import CONVERTERS, Bad, found
from speechgen.event.yamlsafe import Entry, Node, parse_event_text, read_text_noted
from speechgen.i18n import _


def load_event(path: str | Path, display: str | None = None) -> Event:
    """Read and validate one event file."""
    p = Path(path)
    name = display or str(path)
    text, note = read_text_noted(p, name)
    slips = typing_slips(text, name)
    if slips:
        raise InputError(slips)
    root, problems = parse_event_text(text, name)
    return noted(validate(root, name, problems=problems), note)


def noted(event: Event, note: str | None) -> Event:
    """The event with a note on how its file was read (GBK) before its other warnings."""
    return dataclasses.replace(event, warnings=(note, *event.warnings)) if note else event


def validate(
    root: Node, name: str, overrides: dict[str, Any] | None = None, problems: list[Problem] | None = None
) -> Event:
    """Check a parsed mapping against the schema; raise InputError with every problem (those found while
    reading the YAML, `problems`, first)."""
    v = _Validator(name)
    v.problems.extend(problems or ())
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


def check(root: Node, name: str, *, assume_given: frozenset[str] = frozenset()) -> list[Problem]:
    """The problems validate would raise, with the fields in assume_given (dotted paths) taken as given.

    For a spreadsheet whose header row lacks a column that every meeting needs: the header reports it
    once, and its rows are checked for everything else instead of each repeating it.
    """
    v = _Validator(name, assume_given)
    v.check_whole(root, v.walk_group(root, S.SCHEMA, ()))
    return v.problems


class _Validator:
    def __init__(self, name: str, assume_given: frozenset[str] = frozenset()) -> None:
        self.name = name
        self.assumed = assume_given
        self.problems: list[Problem] = []
        self.warnings: list[str] = []
        self.written: dict[tuple[str, ...], tuple[str, Node]] = {}  # canonical path → (path as written, node)

    def error(self, line: int, col: int, key: str | None, message: str) -> None:
        self.problems.append(Problem(self.name, message, line, col, key))

    def walk_group(self, node: Node, group: S.Group, path: tuple[str, ...], shown: str = "") -> dict[str, Any]:
        facts: dict[str, Any] = {}
        if node.kind != "map":
            label = self._label(path, shown)
            self.error(
                node.line, node.col, label, _("expected a mapping of keys, found {found}").format(found=found(node))
            )
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
                self.error(
                    entry.key_line, entry.key_col, where, _("given twice (also as {other!r})").format(other=other)
                )
                continue
            seen[canon] = entry
            child = group.fields[canon]
            cpath = path + (canon,)
            if entry.node.kind == "bad":  # refused when read, and reported then: given, not to be judged again
                self.written[cpath] = (where, entry.node)
                continue
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
            return CONVERTERS[f.kind](node)
        except Bad as bad:
            self.error(node.line, node.col, label, str(bad))
            return None

    def check_whole(self, root: Node, facts: dict[str, Any]) -> None:
        for path, f in S.leaves():
            if not f.required or ".".join(path) in facts or self.given(path) or ".".join(path) in self.assumed:
                continue
            if any(self.written.get(path[:i], ("", root))[1].kind == "bad" for i in range(1, len(path))):
                continue  # its group was refused when read
            if path in self.written:  # `date:` with nothing after it
                where, node = self.written[path]
                self.error(node.line, node.col, self._label(path, where), _("required, but left empty"))
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
                _("a {etype} meeting needs review.achievements (成效) or review.cadres (人数)").format(etype=etype),
            )
        if etype and etype not in S.REVIEW_TYPES and any(k.startswith("review.") for k in facts):
            self.warnings.append(
                _("{name}: review (回顾) is not used in a {etype} speech and is ignored").format(
                    name=self.name, etype=etype
                )
            )
        if "options.length" in facts and "options.minutes" in facts:
            where, node = self.written[("options", "minutes")]
            self.error(
                node.line,
                node.col,
                self._label(("options", "minutes"), where),
                _("give options.length (字数) or options.minutes (时长), not both"),
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
                    _("required: the meeting name does not show whether this is a 省/市/县/区/乡/镇 meeting"),
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
                self.error(line, col, f"{dotted} ({S.alias_of(path)})", _("required, but not given"))
                return
            node, shown, line, col = entry.node, shown + [entry.key], entry.key_line, entry.key_col
        chinese = bool(shown) and not shown[-1].isascii()
        shown.append(S.alias_of(path) if chinese else path[-1])
        alt = path[-1] if chinese else S.alias_of(path)
        self.error(line, col, f"{'.'.join(shown)} ({alt})", _("required, but not given"))


def _find(node: Node, canon: str) -> Entry | None:
    for key, entry in node.value.items():
        if key == canon or key == _alias_for(canon):
            return entry
    return None


def _alias_for(canon: str) -> str | None:
    for _name, child in S.SCHEMA.fields.items():
        if isinstance(child, S.Group) and canon in child.fields:
            return child.fields[canon].alias
    return S.SCHEMA.fields[canon].alias if canon in S.SCHEMA.fields else None


def _unknown_key(key: str, where: str, lookup: dict[str, str]) -> str:
    chinese = not key.isascii()  # a Chinese key gets the Chinese names, and a looser match (名字 → 名称)
    names = [k for k in lookup if k.isascii() != chinese]
    close = difflib.get_close_matches(key, names, n=1, cutoff=0.5 if chinese else 0.6)
    close = close or difflib.get_close_matches(key, list(lookup), n=1, cutoff=0.6)
    choices = ", ".join(names) if chinese else ", ".join(dict.fromkeys(lookup.values()))
    if close:
        return _('unknown key "{key}" — did you mean "{close}"?').format(key=where, close=close[0])
    return _('unknown key "{key}" — expected one of: {choices}').format(key=where, choices=choices)


def infer_level(name: str) -> str | None:
    """县 from 全县选派干部……会议, 市 from XX市……; None when the name shows no level."""
    m = re.search(r"全([省市县区乡镇])", name)
    if m:
        return m.group(1)
    m = re.search(r"[省市县区乡镇]", name)
    return m.group(0) if m else None
