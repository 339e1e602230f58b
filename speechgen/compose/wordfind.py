"""Which groups of a word table a text mentions, in one pass of the text.

``{group for group, words in table.items() if any(w in text for w in words)}`` tests every word of every
group against every sentence: the checker spent most of a large draft's time there. One regular
expression of all the words, tried at every position (a lookahead, longest word first), finds the same
groups: when a long word matches, every word inside it is credited too, so nothing found by ``in`` is lost.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

_FINDERS: dict[int, tuple[object, re.Pattern[str] | None, dict[str, frozenset[str]]]] = {}


def groups_in(text: str, table: Mapping[str, Iterable[str]]) -> set[str]:
    """The groups of table with at least one of their words in text (the same set as the `in` test)."""
    entry = _FINDERS.get(id(table))
    if entry is None or entry[0] is not table:
        entry = _FINDERS[id(table)] = (table, *_finder(table))
    _, pattern, owners = entry
    if pattern is None:
        return set()
    found: set[str] = set()
    for m in pattern.finditer(text):
        found |= owners[m.group(1)]
    return found


def _finder(table: Mapping[str, Iterable[str]]) -> tuple[re.Pattern[str] | None, dict[str, frozenset[str]]]:
    direct: dict[str, set[str]] = {}
    for group, words in table.items():
        for w in words:
            if w:
                direct.setdefault(w, set()).add(group)
    if not direct:
        return None, {}
    owners = {w: frozenset(g for v, gs in direct.items() if v in w for g in gs) for w in direct}
    alternatives = "|".join(re.escape(w) for w in sorted(direct, key=len, reverse=True))
    return re.compile(f"(?=({alternatives}))"), owners
