"""A rendered variant becomes a Sentence: data marks stripped, the bank's own punctuation made full-width.

Shared by the composer (sentences from banks) and the tree builder (literal template text).
"""

from __future__ import annotations

import re
from typing import Any

from speechgen.compose.jinjaenv import DATA_CLOSE, DATA_OPEN
from speechgen.draft import Sentence, han_runs

GRAM = 8  # a "phrase": eight Han characters in a row; no phrase twice in a draft
_DATA = re.compile(f"{DATA_OPEN}(.*?){DATA_CLOSE}", re.S)
_SPLIT = re.compile(f"({DATA_OPEN}.*?{DATA_CLOSE})", re.S)
_ASCII_PUNCT = str.maketrans({",": "，", ";": "；", ":": "：", "!": "！", "?": "？", "(": "（", ")": "）"})


def grams_of(text: str, words: frozenset[str] = frozenset()) -> set[str]:
    """The 8-character Han runs of a text, event facts left out (facts may repeat; `words` may not)."""
    plain = _DATA.sub(lambda m: m.group(1) if m.group(1) in words else "|", text)
    return set(han_runs(plain, GRAM))


def to_sentence(rendered: str, slot: str, source: str, **flags: Any) -> Sentence:
    """Strip data marks; fix ASCII punctuation in the bank's own words, never inside event data."""
    text, data = [], []
    for part in _SPLIT.split(rendered):
        if part.startswith(DATA_OPEN):
            value = part[1:-1]
            data.append(value)
            text.append(value)
        else:
            text.append(part.translate(_ASCII_PUNCT).replace(" ", ""))
    return Sentence("".join(text).strip(), slot, source, data=tuple(data), **flags)
