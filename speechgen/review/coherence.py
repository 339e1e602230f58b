"""Does each paragraph develop one point? Headings that keep their promise, paragraphs that stay on their
subject, sections that do not overlap, praise that a named shortcoming does not contradict.

A draft speechgen made knows the topic of every sentence and section, and is checked by them; a draft read
back from a file is checked through the lexicon's concepts (a concept and the words that say it).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from speechgen.compose.setting import concepts_in
from speechgen.draft import HEADING1, HEADING2, Draft
from speechgen.event.model import Event
from speechgen.i18n import _

_SENTENCES = re.compile(r"(?<=[。！？])")
_PRAISE = re.compile(r"严守|做到了|良好|有力|有效|紧密|顺畅|到位|扎实|赢得|值得肯定|充分肯定|值得称赞|很好|稳定|主动")
_WEAK = re.compile(r"不够|不足|还不|问题|个别|少数|改进|加强|针对|差距|短板|薄弱|不稳|不紧")


@dataclass(frozen=True)
class Hit:
    """A finding before it becomes a checker Finding: (severity, code, message, line index, excerpt)."""

    severity: str
    code: str
    message: str
    index: int  # 0-based into the lines
    excerpt: str


def _level(kind: str, text: str) -> int:
    if kind == "heading1" or HEADING1.match(text):
        return 1
    return 2 if kind == "heading2" or HEADING2.match(text) else 0


def _blocks(lines: Sequence[tuple[str, str]]) -> list[tuple[int, int, list[int]]]:
    """(heading index, level, body line indexes) for every heading."""
    out = []
    for i, (kind, text) in enumerate(lines):
        level = (
            1 if kind == "heading1" or HEADING1.match(text) else 2 if kind == "heading2" or HEADING2.match(text) else 0
        )
        if not level or kind in ("title", "speaker", "date"):
            continue
        body = []
        for j in range(i + 1, len(lines)):
            k2, t2 = lines[j]
            l2 = _level(k2, t2)
            if l2 and l2 <= level:
                break
            if not l2:
                body.append(j)
        out.append((i, level, body))
    return out


def heading_promises(lines: Sequence[tuple[str, str]], concepts: dict[str, list[str]]) -> Iterable[Hit]:
    for i, _level, body in _blocks(lines):
        heading = lines[i][1]
        text = "".join(lines[j][1] for j in body)
        for c in sorted(concepts_in(heading, concepts)):
            if text and not any(w in text for w in concepts[c]):
                said = next(w for w in concepts[c] if w in heading)
                yield Hit(
                    "warning",
                    "heading-promise",
                    _("the heading promises 「{said}」, which its paragraphs never take up").format(said=said),
                    i,
                    heading[:24],
                )


def topic_shifts(lines: Sequence[tuple[str, str]], concepts: dict[str, list[str]]) -> Iterable[Hit]:
    """A paragraph whose first sentence and a later one speak of different things, neither of which the
    other sentences share (「二是……增长才干。良好的团队意识也很关键。」)."""
    heading = ""
    for i, (kind, text) in enumerate(lines):
        if kind in ("heading1", "heading2") or HEADING1.match(text) or HEADING2.match(text):
            heading = text
            continue
        if kind != "body":
            continue
        sentences = [s for s in _SENTENCES.split(text) if s.strip()]
        if len(sentences) < 2:
            continue
        sets = [concepts_in(s, concepts) for s in sentences]
        promised = concepts_in(heading, concepts)
        if sets[0] & promised:
            continue  # it opens on what its heading names: what follows develops that, not something else
        first = sets[0] - promised
        if not first:
            continue
        for s, found in zip(sentences[1:], sets[1:], strict=False):
            new = found - first - concepts_in(heading, concepts)
            if new and not (found & first) and not any(first & other for other in sets[1:]):
                yield Hit(
                    "warning",
                    "topic-shift",
                    _("the paragraph turns from {first} to {new}").format(
                        first="/".join(sorted(first)), new="/".join(sorted(new))
                    ),
                    i,
                    s.strip()[:24],
                )
                break


def section_overlaps(lines: Sequence[tuple[str, str]], concepts: dict[str, list[str]]) -> Iterable[Hit]:
    seen: dict[str, int] = {}
    for i, level, _text in _blocks(lines):
        if level != 1:
            continue
        for c in sorted(concepts_in(lines[i][1], concepts)):
            if c in seen:
                yield Hit(
                    "warning",
                    "section-overlap",
                    _("two sections on one subject ({c}); the first is ¶{value}").format(c=c, value=seen[c] + 1),
                    i,
                    lines[i][1][:24],
                )
            else:
                seen[c] = i


def contradicted_praise(lines: Sequence[tuple[str, str]], event: Event, claims: dict[str, list[str]]) -> Iterable[Hit]:
    """Praise of what the event names as a shortcoming (「严守到岗规定」 beside 「到岗不够稳定」)."""
    shortcomings = event.get("review.shortcomings") or ()
    for short in shortcomings:
        for claim, words in claims.items():
            if not any(w in short for w in words):
                continue
            for i, (kind, text) in enumerate(lines):
                if kind != "body" or short in text:
                    continue
                for s in _SENTENCES.split(text):
                    if any(w in s for w in words) and _PRAISE.search(s) and not _WEAK.search(s):
                        yield Hit(
                            "warning",
                            "contradicted-praise",
                            _("praises {claim}, which the event names as a shortcoming (「{short}」)").format(
                                claim=claim, short=short
                            ),
                            i,
                            s.strip()[:24],
                        )
                        break


def structural(draft: Draft) -> list[tuple[str, str, str, str]]:
    """(severity, code, message, excerpt) from what a generated draft knows of its sentences."""
    out = []
    seen: dict[str, str] = {}
    for section in draft.sections:
        for topic in section.topics:
            if topic in seen:
                out.append(
                    (
                        "warning",
                        "section-overlap",
                        _("two sections on the topic {topic}").format(topic=topic),
                        section.heading.text[:24],
                    )
                )
            seen.setdefault(topic, section.heading.text)
    for p in draft.paragraphs():
        topics = {s.topic for s in p.sentences if s.topic}
        if len(topics) > 1:
            out.append(
                (
                    "warning",
                    "topic-shift",
                    _("a paragraph mixes topics {topics}").format(topics="/".join(sorted(topics))),
                    p.sentences[0].text[:24],
                )
            )
    return out
