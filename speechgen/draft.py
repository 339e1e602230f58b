"""The Draft: a plain tree of a speech, with numbering and statistics.

Templates and banks never type heading numbers, the announced count or
enumeration words; ``finalise`` applies them on the tree, so the count said in
「下面,我讲三点意见」 always equals the sections that follow.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from speechgen.event.model import FrozenMap
from speechgen.event.numerals import liang, to_chinese
from speechgen.event.schema import DEFAULT_RATE

COUNT_MARK = "\ue010"  # stands for the number of level-1 sections until finalise()
# Runs of Han characters (CJK Unified Ideographs, Extension A, Compatibility): the one Han pattern, since
# compiling a class this wide costs milliseconds of every run.
HAN_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
HEADING1 = re.compile(r"^\s*([一二三四五六七八九十]+)、")  # 一、 as printed (the checker and the reader)
HEADING2 = re.compile(r"^\s*[（(]([一二三四五六七八九十]+)[）)]")  # （一）
JSON_FORMAT, JSON_VERSION = "speechgen.draft", 1


@dataclass
class Sentence:
    """One piece of text and where it came from: the choice it was, so that it can be chosen again."""

    text: str
    slot: str = ""  # bank slot, "" for template text
    source: str = ""  # "phrasebanks/common.yaml:12" or "templates/base.j2"
    optional: bool = False  # may be dropped to meet a length target
    item: bool = False  # an enumerated item: 一是…二是… is put in front by finalise()
    data: tuple[str, ...] = ()  # event values inside the text (facts may repeat; phrases may not)
    prefix: str = ""  # set by finalise() for items
    place: str = ""  # where in the draft the choice was made: "opening.announce#0" ("" for template text)
    variant: str = ""  # the bank text chosen there (a fixed choice names it)
    topic: str = ""  # the topic of the unit it belongs to ("" outside units)

    @property
    def shown(self) -> str:
        return self.prefix + self.text


@dataclass
class Paragraph:
    sentences: list[Sentence] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "".join(s.shown for s in self.sentences)


@dataclass
class Point:
    """A level-2 part of a section: （一）heading, then paragraphs."""

    heading: Sentence
    paragraphs: list[Paragraph] = field(default_factory=list)
    number: str = ""

    @property
    def title(self) -> str:
        return self.number + self.heading.text


@dataclass
class Section:
    """A level-1 part of the body: 一、heading, then paragraphs and points."""

    heading: Sentence
    blocks: list[Paragraph | Point] = field(default_factory=list)
    number: str = ""
    key: str = ""
    topics: tuple[str, ...] = ()  # the topics of its units: no two sections of a draft share one

    @property
    def title(self) -> str:
        return self.number + self.heading.text

    def paragraphs(self) -> Iterator[Paragraph]:
        for block in self.blocks:
            if isinstance(block, Point):
                yield from block.paragraphs
            else:
                yield block


@dataclass(frozen=True)
class DraftInfo:
    """What a draft knows of itself: how it was made and what it could not do. Read-only."""

    type: str = ""
    style: str = ""
    seed: int = 0
    points: int = 0
    target: int = 0  # Han characters aimed at
    han_characters: int = 0
    minutes: float = 0.0
    rate: int = DEFAULT_RATE
    meeting: str = ""  # the meeting's name
    date: str = ""  # the meeting date, ISO
    author: str = ""  # speaker, organiser or title: the document's author
    mark_missing: bool = False
    missing: FrozenMap = field(default_factory=lambda: FrozenMap({}))  # path → alias
    warnings: tuple[str, ...] = ()
    unused_choices: tuple[str, ...] = ()  # fixed choices whose place or variant this draft does not have
    unused_facts: tuple[tuple[str, str], ...] = ()  # (path, value) the event gives and no sentence uses
    avoided: int = 0  # variants passed over because an earlier draft (--history, the batch) said them
    exhausted: tuple[str, ...] = ()  # slots where every variant had been said before
    family: str = ""  # the kind of work: posting, exchange, village, team, other
    direction: str = ""  # down, up, both, any
    speaker_role: str = ""  # principal, deputy, department

    def to_dict(self) -> dict[str, Any]:
        return {
            "type": self.type,
            "style": self.style,
            "seed": self.seed,
            "points": self.points,
            "target": self.target,
            "rate": self.rate,
            "meeting": self.meeting,
            "date": self.date,
            "missing": dict(self.missing),
            "warnings": list(self.warnings),
            "unused_facts": [list(f) for f in self.unused_facts],
            "family": self.family,
            "direction": self.direction,
            "speaker_role": self.speaker_role,
        }


@dataclass
class Draft:
    title: str
    speaker_line: str
    date_line: str
    salutation: str
    opening: list[Paragraph] = field(default_factory=list)
    sections: list[Section] = field(default_factory=list)
    closing: list[Paragraph] = field(default_factory=list)
    info: DraftInfo = field(default_factory=DraftInfo)

    def paragraphs(self) -> Iterator[Paragraph]:
        """Every body paragraph in reading order (headings excluded)."""
        yield from self.opening
        for section in self.sections:
            yield from section.paragraphs()
        yield from self.closing

    def printed(self) -> Iterator[tuple[str, list[Sentence]]]:
        """(kind, sentences) for every printed line, in order: the one walk of the tree that every
        writer uses. Head lines are one plain sentence; headings carry their number."""
        for kind, text in (
            ("title", self.title),
            ("speaker", self.speaker_line),
            ("date", self.date_line),
            ("salutation", self.salutation),
        ):
            yield kind, [Sentence(text)]
        for p in self.opening:
            yield "body", p.sentences
        for section in self.sections:
            yield "heading1", [_numbered(section.number, section.heading)]
            for block in section.blocks:
                if isinstance(block, Point):
                    yield "heading2", [_numbered(block.number, block.heading)]
                    for p in block.paragraphs:
                        yield "body", p.sentences
                else:
                    yield "body", block.sentences
        for p in self.closing:
            yield "body", p.sentences

    def sentences(self) -> Iterator[Sentence]:
        """Every sentence of the speech proper (headings included, head lines not), in reading order."""
        for s in self.opening:
            yield from s.sentences
        for section in self.sections:
            yield section.heading
            for block in section.blocks:
                if isinstance(block, Point):
                    yield block.heading
                    for p in block.paragraphs:
                        yield from p.sentences
                else:
                    yield from block.sentences
        for p in self.closing:
            yield from p.sentences

    def lines(self) -> Iterator[tuple[str, str]]:
        """(kind, text) for every line of the speech as it is printed."""
        for kind, sentences in self.printed():
            yield kind, "".join(s.shown for s in sentences)

    def spoken_text(self) -> str:
        """What the speaker reads aloud: everything after the date line."""
        return "\n".join(text for kind, text in self.lines() if kind not in ("title", "speaker", "date"))

    def han_count(self) -> int:
        return han_count(self.spoken_text())

    def minutes(self, rate: int = DEFAULT_RATE) -> float:
        return round(self.han_count() / rate, 1)

    def to_dict(self) -> dict[str, Any]:
        """The JSON form, documented in docs/json-format.md (its version changes when a field does)."""
        return {
            "format": JSON_FORMAT,
            "version": JSON_VERSION,
            "title": self.title,
            "speaker_line": self.speaker_line,
            "date_line": self.date_line,
            "salutation": self.salutation,
            "opening": [_para_dict(p) for p in self.opening],
            "sections": [
                {
                    "number": s.number,
                    "heading": s.heading.text,
                    "key": s.key,
                    "topics": list(s.topics),
                    "blocks": [_block_dict(b) for b in s.blocks],
                }
                for s in self.sections
            ],
            "closing": [_para_dict(p) for p in self.closing],
            "stats": {"han_characters": self.han_count(), "minutes": self.minutes(self.info.rate)},
            "info": self.info.to_dict(),
        }


def _numbered(number: str, heading: Sentence) -> Sentence:
    return Sentence(number + heading.text, heading.slot, heading.source, place=heading.place, variant=heading.variant)


def _para_dict(p: Paragraph) -> dict[str, Any]:
    return {"text": p.text, "sentences": [_sentence_dict(s) for s in p.sentences]}


def _sentence_dict(s: Sentence) -> dict[str, Any]:
    return {
        "text": s.shown,
        "slot": s.slot,
        "source": s.source,
        "place": s.place,
        "optional": s.optional,
        "item": s.item,
    }


def _block_dict(b: Paragraph | Point) -> dict[str, Any]:
    if isinstance(b, Point):
        return {"point": b.number, "heading": b.heading.text, "paragraphs": [_para_dict(p) for p in b.paragraphs]}
    return _para_dict(b)


def han_count(text: str) -> int:
    return sum(map(len, HAN_RUN.findall(text)))


def han_runs(text: str, n: int) -> list[str]:
    """Every run of n consecutive Han characters, in order, once each: the unit of a "phrase" when
    composing (no phrase twice) and when checking a finished draft."""
    runs: dict[str, None] = {}
    for seg in HAN_RUN.findall(text):
        for i in range(len(seg) - n + 1):
            runs.setdefault(seg[i : i + n])
    return list(runs)


VOCATIVE = "同志们，"


def finalise(draft: Draft) -> Draft:
    """Apply numbering, enumeration words and the announced count on the tree."""
    for p in draft.paragraphs():
        _one_vocative(p)
    for s in draft.sentences():
        s.text = with_count(s.text, len(draft.sections))
    for i, section in enumerate(draft.sections, 1):
        section.number = f"{to_chinese(i)}、"
        points = [b for b in section.blocks if isinstance(b, Point)]
        for j, point in enumerate(points, 1):
            point.number = f"（{to_chinese(j)}）"
            _enumerate(point.paragraphs)
        _enumerate([b for b in section.blocks if isinstance(b, Paragraph)])
    _enumerate(draft.opening)
    _enumerate(draft.closing)
    return draft


def with_count(text: str, sections: int) -> str:
    """The announced count (「讲三点意见」, 「讲两点意见」) written in, as the draft has that many sections."""
    return liang(text.replace(COUNT_MARK, to_chinese(sections))) if COUNT_MARK in text else text


def _one_vocative(p: Paragraph) -> None:
    """「同志们，」 opens a paragraph once: the first sentence that has it goes first, later ones lose it."""
    with_it = [s for s in p.sentences if s.text.startswith(VOCATIVE) and not s.item]
    if not with_it:
        return
    first = with_it[0]
    if p.sentences[0] is not first:
        p.sentences.remove(first)
        p.sentences.insert(0, first)
    for s in with_it[1:]:
        s.text = s.text[len(VOCATIVE) :]


def _enumerate(paragraphs: list[Paragraph]) -> None:
    n = 0
    for p in paragraphs:
        for s in p.sentences:
            if s.item:
                n += 1
                s.prefix = f"{to_chinese(n)}是"
