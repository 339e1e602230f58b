"""A rendered variant becomes a Sentence: data marks stripped, the bank's own punctuation made full-width.

Shared by the composer (sentences from banks) and the tree builder (literal template text).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Set
from typing import Any

from speechgen.compose.jinjaenv import DATA_CLOSE, DATA_OPEN
from speechgen.draft import Sentence, han_count, han_runs

GRAM = 8  # a "phrase": eight Han characters in a row; no phrase twice in a draft
FRESH_GRAM = 12  # a sentence of an office's earlier speech: twelve Han characters in a row
_DATA = re.compile(f"{DATA_OPEN}(.*?){DATA_CLOSE}", re.S)
_SPLIT = re.compile(f"({DATA_OPEN}.*?{DATA_CLOSE})", re.S)
_DOUBLED = re.compile(r"(党外干部|工作|锻炼|干部)\1")  # 考核工作 + 工作: a word's name ending where the bank adds it
_ASCII_PUNCT = str.maketrans({",": "，", ";": "；", ":": "：", "!": "！", "?": "？", "(": "（", ")": "）"})


def grams_of(text: str, words: frozenset[str] = frozenset(), n: int = GRAM) -> Set[str]:
    """The n-character Han runs of a text, event facts left out (facts may repeat; `words` may not)."""
    if DATA_OPEN not in text:
        return _plain_grams(text, n)
    plain = _DATA.sub(lambda m: m.group(1) if m.group(1) in words else "|", text)
    return set(han_runs(plain, n))


@functools.lru_cache(maxsize=16384)  # bank text without event data: the same in every draft of a batch
def _plain_grams(text: str, n: int) -> frozenset[str]:
    return frozenset(han_runs(text, n))


def text_grams(text: str, n: int = FRESH_GRAM) -> set[str]:
    """The n-character Han runs of plain text (an earlier draft read back from a file)."""
    return set(han_runs(text, n))


SENTENCE_MARK = "§"  # in an avoid set: a whole sentence, beside the 12-character runs
_SENTENCES = re.compile(r"(?<=[。！？；])")
_ENUMERATION = re.compile(r"^(?:[一二三四五六七八九十]+是|[一二三四五六七八九十]+、|（[一二三四五六七八九十]+）)")


def said_sentences(text: str) -> set[str]:
    """The sentences of a text an audience would recognise as said before: twelve Han characters or more,
    compared without their 一是/二是 (as the avoid set holds them, marked)."""
    out = set()
    for piece in _SENTENCES.split(text):
        piece = _ENUMERATION.sub("", piece.strip()).rstrip("。！？；")  # an item's lead gets its 。 later
        if han_count(piece) >= FRESH_GRAM:
            out.add(SENTENCE_MARK + piece)
    return out


def to_sentence(rendered: str, slot: str, source: str, **flags: Any) -> Sentence:
    """Strip data marks; fix ASCII punctuation in the bank's own words, never inside event data."""
    if DATA_OPEN not in rendered:
        return Sentence(_plain_text(rendered), slot, source, **flags)
    text, data = [], []
    for part in _SPLIT.split(rendered):
        if part.startswith(DATA_OPEN):
            value = part[1:-1]
            data.append(value)
            text.append(value)
        else:
            text.append(part.translate(_ASCII_PUNCT).replace(" ", ""))
    return Sentence(_DOUBLED.sub(r"\1", "".join(text).strip()), slot, source, data=tuple(data), **flags)


@functools.lru_cache(maxsize=16384)
def _plain_text(rendered: str) -> str:
    return _DOUBLED.sub(r"\1", rendered.translate(_ASCII_PUNCT).replace(" ", "").strip())
