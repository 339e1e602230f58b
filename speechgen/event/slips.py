"""The slips a Chinese input method makes in an event file, found before YAML reads it.

YAML reads ``名称：全县……`` (a full-width colon), ``名称:全县……`` (no space after the colon) and a line
indented with full-width spaces (U+3000) as plain text, and then complains a line later about something
else. Each slip is named here at its own line and column, with the fix. A line counts only when what
stands before the colon is a key of the event file (English or Chinese), so values that contain a colon
(``县委书记：作重要讲话``) are never taken for a slip.
"""

from __future__ import annotations

import re

from speechgen.errors import Problem
from speechgen.event import schema as S
from speechgen.i18n import _

_LINE = re.compile(r"^(?P<indent>[ \u3000]*)(?P<key>[^\s:：#\-\"'\[{][^\s:：#]*)[ \u3000]*(?P<colon>[:：])")


_BLOCK = re.compile(r"(?:^|[:\-])\s+[|>][-+0-9]*\s*(?:#.*)?$")


def _key_names() -> frozenset[str]:
    names: set[str] = set()

    def walk(group: S.Group) -> None:
        for key, child in group.fields.items():
            names.update((key, child.alias))
            if isinstance(child, S.Group):
                walk(child)

    walk(S.SCHEMA)
    return frozenset(names)


KEYS = _key_names()


def typing_slips(text: str, name: str) -> list[Problem]:
    """A Problem for every full-width colon after a key, key without a space after its colon, and
    indentation with full-width spaces, at the line and column of the slip."""
    problems = []
    in_block = None  # the indentation of a `|` or `>` block scalar, whose lines are text
    for number, line in enumerate(text.splitlines(), 1):
        indent = len(line) - len(line.lstrip(" \u3000"))
        if in_block is not None:
            if not line.strip() or indent > in_block:
                continue
            in_block = None
        if "\u3000" in line[:indent] and line.strip():
            col = line.index("\u3000") + 1
            problems.append(Problem(name, _fullwidth_indent(number), number, col))
        if _BLOCK.search(line):  # `key: |` or `- >`: the lines under it are text
            in_block = indent
        m = _LINE.match(line)
        if m and m.group("key") in KEYS:
            key, colon = m.group("key"), m.start("colon")
            rest = line[colon + 1 :]
            if m.group("colon") == "：":
                problems.append(Problem(name, _fullwidth_colon(number, key), number, colon + 1))
            elif rest and not rest[0].isspace():
                problems.append(Problem(name, _no_space(number, key), number, colon + 1))

    return problems


def _fullwidth_colon(line: int, key: str) -> str:
    return _('after "{key}" on line {line} is a Chinese colon "："; write an English colon and a space ": "').format(
        key=key, line=line
    )


def _no_space(line: int, key: str) -> str:
    return _('the colon after "{key}" on line {line} has no space after it; write ": " (a colon and a space)').format(
        key=key, line=line
    )


def _fullwidth_indent(line: int) -> str:
    return _('line {line} is indented with full-width spaces "　"; indent with ordinary (half-width) spaces').format(
        line=line
    )
